/**
 * `SharedInformerFactory`: one {@linkcode SharedInformer} per resource (and namespace and
 * selectors) for every component of a process, as client-go's `SharedInformerFactory` gives the
 * controllers of kube-controller-manager one watch and one cache per resource. `rks start` hands
 * one to its scheduler and its controllers, so each pod or node change is sent, decoded and
 * cached once, not once per component.
 *
 * @module
 */
import type { KubeObject } from "../store/kube_object.ts";
import type { KubeClient } from "./kube_client.ts";
import { SharedInformer } from "./shared_informer.ts";

/** Which objects of a resource an informer of the factory follows. */
export interface InformerScope {
  /** Only this namespace (default every namespace). */
  namespace?: string;
  /** e.g. `app=web`. */
  labelSelector?: string;
  /** e.g. `metadata.name=default`. */
  fieldSelector?: string;
}

/** Options of {@linkcode SharedInformerFactory}. */
export interface SharedInformerFactoryOptions {
  /** Told about each watch failure of any informer before its re-list (default: ignored). */
  onError?: (resource: string, error: unknown) => void;
  /** Pause before re-listing after a broken watch, in ms (default 500). */
  retryMs?: number;
}

/**
 * Shared informers of one client. {@linkcode SharedInformerFactory.informer} returns a view of
 * the resource's informer for one user: start it to start (once) and sync the shared one; stop
 * it to remove that user's handlers. {@linkcode SharedInformerFactory.stop} ends every watch.
 *
 * @example
 * ```ts
 * import { SharedInformerFactory } from "./shared_informer_factory.ts";
 * import { KubeClient } from "./kube_client.ts";
 * import { startTestCluster } from "../apiserver/_testing.ts";
 * import assert from "node:assert/strict";
 * await using cluster = await startTestCluster("http");
 * await using kube = await KubeClient.connect({ kubeconfig: cluster.kubeconfig });
 * await using factory = new SharedInformerFactory(kube);
 * const a = factory.informer("nodes");
 * const b = factory.informer("nodes");
 * const seen: string[] = [];
 * await b.addHandlers({ add: (n) => void seen.push(n.metadata.name) });
 * await a.start();
 * await kube.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
 * await a.waitFor(() => seen.length === 1); // one watch, both users see it
 * assert.equal(b.get(undefined, "n1")?.metadata.name, "n1");
 * assert.equal(factory.size, 1);
 * ```
 */
export class SharedInformerFactory implements AsyncDisposable {
  readonly #client: KubeClient;
  readonly #opts: SharedInformerFactoryOptions;
  readonly #informers = new Map<string, SharedInformer<KubeObject>>();

  /** Creates the factory (no request is made). */
  constructor(client: KubeClient, opts: SharedInformerFactoryOptions = {}) {
    this.#client = client;
    this.#opts = opts;
  }

  /** How many shared informers exist (one per resource and scope asked for). */
  get size(): number {
    return this.#informers.size;
  }

  /**
   * A view of the shared informer of `resource` in `scope` (created on first use, not started):
   * a `SharedInformer` whose `start()` starts the shared one once and waits for its first list,
   * and whose `stop()` removes only the handlers added through this view.
   */
  informer<T extends KubeObject = KubeObject>(
    resource: string,
    scope: InformerScope = {},
  ): SharedInformer<T> {
    const key = JSON.stringify([
      resource,
      scope.namespace ?? null,
      scope.labelSelector ?? null,
      scope.fieldSelector ?? null,
    ]);
    let root = this.#informers.get(key);
    if (!root) {
      const onError = this.#opts.onError;
      root = new SharedInformer<KubeObject>(this.#client, resource, {
        ...scope,
        ...(this.#opts.retryMs !== undefined ? { retryMs: this.#opts.retryMs } : {}),
        ...(onError ? { onError: (e: unknown) => onError(resource, e) } : {}),
      });
      this.#informers.set(key, root);
    }
    return (root as unknown as SharedInformer<T>).view();
  }

  /** Stops every shared informer's watch (their caches keep their last state). */
  async stop(): Promise<void> {
    const all = [...this.#informers.values()];
    this.#informers.clear();
    await Promise.all(all.map((i) => i.stop()));
  }

  /** Same as {@linkcode SharedInformerFactory.stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
