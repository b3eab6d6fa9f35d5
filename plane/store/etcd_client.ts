/**
 * `EtcdClient`: the {@linkcode KvStore} over etcd's JSON gateway (`http://`, `https://`) or
 * gRPC (`grpc://`, `grpcs://`), with failover across endpoints, pagination, typed errors,
 * lease keep-alive and watches that resume after reconnects.
 *
 * The work is split by concern: the request path (endpoints, failover, deadlines, typed errors)
 * in `_connection.ts`, authentication in `_auth.ts`, key-value requests in `_kv_ops.ts`, leases
 * in `_lease_ops.ts`, the watch in `_watch.ts`.
 *
 * @module
 */
import { Connection } from "./_connection.ts";
import type { TlsOptions } from "./_transport.ts";
import { compact, del, listRange, put, range, txn } from "./_kv_ops.ts";
import {
  grantLease,
  keepAlive,
  keepAliveOnce,
  leaseTimeToLive,
  revokeLease,
} from "./_lease_ops.ts";
import { watch } from "./_watch.ts";
import type {
  DeleteOptions,
  DeleteResult,
  KeepAliveOptions,
  KeyValue,
  KvStore,
  Lease,
  LeaseKeepAlive,
  LeaseStatus,
  ListOptions,
  ListResult,
  PutOptions,
  PutResult,
  RangeOptions,
  RangeResult,
  TxnRequest,
  TxnResult,
  WatchEvent,
  WatchOptions,
} from "./kv_store.ts";
import { bytes, prefixEnd } from "./_wire.ts";

export type { TlsOptions } from "./_transport.ts";

/** Options for {@linkcode connectStore}. */
export interface StoreOptions {
  /**
   * One endpoint or several (failover in order): `http://127.0.0.1:2379` (JSON gateway),
   * `https://...`, `grpc://127.0.0.1:2379` or `grpcs://...`.
   */
  endpoints: string | readonly string[];
  /** User name for etcd authentication (with `password`). */
  username?: string;
  /** Password for etcd authentication. */
  password?: string;
  /** TLS settings for `https://` and `grpcs://` endpoints. */
  tls?: TlsOptions;
  /** Deadline of each request (default 10 s). */
  timeoutMs?: number;
  /**
   * How long a watch keeps trying to reconnect before it throws
   * `StoreUnavailableError` (default 60 s).
   */
  watchReconnectTimeoutMs?: number;
  /**
   * When a watch stream has been silent this long while its reader waits, the client checks
   * its endpoint with a small request and, over gRPC, asks the stream for a progress
   * notification (etcd ≥ 3.4 answers at once). If the endpoint does not answer (unreachable or
   * nothing within `max(watchProbeMs, 1 s)`), or answers while the stream leaves two progress
   * requests in a row unanswered that long each, the stream is treated as dead and the watch
   * reconnects from its next revision. Catches paths that die without closing the connection
   * and streams that stop delivering. Default 10 s; 0 turns it off.
   */
  watchProbeMs?: number;
  /**
   * For `grpc://` and `grpcs://` endpoints: send the unary calls (`Range`, `Put`, `Txn`, leases,
   * ...) through a worker thread that runs the gRPC client, so that their HTTP/2 framing,
   * socket writes and protobuf coding run beside the caller's thread rather than on it (rks
   * sets this: its API server, scheduler and controllers share one thread). Watches stay on the
   * caller's thread. Costs a thread and a second gRPC connection per endpoint, and the thread
   * keeps the process alive until {@linkcode EtcdClient.close}. Default false.
   */
  grpcWorker?: boolean;
}

/**
 * Creates a store client. No connection is made until the first request.
 *
 * @example
 * ```ts
 * import { connectStore } from "./etcd_client.ts";
 * import { startEtcd } from "./etcd_server.ts";
 * import assert from "node:assert/strict";
 * await using etcd = await startEtcd();
 * await using store = connectStore({ endpoints: [etcd.grpcUrl, etcd.httpUrl] });
 * await store.put("/hello", "world");
 * assert.equal(new TextDecoder().decode((await store.get("/hello"))?.value), "world");
 * ```
 */
export function connectStore(opts: StoreOptions): EtcdClient {
  return new EtcdClient(opts);
}

/** The etcd v3 API client behind {@linkcode KvStore}; see {@linkcode connectStore}. */
export class EtcdClient implements KvStore {
  /** The endpoints, in failover order. */
  readonly endpoints: readonly string[];
  #conn: Connection;
  #keepAlives = new Set<LeaseKeepAlive>();

  /** Creates the client; prefer {@linkcode connectStore}. */
  constructor(opts: StoreOptions) {
    this.#conn = new Connection(opts);
    this.endpoints = this.#conn.endpoints;
  }

  /** Reads one key; undefined when absent. */
  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const r = await this.range(key, opts);
    return r.kvs[0];
  }

  /** Reads one page of a key range. */
  range(key: string, opts: RangeOptions = {}): Promise<RangeResult> {
    return range(this.#conn, key, opts);
  }

  /** Reads every key with a prefix at one revision, paginating as needed. */
  list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return listRange(this.#conn, prefix, prefixEnd(bytes(prefix)), opts);
  }

  /** Writes a key. */
  put(key: string, value: string | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    return put(this.#conn, key, value, opts);
  }

  /** Deletes a key or a prefix. */
  delete(key: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    return del(this.#conn, key, opts);
  }

  /** Runs a transaction. */
  txn(req: TxnRequest): Promise<TxnResult> {
    return txn(this.#conn, req);
  }

  /** Compacts history up to `revision`. */
  compact(revision: number): Promise<void> {
    return compact(this.#conn, revision);
  }

  /** Grants a lease of `ttlSeconds`. */
  grantLease(ttlSeconds: number): Promise<Lease> {
    return grantLease(this.#conn, ttlSeconds);
  }

  /** Refreshes a lease once; returns the new TTL in seconds. */
  keepAliveOnce(leaseId: string): Promise<number> {
    return keepAliveOnce(this.#conn, leaseId);
  }

  /**
   * Refreshes a lease every third of its TTL until stopped. Transient failures are retried;
   * the lease is reported `lost` when it is gone or the store stayed unreachable for a TTL.
   */
  async keepAlive(leaseId: string, opts: KeepAliveOptions = {}): Promise<LeaseKeepAlive> {
    const handle = await keepAlive(this.#conn, leaseId, opts, (h) => this.#keepAlives.delete(h));
    this.#keepAlives.add(handle);
    return handle;
  }

  /** Revokes a lease, deleting its keys. */
  revokeLease(leaseId: string): Promise<void> {
    return revokeLease(this.#conn, leaseId);
  }

  /** Reports a lease's remaining TTL (-1 when gone) and its keys. */
  leaseTimeToLive(leaseId: string): Promise<LeaseStatus> {
    return leaseTimeToLive(this.#conn, leaseId);
  }

  /**
   * Watches a key or prefix. The iteration survives dropped connections and restarts of the
   * store: it reconnects (to the next endpoint, with backoff) from the last delivered revision
   * + 1, so no event is lost or repeated. When that revision was compacted it yields a
   * `reset` event with a fresh snapshot and continues after it. It ends when
   * `signal` aborts and throws `StoreUnavailableError` when no endpoint answered for
   * `watchReconnectTimeoutMs`.
   */
  watch(key: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent> {
    return watch(this.#conn, key, opts);
  }

  /** Stops keep-alive loops and closes every connection. */
  async close(): Promise<void> {
    if (this.#conn.closed) return;
    for (const k of [...this.#keepAlives]) await k.stop();
    this.#conn.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
