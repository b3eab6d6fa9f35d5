/**
 * The Deployment controller loop: informers for Deployments, ReplicaSets and pods feed a work
 * queue of Deployment keys; each sync runs {@linkcode reconcileDeployment} on the cached objects
 * and applies its actions through the API (kube-controller-manager's `deployment-controller`).
 *
 * @module
 */
import type { EventRecorder } from "../client/event_recorder.ts";
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import type { Deployment, Pod, ReplicaSet } from "./_objects.ts";
import { controllerRef, selectorMatches, timeOf } from "./_objects.ts";
import {
  adoptPatch,
  keyOf,
  ownerKey,
  releasePatch,
  splitKey,
  statusMergePatch,
} from "./_executor.ts";
import {
  type DeploymentAction,
  equalIgnoreHash,
  reconcileDeployment,
} from "./deployment_reconcile.ts";
import { KeyedController } from "./keyed_controller.ts";

/** What the Deployment controller runs on. */
export interface DeploymentControllerOptions {
  /** The API client. */
  kube: KubeClient;
  /** Shared informer of `apps/deployments` (started by the caller). */
  deployments: SharedInformer<KubeObject>;
  /** Shared informer of `apps/replicasets` (started by the caller). */
  replicaSets: SharedInformer<KubeObject>;
  /** Shared informer of `pods` (started by the caller; read for Recreate). */
  pods: SharedInformer<KubeObject>;
  /** Where Events go (`ScalingReplicaSet`, `SelectorRequired`). */
  events: EventRecorder;
  /** The clock (tests). */
  now?: () => Date;
  /** Told about sync failures (default: ignored; the key is retried). */
  onError?: (key: string, error: unknown) => void;
}

/**
 * Rolls Deployments out through their ReplicaSets. Register with
 * {@linkcode DeploymentController.register} before the informers start, then
 * {@linkcode DeploymentController.run} until {@linkcode DeploymentController.stop}. A write that
 * loses an optimistic-concurrency race (409) ends the sync and requeues the key; a ReplicaSet
 * name taken by a different template bumps `status.collisionCount` (a new hash next sync).
 *
 * @example
 * ```ts ignore
 * const c = new DeploymentController({ kube, deployments, replicaSets, pods, events });
 * await c.register();
 * const done = c.run();
 * c.stop();
 * await done;
 * ```
 */
export class DeploymentController extends KeyedController {
  readonly #o: DeploymentControllerOptions;

  /** Creates the controller (nothing runs yet). */
  constructor(o: DeploymentControllerOptions) {
    super(o.onError);
    this.#o = o;
  }

  /** Adds the informer handlers that enqueue Deployment keys. */
  async register(): Promise<void> {
    const enqueue = (d: KubeObject) => this.queue.add(keyOf(d.metadata));
    await this.#o.deployments.addHandlers({ add: enqueue, update: enqueue, delete: enqueue });
    const onRS = (rs: KubeObject) => {
      const key = ownerKey(rs.metadata, "Deployment");
      if (key) this.queue.add(key);
      else if (!rs.metadata.deletionTimestamp) this.#enqueueMatching(rs);
    };
    await this.#o.replicaSets.addHandlers({
      add: onRS,
      update: (rs, old) => {
        const oldKey = ownerKey(old.metadata, "Deployment");
        if (oldKey && oldKey !== ownerKey(rs.metadata, "Deployment")) this.queue.add(oldKey);
        onRS(rs);
      },
      delete: onRS,
    });
    await this.#o.pods.addHandlers({
      delete: (p) => {
        // Recreate waits for the old pods to go.
        const rsKey = ownerKey(p.metadata, "ReplicaSet");
        if (!rsKey) return;
        const [ns, name] = splitKey(rsKey);
        const rs = this.#o.replicaSets.get(ns, name);
        const key = rs && ownerKey(rs.metadata, "Deployment");
        if (key) this.queue.add(key);
      },
    });
  }

  #enqueueMatching(rs: KubeObject): void {
    for (const d of this.#o.deployments.byNamespace(rs.metadata.namespace ?? "")) {
      const spec = d.spec as Deployment["spec"] | undefined;
      if (selectorMatches(spec?.selector, rs.metadata.labels)) this.queue.add(keyOf(d.metadata));
    }
  }

  /** One sync of the Deployment `key` (`namespace/name`). */
  override async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const obj = this.#o.deployments.get(ns, name);
    if (!obj) return;
    const d = obj as unknown as Deployment;
    const now = this.#o.now?.() ?? new Date();
    const actions = reconcileDeployment(d, {
      replicaSets: this.#o.replicaSets.byNamespace(ns) as unknown as ReplicaSet[],
      pods: this.#o.pods.byNamespace(ns) as unknown as Pod[],
    }, now);
    for (const a of actions) {
      if (!await this.#apply(key, obj, a)) {
        this.queue.addAfter(key, 100);
        return;
      }
    }
    this.#requeueForDeadline(key, d, now);
  }

  /** Re-syncs when a progress deadline could pass or a pod could become available. */
  #requeueForDeadline(key: string, d: Deployment, now: Date): void {
    const p = (d.status?.conditions ?? []).find((c) => c.type === "Progressing");
    const deadline = d.spec.progressDeadlineSeconds;
    if (deadline !== undefined && p?.status === "True" && p.reason !== "NewReplicaSetAvailable") {
      const from = timeOf(p.lastUpdateTime) ?? now.getTime();
      this.queue.addAfter(key, from + deadline * 1000 - now.getTime() + 1000);
    }
    if ((d.spec.minReadySeconds ?? 0) > 0) this.queue.addAfter(key, d.spec.minReadySeconds! * 1000);
  }

  /** Applies one action; false when the sync must stop and be retried. */
  async #apply(key: string, obj: KubeObject, a: DeploymentAction): Promise<boolean> {
    const { kube, events } = this.#o;
    const ns = obj.metadata.namespace ?? "";
    try {
      switch (a.type) {
        case "createReplicaSet":
          try {
            await kube.create("apps/replicasets", a.replicaSet as unknown as KubeObject);
          } catch (e) {
            if (!isAlreadyExists(e)) throw e;
            await this.#collision(key, obj, a.replicaSet);
            return false;
          }
          return true;
        case "updateReplicaSet":
          await kube.update("apps/replicasets", a.replicaSet as unknown as KubeObject);
          return true;
        case "deleteReplicaSet":
          await kube.delete("apps/replicasets", ns, a.name, { preconditions: { uid: a.uid } });
          return true;
        case "adoptReplicaSet":
        case "releaseReplicaSet": {
          const rs = this.#o.replicaSets.get(ns, a.name);
          if (!rs) return true;
          const patch = a.type === "adoptReplicaSet"
            ? adoptPatch(rs, a.uid, a.ownerReference)
            : releasePatch(rs, a.uid, obj.metadata.uid ?? "");
          if (patch) await kube.patch("apps/replicasets", ns, a.name, patch, "json");
          return true;
        }
        case "patchDeploymentAnnotations":
          await kube.patch("apps/deployments", ns, obj.metadata.name, {
            metadata: { annotations: a.annotations },
          }, "merge");
          return true;
        case "updateStatus":
          await kube.patch(
            "apps/deployments",
            ns,
            obj.metadata.name,
            statusMergePatch(obj.status as Record<string, unknown> | undefined, a.status),
            "merge",
            { subresource: "status" },
          );
          return true;
        case "event":
          void events.event(obj, a.eventType, a.reason, a.message);
          return true;
      }
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return false;
      throw e;
    }
  }

  /** The ReplicaSet name is taken: ours with the same template is fine, else bump collisionCount. */
  async #collision(key: string, d: KubeObject, wanted: ReplicaSet): Promise<void> {
    const ns = d.metadata.namespace ?? "";
    const existing = await this.#o.kube.get("apps/replicasets", ns, wanted.metadata.name ?? "");
    const spec = existing.spec as ReplicaSet["spec"] | undefined;
    if (
      controllerRef(existing.metadata)?.uid === d.metadata.uid &&
      equalIgnoreHash(spec?.template, (d.spec as Deployment["spec"]).template)
    ) {
      this.queue.add(key);
      return;
    }
    const status = (d.status ?? {}) as { collisionCount?: number };
    await this.#o.kube.patch(
      "apps/deployments",
      ns,
      d.metadata.name,
      {
        status: { collisionCount: (status.collisionCount ?? 0) + 1 },
      },
      "merge",
      { subresource: "status" },
    );
  }
}
