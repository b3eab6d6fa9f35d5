/**
 * `ApiClient`: a small HTTPS client of rks's Kubernetes API for rkl's cluster mode (`rkl pod
 * create|delete|list --cluster ADDR`), with credentials from a kubeconfig or from the CA and
 * token files rks wrote in its data directory.
 *
 * @module
 */
import { join } from "node:path";
import { isRecord } from "../../core/is_record.ts";
import { RkError } from "../../core/errors.ts";
import { readTextIfExists } from "../../core/fs.ts";

/** Where and how to reach the API. */
export interface ApiCredentials {
  /** `https://host:port`. */
  server: string;
  /** CA certificate (PEM) that signed the server's certificate. */
  caCert: string;
  /** Bearer token. */
  token: string;
}

/**
 * An error answer of the API, printed as kubectl prints it:
 * `Error from server (NotFound): pods "web" not found`.
 *
 * @example
 * ```ts
 * import { ApiClientError } from "./api_client.ts";
 * import assert from "node:assert/strict";
 * const e = new ApiClientError(404, { reason: "NotFound", message: 'pods "web" not found' });
 * assert.equal(e.message, 'Error from server (NotFound): pods "web" not found');
 * ```
 */
export class ApiClientError extends RkError {
  /** HTTP status. */
  readonly code: number;
  /** The `Status` reason, e.g. `NotFound`. */
  readonly reason: string;
  /** Creates the error from a `Status` body (or what came instead). */
  constructor(code: number, status: { reason?: unknown; message?: unknown }) {
    const reason = typeof status.reason === "string" ? status.reason : `HTTP ${code}`;
    const message = typeof status.message === "string" ? status.message : "unknown error";
    super(`Error from server (${reason}): ${message}`);
    this.name = "ApiClientError";
    this.code = code;
    this.reason = reason;
  }
}

/**
 * The server URL for `--cluster`/`RKS_ADDRESS`: `host:port` or an `https://` URL.
 *
 * @example
 * ```ts
 * import { clusterUrl } from "./api_client.ts";
 * import assert from "node:assert/strict";
 * assert.equal(clusterUrl("127.0.0.1:6443"), "https://127.0.0.1:6443");
 * assert.equal(clusterUrl("https://rks:7443/"), "https://rks:7443");
 * assert.throws(() => clusterUrl("http://x:1"), /expected HOST:PORT or https:\/\/HOST:PORT/);
 * ```
 */
export function clusterUrl(addr: string): string {
  const a = addr.trim().replace(/\/+$/, "");
  if (/^https:\/\/[^/]+$/.test(a)) return a;
  if (/^(\[[^\]]+\]|[^:/]+):\d{1,5}$/.test(a)) return `https://${a}`;
  throw new RkError(
    `Cluster address ${JSON.stringify(addr)}: expected HOST:PORT or https://HOST:PORT`,
  );
}

/**
 * Reads the current context's server, CA and token from a parsed kubeconfig. Throws `RkError`
 * naming `file` and what is missing.
 *
 * @example
 * ```ts
 * import { credentialsFromKubeconfig } from "./api_client.ts";
 * import assert from "node:assert/strict";
 * const kc = {
 *   "current-context": "rks",
 *   contexts: [{ name: "rks", context: { cluster: "c", user: "u" } }],
 *   clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": btoa("PEM") } }],
 *   users: [{ name: "u", user: { token: "t" } }],
 * };
 * assert.deepEqual(credentialsFromKubeconfig(kc, "kc"), { server: "https://127.0.0.1:6443", caCert: "PEM", token: "t" });
 * ```
 */
export function credentialsFromKubeconfig(doc: unknown, file: string): ApiCredentials {
  const fail = (what: string): never => {
    throw new RkError(`${file}: ${what}`);
  };
  if (!isRecord(doc)) return fail("expected a kubeconfig mapping");
  const named = (list: unknown, name: unknown, key: string): Record<string, unknown> => {
    const item = Array.isArray(list) ? list.find((x) => isRecord(x) && x.name === name) : undefined;
    if (!isRecord(item) || !isRecord(item[key])) {
      return fail(`no ${key} named ${JSON.stringify(name)}`);
    }
    return item[key] as Record<string, unknown>;
  };
  const ctx = named(doc.contexts, doc["current-context"], "context");
  const cluster = named(doc.clusters, ctx.cluster, "cluster");
  const user = named(doc.users, ctx.user, "user");
  if (typeof cluster.server !== "string") fail("cluster.server: expected a string");
  if (typeof cluster["certificate-authority-data"] !== "string") {
    fail("cluster.certificate-authority-data: expected base64 PEM");
  }
  if (typeof user.token !== "string") fail("user.token: expected a bearer token");
  return {
    server: cluster.server as string,
    caCert: atob(cluster["certificate-authority-data"] as string),
    token: user.token as string,
  };
}

/** Options of {@linkcode resolveCredentials}. */
export interface ResolveCredentialsOptions {
  /** `--cluster` / `RKS_ADDRESS`. */
  cluster?: string;
  /** `--kubeconfig` / `KUBECONFIG`. */
  kubeconfig?: string;
  /** rks's data directory with `pki/ca.crt` and `pki/admin.token` (default `/var/lib/rks`). */
  dataDir?: string;
}

/**
 * Credentials from a kubeconfig (its server replaced by `cluster` when given), else from
 * `cluster` plus the CA and token files in rks's data directory.
 */
export async function resolveCredentials(o: ResolveCredentialsOptions): Promise<ApiCredentials> {
  if (o.kubeconfig) {
    const text = await readTextIfExists(o.kubeconfig);
    if (text === undefined) throw new RkError(`${o.kubeconfig}: cannot read kubeconfig: not found`);
    const { parse } = await import("yaml");
    const creds = credentialsFromKubeconfig(parse(text), o.kubeconfig);
    return o.cluster ? { ...creds, server: clusterUrl(o.cluster) } : creds;
  }
  if (!o.cluster) {
    throw new RkError("No cluster address: pass --cluster HOST:PORT or set RKS_ADDRESS");
  }
  const dir = join(o.dataDir ?? "/var/lib/rks", "pki");
  const caCert = await readTextIfExists(join(dir, "ca.crt"));
  const token = (await readTextIfExists(join(dir, "admin.token")))?.trim();
  if (caCert === undefined || !token) {
    throw new RkError(
      `No credentials for ${o.cluster}: ${dir}/ca.crt and admin.token are missing; pass --kubeconfig (rks kubeconfig prints one)`,
    );
  }
  return { server: clusterUrl(o.cluster), caCert, token };
}

/**
 * Answers a request inside the process that serves the API (`ApiHandler.handle`): the
 * request's `signal` aborts when the client is done with a streaming answer.
 */
export type LoopbackHandler = (req: Request) => Promise<Response>;

/** Options of {@linkcode ApiClient}. */
export interface ApiClientOptions {
  /**
   * Send requests straight to the API handler of this process instead of over HTTPS (the
   * scheduler and controllers inside rks, as kube-apiserver's loopback client). The requests
   * still carry the bearer token and go through the same authentication, admission, validation
   * and storage; only TLS and the sockets are skipped.
   */
  loopback?: LoopbackHandler;
}

const encoder = new TextEncoder();

/** A client of one API server. */
export class ApiClient implements AsyncDisposable {
  readonly #creds: ApiCredentials;
  readonly #http: Deno.HttpClient | undefined;
  readonly #loopback: LoopbackHandler | undefined;

  /** Creates the client (no request is made). */
  constructor(creds: ApiCredentials, opts: ApiClientOptions = {}) {
    this.#creds = creds;
    this.#loopback = opts.loopback;
    this.#http = opts.loopback ? undefined : Deno.createHttpClient({ caCerts: [creds.caCert] });
  }

  /** The server URL (`https://host:port`). */
  get server(): string {
    return this.#creds.server;
  }

  /** The CA certificate (PEM) the client trusts the server with. */
  get caCert(): string {
    return this.#creds.caCert;
  }

  /**
   * Sends a request and returns the parsed JSON answer; an error answer throws
   * {@linkcode ApiClientError}, an unreachable server `RkError` naming it. `contentType` is the
   * body's media type (a patch type for PATCH).
   */
  async request(
    method: string,
    path: string,
    body?: unknown,
    accept = "application/json",
    contentType = "application/json",
  ): Promise<Record<string, unknown>> {
    const res = await this.#fetch(method, path, body, accept, contentType);
    return await this.#answer(res, path);
  }

  /**
   * Sends a request whose answer the caller does not use (a binding, an Event): an error answer
   * throws {@linkcode ApiClientError} as {@linkcode ApiClient.request} does; a success answer is
   * read to its end but not parsed.
   */
  async send(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<void> {
    const res = await this.#fetch(method, path, body, "application/json", contentType);
    if (!res.ok) {
      await this.#answer(res, path);
      return;
    }
    await res.arrayBuffer();
  }

  /**
   * Sends a GET and returns the response with its body unread (for `watch=true` streams); an
   * error answer throws {@linkcode ApiClientError}. Aborting `signal` ends the stream.
   */
  async open(path: string, signal?: AbortSignal): Promise<Response> {
    const res = await this.#fetch("GET", path, undefined, "application/json", "", signal);
    if (!res.ok) await this.#answer(res, path);
    return res;
  }

  async #fetch(
    method: string,
    path: string,
    body: unknown,
    accept: string,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: {
        authorization: `Bearer ${this.#creds.token}`,
        accept,
        ...(body === undefined ? {} : { "content-type": contentType }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    };
    if (this.#loopback) {
      signal?.throwIfAborted();
      if (typeof init.body === "string") {
        // Declared, as on the wire: the server reads a body of known length in one go.
        const bytes = encoder.encode(init.body);
        init.body = bytes;
        (init.headers as Record<string, string>)["content-length"] = String(bytes.byteLength);
      }
      return await this.#loopback(new Request(`${this.#creds.server}${path}`, init));
    }
    try {
      return await fetch(`${this.#creds.server}${path}`, {
        ...init,
        ...(this.#http ? { client: this.#http } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new RkError(
        `Cannot reach the cluster at ${this.#creds.server}: ${e instanceof Error ? e.message : e}`,
        { cause: e },
      );
    }
  }

  async #answer(res: Response, path: string): Promise<Record<string, unknown>> {
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = { message: text.trim().slice(0, 200) };
    }
    if (!res.ok) throw new ApiClientError(res.status, isRecord(json) ? json : {});
    if (!isRecord(json)) throw new RkError(`Unexpected answer from ${this.#creds.server}${path}`);
    return json;
  }

  /** Closes the connection pool. */
  close(): void {
    this.#http?.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * Formats a meta.k8s.io/v1 Table as kubectl prints it: upper-case headers, columns padded to
 * their widest cell plus 3 spaces, priority > 0 columns only when `wide`, a NAMESPACE column
 * first when `namespaces` (from `rows[].object.metadata.namespace`).
 *
 * @example
 * ```ts
 * import { formatTable } from "./api_client.ts";
 * import assert from "node:assert/strict";
 * const t = { columnDefinitions: [{ name: "Name", priority: 0 }, { name: "IP", priority: 1 }],
 *   rows: [{ cells: ["web", "10.0.0.2"], object: { metadata: { namespace: "default" } } }] };
 * assert.equal(formatTable(t, false, false), "NAME\nweb\n");
 * assert.equal(formatTable(t, true, true), "NAMESPACE   NAME   IP\ndefault     web    10.0.0.2\n");
 * ```
 */
export function formatTable(
  table: Record<string, unknown>,
  wide: boolean,
  namespaces: boolean,
): string {
  const cols = (Array.isArray(table.columnDefinitions) ? table.columnDefinitions : [])
    .filter(isRecord)
    .map((c, i) => ({ name: String(c.name).toUpperCase(), priority: Number(c.priority ?? 0), i }))
    .filter((c) => wide || c.priority === 0);
  const rows = (Array.isArray(table.rows) ? table.rows : []).filter(isRecord).map((r) => {
    const cells = Array.isArray(r.cells) ? r.cells : [];
    const obj = isRecord(r.object) && isRecord(r.object.metadata) ? r.object.metadata : {};
    const out = cols.map((c) => {
      const v = cells[c.i];
      return v === null || v === undefined ? "" : String(v);
    });
    return namespaces ? [String(obj.namespace ?? ""), ...out] : out;
  });
  const header = namespaces ? ["NAMESPACE", ...cols.map((c) => c.name)] : cols.map((c) => c.name);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3)).join("").trimEnd();
  return [header, ...rows].map(line).join("\n") + "\n";
}
