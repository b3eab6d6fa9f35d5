/**
 * Bootstrap tokens as kubeadm defines them
 * (https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/): a token is
 * `<token-id>.<token-secret>`, `[a-z0-9]{6}.[a-z0-9]{16}`, stored as a Secret named
 * `bootstrap-token-<token-id>` of type `bootstrap.kubernetes.io/token` in `kube-system`, with
 * `data` keys `token-id`, `token-secret`, `expiration` (RFC 3339), `usage-bootstrap-*` and
 * `description`. Pure.
 *
 * @module
 */

/** A token split in its parts. */
export interface BootstrapToken {
  /** The public id, 6 characters `[a-z0-9]`. */
  id: string;
  /** The secret, 16 characters `[a-z0-9]`. */
  secret: string;
}

/** The Secret type of bootstrap tokens. */
export const BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token";

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomText(n: number): string {
  let out = "";
  while (out.length < n) {
    for (const b of crypto.getRandomValues(new Uint8Array(n))) {
      if (b < 252 && out.length < n) out += alphabet[b % 36];
    }
  }
  return out;
}

/**
 * A new random token (unbiased over `[a-z0-9]`).
 *
 * @example
 * ```ts
 * import { generateBootstrapToken, formatBootstrapToken } from "./bootstrap_token.ts";
 * import assert from "node:assert/strict";
 * assert.match(formatBootstrapToken(generateBootstrapToken()), /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
 * ```
 */
export function generateBootstrapToken(): BootstrapToken {
  return { id: randomText(6), secret: randomText(16) };
}

/** `<id>.<secret>`. */
export function formatBootstrapToken(t: BootstrapToken): string {
  return `${t.id}.${t.secret}`;
}

/**
 * Parses `<id>.<secret>`; throws `TypeError` naming the expected format.
 *
 * @example
 * ```ts
 * import { parseBootstrapToken } from "./bootstrap_token.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseBootstrapToken("abcdef.0123456789abcdef"), { id: "abcdef", secret: "0123456789abcdef" });
 * assert.throws(() => parseBootstrapToken("ABCDEF.x"), /\[a-z0-9\]\{6\}/);
 * ```
 */
export function parseBootstrapToken(text: string): BootstrapToken {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(text);
  if (!m) {
    throw new TypeError(
      `Invalid bootstrap token: expected the format [a-z0-9]{6}.[a-z0-9]{16} (kubeadm's)`,
    );
  }
  return { id: m[1]!, secret: m[2]! };
}

const b64 = (s: string) => btoa(s);

/**
 * The Secret object that stores `token` until `expires` (kubeadm's default TTL is 24 h).
 *
 * @example
 * ```ts
 * import { bootstrapTokenSecret } from "./bootstrap_token.ts";
 * import assert from "node:assert/strict";
 * const s = bootstrapTokenSecret({ id: "abcdef", secret: "0123456789abcdef" }, new Date("2030-01-01T00:00:00Z"));
 * assert.equal(s.metadata.name, "bootstrap-token-abcdef");
 * assert.equal(atob(s.data["expiration"]!), "2030-01-01T00:00:00Z");
 * ```
 */
export function bootstrapTokenSecret(
  token: BootstrapToken,
  expires: Date,
  description = "rk8s node join token (rks token create)",
): {
  apiVersion: "v1";
  kind: "Secret";
  metadata: { name: string; namespace: "kube-system" };
  type: string;
  data: Record<string, string>;
} {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `bootstrap-token-${token.id}`, namespace: "kube-system" },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: {
      "token-id": b64(token.id),
      "token-secret": b64(token.secret),
      expiration: b64(expires.toISOString().replace(/\.\d{3}Z$/, "Z")),
      "usage-bootstrap-authentication": b64("true"),
      "usage-bootstrap-signing": b64("true"),
      description: b64(description),
    },
  };
}

/**
 * Why a presented token does not match `secret` (a bootstrap-token Secret as stored), or
 * `undefined` when it does: wrong type, wrong secret, not for authentication, or expired at
 * `now`. The comparison of the secret does not stop at the first differing character.
 *
 * @example
 * ```ts
 * import { bootstrapTokenSecret, checkBootstrapToken } from "./bootstrap_token.ts";
 * import assert from "node:assert/strict";
 * const t = { id: "abcdef", secret: "0123456789abcdef" };
 * const s = bootstrapTokenSecret(t, new Date("2030-01-01T00:00:00Z"));
 * assert.equal(checkBootstrapToken(s, t, new Date("2029-01-01T00:00:00Z")), undefined);
 * assert.match(checkBootstrapToken(s, t, new Date("2031-01-01T00:00:00Z"))!, /expired/);
 * assert.match(checkBootstrapToken(s, { ...t, secret: "x".repeat(16) }, new Date(0))!, /secret/);
 * ```
 */
export function checkBootstrapToken(
  secret: Record<string, unknown>,
  token: BootstrapToken,
  now: Date,
): string | undefined {
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return "not a bootstrap token secret";
  const data =
    (typeof secret.data === "object" && secret.data !== null ? secret.data : {}) as Record<
      string,
      unknown
    >;
  const field = (k: string): string | undefined => {
    const v = data[k];
    if (typeof v !== "string") return undefined;
    try {
      return atob(v);
    } catch {
      return undefined;
    }
  };
  if (field("token-id") !== token.id) return "token id does not match";
  const stored = field("token-secret") ?? "";
  let diff = stored.length ^ token.secret.length;
  for (let i = 0; i < token.secret.length; i++) {
    diff |= (stored.charCodeAt(i) || 0) ^ token.secret.charCodeAt(i);
  }
  if (diff !== 0) return "token secret does not match";
  if (field("usage-bootstrap-authentication") !== "true") {
    return "token is not usable for authentication";
  }
  const exp = field("expiration");
  if (exp !== undefined) {
    const t = Date.parse(exp);
    if (Number.isNaN(t)) return `token expiration ${JSON.stringify(exp)} is not RFC 3339`;
    if (t <= now.getTime()) return `token expired at ${exp}`;
  }
  return undefined;
}
