/**
 * Namespaces as kube-apiserver and its namespace controller treat them: the four system
 * namespaces exist from the first start, every namespace has a `default` service account, a
 * deleted namespace turns `Terminating`, refuses new content, has its objects removed and then
 * disappears, and `default`, `kube-system` and `kube-public` cannot be deleted.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { KeyValue, KvStore } from "../store/kv_store.ts";
import { type ApiResource, apiResources } from "../api/resources.ts";
import { ApiError } from "./api_error.ts";
import { type ApiObject, decodeObject, encodeObject, objectKey } from "./object_codec.ts";
import { kubeTime } from "./object_prepare.ts";
import type { RestStorage } from "./rest_storage.ts";
import { cloneJson } from "../api/clone_json.ts";

/** Namespaces created at first start. */
export const SYSTEM_NAMESPACES: readonly string[] = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
];

/** Namespaces that may not be deleted. */
export const UNDELETABLE_NAMESPACES: ReadonlySet<string> = new Set([
  "default",
  "kube-system",
  "kube-public",
]);

const nsResource = { group: "", resource: "namespaces" };

/** What a namespace lookup says: absent, active, or being deleted. */
export type NamespaceState = "missing" | "active" | "terminating";

/** A namespace's state and the `mod_revision` of its key when it was read (0 when absent). */
export interface NamespaceView {
  /** Absent, active or being deleted. */
  state: NamespaceState;
  /** The key's `mod_revision` at that read. */
  modRevision: number;
}

/** Creates, finalizes and reports namespaces for the API server. */
export class NamespaceLifecycle {
  readonly #store: KvStore;
  readonly #storage: (r: ApiResource) => RestStorage;
  readonly #running = new Map<string, Promise<void>>();
  readonly #abort = new AbortController();
  /** Namespaces seen in the store, with the revision they were seen at (a create checks it). */
  readonly #known = new Map<string, NamespaceView>();

  /** Creates the lifecycle over the store and the server's storages. */
  constructor(store: KvStore, storage: (r: ApiResource) => RestStorage) {
    this.#store = store;
    this.#storage = storage;
  }

  #nsResource(): ApiResource {
    return apiResources.find((r) => r.resource === "namespaces" && r.group === "")!;
  }

  #namespaces(): RestStorage {
    return this.#storage(this.#nsResource());
  }

  #serviceAccounts(): RestStorage {
    return this.#storage(
      apiResources.find((r) => r.resource === "serviceaccounts" && r.group === "")!,
    );
  }

  /** Whether `ns` exists and is active (read from the store). */
  async state(ns: string): Promise<NamespaceState> {
    return (await this.view(ns, true)).state;
  }

  /**
   * The state of `ns` with the `mod_revision` of its key it was read at. An active namespace
   * is remembered, so a create does not read it each time: the create's txn compares the key's
   * `mod_revision` with this one and, when the namespace changed since, reports the current key
   * back through {@linkcode NamespaceLifecycle.observe}. `fresh` skips the memory.
   */
  async view(ns: string, fresh = false): Promise<NamespaceView> {
    const known = fresh ? undefined : this.#known.get(ns);
    if (known) return known;
    const key = this.keyOf(ns);
    return this.observe(ns, await this.#store.get(key) ?? undefined);
  }

  /** The store key of namespace `ns`. */
  keyOf(ns: string): string {
    return objectKey(this.#nsResource(), undefined, ns);
  }

  /** Records what the store holds for namespace `ns` (`undefined`: absent) and returns it. */
  observe(ns: string, kv: KeyValue | undefined): NamespaceView {
    if (!kv) {
      this.#known.delete(ns);
      return { state: "missing", modRevision: 0 };
    }
    const obj = decodeObject(kv);
    const view: NamespaceView = {
      state: obj.metadata.deletionTimestamp !== undefined ? "terminating" : "active",
      modRevision: kv.modRevision,
    };
    // Only an active namespace is remembered: a create's txn proves it still is. A refusal
    // (terminating, missing) is always read afresh.
    if (view.state === "active") {
      if (this.#known.size >= 10_000) this.#known.clear();
      this.#known.set(ns, view);
    } else this.#known.delete(ns);
    return view;
  }

  /** Creates the `default` service account of `ns` when it is missing. */
  async ensureServiceAccount(ns: string): Promise<void> {
    try {
      await this.#serviceAccounts().create(ns, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: ns },
      });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404))) {
        throw e;
      }
    }
  }

  /**
   * Creates the system namespaces that are missing, a `default` service account in every
   * namespace, and resumes the finalization of namespaces left `Terminating`.
   */
  async bootstrap(): Promise<void> {
    for (const name of SYSTEM_NAMESPACES) {
      try {
        await this.#namespaces().create(undefined, {
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name },
        });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
      }
    }
    const { items } = await this.#namespaces().list(undefined);
    for (const ns of items) {
      const name = String(ns.metadata.name);
      if (ns.metadata.deletionTimestamp !== undefined) this.finalize(name);
      else await this.ensureServiceAccount(name);
    }
  }

  /**
   * Deletes a namespace: marks it `Terminating` (deletionTimestamp, `status.phase`) and starts
   * removing its objects; the namespace itself goes when they are gone.
   */
  async delete(name: string, dryRun: boolean, now: Date): Promise<ApiObject> {
    if (UNDELETABLE_NAMESPACES.has(name)) {
      throw ApiError.forbidden(nsResource, name, "this namespace may not be deleted");
    }
    const marked = await this.#namespaces().get(undefined, name);
    if (marked.metadata.deletionTimestamp !== undefined) return marked;
    const next = cloneJson(marked);
    next.metadata.deletionTimestamp = kubeTime(now);
    next.metadata.deletionGracePeriodSeconds = 0;
    next.status = { ...(isRecord(next.status) ? next.status : {}), phase: "Terminating" };
    if (dryRun) return next;
    const key = objectKey(this.#namespaces().resource, undefined, name);
    const res = await this.#store.txn({
      compare: [{
        key,
        target: "mod",
        result: "equal",
        value: Number(marked.metadata.resourceVersion),
      }],
      success: [{ type: "put", key, value: encodeObject(next) }],
      failure: [],
    });
    if (!res.succeeded) throw ApiError.conflict(nsResource, name);
    next.metadata.resourceVersion = String(res.revision);
    this.finalize(name);
    return next;
  }

  /** Removes every object of a terminating namespace, then the namespace (in the background). */
  finalize(name: string): void {
    if (this.#running.has(name)) return;
    const run = this.#finalize(name).catch((e) => {
      console.error(
        `rks: finalizing namespace "${name}" failed: ${e instanceof Error ? e.message : e}`,
      );
    }).finally(() => this.#running.delete(name));
    this.#running.set(name, run);
  }

  async #finalize(name: string): Promise<void> {
    const namespaced = apiResources.filter((r) => r.namespaced);
    for (let round = 0; round < 600 && !this.#abort.signal.aborted; round++) {
      let left = 0;
      for (const r of namespaced) {
        const st = this.#storage(r);
        const { items } = await st.list(name);
        left += items.length;
        for (const obj of items) {
          if (obj.metadata.deletionTimestamp !== undefined) continue;
          try {
            await st.delete(name, String(obj.metadata.name), {});
          } catch (e) {
            if (!(e instanceof ApiError && e.code === 404)) throw e;
          }
        }
      }
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, Math.min(100 * (round + 1), 1000)));
    }
    if (this.#abort.signal.aborted) return;
    const ns = this.#namespaces();
    const cur = await ns.find(undefined, name);
    if (!cur) return;
    const finalizers = Array.isArray(cur.metadata.finalizers) ? cur.metadata.finalizers : [];
    const key = objectKey(ns.resource, undefined, name);
    if (finalizers.length === 0) {
      await this.#store.txn({
        compare: [{
          key,
          target: "mod",
          result: "equal",
          value: Number(cur.metadata.resourceVersion),
        }],
        success: [{ type: "delete", key }],
        failure: [],
      });
    }
  }

  /** Stops background finalization and waits for it. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#running.values()]);
  }
}
