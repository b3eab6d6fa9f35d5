/**
 * Per-node credentials, kept in the store as Secrets `rk8s-node-credential-<node>` of type
 * `rk8s.io/node-credential` in `kube-system`, holding only the SHA-256 of the credential (the
 * node keeps the credential itself). Revoking marks the Secret (`revoked-at`), so a later
 * attempt is logged as revoked rather than unknown; a new join with a valid bootstrap token
 * issues a fresh credential.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { ApiRelay } from "./api_relay.ts";

/** The Secret type of node credentials. */
export const NODE_CREDENTIAL_SECRET_TYPE = "rk8s.io/node-credential";

const SECRETS = "/api/v1/namespaces/kube-system/secrets";

/** The Secret name for `node`. */
export function credentialSecretName(node: string): string {
  return `rk8s-node-credential-${node}`;
}

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

function newCredential(): string {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/**
 * Issues a new credential for `node`, replacing any earlier one (and its revocation); returns
 * it. Throws `Error` with the API's message when the store refuses.
 */
export async function issueNodeCredential(api: ApiRelay, node: string): Promise<string> {
  const credential = newCredential();
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: credentialSecretName(node),
      namespace: "kube-system",
      labels: { "rk8s.io/node": node },
    },
    type: NODE_CREDENTIAL_SECRET_TYPE,
    data: { node: btoa(node), sha256: btoa(await sha256Hex(credential)) },
  };
  const path = `${SECRETS}/${credentialSecretName(node)}`;
  let r = await api.call("PUT", path, secret);
  if (r.status === 404) r = await api.call("POST", SECRETS, secret);
  if (r.status >= 300) throw new Error(`Cannot store the credential of node "${node}": ${msg(r)}`);
  return credential;
}

function msg(r: { status: number; body: unknown }): string {
  return isRecord(r.body) && typeof r.body.message === "string"
    ? r.body.message
    : `HTTP ${r.status}`;
}

function field(secret: Record<string, unknown>, key: string): string | undefined {
  const data = isRecord(secret.data) ? secret.data : {};
  const v = data[key];
  if (typeof v !== "string") return undefined;
  try {
    return atob(v);
  } catch {
    return undefined;
  }
}

/**
 * `undefined` when `credential` is the current, unrevoked credential of `node`, otherwise why
 * not (`unknown`, `revoked at …`, `does not match`).
 */
export async function checkNodeCredential(
  api: ApiRelay,
  node: string,
  credential: string,
): Promise<string | undefined> {
  const r = await api.call("GET", `${SECRETS}/${credentialSecretName(node)}`);
  if (r.status === 404) return `no credential was issued to node "${node}"`;
  if (r.status !== 200 || !isRecord(r.body)) return `cannot read the credential: ${msg(r)}`;
  const s = r.body;
  if (s.type !== NODE_CREDENTIAL_SECRET_TYPE) return "not a node credential";
  const revoked = field(s, "revoked-at");
  if (revoked) return `the credential of node "${node}" was revoked at ${revoked}`;
  const want = field(s, "sha256") ?? "";
  const got = await sha256Hex(credential);
  let diff = want.length ^ got.length;
  for (let i = 0; i < got.length; i++) diff |= (want.charCodeAt(i) || 0) ^ got.charCodeAt(i);
  return diff === 0 ? undefined : `the credential does not match node "${node}"'s`;
}

/**
 * Revokes `node`'s credential (`rks node revoke NAME`). Returns false when none was issued.
 * Throws `Error` when the store refuses.
 */
export async function revokeNodeCredential(
  api: ApiRelay,
  node: string,
  now: Date = new Date(),
): Promise<boolean> {
  const path = `${SECRETS}/${credentialSecretName(node)}`;
  const r = await api.call(
    "PATCH",
    path,
    { data: { "revoked-at": btoa(now.toISOString()) } },
    "application/merge-patch+json",
  );
  if (r.status === 404) return false;
  if (r.status >= 300) throw new Error(`Cannot revoke node "${node}": ${msg(r)}`);
  return true;
}
