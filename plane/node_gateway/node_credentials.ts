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
  if (r.status === 404) return credentialVerdict(undefined, node, await sha256Hex(credential));
  if (r.status !== 200 || !isRecord(r.body)) return `cannot read the credential: ${msg(r)}`;
  return credentialVerdict(r.body, node, await sha256Hex(credential));
}

/** The verdict on a credential whose SHA-256 is `got` against `node`'s Secret (if any). */
function credentialVerdict(
  s: Record<string, unknown> | undefined,
  node: string,
  got: string,
): string | undefined {
  if (!s) return `no credential was issued to node "${node}"`;
  if (s.type !== NODE_CREDENTIAL_SECRET_TYPE) return "not a node credential";
  const revoked = field(s, "revoked-at");
  if (revoked) return `the credential of node "${node}" was revoked at ${revoked}`;
  const want = field(s, "sha256") ?? "";
  let diff = want.length ^ got.length;
  for (let i = 0; i < got.length; i++) diff |= (want.charCodeAt(i) || 0) ^ got.charCodeAt(i);
  return diff === 0 ? undefined : `the credential does not match node "${node}"'s`;
}

/**
 * The node credentials as a watch keeps them (list, then watch of the Secrets labelled
 * `rk8s.io/node` in `kube-system`), so that checking a credential on every stream costs no API
 * call. Only an accepting verdict is taken from the cache: a refusal is confirmed with a GET
 * ({@linkcode checkNodeCredential}), which covers a credential issued a moment ago; a revocation
 * reaches the cache with the watch event (milliseconds), as a token cache of kube-apiserver
 * would take seconds. While the watch is not running every check is a GET.
 */
export class NodeCredentialCache {
  readonly #api: ApiRelay;
  readonly #log: (line: string) => void;
  readonly #secrets = new Map<string, Record<string, unknown>>();
  readonly #hashes = new Map<string, string>();
  readonly #ac = new AbortController();
  #synced = false;
  #loop: Promise<void> = Promise.resolve();

  /** Creates the cache (nothing is read until {@linkcode NodeCredentialCache.start}). */
  constructor(api: ApiRelay, log: (line: string) => void) {
    this.#api = api;
    this.#log = log;
  }

  /** Starts listing and watching (in the background; retried every 500 ms on failure). */
  start(): void {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const signal = this.#ac.signal;
    const selector = `labelSelector=${encodeURIComponent("rk8s.io/node")}`;
    while (!signal.aborted) {
      try {
        const r = await this.#api.call("GET", `${SECRETS}?${selector}`);
        if (r.status !== 200 || !isRecord(r.body)) throw new Error(msg(r));
        this.#secrets.clear();
        const items = Array.isArray(r.body.items) ? r.body.items.filter(isRecord) : [];
        for (const s of items) this.#put(s);
        const meta = isRecord(r.body.metadata) ? r.body.metadata : {};
        const rv = typeof meta.resourceVersion === "string" ? meta.resourceVersion : "";
        this.#synced = true;
        for await (
          const ev of this.#api.watch(`${SECRETS}?${selector}&resourceVersion=${rv}`, signal)
        ) {
          const obj = isRecord(ev.object) ? ev.object : {};
          if (ev.type === "ADDED" || ev.type === "MODIFIED") this.#put(obj);
          else if (ev.type === "DELETED") this.#drop(obj);
          else if (ev.type === "ERROR") break;
        }
      } catch (e) {
        if (!signal.aborted) {
          this.#log(`node-gateway: credential watch: ${e instanceof Error ? e.message : e}`);
        }
      }
      this.#synced = false;
      if (signal.aborted) break;
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  #nodeOf(s: Record<string, unknown>): string | undefined {
    return s.type === NODE_CREDENTIAL_SECRET_TYPE ? field(s, "node") : undefined;
  }

  #put(s: Record<string, unknown>): void {
    const node = this.#nodeOf(s);
    if (node !== undefined) this.#secrets.set(node, s);
  }

  #drop(s: Record<string, unknown>): void {
    const node = this.#nodeOf(s);
    if (node !== undefined) this.#secrets.delete(node);
  }

  /** As {@linkcode checkNodeCredential}, from the cache when it accepts. */
  async check(node: string, credential: string): Promise<string | undefined> {
    if (this.#synced) {
      let got = this.#hashes.get(credential);
      if (got === undefined) {
        got = await sha256Hex(credential);
        if (this.#hashes.size > 10_000) this.#hashes.clear();
        this.#hashes.set(credential, got);
      }
      if (credentialVerdict(this.#secrets.get(node), node, got) === undefined) return undefined;
    }
    return await checkNodeCredential(this.#api, node, credential);
  }

  /** Stops the watch. */
  async close(): Promise<void> {
    this.#ac.abort();
    await this.#loop;
  }
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
