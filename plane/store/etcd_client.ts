/**
 * `EtcdClient`: the {@linkcode KvStore} over etcd's JSON gateway (`http://`, `https://`) or
 * gRPC (`grpc://`, `grpcs://`), with failover across endpoints, pagination, typed errors,
 * lease keep-alive and watches that resume after reconnects.
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
import { GrpcTransport } from "./_grpc_transport.ts";
import { HttpTransport } from "./_http_transport.ts";
import type { Method, TlsOptions, Transport } from "./_transport.ts";
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
  ResetEvent,
  TxnRequest,
  TxnResult,
  WatchEvent,
  WatchOptions,
} from "./kv_store.ts";
import {
  bin,
  bytes,
  deleteRequest,
  id,
  int,
  parseDelete,
  parsePut,
  parseRange,
  parseTxn,
  parseWatchResponse,
  prefixEnd,
  putRequest,
  rangeRequest,
  record,
  str,
  text,
  txnRequest,
  type Wire,
} from "./_wire.ts";

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
   * {@linkcode StoreUnavailableError} (default 60 s).
   */
  watchReconnectTimeoutMs?: number;
  /**
   * When a watch stream has been silent this long, the client checks its endpoint with a small
   * request; if that fails (unreachable or no answer within `max(watchProbeMs, 1 s)`) the
   * stream is treated as dead and the watch reconnects. Catches paths that die without
   * closing the connection. Default 10 s; 0 turns it off.
   */
  watchProbeMs?: number;
}

/** What a request is about, to build typed errors. */
interface Ctx {
  operation: string;
  key?: string;
  lease?: string;
  revision?: number;
  size?: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
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
function isUnavailable(e: unknown): e is KvStoreError {
  return e instanceof StoreUnavailableError || (e instanceof KvStoreError && e.code === 14);
}

/**
 * gRPC codes a stream ends with when the connection under it breaks rather than the server
 * refusing the request: CANCELLED (1), UNKNOWN (2) and INTERNAL (13), e.g. grpc-js's
 * "Received RST_STREAM with code 0 (Call ended without gRPC status)" when etcd shuts down.
 * Only streams that resume where they left off (watches) treat these as a reason to reconnect;
 * a unary write that failed this way may have been applied, so it is not retried.
 */
const droppedStreamCodes: ReadonlySet<number> = new Set([1, 2, 13]);

/**
 * True when a watch stream should reconnect after `e` instead of failing. Typed subclasses
 * (compacted, bad data, ...) are never a dropped stream, whatever their code.
 */
function isDroppedStream(e: unknown): e is KvStoreError {
  return isUnavailable(e) ||
    (e instanceof KvStoreError && e.constructor === KvStoreError && droppedStreamCodes.has(e.code));
}

function transportFor(endpoint: string, tls: TlsOptions | undefined): Transport {
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
      return new GrpcTransport(endpoint, tls);
    default:
      throw new RkError(
        `Unsupported store endpoint "${endpoint}": expected http://, https://, grpc:// or grpcs://`,
      );
  }
}

/**
 * Creates a store client. No connection is made until the first request.
 *
 * @example
 * ```ts ignore
 * import { connectStore } from "./etcd_client.ts";
 * await using store = connectStore({ endpoints: "grpc://127.0.0.1:2379" });
 * await store.put("/hello", "world");
 * ```
 */
export function connectStore(opts: StoreOptions): EtcdClient {
  return new EtcdClient(opts);
}

/** The etcd v3 API client behind {@linkcode KvStore}; see {@linkcode connectStore}. */
export class EtcdClient implements KvStore {
  /** The endpoints, in failover order. */
  readonly endpoints: readonly string[];
  #transports: Transport[];
  #current = 0;
  #timeoutMs: number;
  #watchReconnectMs: number;
  #watchProbeMs: number;
  #auth: { username: string; password: string } | undefined;
  #authed = new Set<Transport>();
  #keepAlives = new Set<LeaseKeepAlive>();
  #closed = false;
  #closing = new AbortController();

  /** Creates the client; prefer {@linkcode connectStore}. */
  constructor(opts: StoreOptions) {
    const list = typeof opts.endpoints === "string" ? [opts.endpoints] : [...opts.endpoints];
    if (list.length === 0) throw new RkError("A store needs at least one endpoint");
    this.endpoints = list;
    this.#transports = list.map((e) => transportFor(e, opts.tls));
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#watchReconnectMs = opts.watchReconnectTimeoutMs ?? 60_000;
    this.#watchProbeMs = opts.watchProbeMs ?? 10_000;
    if (opts.username !== undefined) {
      this.#auth = { username: opts.username, password: opts.password ?? "" };
    }
  }

  /** Turns a transport's error into the typed error for this request. */
  #refine(e: unknown, ctx: Ctx): unknown {
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

  async #authenticate(t: Transport, ctx: Ctx): Promise<void> {
    if (!this.#auth || this.#authed.has(t)) return;
    t.setToken(undefined);
    const res = record(
      await t.call("Authenticate", { name: this.#auth.username, password: this.#auth.password }, {
        timeoutMs: this.#timeoutMs,
        operation: "authenticate",
      }).catch((e) => {
        throw this.#refine(e, { ...ctx, operation: "authenticate" });
      }),
      "authenticate",
    );
    t.setToken(str(res.token, "authenticate.token"));
    this.#authed.add(t);
  }

  /** Sends one request, failing over to the next endpoint when one is unreachable. */
  async #call(method: Method, request: Wire, ctx: Ctx): Promise<unknown> {
    if (this.#closed) throw new RkError("The store client is closed");
    const n = this.#transports.length;
    const failures: { endpoint: string; detail: string }[] = [];
    let lastError: unknown;
    for (let attempt = 0; attempt < n; attempt++) {
      const index = (this.#current + attempt) % n;
      const t = this.#transports[index]!;
      try {
        let reauthed = false;
        for (;;) {
          await this.#authenticate(t, ctx);
          try {
            const res = await t.call(method, request, {
              timeoutMs: this.#timeoutMs,
              operation: ctx.operation,
            });
            this.#current = index;
            return res;
          } catch (e) {
            // Simple auth tokens expire and are local to one member: authenticate again once.
            if (
              this.#auth && !reauthed && e instanceof KvStoreError && e.code === 16
            ) {
              this.#authed.delete(t);
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
        if (!retryable) throw this.#refine(e, ctx);
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

  /** Reads one key; undefined when absent. */
  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const r = await this.range(key, opts);
    return r.kvs[0];
  }

  /** Reads one page of a key range. */
  async range(key: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const ctx: Ctx = { operation: "range", key };
    if (opts.revision !== undefined) ctx.revision = opts.revision;
    return parseRange(await this.#call("Range", rangeRequest(key, opts), ctx));
  }

  /** Reads every key in `[key, end)` at one revision, `pageSize` keys per request. */
  async #listRange(
    key: string,
    end: Uint8Array,
    opts: ListOptions,
  ): Promise<ListResult> {
    const pageSize = opts.pageSize ?? 500;
    const endText = text(end);
    let revision = opts.revision ?? 0;
    const kvs: KeyValue[] = [];
    let from = key;
    for (;;) {
      const page = await this.range(from, {
        rangeEnd: endText,
        limit: pageSize,
        ...(revision ? { revision } : {}),
        ...(opts.keysOnly ? { keysOnly: true } : {}),
      });
      if (!revision) revision = page.revision;
      for (const kv of page.kvs) kvs.push(kv);
      const last = page.kvs.at(-1);
      if (!page.more || !last) break;
      from = `${last.key}\0`;
    }
    return { kvs, revision };
  }

  /** Reads every key with a prefix at one revision, paginating as needed. */
  list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    return this.#listRange(prefix, prefixEnd(bytes(prefix)), opts);
  }

  /** Writes a key. */
  async put(key: string, value: string | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const v = bytes(value);
    const ctx: Ctx = { operation: "put", key, size: v.length };
    if (opts.lease !== undefined) ctx.lease = opts.lease;
    return parsePut(await this.#call("Put", putRequest(key, v, opts), ctx));
  }

  /** Deletes a key or a prefix. */
  async delete(key: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    return parseDelete(
      await this.#call("DeleteRange", deleteRequest(key, opts), { operation: "delete", key }),
    );
  }

  /** Runs a transaction. */
  async txn(req: TxnRequest): Promise<TxnResult> {
    const ops = [...req.success, ...(req.failure ?? [])];
    const firstKey = req.compare[0]?.key ?? ops[0]?.key;
    const size = ops.reduce((n, op) => n + (op.type === "put" ? bytes(op.value).length : 0), 0);
    const lease = ops.find((op) => op.type === "put" && op.lease !== undefined);
    const ctx: Ctx = { operation: "txn", size };
    if (firstKey !== undefined) ctx.key = firstKey;
    if (lease?.type === "put" && lease.lease !== undefined) ctx.lease = lease.lease;
    return parseTxn(await this.#call("Txn", txnRequest(req), ctx));
  }

  /** Compacts history up to `revision`. */
  async compact(revision: number): Promise<void> {
    await this.#call("Compact", { revision: String(revision) }, { operation: "compact", revision });
  }

  /** Grants a lease of `ttlSeconds`. */
  async grantLease(ttlSeconds: number): Promise<Lease> {
    const r = record(
      await this.#call("LeaseGrant", { TTL: String(ttlSeconds) }, { operation: "lease grant" }),
      "lease grant",
    );
    const err = str(r.error, "lease grant.error");
    if (err) throw new KvStoreError(`Lease grant failed: ${err}`);
    return { id: id(r.ID, "lease grant.ID"), ttl: int(r.TTL, "lease grant.TTL") };
  }

  /** Refreshes a lease once; returns the new TTL in seconds. */
  async keepAliveOnce(leaseId: string): Promise<number> {
    const ctx: Ctx = { operation: "lease keepalive", lease: leaseId };
    const r = record(await this.#call("LeaseKeepAlive", { ID: leaseId }, ctx), "keepalive");
    const ttl = int(r.TTL, "keepalive.TTL");
    if (ttl <= 0) {
      throw new LeaseNotFoundError(leaseId, { endpoint: this.endpoints[this.#current]! });
    }
    return ttl;
  }

  /**
   * Refreshes a lease every third of its TTL until stopped. Transient failures are retried;
   * the lease is reported `lost` when it is gone or the store stayed unreachable for a TTL.
   */
  async keepAlive(leaseId: string, opts: KeepAliveOptions = {}): Promise<LeaseKeepAlive> {
    const ttl = await this.keepAliveOnce(leaseId);
    const interval = opts.intervalMs ?? Math.max(100, (ttl * 1000) / 3);
    const stopper = new AbortController();
    let resolveLost!: (e: Error) => void;
    const lost = new Promise<Error>((r) => resolveLost = r);
    const loop = (async () => {
      let lastOk = Date.now();
      let ttlMs = ttl * 1000;
      while (await sleep(interval, stopper.signal)) {
        try {
          ttlMs = (await this.keepAliveOnce(leaseId)) * 1000;
          lastOk = Date.now();
        } catch (e) {
          if (stopper.signal.aborted) return;
          if (e instanceof LeaseNotFoundError || !isUnavailable(e) || Date.now() - lastOk > ttlMs) {
            resolveLost(e instanceof Error ? e : new Error(String(e)));
            return;
          }
        }
      }
    })();
    const handle: LeaseKeepAlive = {
      id: leaseId,
      lost,
      stop: async () => {
        stopper.abort();
        await loop;
        this.#keepAlives.delete(handle);
      },
    };
    this.#keepAlives.add(handle);
    return handle;
  }

  /** Revokes a lease, deleting its keys. */
  async revokeLease(leaseId: string): Promise<void> {
    await this.#call("LeaseRevoke", { ID: leaseId }, { operation: "lease revoke", lease: leaseId });
  }

  /** Reports a lease's remaining TTL (-1 when gone) and its keys. */
  async leaseTimeToLive(leaseId: string): Promise<LeaseStatus> {
    const r = record(
      await this.#call("LeaseTimeToLive", { ID: leaseId, keys: true }, {
        operation: "lease timetolive",
        lease: leaseId,
      }),
      "timetolive",
    );
    const keys = r.keys === undefined || r.keys === null ? [] : r.keys;
    if (!Array.isArray(keys)) throw new KvStoreError("timetolive.keys: expected an array");
    return {
      id: leaseId,
      ttl: int(r.TTL, "timetolive.TTL"),
      grantedTtl: int(r.grantedTTL, "timetolive.grantedTTL"),
      keys: keys.map((k, i) => text(bin(k, `timetolive.keys[${i}]`))),
    };
  }

  /**
   * Watches a key or prefix. The iteration survives dropped connections and restarts of the
   * store: it reconnects (to the next endpoint, with backoff) from the last delivered revision
   * + 1, so no event is lost or repeated. When that revision was compacted it yields a
   * {@linkcode ResetEvent} with a fresh snapshot and continues after it. It ends when
   * `signal` aborts and throws {@linkcode StoreUnavailableError} when no endpoint answered for
   * `watchReconnectTimeoutMs`.
   */
  async *watch(key: string, opts: WatchOptions = {}): AsyncGenerator<WatchEvent> {
    // Ends on the caller's signal or when the client is closed.
    const outer = opts.signal
      ? AbortSignal.any([opts.signal, this.#closing.signal])
      : this.#closing.signal;
    const keyBytes = bytes(key);
    const end = opts.prefix ? prefixEnd(keyBytes) : undefined;
    let next = opts.startRevision ?? 0;
    let failingSince: number | undefined;
    let delay = 50;
    let index = this.#current;
    const n = this.#transports.length;
    const failures: string[] = [];
    while (!outer.aborted && !this.#closed) {
      const t = this.#transports[index % n]!;
      const create: Wire = { key: keyBytes };
      if (end) create.range_end = end;
      if (next > 0) create.start_revision = String(next);
      if (opts.prevKv) create.prev_kv = true;
      if (opts.progressNotify) create.progress_notify = true;
      const stream = new AbortController();
      const onAbort = () => stream.abort();
      outer.addEventListener("abort", onAbort, { once: true });
      let reset: ResetEvent | undefined;
      const probe = this.#probeWhileSilent(t, key, stream);
      try {
        await this.#authenticate(t, { operation: "watch", key });
        for await (const raw of t.watch(create, stream.signal)) {
          probe.heard();
          const r = parseWatchResponse(raw);
          if (r.canceled) {
            if (r.compactRevision > 0) {
              // A single-key watch lists [key, key + "\0"), which is exactly the key.
              const snap = await this.#listRange(key, end ?? bytes(`${key}\0`), {});
              reset = {
                type: "reset",
                revision: snap.revision,
                compactRevision: r.compactRevision,
                kvs: snap.kvs,
              };
              break;
            }
            throw new KvStoreError(
              `Watch canceled by the store: ${r.cancelReason || "no reason given"}`,
              { endpoint: t.endpoint, key },
            );
          }
          failingSince = undefined;
          delay = 50;
          failures.length = 0;
          if (r.created) {
            if (next === 0) next = r.revision + 1;
            continue;
          }
          if (r.events.length === 0) {
            if (r.revision + 1 > next) next = r.revision + 1;
            yield { type: "progress", revision: r.revision };
            continue;
          }
          let last = 0;
          for (const ev of r.events) {
            if (ev.kv.modRevision < next) continue; // already delivered before a reconnect
            last = ev.kv.modRevision;
            yield ev;
          }
          if (last >= next) next = last + 1;
        }
        if (reset) {
          next = reset.revision + 1;
          yield reset;
          continue;
        }
        if (outer.aborted) return;
        failures.push(`${t.endpoint}: ${probe.stalled ?? "watch stream ended"}`);
      } catch (e) {
        if (outer.aborted) return;
        const expiredToken = this.#auth !== undefined && e instanceof KvStoreError &&
          e.code === 16;
        if (expiredToken) this.#authed.delete(t); // authenticate again on the next attempt
        else if (!isDroppedStream(e)) {
          throw this.#refine(e, { operation: "watch", key, revision: next });
        }
        failures.push(`${t.endpoint}: ${e instanceof StoreUnavailableError ? e.detail : e.reason}`);
      } finally {
        probe.stop();
        outer.removeEventListener("abort", onAbort);
        stream.abort();
      }
      // The stream failed or ended: reconnect (next endpoint first) with backoff.
      failingSince ??= Date.now();
      if (Date.now() - failingSince > this.#watchReconnectMs) {
        throw new StoreUnavailableError(
          this.endpoints,
          `watch could not reconnect for ${this.#watchReconnectMs} ms: ${
            failures.slice(-n).join("; ")
          }`,
          { key },
        );
      }
      index++;
      if (!await sleep(delay, outer)) return;
      delay = Math.min(delay * 2, 1000);
    }
  }

  /**
   * While a watch stream is silent for `watchProbeMs`, asks its endpoint for a key count; when
   * that fails as unreachable or times out, aborts the stream (`stalled` says why) so the watch
   * reconnects. Other probe failures (e.g. permissions) leave the stream to report for itself.
   */
  #probeWhileSilent(t: Transport, key: string, stream: AbortController) {
    const probeMs = this.#watchProbeMs;
    let lastHeard = Date.now();
    let probing = false;
    const state = {
      stalled: undefined as string | undefined,
      heard: () => {
        lastHeard = Date.now();
      },
      stop: () => clearInterval(timer),
    };
    const check = () => {
      if (probing || stream.signal.aborted || Date.now() - lastHeard < probeMs) return;
      probing = true;
      const timeoutMs = Math.max(probeMs, 1000);
      t.call("Range", rangeRequest(key, { countOnly: true }), {
        timeoutMs,
        operation: "watch probe",
      }).then(() => {
        lastHeard = Date.now();
      }, (e) => {
        if (!isUnavailable(e) && !(e instanceof StoreTimeoutError)) return;
        state.stalled =
          `watch stream silent and the endpoint did not answer within ${timeoutMs} ms`;
        stream.abort();
      }).finally(() => {
        probing = false;
      });
    };
    const timer = probeMs > 0 ? setInterval(check, Math.max(25, probeMs / 4)) : undefined;
    return state;
  }

  /** Stops keep-alive loops and closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const k of [...this.#keepAlives]) await k.stop();
    this.#closed = true;
    this.#closing.abort();
    for (const t of this.#transports) t.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
