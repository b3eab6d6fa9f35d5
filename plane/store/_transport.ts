/**
 * The contract between {@linkcode EtcdClient} and one endpoint's transport (JSON gateway or
 * gRPC). Transports move etcd messages; the client adds meaning (pagination, failover, watch
 * resume, typed errors).
 *
 * Transports throw `StoreUnavailableError` when the endpoint cannot be reached (the client then
 * tries the next endpoint), `StoreTimeoutError` on a deadline, the caller's `AbortError` when
 * aborted, and `KvStoreError` with the gRPC status code for an error answer.
 *
 * @module
 */
import type { Wire } from "./_wire.ts";

/** The unary RPCs rk8s uses. */
export type Method =
  | "Range"
  | "Put"
  | "DeleteRange"
  | "Txn"
  | "Compact"
  | "LeaseGrant"
  | "LeaseRevoke"
  | "LeaseKeepAlive"
  | "LeaseTimeToLive"
  | "Authenticate";

/** TLS settings (PEM text). */
export interface TlsOptions {
  /** CA certificate(s) that sign the server's certificate. */
  caCert?: string;
  /** Client certificate for mutual TLS. */
  cert?: string;
  /** Client private key for mutual TLS. */
  key?: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Deadline for the call. */
  timeoutMs: number;
  /** Operation name for error messages (e.g. `put`). */
  operation: string;
}

/** What a transport lets its watch's caller do on an open stream. */
export interface WatchControl {
  /**
   * Set by transports that can send on an open watch stream (gRPC): asks etcd for a progress
   * notification (`WatchProgressRequest`, etcd ≥ 3.4), answered with a `WatchResponse` whose
   * `watch_id` is -1 and that has no events. Unset while no stream is open.
   */
  requestProgress?: () => void;
}

/** One endpoint's transport. */
export interface Transport {
  /** The endpoint URL as configured. */
  readonly endpoint: string;
  /** Sends one request and returns the raw response object. */
  call(method: Method, request: Wire, opts: CallOptions): Promise<unknown>;
  /**
   * Opens one watch stream with `create` as its `WatchCreateRequest` and yields raw
   * `WatchResponse` objects until the stream ends (returns) or fails (throws). A transport
   * that can send on the open stream sets `control.requestProgress`.
   */
  watch(create: Wire, signal: AbortSignal, control?: WatchControl): AsyncIterable<unknown>;
  /** Sets the auth token sent with every request (undefined: none). */
  setToken(token: string | undefined): void;
  /** Releases connections. */
  close(): void;
}
