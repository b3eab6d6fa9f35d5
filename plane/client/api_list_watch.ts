/**
 * `ApiListWatch`: the list + watch of one resource through the API, shaped as the store
 * informer expects (`ListWatcher`): watches resume from the last revision seen when the server
 * closes the stream, and a `410 Gone` (compacted revision) becomes a `RESET` with a fresh list,
 * as client-go's reflector re-lists. Like the reflector, each watch request asks the server to
 * end it after a random 5–10 minutes (`timeoutSeconds`), so a stream that silently stopped
 * delivering (a half-open connection, a stuck proxy) is replaced instead of starving the
 * informer for good.
 *
 * @module
 */
import type { ListWatcher } from "../store/informer.ts";
import type { KubeObject } from "../store/kube_object.ts";
import type { ObjectEvent, ObjectList, ObjectWatchOptions } from "../store/object_store.ts";
import { isGone } from "./client_errors.ts";
import type { KubeClient } from "./kube_client.ts";

/** Selectors of an {@linkcode ApiListWatch}. */
export interface ApiListWatchOptions {
  /** e.g. `app=web`. */
  labelSelector?: string;
  /** e.g. `spec.nodeName=`. */
  fieldSelector?: string;
  /**
   * Each watch request lasts between this and twice this many seconds (random, so many
   * clients do not re-watch at once), then resumes from the last revision seen. Default 300:
   * client-go's reflector (`minWatchTimeout` 5 min, `timeoutSeconds = min × (1 + rand)`).
   */
  minWatchTimeoutSeconds?: number;
}

/**
 * List + watch of `resource` through `client`.
 *
 * @example
 * ```ts
 * import { ApiListWatch } from "./api_list_watch.ts";
 * import { KubeClient } from "./kube_client.ts";
 * import { startTestCluster } from "../apiserver/_testing.ts";
 * import assert from "node:assert/strict";
 * await using cluster = await startTestCluster("http");
 * await using kube = await KubeClient.connect({ kubeconfig: cluster.kubeconfig });
 * const lw = new ApiListWatch(kube, "nodes");
 * const first = await lw.list();
 * const ac = new AbortController();
 * const events = lw.watch(undefined, { resourceVersion: first.resourceVersion, signal: ac.signal });
 * await kube.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
 * for await (const ev of events) {
 *   assert.equal(ev.type, "ADDED");
 *   break;
 * }
 * ac.abort();
 * ```
 */
export class ApiListWatch<T extends KubeObject = KubeObject> implements ListWatcher<T> {
  readonly #client: KubeClient;
  readonly #resource: string;
  readonly #opts: ApiListWatchOptions;

  /** Creates the list-watch (no request is made). */
  constructor(client: KubeClient, resource: string, opts: ApiListWatchOptions = {}) {
    this.#client = client;
    this.#resource = resource;
    this.#opts = opts;
  }

  #selectors(): { labelSelector?: string; fieldSelector?: string } {
    const { labelSelector, fieldSelector } = this.#opts;
    return {
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      ...(fieldSelector !== undefined ? { fieldSelector } : {}),
    };
  }

  /** Every matching object (or one namespace's) at one revision. */
  async list(namespace?: string): Promise<ObjectList<T>> {
    const r = await this.#client.list<T>(this.#resource, {
      ...this.#selectors(),
      ...(namespace !== undefined ? { namespace } : {}),
    });
    return { items: r.items, resourceVersion: r.resourceVersion };
  }

  /**
   * Changes after `opts.resourceVersion`. Server-side stream ends are invisible (re-watch from
   * the last revision); `410 Gone` yields `RESET`; a broken connection throws (the informer
   * re-lists).
   */
  async *watch(
    namespace: string | undefined,
    opts: ObjectWatchOptions,
  ): AsyncGenerator<ObjectEvent<T>> {
    let rv = opts.resourceVersion;
    while (!opts.signal?.aborted) {
      try {
        const min = this.#opts.minWatchTimeoutSeconds ?? 300;
        for await (
          const ev of this.#client.watch<T>(this.#resource, {
            ...this.#selectors(),
            timeoutSeconds: Math.floor(min * (1 + Math.random())),
            ...(namespace !== undefined ? { namespace } : {}),
            ...(rv !== undefined ? { resourceVersion: rv } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
          })
        ) {
          if (ev.type === "BOOKMARK") {
            rv = ev.resourceVersion;
            yield ev;
          } else {
            rv = ev.object.metadata.resourceVersion ?? rv;
            yield ev;
          }
        }
      } catch (e) {
        if (opts.signal?.aborted) return;
        if (!isGone(e)) throw e;
        const fresh = await this.list(namespace);
        rv = fresh.resourceVersion;
        yield { type: "RESET", items: fresh.items, resourceVersion: fresh.resourceVersion };
      }
    }
  }
}
