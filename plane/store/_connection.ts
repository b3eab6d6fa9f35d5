/**
 * The request path of {@linkcode EtcdClient}: one transport per endpoint, failover in order,
 * authentication, per-request deadlines and typed errors. The key-value, lease and watch
 * operations (`_kv_ops.ts`, `_lease_ops.ts`, `_watch.ts`) all send through it.
 *
 * @module
 */
import { RkError } from "../../core/errors.ts";
import {
  CompactedError,
  KvStoreError,
  LeaseNotFoundError,
  StoreTimeoutError,
  StoreUnavailableError,
  ValueTooLargeError,
} from "./errors.ts";
import { Authenticator } from "./_auth.ts";
import { GrpcTransport } from "./_grpc_transport.ts";
import { HttpTransport } from "./_http_transport.ts";
import { WorkerGrpcTransport } from "./_worker_transport.ts";
import type { Method, TlsOptions, Transport } from "./_transport.ts";
import type { Wire } from "./_wire.ts";

/** What a request is about, to build typed errors. */
export interface Ctx {
  operation: string;
  key?: string;
  lease?: string;
  revision?: number;
  size?: number;
}

/** Settings of a {@linkcode Connection} (see `StoreOptions` in `etcd_client.ts`). */
export interface ConnectionOptions {
  endpoints: string | readonly string[];
  username?: string;
  password?: string;
  tls?: TlsOptions;
  timeoutMs?: number;
  watchReconnectTimeoutMs?: number;
  watchProbeMs?: number;
  /** gRPC endpoints send their unary calls through a worker thread. */
  grpcWorker?: boolean;
  /** Test hook: wraps each endpoint's transport (tests put faults between client and etcd). */
  wrapTransport?: (t: Transport) => Transport;
}

/** Waits `ms`; resolves false early when `signal` aborts, true otherwise. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Requests without side effects: safe to send to another endpoint after a timeout. */
const readOnly: ReadonlySet<Method> = new Set(["Range", "LeaseTimeToLive"]);

/** True for errors that mean "this endpoint cannot serve now; try another or later". */
export function isUnavailable(e: unknown): e is KvStoreError {
  return e instanceof StoreUnavailableError || (e instanceof KvStoreError && e.code === 14);
}

function transportFor(
  endpoint: string,
  tls: TlsOptions | undefined,
  grpcWorker: boolean,
): Transport {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (e) {
    throw new RkError(
      `Invalid store endpoint "${endpoint}": expected a URL such as http://127.0.0.1:2379`,
      { cause: e },
    );
  }
  switch (url.protocol) {
    case "http:":
    case "https:":
      return new HttpTransport(endpoint, tls);
    case "grpc:":
    case "grpcs:":
      return grpcWorker ? new WorkerGrpcTransport(endpoint, tls) : new GrpcTransport(endpoint, tls);
    default:
      throw new RkError(
        `Unsupported store endpoint "${endpoint}": expected http://, https://, grpc:// or grpcs://`,
      );
  }
}

/** Endpoints, their transports and the request path shared by every operation. */
export class Connection {
  /** The endpoints, in failover order. */
  readonly endpoints: readonly string[];
  /** One transport per endpoint, same order. */
  readonly transports: readonly Transport[];
  /** Deadline of each request. */
  readonly timeoutMs: number;
  /** How long a watch keeps reconnecting before it gives up. */
  readonly watchReconnectMs: number;
  /** Silence after which a watch probes its endpoint (0: never). */
  readonly watchProbeMs: number;
  /** Etcd authentication, when a user name was given. */
  readonly auth: Authenticator | undefined;
  /** Index of the endpoint that answered last; requests start there. */
  current = 0;
  #closed = false;
  #closing = new AbortController();

  /** Creates a transport per endpoint; connects on the first request. */
  constructor(opts: ConnectionOptions) {
    const list = typeof opts.endpoints === "string" ? [opts.endpoints] : [...opts.endpoints];
    if (list.length === 0) throw new RkError("A store needs at least one endpoint");
    this.endpoints = list;
    const wrap = opts.wrapTransport ?? ((t: Transport) => t);
    this.transports = list.map((e) => wrap(transportFor(e, opts.tls, opts.grpcWorker ?? false)));
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.watchReconnectMs = opts.watchReconnectTimeoutMs ?? 60_000;
    this.watchProbeMs = opts.watchProbeMs ?? 10_000;
    this.auth = opts.username !== undefined
      ? new Authenticator(opts.username, opts.password ?? "")
      : undefined;
  }

  /** True once {@linkcode Connection.close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Aborts when the connection closes (ends watches). */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Turns a transport's error into the typed error for this request. */
  refine(e: unknown, ctx: Ctx): unknown {
    if (!(e instanceof KvStoreError) || e instanceof StoreUnavailableError) return e;
    const at = { ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}) };
    const withKey = { ...at, ...(ctx.key !== undefined ? { key: ctx.key } : {}) };
    const msg = e.reason;
    if (e instanceof StoreTimeoutError) {
      return new StoreTimeoutError(e.operation, e.timeoutMs, withKey, { cause: e.cause });
    }
    if (e.code === 11 && /compacted/.test(msg)) {
      return new CompactedError(ctx.revision ?? 0, 0, withKey, { cause: e });
    }
    if (e.code === 5 && /lease not found/.test(msg)) {
      return new LeaseNotFoundError(ctx.lease ?? "?", withKey, { cause: e });
    }
    if (
      (e.code === 3 && /request is too large/.test(msg)) ||
      (e.code === 8 && /larger than max/.test(msg))
    ) {
      return new ValueTooLargeError(ctx.key ?? "", ctx.size ?? 0, at, { cause: e });
    }
    if (e.key === undefined && ctx.key !== undefined) {
      return new KvStoreError(`${ctx.operation}: ${msg}`, withKey, e.code, { cause: e });
    }
    return e;
  }

  /** Authenticates `t` when the client has credentials and `t` holds no token yet. */
  async authenticate(t: Transport, ctx: Ctx): Promise<void> {
    await this.auth?.ensure(
      t,
      this.timeoutMs,
      (e) => this.refine(e, { ...ctx, operation: "authenticate" }),
    );
  }

  /** Sends one request, failing over to the next endpoint when one is unreachable. */
  async call(method: Method, request: Wire, ctx: Ctx): Promise<unknown> {
    if (this.#closed) throw new RkError("The store client is closed");
    const n = this.transports.length;
    const failures: { endpoint: string; detail: string }[] = [];
    let lastError: unknown;
    for (let attempt = 0; attempt < n; attempt++) {
      const index = (this.current + attempt) % n;
      const t = this.transports[index]!;
      try {
        let reauthed = false;
        for (;;) {
          await this.authenticate(t, ctx);
          try {
            const res = await t.call(method, request, {
              timeoutMs: this.timeoutMs,
              operation: ctx.operation,
            });
            this.current = index;
            return res;
          } catch (e) {
            // Simple auth tokens expire and are local to one member: authenticate again once.
            if (!reauthed && this.auth?.expired(t, e)) {
              reauthed = true;
              continue;
            }
            throw e;
          }
        }
      } catch (e) {
        // Reads may be retried on the next endpoint after a timeout; writes may have been
        // applied, so their timeout is reported as is.
        const retryable = isUnavailable(e) ||
          (e instanceof StoreTimeoutError && readOnly.has(method) && attempt < n - 1);
        if (!retryable) throw this.refine(e, ctx);
        lastError = e;
        const detail = e instanceof StoreUnavailableError ? e.detail : e.message;
        failures.push({ endpoint: t.endpoint, detail });
      }
    }
    throw new StoreUnavailableError(
      this.endpoints,
      n === 1 ? failures[0]!.detail : failures.map((f) => `${f.endpoint}: ${f.detail}`).join("; "),
      ctx.key !== undefined ? { key: ctx.key } : {},
      { cause: lastError },
    );
  }

  /** Ends watches and closes every transport. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    for (const t of this.transports) t.close();
  }
}
