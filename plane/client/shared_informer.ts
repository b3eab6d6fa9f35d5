/**
 * `SharedInformer`: a local cache of one resource kept current through the API (list, then
 * watch from the list's `resourceVersion`; re-list on `410 Gone` or a broken watch), indexed by
 * `namespace/name` and by namespace, with any number of add/update/delete handlers — client-go's
 * shared informer, over the store informer's list-watch loop.
 *
 * @module
 */
import { Informer } from "../store/informer.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { ApiListWatch, type ApiListWatchOptions } from "./api_list_watch.ts";
import type { KubeClient } from "./kube_client.ts";
import { ConditionWaiters } from "./condition_waiters.ts";

/**
 * Callbacks of a {@linkcode SharedInformer}. Each is awaited before the next event is applied,
 * so keep them short (enqueue work, do not do it). The cache already holds the new state when
 * a handler runs.
 */
export interface ResourceEventHandlers<T> {
  /** An object appeared (also once per object of the initial list, and after a re-list). */
  add?(obj: T): void | Promise<void>;
  /** An object changed (`old` is the previous cached state). */
  update?(obj: T, old: T): void | Promise<void>;
  /** An object was deleted (`obj` is its last known state). */
  delete?(obj: T): void | Promise<void>;
}

/** Options of {@linkcode SharedInformer}. */
export interface SharedInformerOptions extends ApiListWatchOptions {
  /** Only this namespace (default every namespace). */
  namespace?: string;
  /** Pause before re-listing after a broken watch, in ms (default 500). */
  retryMs?: number;
  /** Told about each watch failure before the re-list (default: ignored). */
  onError?: (error: unknown) => void;
}

/**
 * Cache + handlers for one resource.
 *
 * A {@linkcode SharedInformer.view} of an informer is a handle for one more user of the same
 * cache and watch (client-go's shared informer handed out by an informer factory to each
 * controller): its `start()` starts the shared informer once and waits for its first list, its
 * `stop()` removes only the handlers added through the view; reads go to the shared cache.
 *
 * @example
 * ```ts
 * import { SharedInformer } from "./shared_informer.ts";
 * import { KubeClient } from "./kube_client.ts";
 * import { startTestCluster } from "../apiserver/_testing.ts";
 * import assert from "node:assert/strict";
 * await using cluster = await startTestCluster("http");
 * await using kube = await KubeClient.connect({ kubeconfig: cluster.kubeconfig });
 * const nodes = new SharedInformer(kube, "nodes");
 * const seen: string[] = [];
 * nodes.addHandlers({ add: (n) => void seen.push(n.metadata.name) });
 * await nodes.start(); // listed: the cache is synced
 * await kube.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
 * await nodes.waitFor(() => nodes.get(undefined, "n1") !== undefined);
 * assert.deepEqual(seen, ["n1"]);
 * const other = nodes.view(); // a second user of the same watch
 * const late: string[] = [];
 * await other.addHandlers({ add: (n) => void late.push(n.metadata.name) });
 * await other.start(); // already started: resolves at once
 * assert.deepEqual(late, ["n1"]); // the cache replayed to the late handler
 * await other.stop(); // only its handlers go
 * await nodes.stop();
 * ```
 */
export class SharedInformer<T extends KubeObject = KubeObject> {
  /** The resource (`pods`, `apps/deployments`, ...). */
  readonly resource: string;
  /** The informer holding the cache and the watch (itself, or the one this is a view of). */
  readonly #root: SharedInformer<T>;
  readonly #informer: Informer<T> | undefined;
  /** Every user's handlers (on the root; replaced, never changed in place, while dispatching). */
  #handlers: ResourceEventHandlers<T>[] = [];
  /** The handlers added through this view (a view's `stop()` removes them). */
  readonly #own: ResourceEventHandlers<T>[] = [];
  readonly #byNamespace = new Map<string, Map<string, T>>();
  readonly #waiters = new ConditionWaiters();
  /** The first list (on the root), once started. */
  #starting: Promise<void> | undefined;
  #synced = false;

  /** Creates the informer; add handlers, then {@linkcode SharedInformer.start}. */
  constructor(client: KubeClient, resource: string, opts?: SharedInformerOptions);
  /** @internal A view of `root` (see {@linkcode SharedInformer.view}). */
  constructor(root: SharedInformer<T>);
  constructor(
    client: KubeClient | SharedInformer<T>,
    resource?: string,
    opts: SharedInformerOptions = {},
  ) {
    if (client instanceof SharedInformer) {
      this.#root = client.#root;
      this.resource = client.resource;
      this.#informer = undefined;
      return;
    }
    this.#root = this;
    this.resource = resource!;
    const lw = new ApiListWatch<T>(client, this.resource, opts);
    this.#informer = new Informer<T>(lw, {
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      retryMs: opts.retryMs ?? 500,
      handlers: {
        added: async (o) => {
          this.#index(o);
          for (const h of this.#handlers) await h.add?.(o);
          this.#wake();
        },
        modified: async (o, old) => {
          this.#index(o);
          for (const h of this.#handlers) await h.update?.(o, old);
          this.#wake();
        },
        deleted: async (o) => {
          this.#byNamespace.get(o.metadata.namespace ?? "")?.delete(o.metadata.name);
          for (const h of this.#handlers) await h.delete?.(o);
          this.#wake();
        },
        error: (e) => opts.onError?.(e),
      },
    });
  }

  /**
   * Another user of this informer's cache and watch: a `SharedInformer` whose `start()` starts
   * the shared one (once) and whose `stop()` only removes the handlers added through it.
   */
  view(): SharedInformer<T> {
    return new SharedInformer<T>(this);
  }

  #index(o: T): void {
    const ns = o.metadata.namespace ?? "";
    let m = this.#byNamespace.get(ns);
    if (!m) this.#byNamespace.set(ns, m = new Map());
    m.set(o.metadata.name, o);
  }

  #wake(): void {
    this.#waiters.notify();
  }

  /**
   * Adds handlers. Added after the first list, they first get `add` for every cached object
   * (as client-go replays the cache to late handlers); added while it runs, once it is done.
   */
  async addHandlers(h: ResourceEventHandlers<T>): Promise<void> {
    const root = this.#root;
    this.#own.push(h);
    if (root.#starting && !root.#synced) {
      // The first list is being applied: join after it, with a replay of the whole cache
      // (joining now would miss the objects already listed).
      await root.#starting.catch(() => {});
    }
    root.#handlers = [...root.#handlers, h];
    if (root.#synced) { for (const o of root.list()) await h.add?.(o); }
  }

  /**
   * Lists (handlers see `add` for each object), then watches in the background. On a view, or
   * when already started, waits for the first list.
   */
  async start(): Promise<void> {
    const root = this.#root;
    root.#starting ??= root.#informer!.start().then(() => {
      root.#synced = true;
    }, (e) => {
      root.#starting = undefined; // a failed first list may be tried again
      throw e;
    });
    await root.#starting;
  }

  /**
   * Stops watching; the cache keeps its last state. On a view: removes the handlers added
   * through it; the shared informer keeps running.
   */
  async stop(): Promise<void> {
    const root = this.#root;
    if (root !== this) {
      const own = new Set(this.#own.splice(0));
      root.#handlers = root.#handlers.filter((h) => !own.has(h));
      return;
    }
    await this.#informer!.stop();
    this.#wake();
  }

  /** The cached object `namespace/name` (`namespace` undefined for cluster-scoped kinds). */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.#root.#informer!.get(namespace, name);
  }

  /** Every cached object. */
  list(): T[] {
    return this.#root.#informer!.list();
  }

  /** The cached objects of one namespace. */
  byNamespace(namespace: string): T[] {
    return [...(this.#root.#byNamespace.get(namespace)?.values() ?? [])];
  }

  /** The revision the cache reflects. */
  get resourceVersion(): string {
    return this.#root.#informer!.resourceVersion;
  }

  /** How many times the cache was rebuilt by a re-list (410 Gone or a broken watch). */
  get resets(): number {
    return this.#root.#informer!.resets;
  }

  /**
   * Resolves once `condition()` holds, re-checked after every cache change; rejects after
   * `timeoutMs` (default 30 s) with an `Error` saying so.
   */
  waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    return this.#root.#waiters.wait(condition, timeoutMs, `${this.resource} informer`);
  }
}
