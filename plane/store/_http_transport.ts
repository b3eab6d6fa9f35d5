/**
 * The JSON gateway transport (etcd ≥ 3.4): one `fetch` POST per request, one streaming POST
 * per watch with newline-delimited JSON results.
 *
 * @module
 */
import { KvStoreError, StoreTimeoutError, StoreUnavailableError } from "./errors.ts";
import type { CallOptions, Method, TlsOptions, Transport } from "./_transport.ts";
import { int, record, str, toBase64, type Wire } from "./_wire.ts";

const paths: Record<Method, string> = {
  Range: "/v3/kv/range",
  Put: "/v3/kv/put",
  DeleteRange: "/v3/kv/deleterange",
  Txn: "/v3/kv/txn",
  Compact: "/v3/kv/compaction",
  LeaseGrant: "/v3/lease/grant",
  LeaseRevoke: "/v3/lease/revoke",
  LeaseKeepAlive: "/v3/lease/keepalive",
  LeaseTimeToLive: "/v3/lease/timetolive",
  Authenticate: "/v3/auth/authenticate",
};

/** JSON text of a request: bytes become standard base64. */
export function encodeJson(request: Wire): string {
  return JSON.stringify(request, (_k, v) => v instanceof Uint8Array ? toBase64(v) : v);
}

/**
 * Reads the gateway's error object: `{"error", "message", "code"}` for unary calls,
 * `{"error": {"grpc_code", "message"}}` inside streams.
 */
export function gatewayError(body: unknown, endpoint: string, status: number): KvStoreError {
  const r = record(body, "error response");
  const inner = typeof r.error === "object" && r.error !== null ? record(r.error, "error") : r;
  const message = str(inner.message, "error.message") ||
    (typeof r.error === "string" ? r.error : `HTTP ${status}`);
  const code = int(inner.code ?? inner.grpc_code, "error.code") || 2;
  return new KvStoreError(message, { endpoint }, code);
}

function parseOr(text: string, fallback: unknown): unknown {
  if (!/^\s*[{[]/.test(text)) return fallback;
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return fallback;
    throw e;
  }
}

/** A fetch failure's message with its causes ("fetch failed: ...: connection refused"). */
function describe(e: Error): string {
  const parts = [e.message];
  let c: unknown = e.cause;
  for (let depth = 0; c instanceof Error && depth < 4; depth++) {
    if (!parts.some((p) => p.includes(c instanceof Error ? c.message : ""))) parts.push(c.message);
    c = c.cause;
  }
  return parts.join(": ");
}

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === "AbortError";
}

function isTimeout(e: unknown): boolean {
  return e instanceof DOMException && e.name === "TimeoutError";
}

/** Sends the etcd v3 API as JSON over HTTP/1.1 (`http://` or `https://` endpoints). */
export class HttpTransport implements Transport {
  readonly endpoint: string;
  #base: string;
  #client: Deno.HttpClient | undefined;
  #token: string | undefined;

  constructor(endpoint: string, tls?: TlsOptions) {
    this.endpoint = endpoint;
    this.#base = endpoint.replace(/\/+$/, "");
    if (tls && (tls.caCert || tls.cert || tls.key)) {
      this.#client = Deno.createHttpClient({
        ...(tls.caCert ? { caCerts: [tls.caCert] } : {}),
        ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
      });
    }
  }

  setToken(token: string | undefined): void {
    this.#token = token;
  }

  #init(body: string, signal: AbortSignal): RequestInit & { client?: Deno.HttpClient } {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.#token) headers.authorization = this.#token;
    return {
      method: "POST",
      body,
      headers,
      signal,
      ...(this.#client ? { client: this.#client } : {}),
    };
  }

  async call(method: Method, request: Wire, opts: CallOptions): Promise<unknown> {
    const signal = AbortSignal.timeout(opts.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.#base + paths[method], this.#init(encodeJson(request), signal));
      text = await res.text();
    } catch (e) {
      if (isTimeout(e)) {
        throw new StoreTimeoutError(opts.operation, opts.timeoutMs, { endpoint: this.endpoint }, {
          cause: e,
        });
      }
      if (e instanceof TypeError) {
        throw new StoreUnavailableError([this.endpoint], describe(e), {}, { cause: e });
      }
      throw e;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new KvStoreError(
        `HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`,
        { endpoint: this.endpoint },
        res.status === 503 ? 14 : 2,
        { cause: e },
      );
    }
    if (!res.ok) throw gatewayError(body, this.endpoint, res.status);
    const r = record(body, `${method} response`);
    // Streaming endpoints (lease keepalive) wrap their single answer in "result".
    if (r.result !== undefined && r.header === undefined) {
      if (r.error !== undefined) throw gatewayError(r, this.endpoint, res.status);
      return r.result;
    }
    if (r.error !== undefined && r.header === undefined) {
      throw gatewayError(r, this.endpoint, res.status);
    }
    return body;
  }

  async *watch(create: Wire, signal: AbortSignal): AsyncIterable<unknown> {
    let res: Response;
    try {
      res = await fetch(
        this.#base + "/v3/watch",
        this.#init(encodeJson({ create_request: create }), signal),
      );
    } catch (e) {
      if (isAbort(e) || signal.aborted) return;
      if (e instanceof TypeError) {
        throw new StoreUnavailableError([this.endpoint], describe(e), {}, { cause: e });
      }
      throw e;
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      throw gatewayError(parseOr(text, { error: text.slice(0, 200) }), this.endpoint, res.status);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    let broken = false;
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<string>;
        try {
          chunk = await reader.read();
        } catch (e) {
          broken = true;
          if (signal.aborted) return;
          throw new StoreUnavailableError([this.endpoint], `watch stream broke: ${e}`, {}, {
            cause: e,
          });
        }
        if (chunk.done) return;
        buf += chunk.value;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          let msg: unknown;
          try {
            msg = JSON.parse(line);
          } catch (e) {
            throw new KvStoreError(
              `Watch stream line is not JSON: ${line.slice(0, 200)}`,
              {
                endpoint: this.endpoint,
              },
              2,
              { cause: e },
            );
          }
          const r = record(msg, "watch message");
          if (r.error !== undefined) throw gatewayError(r, this.endpoint, res.status);
          yield r.result;
        }
      }
    } finally {
      // A broken or aborted stream has released its connection already.
      if (!broken && !signal.aborted) await reader.cancel();
    }
  }

  close(): void {
    this.#client?.close();
    this.#client = undefined;
  }
}
