/**
 * `WatchCache`: ONE store watch per resource kind, shared by every API watcher of that kind
 * (as kube-apiserver's watch cache). It keeps the current objects and a window of recent events;
 * a watcher starting at a `resourceVersion` inside the window is served from memory, an older
 * one catches up through its own store watch (and answers 410 Gone once etcd compacted it)
 * until it reaches the window, then joins the shared stream.
 *
 * @module
 */
import type { KeyValue, KvStore, WatchEvent } from "../store/kv_store.ts";
import { ApiError, type Status } from "./api_error.ts";
import { type ApiObject, decodeObject } from "./object_codec.ts";
import { cloneJson } from "../api/clone_json.ts";

/** A change of one object. */
export interface CacheEvent {
  /** What happened. */
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object after the change (before it, with the delete's revision, for DELETED). */
  object: ApiObject;
  /** The object before a MODIFIED change. */
  prev?: ApiObject;
  /** The store revision of the change. */
  revision: number;
  /** The store key. */
  key: string;
}

/** What a subscription yields. */
export type WatchItem =
  | CacheEvent
  | { type: "BOOKMARK"; revision: number }
  | { type: "ERROR"; status: Status };

/** Options of {@linkcode WatchCache}. */
export interface WatchCacheOptions {
  /** Events kept in memory: at least this many, at most twice as many (default 10,000). */
  window?: number;
  /** Items a slow watcher may have queued before it is dropped (default 20,000). */
  maxQueue?: number;
  /** How long the shared store watch may keep failing before watchers get an error (default 120 s). */
  resumeMs?: number;
  /** Decodes a stored value (default {@linkcode decodeObject}). */
  decode?: (kv: KeyValue) => ApiObject;
}

/** Options of {@linkcode WatchCache.subscribe}. */
export interface SubscribeOptions {
  /**
   * Send BOOKMARKs at the cache's revision (besides the store's progress notifications), as
   * kube-apiserver's watch cache does for `allowWatchBookmarks=true`: every `everyMs` (its
   * bookmark frequency is one minute) and 2 s before `deadline` (ms since the epoch, when the
   * watch times out), so a client can resume from a recent revision.
   */
  bookmarks?: { everyMs: number; deadline: number };
}

class Subscriber {
  queue: WatchItem[] = [];
  #wake: (() => void) | undefined;
  closed = false;
  live = false;
  /** Events of the shared stream with a revision at or below this were delivered already. */
  after = 0;
  constructor(readonly prefix: string, readonly maxQueue: number) {}
  push(item: WatchItem): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueue) {
      this.queue = [{
        type: "ERROR",
        status: ApiError.internal("watcher too slow: event queue overflowed").status,
      }];
      this.closed = true;
    } else this.queue.push(item);
    this.#wake?.();
  }
  close(item?: WatchItem): void {
    if (item) this.queue.push(item);
    this.closed = true;
    this.#wake?.();
  }
  wait(): Promise<void> {
    return new Promise((r) => this.#wake = r);
  }
}

/** The shared watch of one resource kind (every namespace). */
export class WatchCache {
  readonly #store: KvStore;
  readonly #prefix: string;
  readonly #window: number;
  readonly #maxQueue: number;
  readonly #decode: (kv: KeyValue) => ApiObject;
  readonly #resumeMs: number;
  #objects = new Map<string, ApiObject>();
  #buffer: CacheEvent[] = [];
  /** Every event with a revision above this is in `#buffer`. */
  #bufferStart = 0;
  #revision = 0;
  #subs = new Set<Subscriber>();
  #abort = new AbortController();
  #ready: Promise<void> | undefined;
  #failed: unknown;

  /** Creates the cache of the keys under `prefix` (e.g. `/registry/pods/`); starts lazily. */
  constructor(store: KvStore, prefix: string, opts: WatchCacheOptions = {}) {
    this.#store = store;
    this.#prefix = prefix;
    this.#window = opts.window ?? 10_000;
    this.#maxQueue = opts.maxQueue ?? 20_000;
    this.#decode = opts.decode ?? ((kv) => decodeObject(kv));
    this.#resumeMs = opts.resumeMs ?? 120_000;
  }

  /** The highest store revision the cache has seen. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * The cached object at store `key`, or undefined when absent or the cache is not following
   * the store. Read-only and possibly behind the store: a starting point for a
   * compare-and-swap, never an answer.
   */
  peek(key: string): ApiObject | undefined {
    return this.#ready && this.#failed === undefined ? this.#objects.get(key) : undefined;
  }

  /** Every cached object (read-only), or undefined when the cache is not following the store. */
  peekAll(): Iterable<ApiObject> | undefined {
    return this.#ready && this.#failed === undefined ? this.#objects.values() : undefined;
  }

  /** Lists and starts the shared store watch (once). */
  start(): Promise<void> {
    if (this.#ready && this.#failed === undefined) return this.#ready;
    this.#failed = undefined;
    this.#abort = new AbortController();
    this.#ready = (async () => {
      const list = await this.#store.list(this.#prefix);
      this.#reset(list.kvs.map((kv) => [kv.key, this.#decode(kv)]), list.revision);
      this.#run();
    })();
    return this.#ready;
  }

  #reset(entries: [string, ApiObject][], revision: number): void {
    this.#objects = new Map(entries);
    this.#buffer = [];
    this.#bufferStart = revision;
    this.#revision = revision;
  }

  /**
   * Follows the store from the cache's revision. When the store watch fails or ends (a
   * restarted or unreachable store), it is opened again from the last revision the cache
   * holds, so API watchers do not notice; only after `resumeMs` of failures do they get an
   * `ERROR` and the cache starts over on the next watch.
   */
  async #run(): Promise<void> {
    let failingSince: number | undefined;
    let delay = 100;
    for (;;) {
      try {
        // No prevKv: the cache holds every object as of its revision (the list, then each
        // event), so the previous version of a changed key is already here; etcd would send
        // (and the client decode) every value twice.
        const stream = this.#store.watch(this.#prefix, {
          prefix: true,
          progressNotify: true,
          startRevision: this.#revision + 1,
          signal: this.#abort.signal,
        });
        for await (const ev of stream) {
          this.#apply(ev);
          failingSince = undefined;
          delay = 100;
        }
        if (this.#abort.signal.aborted) return;
        throw new Error("the store watch ended");
      } catch (e) {
        if (this.#abort.signal.aborted) return;
        failingSince ??= Date.now();
        if (Date.now() - failingSince < this.#resumeMs) {
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 2000);
          continue;
        }
        this.#failed = e;
        const status = ApiError.internal(e instanceof Error ? e.message : String(e)).status;
        for (const s of this.#subs) s.close({ type: "ERROR", status });
        this.#subs.clear();
        return;
      }
    }
  }

  #apply(ev: WatchEvent): void {
    let ce: CacheEvent | undefined;
    switch (ev.type) {
      case "put": {
        const object = this.#decode(ev.kv);
        const prev = this.#objects.get(ev.kv.key) ??
          (ev.prevKv ? this.#decode(ev.prevKv) : undefined);
        this.#objects.set(ev.kv.key, object);
        ce = {
          type: prev ? "MODIFIED" : "ADDED",
          object,
          ...(prev ? { prev } : {}),
          revision: ev.kv.modRevision,
          key: ev.kv.key,
        };
        break;
      }
      case "delete": {
        const last = this.#objects.get(ev.kv.key) ??
          (ev.prevKv ? this.#decode(ev.prevKv) : undefined);
        this.#objects.delete(ev.kv.key);
        if (!last) return;
        const object = cloneJson(last);
        object.metadata.resourceVersion = String(ev.kv.modRevision);
        ce = { type: "DELETED", object, revision: ev.kv.modRevision, key: ev.kv.key };
        break;
      }
      case "progress":
        if (ev.revision > this.#revision) this.#revision = ev.revision;
        for (const s of this.#subs) {
          if (s.live) s.push({ type: "BOOKMARK", revision: this.#revision });
        }
        return;
      case "reset": {
        // History was compacted under the cache: every watcher must re-list (410).
        this.#reset(ev.kvs.map((kv) => [kv.key, this.#decode(kv)]), ev.revision);
        const status = ApiError.expired(
          `too old resource version: ${ev.compactRevision} (${ev.revision})`,
        ).status;
        for (const s of this.#subs) s.close({ type: "ERROR", status });
        this.#subs.clear();
        return;
      }
    }
    this.#revision = Math.max(this.#revision, ce.revision);
    this.#buffer.push(ce);
    // Trimmed back to the window once it holds twice as many: removing the oldest event on
    // every new one moved the whole window each time (≈ 50 µs per event at 10,000, most of the
    // cache's time in a 10,000-pod scheduler run).
    if (this.#buffer.length >= 2 * this.#window) {
      const dropped = this.#buffer.splice(0, this.#buffer.length - this.#window);
      this.#bufferStart = dropped[dropped.length - 1]!.revision;
    }
    for (const s of this.#subs) {
      if (s.live && ce.revision > s.after && ce.key.startsWith(s.prefix)) s.push(ce);
    }
  }

  /**
   * Streams the changes under `prefix` (a namespace's or the whole kind's) after
   * `resourceVersion`; without one, first an ADDED for every current object. Ends with an
   * `ERROR` item (410 Expired when the revision was compacted) or when `signal` aborts.
   * BOOKMARKs come on the store's progress notifications and as `opts.bookmarks` asks.
   */
  async *subscribe(
    prefix: string,
    resourceVersion: number | undefined,
    signal: AbortSignal,
    opts: SubscribeOptions = {},
  ): AsyncGenerator<WatchItem> {
    await this.start();
    const sub = new Subscriber(prefix, this.#maxQueue);
    const onAbort = () => sub.close();
    signal.addEventListener("abort", onAbort);
    const timers: ReturnType<typeof setTimeout>[] = [];
    const bookmark = () => {
      if (sub.live) sub.push({ type: "BOOKMARK", revision: this.#revision });
    };
    if (opts.bookmarks) {
      const { everyMs, deadline } = opts.bookmarks;
      timers.push(setInterval(bookmark, everyMs));
      const last = deadline - Date.now() - 2000;
      if (last > 0) timers.push(setTimeout(bookmark, last));
    }
    try {
      let from: number;
      if (resourceVersion === undefined) {
        from = this.#revision;
        for (const [key, object] of [...this.#objects]) {
          if (!key.startsWith(prefix)) continue;
          yield {
            type: "ADDED",
            object: cloneJson(object),
            revision: Number(object.metadata.resourceVersion),
            key,
          };
        }
      } else from = resourceVersion;
      if (from < this.#bufferStart) {
        const caught = yield* this.#catchUp(sub, from, signal);
        if (caught === undefined) return;
        from = caught;
      }
      sub.after = from;
      for (const ev of this.#buffer) {
        if (ev.revision > from && ev.key.startsWith(prefix)) sub.queue.push(ev);
      }
      sub.after = Math.max(from, this.#revision);
      sub.live = true;
      this.#subs.add(sub);
      for (;;) {
        while (sub.queue.length > 0) {
          const item = sub.queue.shift()!;
          yield item;
          if (item.type === "ERROR") return;
        }
        if (sub.closed || signal.aborted) return;
        await sub.wait();
      }
    } finally {
      for (const t of timers) clearTimeout(t);
      signal.removeEventListener("abort", onAbort);
      this.#subs.delete(sub);
    }
  }

  /**
   * Delivers the changes after `from` from the store itself until they reach the shared
   * window. Returns the last delivered revision, or undefined when the stream ended.
   */
  async *#catchUp(
    sub: Subscriber,
    from: number,
    signal: AbortSignal,
  ): AsyncGenerator<WatchItem, number | undefined> {
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop);
    let last = from;
    const prev = new Map<string, ApiObject>();
    try {
      for await (
        const ev of this.#store.watch(sub.prefix, {
          prefix: true,
          prevKv: true,
          startRevision: from + 1,
          signal: ac.signal,
        })
      ) {
        if (ev.type === "reset") {
          yield {
            type: "ERROR",
            status: ApiError.expired(`too old resource version: ${from} (${ev.compactRevision})`)
              .status,
          };
          return undefined;
        }
        if (ev.type === "progress") continue;
        if (ev.type === "put") {
          const object = this.#decode(ev.kv);
          const before = prev.get(ev.kv.key) ?? (ev.prevKv ? this.#decode(ev.prevKv) : undefined);
          prev.set(ev.kv.key, object);
          yield {
            type: ev.kv.version === 1 ? "ADDED" : "MODIFIED",
            object,
            ...(before ? { prev: before } : {}),
            revision: ev.kv.modRevision,
            key: ev.kv.key,
          };
        } else {
          const was = prev.get(ev.kv.key) ?? (ev.prevKv ? this.#decode(ev.prevKv) : undefined);
          prev.delete(ev.kv.key);
          if (was) {
            const object = cloneJson(was);
            object.metadata.resourceVersion = String(ev.kv.modRevision);
            yield { type: "DELETED", object, revision: ev.kv.modRevision, key: ev.kv.key };
          }
        }
        last = ev.kv.modRevision;
        if (last >= this.#bufferStart) return last;
      }
      return signal.aborted ? undefined : last;
    } finally {
      signal.removeEventListener("abort", stop);
      ac.abort();
    }
  }

  /** Stops the shared store watch and ends every subscription. */
  close(): void {
    this.#abort.abort();
    for (const s of this.#subs) s.close();
    this.#subs.clear();
  }
}
