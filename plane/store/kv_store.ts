/**
 * The `KvStore` interface: the etcd v3 key-value API as rk8s uses it, independent of the
 * transport (JSON gateway or gRPC). Keys are UTF-8 strings, values bytes; revisions are
 * numbers, lease ids decimal strings (they exceed 2^53).
 *
 * @module
 */

/** One key with its value and revisions (etcd's `mvccpb.KeyValue`). */
export interface KeyValue {
  /** The key. */
  key: string;
  /** The value (empty for `keysOnly` reads and delete events without `prevKv`). */
  value: Uint8Array;
  /** Revision of the key's creation (0 for a deleted key in events). */
  createRevision: number;
  /** Revision of the last change; Kubernetes' `resourceVersion`. */
  modRevision: number;
  /** Number of changes since creation (1 after create; 0 for a deleted key). */
  version: number;
  /** Lease id the key is attached to, `"0"` for none. */
  lease: string;
}

/** Options for {@linkcode KvStore.range} and {@linkcode KvStore.get}. */
export interface RangeOptions {
  /** Treat the key as a prefix. */
  prefix?: boolean;
  /** Explicit exclusive end of the range (overrides `prefix`). */
  rangeEnd?: string;
  /** At most this many keys (0 = no limit). */
  limit?: number;
  /** Read at this revision (0 = latest). */
  revision?: number;
  /** Return keys without values. */
  keysOnly?: boolean;
  /** Return only the count. */
  countOnly?: boolean;
}

/** One page of a range read. */
export interface RangeResult {
  /** Matching keys, in key order. */
  kvs: KeyValue[];
  /** True when `limit` cut the result short. */
  more: boolean;
  /** Number of keys in the whole range. */
  count: number;
  /** The store revision the read was served at. */
  revision: number;
}

/** Options for {@linkcode KvStore.list}. */
export interface ListOptions {
  /** Keys per request (default 500). */
  pageSize?: number;
  /** Read at this revision (0 = latest, then pinned for every page). */
  revision?: number;
  /** Return keys without values. */
  keysOnly?: boolean;
}

/** A consistent snapshot of every key under a prefix. */
export interface ListResult {
  /** Every matching key. */
  kvs: KeyValue[];
  /** The revision the snapshot was taken at (watch from `revision + 1`). */
  revision: number;
}

/** Options for {@linkcode KvStore.put}. */
export interface PutOptions {
  /** Attach the key to this lease. */
  lease?: string;
  /** Return the previous key-value. */
  prevKv?: boolean;
}

/** Result of a put. */
export interface PutResult {
  /** Revision of the write (the key's new `modRevision`). */
  revision: number;
  /** Previous key-value when asked for and the key existed. */
  prevKv?: KeyValue;
}

/** Options for {@linkcode KvStore.delete}. */
export interface DeleteOptions {
  /** Delete every key with this prefix. */
  prefix?: boolean;
  /** Return the deleted key-values. */
  prevKv?: boolean;
}

/** Result of a delete. */
export interface DeleteResult {
  /** Revision after the delete. */
  revision: number;
  /** Number of deleted keys. */
  deleted: number;
  /** The deleted key-values when `prevKv` was set. */
  prevKvs: KeyValue[];
}

/** How a txn compare tests its target. */
export type CompareResult = "equal" | "not_equal" | "greater" | "less";

/** One condition of a txn (etcd `Compare`). */
export type Compare =
  | {
    /** The key to test. */
    key: string;
    /** Which number to compare: version, create/mod revision, or lease. */
    target: "version" | "create" | "mod" | "lease";
    /** The comparison. */
    result: CompareResult;
    /** The number (lease ids as decimal strings). */
    value: number | string;
  }
  | {
    /** The key to test. */
    key: string;
    /** Compare the value bytes. */
    target: "value";
    /** The comparison. */
    result: CompareResult;
    /** The value. */
    value: string | Uint8Array;
  };

/** One operation of a txn branch. */
export type TxnOp =
  | { type: "put"; key: string; value: string | Uint8Array; lease?: string; prevKv?: boolean }
  | ({ type: "get"; key: string } & RangeOptions)
  | { type: "delete"; key: string; prefix?: boolean; prevKv?: boolean };

/** The result of one txn operation, in the order of the executed branch. */
export type TxnOpResult =
  | { type: "put"; revision: number; prevKv?: KeyValue }
  | ({ type: "get" } & RangeResult)
  | ({ type: "delete" } & DeleteResult);

/** A transaction: if every compare holds, run `success`, else `failure`. */
export interface TxnRequest {
  /** Conditions (all must hold). */
  compare: Compare[];
  /** Operations when they hold. */
  success: TxnOp[];
  /** Operations otherwise. */
  failure?: TxnOp[];
}

/** Result of a txn. */
export interface TxnResult {
  /** True when the compares held and `success` ran. */
  succeeded: boolean;
  /** Revision after the txn. */
  revision: number;
  /** Results of the branch that ran. */
  results: TxnOpResult[];
}

/** A granted lease. */
export interface Lease {
  /** Lease id (decimal string). */
  id: string;
  /** Granted time to live in seconds. */
  ttl: number;
}

/** What {@linkcode KvStore.leaseTimeToLive} reports. */
export interface LeaseStatus {
  /** Lease id. */
  id: string;
  /** Remaining seconds; -1 when the lease does not exist. */
  ttl: number;
  /** The TTL it was granted with. */
  grantedTtl: number;
  /** Keys attached to it. */
  keys: string[];
}

/** A running keep-alive loop, from {@linkcode KvStore.keepAlive}. */
export interface LeaseKeepAlive {
  /** The lease kept alive. */
  readonly id: string;
  /**
   * Resolves (never rejects) with the reason when the lease is lost: it expired or was revoked
   * ({@linkcode LeaseNotFoundError}), or the store was unreachable for longer than its TTL.
   * It stays pending after `stop()`.
   */
  readonly lost: Promise<Error>;
  /** Stops refreshing (the lease then expires on its own unless revoked). */
  stop(): Promise<void>;
}

/** Options for {@linkcode KvStore.keepAlive}. */
export interface KeepAliveOptions {
  /** Refresh interval (default a third of the lease's TTL). */
  intervalMs?: number;
}

/** Options for {@linkcode KvStore.watch}. */
export interface WatchOptions {
  /** Watch every key with this prefix. */
  prefix?: boolean;
  /** First revision to deliver (0 = changes after now). */
  startRevision?: number;
  /** Include the previous key-value in events. */
  prevKv?: boolean;
  /** Ask the server for periodic progress events when idle. */
  progressNotify?: boolean;
  /** Stops the watch; the iteration then ends. */
  signal?: AbortSignal;
}

/** A key was created or changed. */
export interface PutEvent {
  /** Discriminant. */
  type: "put";
  /** The new key-value. */
  kv: KeyValue;
  /** The previous key-value (with `prevKv` and when it existed). */
  prevKv?: KeyValue;
}

/** A key was deleted; `kv.modRevision` is the revision of the delete. */
export interface DeleteEvent {
  /** Discriminant. */
  type: "delete";
  /** The key with the delete's revision; value empty. */
  kv: KeyValue;
  /** The deleted key-value (with `prevKv`). */
  prevKv?: KeyValue;
}

/** The server confirms every change up to `revision` has been delivered. */
export interface ProgressEvent {
  /** Discriminant. */
  type: "progress";
  /** Revision up to which the watch is complete. */
  revision: number;
}

/**
 * The watch could not resume because history was compacted: `kvs` is a fresh snapshot of the
 * watched range at `revision`; events continue from `revision + 1`. Caches must rebuild.
 */
export interface ResetEvent {
  /** Discriminant. */
  type: "reset";
  /** Revision of the snapshot. */
  revision: number;
  /** The store's compaction revision that forced the reset. */
  compactRevision: number;
  /** Every key in the watched range at `revision`. */
  kvs: KeyValue[];
}

/** What a watch yields. */
export type WatchEvent = PutEvent | DeleteEvent | ProgressEvent | ResetEvent;

/**
 * The etcd v3 key-value API: reads, writes, transactions, leases and watches. Implemented by
 * {@linkcode EtcdClient} over the JSON gateway or gRPC.
 */
export interface KvStore extends AsyncDisposable {
  /** The endpoints this store talks to. */
  readonly endpoints: readonly string[];
  /** Reads one key; undefined when absent. */
  get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined>;
  /** Reads one page of a key range. */
  range(key: string, opts?: RangeOptions): Promise<RangeResult>;
  /** Reads every key with a prefix at one revision, paginating as needed. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Writes a key. */
  put(key: string, value: string | Uint8Array, opts?: PutOptions): Promise<PutResult>;
  /** Deletes a key or a prefix. */
  delete(key: string, opts?: DeleteOptions): Promise<DeleteResult>;
  /** Runs a transaction. */
  txn(req: TxnRequest): Promise<TxnResult>;
  /** Compacts history up to `revision`. */
  compact(revision: number): Promise<void>;
  /** Grants a lease of `ttlSeconds`. */
  grantLease(ttlSeconds: number): Promise<Lease>;
  /** Refreshes a lease once; returns the new TTL. Throws {@linkcode LeaseNotFoundError}. */
  keepAliveOnce(id: string): Promise<number>;
  /** Refreshes a lease periodically until stopped or lost. */
  keepAlive(id: string, opts?: KeepAliveOptions): Promise<LeaseKeepAlive>;
  /** Revokes a lease, deleting its keys. */
  revokeLease(id: string): Promise<void>;
  /** Reports a lease's remaining TTL and keys. */
  leaseTimeToLive(id: string): Promise<LeaseStatus>;
  /** Watches a key or prefix; survives reconnects (see {@linkcode WatchEvent}). */
  watch(key: string, opts?: WatchOptions): AsyncIterable<WatchEvent>;
  /** Closes connections. */
  close(): Promise<void>;
}
