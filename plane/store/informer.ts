/**
 * An informer: a local cache of one resource kept current by list + watch, with handlers for
 * adds, updates and deletes. After a reset (compaction) or a failed watch it re-lists and
 * reports the difference, so the cache and the handlers never miss a change.
 *
 * @module
 */
import type { KubeObject } from "./kube_object.ts";
import type { ObjectEvent, ObjectList, ObjectWatchOptions } from "./object_store.ts";

/**
 * Where an {@linkcode Informer} lists and watches: an `ObjectStore` (straight on the store) or
 * the API client's list-watch (plane/client).
 */
export interface ListWatcher<T> {
  /** Every object (or one namespace's) at one revision. */
  list(namespace?: string): Promise<ObjectList<T>>;
  /** Changes after `opts.resourceVersion`; `RESET` replaces the cache. */
  watch(namespace: string | undefined, opts: ObjectWatchOptions): AsyncIterable<ObjectEvent<T>>;
}

/** Callbacks of an {@linkcode Informer}; each is awaited before the next event is applied. */
export interface InformerHandlers<T> {
  /** An object appeared (also for every object of the initial list). */
  added?(obj: T): void | Promise<void>;
  /** An object changed. */
  modified?(obj: T, old: T): void | Promise<void>;
  /** An object was deleted (`obj` is its last known state). */
  deleted?(obj: T): void | Promise<void>;
  /** The watch failed; the informer re-lists and continues after `retryMs`. */
  error?(error: unknown): void | Promise<void>;
}

/** Options for {@linkcode Informer}. */
export interface InformerOptions<T> {
  /** Only this namespace (default: every namespace). */
  namespace?: string;
  /** Change callbacks. */
  handlers?: InformerHandlers<T>;
  /** Pause before re-listing after a watch error (default 1 s). */
  retryMs?: number;
}

/**
 * The cache key of an object: `namespace/name` (or `name` when it has no namespace).
 *
 * @example
 * ```ts
 * import { cacheKey } from "./informer.ts";
 * import assert from "node:assert/strict";
 * const meta = { name: "web", namespace: "prod" };
 * assert.equal(cacheKey({ apiVersion: "v1", kind: "Pod", metadata: meta }), "prod/web");
 * ```
 */
export function cacheKey(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns === undefined ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
}

/**
 * A list + watch cache of one resource.
 *
 * @example
 * ```ts
 * import { connectStore } from "./etcd_client.ts";
 * import { startEtcd } from "./etcd_server.ts";
 * import { Informer } from "./informer.ts";
 * import { ObjectStore } from "./object_store.ts";
 * import assert from "node:assert/strict";
 * await using etcd = await startEtcd();
 * await using store = connectStore({ endpoints: etcd.httpUrl });
 * const pods = new ObjectStore(store, "pods");
 * await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web" } });
 * const added: string[] = [];
 * const informer = new Informer(pods, { handlers: { added: (p) => void added.push(p.metadata.name) } });
 * await informer.start(); // initial list applied
 * assert.deepEqual(added, ["web"]);
 * assert.equal(informer.list().length, 1);
 * await informer.stop();
 * ```
 */
export class Informer<T extends KubeObject> {
  #objects: ListWatcher<T>;
  #opts: InformerOptions<T>;
  #cache = new Map<string, T>();
  #rv = "0";
  #resets = 0;
  #stop = new AbortController();
  #loop: Promise<void> | undefined;

  /** Creates the informer; call {@linkcode Informer.start}. */
  constructor(objects: ListWatcher<T>, opts: InformerOptions<T> = {}) {
    this.#objects = objects;
    this.#opts = opts;
  }

  /** The last revision applied to the cache. */
  get resourceVersion(): string {
    return this.#rv;
  }

  /** How many times the cache was rebuilt from a fresh list after the initial one. */
  get resets(): number {
    return this.#resets;
  }

  /** One cached object. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(namespace === undefined ? name : `${namespace}/${name}`);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.#cache.values()];
  }

  /** Lists, fills the cache (calling `added` for each object), then watches in the background. */
  async start(): Promise<void> {
    if (this.#loop) throw new Error("Informer already started");
    const first = await this.#objects.list(this.#opts.namespace);
    await this.#replace(first.items, first.resourceVersion);
    this.#loop = this.#run();
  }

  /** Replaces the cache with a fresh list and reports the difference to the handlers. */
  async #replace(items: T[], rv: string): Promise<void> {
    const h = this.#opts.handlers ?? {};
    const next = new Map(items.map((o) => [cacheKey(o), o]));
    for (const [k, old] of this.#cache) {
      if (!next.has(k)) {
        this.#cache.delete(k);
        await h.deleted?.(old);
      }
    }
    for (const [k, obj] of next) {
      const old = this.#cache.get(k);
      this.#cache.set(k, obj);
      if (!old) await h.added?.(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        await h.modified?.(obj, old);
      }
    }
    this.#rv = rv;
  }

  async #run(): Promise<void> {
    const h = this.#opts.handlers ?? {};
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        for await (
          const ev of this.#objects.watch(this.#opts.namespace, {
            resourceVersion: this.#rv,
            signal,
          })
        ) {
          switch (ev.type) {
            case "ADDED":
            case "MODIFIED": {
              const k = cacheKey(ev.object);
              const old = this.#cache.get(k);
              this.#cache.set(k, ev.object);
              if (old) await h.modified?.(ev.object, old);
              else await h.added?.(ev.object);
              this.#rv = ev.object.metadata.resourceVersion ?? this.#rv;
              break;
            }
            case "DELETED": {
              const k = cacheKey(ev.object);
              this.#cache.delete(k);
              await h.deleted?.(ev.object);
              this.#rv = ev.object.metadata.resourceVersion ?? this.#rv;
              break;
            }
            case "RESET":
              this.#resets++;
              await this.#replace(ev.items, ev.resourceVersion);
              break;
            case "BOOKMARK":
              this.#rv = ev.resourceVersion;
              break;
          }
        }
        return;
      } catch (e) {
        if (signal.aborted) return;
        await h.error?.(e);
        // Re-list after a pause; keep retrying (reporting each failure) until stopped.
        for (;;) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              signal.removeEventListener("abort", done);
              resolve();
            };
            const timer = setTimeout(done, this.#opts.retryMs ?? 1000);
            signal.addEventListener("abort", done, { once: true });
          });
          if (signal.aborted) return;
          try {
            const fresh = await this.#objects.list(this.#opts.namespace);
            this.#resets++;
            await this.#replace(fresh.items, fresh.resourceVersion);
            break;
          } catch (again) {
            await h.error?.(again);
          }
        }
      }
    }
  }

  /** Stops watching. The cache stays readable. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }
}
