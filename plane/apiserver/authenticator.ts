/**
 * `Authenticator`: who a request's bearer token belongs to — the admin token, or a
 * service-account token (a JWT this cluster signed), validated as kube-apiserver's
 * service-account authenticator does (pkg/serviceaccount/jwt.go and claims.go): signature,
 * issuer, `exp`/`nbf`, an audience of the API, and the service account (and the pod, secret or
 * node it is bound to) still existing with the UID the token names. A success is reused for
 * {@linkcode TOKEN_CACHE_TTL_MS} (kube-apiserver's token cache), so a deleted account's token
 * may work up to 10 s longer. Legacy tokens (issuer `kubernetes/serviceaccount`, written by the
 * tokens controller into `kubernetes.io/service-account-token` Secrets) are checked as kube's
 * legacy validator (pkg/serviceaccount/legacy.go): the Secret still exists, is not being
 * deleted, holds exactly this token and is not labelled `kubernetes.io/legacy-token-invalid-since`,
 * and the service account exists with the UID the token names. rks has no authorization layer: every authenticated user may do
 * everything.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { tokenMatches } from "./http_io.ts";
import type { ApiObject } from "./object_codec.ts";
import {
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  parseLegacyClaims,
  parsePrivateClaims,
  serviceAccountUsername,
} from "./service_account_claims.ts";
import { TOKEN_LEEWAY_SECONDS, TokenIssuer } from "./token_issuer.ts";

/** An authenticated user (`authentication.k8s.io/v1 UserInfo`). */
export interface UserInfo {
  /** User name. */
  username: string;
  /** UID (a service account's UID). */
  uid?: string;
  /** Groups, `system:authenticated` last. */
  groups: string[];
  /** Extra attributes (pod name and UID, node, credential ID of a service-account token). */
  extra?: Record<string, string[]>;
}

/** The user of rks's admin token: kube's superuser group `system:masters`. */
export const ADMIN_USER: Readonly<UserInfo> = Object.freeze({
  username: "rks:admin",
  groups: ["system:masters", "system:authenticated"],
});

/** Reads the objects a service-account token may name (`undefined`: absent). */
export interface TokenObjectGetter {
  /** A ServiceAccount. */
  serviceAccount(namespace: string, name: string): Promise<ApiObject | undefined>;
  /** A Pod. */
  pod(namespace: string, name: string): Promise<ApiObject | undefined>;
  /** A Secret. */
  secret(namespace: string, name: string): Promise<ApiObject | undefined>;
  /** A Node. */
  node(name: string): Promise<ApiObject | undefined>;
}

/** What {@linkcode Authenticator.authenticate} decides. */
export type AuthResult = { ok: true; user: UserInfo } | { ok: false; reason: string };

/** Objects deleted longer ago than this no longer authenticate their tokens (kube: 60 s). */
const DELETED_GRACE_MS = 60_000;

/**
 * How long a successful service-account token authentication is reused: kube-apiserver wraps
 * its token authenticators in a cache that keeps successes 10 s and failures not at all
 * (`TokenSuccessCacheTTL`, `TokenFailureCacheTTL`).
 */
export const TOKEN_CACHE_TTL_MS = 10_000;

/** Cached successes kept at most (the cache is emptied when full). */
const TOKEN_CACHE_MAX = 10_000;

/** Options of {@linkcode Authenticator}. */
export interface AuthenticatorOptions {
  /** The admin bearer token. */
  adminToken: string;
  /** Verifies service-account tokens (none: only the admin token authenticates). */
  issuer?: TokenIssuer;
  /** The API's audiences (default: the issuer). */
  audiences?: readonly string[];
  /** Reads service accounts, pods, secrets, nodes. */
  objects?: TokenObjectGetter;
  /** The clock. */
  now?: () => Date;
  /** How long a success is reused (default {@linkcode TOKEN_CACHE_TTL_MS}; 0 = never). */
  cacheTtlMs?: number;
}

function deletedTooLongAgo(obj: ApiObject, now: Date): boolean {
  const ts = obj.metadata.deletionTimestamp;
  return typeof ts === "string" && Date.parse(ts) < now.getTime() - DELETED_GRACE_MS;
}

/** Authenticates bearer tokens. */
export class Authenticator {
  readonly #o: AuthenticatorOptions;
  readonly #audiences: readonly string[];
  readonly #cache = new Map<string, { user: UserInfo; until: number }>();

  /** Creates the authenticator. */
  constructor(o: AuthenticatorOptions) {
    this.#o = o;
    this.#audiences = o.audiences ?? (o.issuer ? [o.issuer.issuer] : []);
  }

  /** The API's audiences (what a token's `aud` must include one of). */
  get audiences(): readonly string[] {
    return this.#audiences;
  }

  /**
   * Authenticates an `Authorization` header value (`Bearer <token>`). The admin token is
   * compared in constant time; a token with three dot-separated parts is verified as a
   * service-account token.
   *
   * @example
   * ```ts
   * import { Authenticator } from "./authenticator.ts";
   * import assert from "node:assert/strict";
   * const auth = new Authenticator({ adminToken: "s3cret" });
   * const r = await auth.authenticate("Bearer s3cret");
   * assert.ok(r.ok && r.user.groups.includes("system:masters"));
   * assert.equal((await auth.authenticate("Bearer nope")).ok, false);
   * assert.equal((await auth.authenticate(null)).ok, false);
   * ```
   */
  async authenticate(authorization: string | null): Promise<AuthResult> {
    if (tokenMatches(authorization, this.#o.adminToken)) return { ok: true, user: ADMIN_USER };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return { ok: false, reason: "no bearer token" };
    const token = m[1]!;
    if (token.split(".").length !== 3 || !this.#o.issuer || !this.#o.objects) {
      return { ok: false, reason: "invalid bearer token" };
    }
    const now = this.#o.now?.() ?? new Date();
    const hit = this.#cache.get(token);
    if (hit && hit.until > now.getTime()) return { ok: true, user: hit.user };
    const r = await this.#serviceAccountToken(token, this.#o.issuer, this.#o.objects, now);
    if (r.ok) {
      if (this.#cache.size >= TOKEN_CACHE_MAX) this.#cache.clear();
      const ttl = this.#o.cacheTtlMs ?? TOKEN_CACHE_TTL_MS;
      if (ttl > 0) {
        this.#cache.set(token, { user: r.user, until: Math.min(now.getTime() + ttl, r.expiresAt) });
      }
      return { ok: true, user: r.user };
    }
    if (hit) this.#cache.delete(token);
    return r;
  }

  /**
   * A `TokenReview` (`POST /apis/authentication.k8s.io/v1/tokenreviews`): authenticates `token`
   * for `audiences` (default: the API's) without the cache, as kube-apiserver's TokenReview
   * REST does. The admin token is audience-agnostic: it is valid for the API's audiences only.
   * Returns the review's `status`: `authenticated`, `user`, the `audiences` the token is valid
   * for, and `error` when a token that looked like a JWT was refused.
   *
   * @example
   * ```ts
   * import { Authenticator } from "./authenticator.ts";
   * import assert from "node:assert/strict";
   * const auth = new Authenticator({ adminToken: "s3cret", audiences: ["https://k"] });
   * assert.equal((await auth.review("s3cret", [])).authenticated, true);
   * assert.equal((await auth.review("s3cret", ["vault"])).authenticated, undefined);
   * ```
   */
  async review(token: string, audiences: readonly string[]): Promise<Record<string, unknown>> {
    const auds = audiences.length > 0 ? audiences : this.#audiences;
    const status = (user?: UserInfo, valid?: readonly string[], error?: string) => ({
      ...(user ? { authenticated: true } : {}),
      user: user ? userInfoJson(user) : {},
      ...(valid && valid.length > 0 ? { audiences: [...valid] } : {}),
      ...(error ? { error } : {}),
    });
    if (tokenMatches(`Bearer ${token}`, this.#o.adminToken)) {
      const valid = auds.filter((a) => this.#audiences.includes(a));
      return valid.length > 0 ? status(ADMIN_USER, valid) : status();
    }
    if (token.split(".").length !== 3 || !this.#o.issuer || !this.#o.objects) return status();
    const now = this.#o.now?.() ?? new Date();
    const r = await this.#serviceAccountToken(token, this.#o.issuer, this.#o.objects, now, auds);
    if (!r.ok) return status(undefined, undefined, `[invalid bearer token, ${r.reason}]`);
    return status(r.user, auds.filter((a) => r.audiences.includes(a)));
  }

  async #serviceAccountToken(
    token: string,
    issuer: TokenIssuer,
    objects: TokenObjectGetter,
    now: Date,
    audiences: readonly string[] = this.#audiences,
  ): Promise<
    { ok: true; user: UserInfo; expiresAt: number; audiences: string[] } | {
      ok: false;
      reason: string;
    }
  > {
    if (TokenIssuer.peekIssuer(token) === LEGACY_SERVICE_ACCOUNT_ISSUER) {
      return await this.#legacyToken(token, issuer, objects, audiences);
    }
    const v = await issuer.verify(token, audiences, now);
    if (!v.ok) return v;
    const k = parsePrivateClaims(v.payload);
    if (!k) {
      return { ok: false, reason: "service account token claims could not be validated" };
    }
    const ns = k.namespace;
    const fail = (reason: string) => ({ ok: false as const, reason });
    const sa = await objects.serviceAccount(ns, k.serviceaccount.name);
    if (!sa || deletedTooLongAgo(sa, now)) {
      return fail(`service account ${ns}/${k.serviceaccount.name} has been deleted`);
    }
    if (String(sa.metadata.uid ?? "") !== k.serviceaccount.uid) {
      return fail(
        `service account UID (${k.serviceaccount.uid}) does not match service account UID (${
          String(sa.metadata.uid ?? "")
        }) of ${ns}/${k.serviceaccount.name}`,
      );
    }
    const extra: Record<string, string[]> = {};
    if (k.pod) {
      const pod = await objects.pod(ns, k.pod.name);
      if (!pod || deletedTooLongAgo(pod, now)) return fail(`pod ${ns}/${k.pod.name} not found`);
      if (String(pod.metadata.uid ?? "") !== k.pod.uid) {
        return fail(`pod UID (${k.pod.uid}) does not match pod ${ns}/${k.pod.name}`);
      }
      extra["authentication.kubernetes.io/pod-name"] = [k.pod.name];
      extra["authentication.kubernetes.io/pod-uid"] = [k.pod.uid];
    } else if (k.secret) {
      const secret = await objects.secret(ns, k.secret.name);
      if (!secret || deletedTooLongAgo(secret, now)) {
        return fail(`secret ${ns}/${k.secret.name} not found`);
      }
      if (String(secret.metadata.uid ?? "") !== k.secret.uid) {
        return fail(`secret UID (${k.secret.uid}) does not match secret ${ns}/${k.secret.name}`);
      }
    } else if (k.node) {
      const node = await objects.node(k.node.name);
      if (!node || deletedTooLongAgo(node, now)) return fail(`node ${k.node.name} not found`);
      if (String(node.metadata.uid ?? "") !== k.node.uid) {
        return fail(`node UID (${k.node.uid}) does not match node ${k.node.name}`);
      }
    }
    if (k.node) {
      extra["authentication.kubernetes.io/node-name"] = [k.node.name];
      extra["authentication.kubernetes.io/node-uid"] = [k.node.uid];
    }
    if (typeof v.payload.jti === "string") {
      extra["authentication.kubernetes.io/credential-id"] = [`JTI=${v.payload.jti}`];
    }
    return {
      ok: true,
      expiresAt: (Number(v.payload.exp) + TOKEN_LEEWAY_SECONDS) * 1000,
      audiences: Array.isArray(v.payload.aud)
        ? v.payload.aud.map(String)
        : [String(v.payload.aud ?? "")],
      user: {
        username: serviceAccountUsername(ns, k.serviceaccount.name),
        uid: k.serviceaccount.uid,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
        extra,
      },
    };
  }

  /** A legacy Secret-based token, checked as kube's `legacyValidator` (lookup on). */
  async #legacyToken(
    token: string,
    issuer: TokenIssuer,
    objects: TokenObjectGetter,
    audiences: readonly string[],
  ): Promise<
    { ok: true; user: UserInfo; expiresAt: number; audiences: string[] } | {
      ok: false;
      reason: string;
    }
  > {
    const fail = (reason: string) => ({ ok: false as const, reason });
    const v = await issuer.verifyLegacy(token);
    if (!v.ok) return v;
    const s = parseLegacyClaims(v.payload);
    if (typeof s === "string") return fail(s);
    const ns = s.namespace;
    const secret = await objects.secret(ns, s.secretName);
    if (!secret || secret.metadata.deletionTimestamp) return fail("Token has been invalidated");
    if (!constantTimeEqual(secretValue(secret, "token"), token)) {
      return fail("Token does not match server's copy");
    }
    const sa = await objects.serviceAccount(ns, s.serviceAccountName);
    if (!sa) return fail(`serviceaccounts "${s.serviceAccountName}" not found`);
    if (sa.metadata.deletionTimestamp) {
      return fail(`ServiceAccount ${ns}/${s.serviceAccountName} has been deleted`);
    }
    const uid = String(sa.metadata.uid ?? "");
    if (uid !== s.serviceAccountUid) {
      return fail(`ServiceAccount UID (${uid}) does not match claim (${s.serviceAccountUid})`);
    }
    const labels = isRecord(secret.metadata.labels) ? secret.metadata.labels : {};
    if (
      typeof labels[LEGACY_TOKEN_INVALID_SINCE_LABEL] === "string" &&
      labels[LEGACY_TOKEN_INVALID_SINCE_LABEL] !== ""
    ) {
      return fail(
        `the token in secret ${ns}/${s.secretName} for service account ${ns}/${s.serviceAccountName} has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the '${LEGACY_TOKEN_INVALID_SINCE_LABEL}' label from the secret to temporarily allow use of this token`,
      );
    }
    // A legacy token has no audience: it is valid for the API's own audiences only (jwt.go).
    const valid = this.#audiences.filter((a) => audiences.includes(a));
    if (valid.length === 0 && this.#audiences.length > 0) {
      return fail(
        `token audiences ${JSON.stringify(this.#audiences)} is invalid for the target audiences ${
          JSON.stringify(audiences)
        }`,
      );
    }
    return {
      ok: true,
      expiresAt: Number.POSITIVE_INFINITY,
      audiences: [...this.#audiences],
      user: {
        username: serviceAccountUsername(ns, s.serviceAccountName),
        uid: s.serviceAccountUid,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
      },
    };
  }
}

/** The label that disables a legacy token (`InvalidSinceLabelKey`). */
export const LEGACY_TOKEN_INVALID_SINCE_LABEL = "kubernetes.io/legacy-token-invalid-since";

/** Whether two strings are equal, in time independent of where they differ. */
function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i % (b.length || 1));
  return diff === 0;
}

/** A Secret's `data[key]` decoded from base64 (`""` when absent or not base64). */
function secretValue(secret: ApiObject, key: string): string {
  const data = secret.data;
  if (!isRecord(data) || typeof data[key] !== "string") return "";
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(data[key]), (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
}

/**
 * The answer to a `SelfSubjectReview` create (`kubectl auth whoami`): the request's body with
 * `status.userInfo` the caller.
 *
 * @example
 * ```ts
 * import { ADMIN_USER, selfSubjectReview } from "./authenticator.ts";
 * import assert from "node:assert/strict";
 * const r = selfSubjectReview({}, ADMIN_USER, new Date(0));
 * assert.equal((r.status as { userInfo: { username: string } }).userInfo.username, "rks:admin");
 * ```
 */
export function selfSubjectReview(
  body: unknown,
  user: UserInfo,
  now: Date,
): Record<string, unknown> {
  const meta = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
  return {
    kind: "SelfSubjectReview",
    apiVersion: "authentication.k8s.io/v1",
    metadata: { ...meta, creationTimestamp: now.toISOString().replace(/\.\d+Z$/, "Z") },
    status: { userInfo: userInfoJson(user) },
  };
}

/** A user as `authentication.k8s.io/v1 UserInfo` JSON (empty fields left out). */
function userInfoJson(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: user.username };
  if (user.uid) out.uid = user.uid;
  out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length > 0) out.extra = user.extra;
  return out;
}
