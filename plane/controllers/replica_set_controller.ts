/**
 * The ReplicaSet controller loop: informers for ReplicaSets and pods feed a work queue of
 * ReplicaSet keys; each sync runs {@linkcode reconcileReplicaSet} on the cached objects and
 * applies its actions through the API (kube-controller-manager's `replicaset-controller`).
 *
 * @module
 */
import type { EventRecorder } from "../client/event_recorder.ts";
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isConflict, isNotFound } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import type { Pod, ReplicaSet } from "./_objects.ts";
import { selectorMatches } from "./_objects.ts";
import {
  adoptPatch,
  errorMessage,
  keyOf,
  ownerKey,
  releasePatch,
  splitKey,
  statusMergePatch,
} from "./_executor.ts";
import { ControllerExpectations } from "./controller_expectations.ts";
import { reconcileReplicaSet, type ReplicaSetAction } from "./replica_set_reconcile.ts";
import { KeyedController } from "./keyed_controller.ts";

/** What the ReplicaSet controller runs on. */
export interface ReplicaSetControllerOptions {
  /** The API client. */
  kube: KubeClient;
  /** Shared informer of `apps/replicasets` (started by the caller). */
  replicaSets: SharedInformer<KubeObject>;
  /** Shared informer of `pods` (started by the caller). */
  pods: SharedInformer<KubeObject>;
  /** Where Events go (`SuccessfulCreate`, `SuccessfulDelete`, `FailedCreate`, `FailedDelete`). */
  events: EventRecorder;
  /** The clock (tests). */
  now?: () => Date;
  /** Told about sync failures (default: ignored; the key is retried). */
  onError?: (key: string, error: unknown) => void;
}

/**
 * Keeps every ReplicaSet's pods at `spec.replicas` and its status current. Register with
 * {@linkcode ReplicaSetController.register} before the informers start, then
 * {@linkcode ReplicaSetController.run} until {@linkcode ReplicaSetController.stop}.
 * Creations go in slow-start batches (1, 2, 4, ...) that stop at the first failure, as upstream.
 *
 * @example
 * ```ts ignore
 * const c = new ReplicaSetController({ kube, replicaSets, pods, events });
 * await c.register();
 * const done = c.run();
 * // ...
 * c.stop();
 * await done;
 * ```
 */
export class ReplicaSetController extends KeyedController {
  /** Pending creations/deletions per ReplicaSet. */
  readonly expectations: ControllerExpectations = new ControllerExpectations();
  readonly #o: ReplicaSetControllerOptions;
  readonly #errors = new Map<
    string,
    { reason: "FailedCreate" | "FailedDelete"; message: string }
  >();

  /** Creates the controller (nothing runs yet). */
  constructor(o: ReplicaSetControllerOptions) {
    super(o.onError);
    this.#o = o;
  }

  /** Adds the informer handlers that enqueue ReplicaSet keys. */
  async register(): Promise<void> {
    await this.#o.replicaSets.addHandlers({
      add: (rs) => this.queue.add(keyOf(rs.metadata)),
      update: (rs) => this.queue.add(keyOf(rs.metadata)),
      delete: (rs) => {
        this.expectations.delete(keyOf(rs.metadata));
        this.queue.add(keyOf(rs.metadata));
      },
    });
    await this.#o.pods.addHandlers({
      add: (p) => {
        const key = ownerKey(p.metadata, "ReplicaSet");
        if (key) {
          this.expectations.creationObserved(key);
          this.queue.add(key);
        } else this.#enqueueMatching(p);
      },
      update: (p, old) => {
        const key = ownerKey(p.metadata, "ReplicaSet");
        const oldKey = ownerKey(old.metadata, "ReplicaSet");
        if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp && key) {
          this.expectations.deletionObserved(key, p.metadata.uid ?? "");
        }
        if (oldKey && oldKey !== key) this.queue.add(oldKey);
        if (key) this.queue.add(key);
        else this.#enqueueMatching(p);
      },
      delete: (p) => {
        const key = ownerKey(p.metadata, "ReplicaSet");
        if (key) {
          this.expectations.deletionObserved(key, p.metadata.uid ?? "");
          this.queue.add(key);
        }
      },
    });
  }

  #enqueueMatching(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return;
    for (const rs of this.#o.replicaSets.byNamespace(pod.metadata.namespace ?? "")) {
      const spec = rs.spec as ReplicaSet["spec"] | undefined;
      if (selectorMatches(spec?.selector, pod.metadata.labels)) this.queue.add(keyOf(rs.metadata));
    }
  }

  /** One sync of the ReplicaSet `key` (`namespace/name`). */
  override async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const obj = this.#o.replicaSets.get(ns, name);
    if (!obj) {
      this.expectations.delete(key);
      return;
    }
    const rs = obj as unknown as ReplicaSet;
    const now = this.#o.now?.() ?? new Date();
    const pods = this.#o.pods.byNamespace(ns) as unknown as Pod[];
    const lastError = this.#errors.get(key);
    const actions = reconcileReplicaSet(rs, {
      pods,
      expectationsSatisfied: this.expectations.satisfied(key, now),
      ...(lastError ? { lastError } : {}),
    }, now);
    for (const a of actions) await this.#apply(key, obj, a, now);
    const minReady = rs.spec.minReadySeconds ?? 0;
    const st = rs.status;
    if (minReady > 0 && st && (st.readyReplicas ?? 0) !== (st.availableReplicas ?? 0)) {
      this.queue.addAfter(key, minReady * 1000);
    }
  }

  async #apply(key: string, rs: KubeObject, a: ReplicaSetAction, now: Date): Promise<void> {
    const { kube, events } = this.#o;
    const ns = rs.metadata.namespace ?? "";
    switch (a.type) {
      case "adoptPod":
      case "releasePod": {
        const pod = this.#o.pods.get(ns, a.name);
        if (!pod) return;
        const patch = a.type === "adoptPod"
          ? adoptPatch(pod, a.uid, a.ownerReference)
          : releasePatch(pod, a.uid, rs.metadata.uid ?? "");
        if (!patch) return;
        try {
          await kube.patch("pods", ns, a.name, patch, "json");
        } catch (e) {
          if (!isNotFound(e) && !isUnprocessable(e)) throw e;
        }
        return;
      }
      case "createPods": {
        this.expectations.expectCreations(key, a.count, now);
        let done = 0;
        let batch = 1;
        while (done < a.count) {
          const n = Math.min(batch, a.count - done);
          const results = await Promise.allSettled(
            Array.from({ length: n }, () => kube.create("pods", a.pod as unknown as KubeObject)),
          );
          done += n;
          let failed: unknown;
          for (const r of results) {
            if (r.status === "fulfilled") {
              void events.event(
                rs,
                "Normal",
                "SuccessfulCreate",
                `Created pod: ${r.value.metadata.name}`,
              );
            } else {
              failed ??= r.reason;
              this.expectations.creationObserved(key);
              void events.event(
                rs,
                "Warning",
                "FailedCreate",
                `Error creating: ${errorMessage(r.reason)}`,
              );
            }
          }
          if (failed !== undefined) {
            for (let i = done; i < a.count; i++) this.expectations.creationObserved(key);
            this.#errors.set(key, { reason: "FailedCreate", message: errorMessage(failed) });
            throw failed;
          }
          batch *= 2;
        }
        this.#errors.delete(key);
        return;
      }
      case "deletePods": {
        this.expectations.expectDeletions(key, a.pods.map((p) => p.uid), now);
        const results = await Promise.allSettled(
          a.pods.map((p) => kube.delete("pods", ns, p.name, { preconditions: { uid: p.uid } })),
        );
        let failed: unknown;
        results.forEach((r, i) => {
          const p = a.pods[i]!;
          if (r.status === "fulfilled") {
            void events.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.name}`);
          } else if (isNotFound(r.reason)) {
            this.expectations.deletionObserved(key, p.uid);
          } else {
            failed ??= r.reason;
            this.expectations.deletionObserved(key, p.uid);
            void events.event(
              rs,
              "Warning",
              "FailedDelete",
              `Error deleting: ${errorMessage(r.reason)}`,
            );
          }
        });
        if (failed !== undefined) {
          this.#errors.set(key, { reason: "FailedDelete", message: errorMessage(failed) });
          throw failed;
        }
        this.#errors.delete(key);
        return;
      }
      case "updateStatus": {
        try {
          await kube.patch(
            "apps/replicasets",
            ns,
            rs.metadata.name,
            statusMergePatch(rs.status as Record<string, unknown> | undefined, a.status),
            "merge",
            { subresource: "status" },
          );
        } catch (e) {
          if (isNotFound(e)) return;
          if (isConflict(e)) this.queue.add(key);
          else throw e;
        }
        return;
      }
    }
  }
}

function isUnprocessable(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === 422;
}
