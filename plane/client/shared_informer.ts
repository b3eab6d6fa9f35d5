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
 * await nodes.stop();
 * ```
 */
export class SharedInformer<T extends KubeObject = KubeObject> {
  /** The resource (`pods`, `apps/deployments`, ...). */
  readonly resource: string;
  readonly #informer: Informer<T>;
  readonly #handlers: ResourceEventHandlers<T>[] = [];
  readonly #byNamespace = new Map<string, Map<string, T>>();
  readonly #waiters = new ConditionWaiters();
  #started = false;

  /** Creates the informer; add handlers, then {@linkcode SharedInformer.start}. */
  constructor(client: KubeClient, resource: string, opts: SharedInformerOptions = {}) {
    this.resource = resource;
    const lw = new ApiListWatch<T>(client, resource, opts);
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
   * Adds handlers. Added after {@linkcode SharedInformer.start}, they first get `add` for every
   * cached object (as client-go replays the cache to late handlers).
   */
  async addHandlers(h: ResourceEventHandlers<T>): Promise<void> {
    this.#handlers.push(h);
    if (this.#started) { for (const o of this.list()) await h.add?.(o); }
  }

  /** Lists (handlers see `add` for each object), then watches in the background. */
  async start(): Promise<void> {
    this.#started = true;
    await this.#informer.start();
  }

  /** Stops watching. The cache keeps its last state. */
  async stop(): Promise<void> {
    await this.#informer.stop();
    this.#wake();
  }

  /** The cached object `namespace/name` (`namespace` undefined for cluster-scoped kinds). */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.#informer.get(namespace, name);
  }

  /** Every cached object. */
  list(): T[] {
    return this.#informer.list();
  }

  /** The cached objects of one namespace. */
  byNamespace(namespace: string): T[] {
    return [...(this.#byNamespace.get(namespace)?.values() ?? [])];
  }

  /** The revision the cache reflects. */
  get resourceVersion(): string {
    return this.#informer.resourceVersion;
  }

  /** How many times the cache was rebuilt by a re-list (410 Gone or a broken watch). */
  get resets(): number {
    return this.#informer.resets;
  }

  /**
   * Resolves once `condition()` holds, re-checked after every cache change; rejects after
   * `timeoutMs` (default 30 s) with an `Error` saying so.
   */
  waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    return this.#waiters.wait(condition, timeoutMs, `${this.resource} informer`);
  }
}
