/**
 * `startApiServer`: serves an {@linkcode ApiHandler} over HTTPS only (kubectl sends its bearer
 * token only over TLS). The HTTP server itself listens on a loopback port;
 * {@linkcode startTlsFront} terminates TLS in front of it.
 *
 * @module
 */
import type { KvStore } from "../store/kv_store.ts";
import { ApiHandler, type ServiceAccountSettings } from "./api_handler.ts";
import type { DefaultTolerationSettings } from "./default_toleration_seconds.ts";
import { ApiError } from "./api_error.ts";
import { statusResponse } from "./http_io.ts";
import type { NodeConnector } from "./node_connector.ts";
import { startTlsFront, type TlsFront } from "./tls_front.ts";

/** Options of {@linkcode startApiServer}. */
export interface ApiServerOptions {
  /** The cluster store. */
  store: KvStore;
  /** Listen address (default `127.0.0.1`). */
  hostname?: string;
  /** Listen port (0 = a free one). */
  port: number;
  /** Serving certificate chain (PEM). */
  cert: string;
  /** Serving key (PEM). */
  key: string;
  /** The admin bearer token. */
  token: string;
  /** Called with one line per unexpected error (default `console.error`). */
  log?: (line: string) => void;
  /** Reaches nodes for `pods/log` and `pods/exec` (default: none, 503). */
  nodes?: NodeConnector;
  /** Events' lifetime after their last write, seconds (`--event-ttl`; default 3600, 0 = kept). */
  eventTtlSeconds?: number;
  /** The seconds of the tolerations the DefaultTolerationSeconds admission adds (300 each). */
  defaultTolerations?: DefaultTolerationSettings;
  /** Service-account tokens (TokenRequest, authentication, OIDC discovery; default: none). */
  serviceAccounts?: ServiceAccountSettings;
  /** `--advertise-address`: what the `default/kubernetes` Endpoints name. */
  advertiseAddress?: string;
}

/** A running API server. */
export interface ApiServer extends AsyncDisposable {
  /** `https://host:port`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The request handler (for its storages and watch caches). */
  readonly handler: ApiHandler;
  /**
   * Answers a request in this process, without TLS and sockets (`ApiClient`'s `loopback`
   * option): what the scheduler and controllers inside rks use.
   */
  readonly loopback: (req: Request) => Promise<Response>;
  /** Stops listening, ends watches, waits for the server to finish. */
  close(): Promise<void>;
}

/**
 * Bootstraps the store (system namespaces, default service accounts) and starts serving.
 *
 * @example
 * ```ts ignore
 * import { startApiServer } from "./api_server.ts";
 * const server = await startApiServer({ store, port: 6443, cert, key, token });
 * await server.close();
 * ```
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const log = opts.log ?? ((l: string) => console.error(l));
  // Set once bootstrap finished; until then every request gets 503.
  const serving: { handler?: ApiHandler } = {};
  const starting = new ApiError(503, "ServiceUnavailable", "the API server is starting").status;
  const ac = new AbortController();
  // Plain HTTP on a loopback port; TLS is terminated in front of it with TCP_NODELAY (see
  // tls_front.ts for the 40 ms this saves on every answer).
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
    onError: (e) => {
      log(`rks: ${e instanceof Error ? e.message : e}`);
      return new Response("internal error", { status: 500 });
    },
  }, (req, info) => {
    const ready = serving.handler;
    if (!ready) return statusResponse(starting);
    // The client left or the response is complete (instead of req.signal's legacy abort).
    const done = new AbortController();
    info.completed.then(() => done.abort(), () => done.abort());
    return ready.handle(req, done.signal);
  });
  let front: TlsFront;
  try {
    front = await startTlsFront({
      hostname,
      port: opts.port,
      cert: opts.cert,
      key: opts.key,
      upstreamPort: server.addr.port,
    });
  } catch (e) {
    ac.abort();
    await server.finished;
    throw e;
  }
  const port = front.port;
  const handler = new ApiHandler({
    store: opts.store,
    token: opts.token,
    serverAddress: `${
      hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname
    }:${port}`,
    log,
    ...(opts.nodes ? { nodes: opts.nodes } : {}),
    ...(opts.eventTtlSeconds !== undefined ? { eventTtlSeconds: opts.eventTtlSeconds } : {}),
    ...(opts.defaultTolerations ? { defaultTolerations: opts.defaultTolerations } : {}),
    ...(opts.serviceAccounts ? { serviceAccounts: opts.serviceAccounts } : {}),
    ...(opts.advertiseAddress ? { advertiseAddress: opts.advertiseAddress } : {}),
  });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await handler.close();
      await front.close();
      ac.abort();
      await server.finished;
    })();
    return closed;
  };
  try {
    await handler.bootstrap();
  } catch (e) {
    await close();
    throw e;
  }
  serving.handler = handler;
  return {
    url: `https://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    port,
    handler,
    loopback: (req) => handler.handle(req),
    close,
    [Symbol.asyncDispose]: close,
  };
}
