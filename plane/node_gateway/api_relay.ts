/**
 * `ApiRelay`: how rks's node gateway calls its own API server on a node's behalf (after the
 * gateway authorised the call for that node), so every node write goes through the same
 * validation, defaulting, admission and watch cache as kubectl's.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/** What the relay needs to reach the API server. */
export interface ApiRelayOptions {
  /** Base URL, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** The cluster CA (PEM) the server's certificate chains to. */
  caCert: string;
  /** The bearer token rks's own components use. */
  token: string;
}

/** One answer: HTTP status and parsed JSON body (or a `Status` built from a non-JSON body). */
export interface RelayResponse {
  /** HTTP status code. */
  status: number;
  /** The body. */
  body: unknown;
}

/**
 * Calls the API server. Never throws for an HTTP error (the status is returned); an
 * unreachable server is a 503 `Status`.
 *
 * @example
 * ```ts ignore
 * const relay = new ApiRelay({ server, caCert, token });
 * const r = await relay.call("GET", "/api/v1/nodes/n1");
 * ```
 */
export class ApiRelay {
  readonly #o: ApiRelayOptions;
  readonly #http: Deno.HttpClient;

  /** Creates the relay (no request is made). */
  constructor(o: ApiRelayOptions) {
    this.#o = o;
    this.#http = Deno.createHttpClient({ caCerts: [o.caCert] });
  }

  #headers(contentType?: string): Record<string, string> {
    return {
      authorization: `Bearer ${this.#o.token}`,
      accept: "application/json",
      ...(contentType ? { "content-type": contentType } : {}),
    };
  }

  /** Sends `verb path` with an optional JSON body. */
  async call(
    verb: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<RelayResponse> {
    let res: Response;
    try {
      res = await fetch(`${this.#o.server}${path}`, {
        method: verb,
        client: this.#http,
        headers: this.#headers(body === undefined ? undefined : contentType),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      return { status: 503, body: status(503, "ServiceUnavailable", String(e)) };
    }
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: status(res.status, "", text.trim().slice(0, 200)) };
    }
  }

  /**
   * Opens a watch (`path` with `watch=1` added) and yields its events as parsed JSON objects
   * (`{type, object}`), until the server ends the stream or `signal` aborts. A refused watch
   * yields one `ERROR` event carrying the `Status`.
   */
  async *watch(path: string, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    const sep = path.includes("?") ? "&" : "?";
    let res: Response;
    try {
      res = await fetch(`${this.#o.server}${path}${sep}watch=1`, {
        client: this.#http,
        headers: this.#headers(),
        signal,
      });
    } catch (e) {
      if (signal.aborted) return;
      yield { type: "ERROR", object: status(503, "ServiceUnavailable", String(e)) };
      return;
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = status(res.status, "", text.slice(0, 200));
      }
      yield { type: "ERROR", object: isRecord(body) ? body : status(res.status, "", "") };
      return;
    }
    let buf = "";
    try {
      for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev: unknown = JSON.parse(line);
          if (isRecord(ev)) yield ev;
        }
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    }
  }

  /** Closes the connection pool. */
  close(): void {
    this.#http.close();
  }
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message };
}
