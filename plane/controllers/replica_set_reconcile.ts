/**
 * The ReplicaSet controller's decisions as a pure function (`syncReplicaSet`, `manageReplicas`
 * and `calculateStatus` of kube-controller-manager's pkg/controller/replicaset).
 *
 * @module
 */
import {
  clone,
  type Condition,
  controllerRef,
  type OwnerReference,
  ownerRefTo,
  type Pod,
  type ReplicaSet,
  type ReplicaSetStatus,
  rfc3339,
  selectorMatches,
} from "./_objects.ts";
import { isPodActive, isPodAvailable, isPodReady } from "./pod_availability.ts";
import { podsInDeletionOrder } from "./pod_deletion_order.ts";

/** Most pods created or deleted in one sync, as upstream's `BurstReplicas`. */
export const BURST_REPLICAS = 500;

/** One thing the ReplicaSet controller asks of the API. */
export type ReplicaSetAction =
  /** Create `count` pods from `pod` (it has `generateName`, not `name`). */
  | { type: "createPods"; count: number; pod: Pod }
  /** Delete these pods (already in deletion order). */
  | { type: "deletePods"; pods: { name: string; uid: string }[] }
  /** Add `ownerReference` to the orphan pod `name` (a patch with a `uid` precondition). */
  | { type: "adoptPod"; name: string; uid: string; ownerReference: OwnerReference }
  /** Remove the ReplicaSet's owner reference from pod `name`, whose labels no longer match. */
  | { type: "releasePod"; name: string; uid: string }
  /** Write `status` through the `status` subresource. */
  | { type: "updateStatus"; status: ReplicaSetStatus };

/** What the controller sees besides the ReplicaSet itself. */
export interface ReplicaSetObserved {
  /** Pods of the ReplicaSet's namespace (any owner; the reconciler filters and claims). */
  pods: readonly Pod[];
  /** Whether earlier creations/deletions have all come back through the watch. */
  expectationsSatisfied: boolean;
  /** The failure of the last create/delete attempt, for the `ReplicaFailure` condition. */
  lastError?: { reason: "FailedCreate" | "FailedDelete"; message: string };
  /** Pods of related ReplicaSets (same Deployment) for the node co-location rank. */
  relatedPods?: readonly Pod[];
}

/**
 * Decides what to do for `rs` given the pods: claim (adopt orphans whose labels match the
 * selector, release owned pods whose labels do not), create pods from the template with
 * `generateName: "<rs>-"` and a controller owner reference when there are fewer active pods
 * than `spec.replicas` (default 1), delete the surplus in {@linkcode podsInDeletionOrder}, at most
 * {@linkcode BURST_REPLICAS} per sync and only when `expectationsSatisfied`; then the status
 * (`replicas`, `fullyLabeledReplicas` — pods carrying every template label —, `readyReplicas`,
 * `availableReplicas` using `spec.minReadySeconds` in seconds at `now`, `observedGeneration`,
 * and the `ReplicaFailure` condition from `lastError`), emitted only when it changed.
 * A ReplicaSet being deleted only updates its status.
 *
 * @example
 * ```ts
 * import { reconcileReplicaSet } from "./replica_set_reconcile.ts";
 * import assert from "node:assert/strict";
 * const rs = {
 *   metadata: { name: "web", namespace: "default", uid: "u1", generation: 1 },
 *   spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: {} } },
 * };
 * const actions = reconcileReplicaSet(rs, { pods: [], expectationsSatisfied: true }, new Date());
 * const first = actions[0];
 * assert.ok(first?.type === "createPods");
 * assert.equal(first.count, 2);
 * ```
 */
export function reconcileReplicaSet(
  rs: ReplicaSet,
  observed: ReplicaSetObserved,
  now: Date,
): ReplicaSetAction[] {
  const actions: ReplicaSetAction[] = [];
  const uid = rs.metadata.uid ?? "";
  const deleting = rs.metadata.deletionTimestamp !== undefined;
  const owned: Pod[] = [];
  for (const pod of observed.pods) {
    if (pod.metadata.namespace !== undefined && pod.metadata.namespace !== rs.metadata.namespace) {
      continue;
    }
    const ref = controllerRef(pod.metadata);
    const matches = selectorMatches(rs.spec.selector, pod.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || deleting) owned.push(pod);
      else {actions.push({
          type: "releasePod",
          name: pod.metadata.name ?? "",
          uid: pod.metadata.uid ?? "",
        });}
      continue;
    }
    if (!matches || deleting || pod.metadata.deletionTimestamp !== undefined) continue;
    actions.push({
      type: "adoptPod",
      name: pod.metadata.name ?? "",
      uid: pod.metadata.uid ?? "",
      ownerReference: ownerRefTo(rs, "apps/v1", "ReplicaSet"),
    });
    owned.push(pod);
  }
  const active = owned.filter(isPodActive);
  if (!deleting && observed.expectationsSatisfied) {
    const want = Math.max(0, rs.spec.replicas ?? 1);
    const diff = active.length - want;
    if (diff < 0) {
      actions.push({
        type: "createPods",
        count: Math.min(-diff, BURST_REPLICAS),
        pod: podFromTemplate(rs),
      });
    } else if (diff > 0) {
      const order = podsInDeletionOrder(active, now, observed.relatedPods ?? active);
      actions.push({
        type: "deletePods",
        pods: order.slice(0, Math.min(diff, BURST_REPLICAS)).map((p) => ({
          name: p.metadata.name ?? "",
          uid: p.metadata.uid ?? "",
        })),
      });
    }
  }
  const status = replicaSetStatus(rs, active, observed.lastError, now);
  if (!sameStatus(rs.status, status)) actions.push({ type: "updateStatus", status });
  return actions;
}

/**
 * The pod a ReplicaSet creates: the template's labels, annotations and finalizers, `generateName`
 * `"<rs>-"`, the ReplicaSet's namespace, a controller owner reference with `blockOwnerDeletion`,
 * and the template's spec (upstream `GetPodFromTemplate`).
 *
 * @example
 * ```ts
 * import { podFromTemplate } from "./replica_set_reconcile.ts";
 * import assert from "node:assert/strict";
 * const pod = podFromTemplate({ metadata: { name: "web", namespace: "ns", uid: "u" }, spec: { template: { metadata: { labels: { a: "b" } }, spec: { containers: [] } } } });
 * assert.equal(pod.metadata.generateName, "web-");
 * assert.equal(pod.metadata.ownerReferences?.[0]?.controller, true);
 * ```
 */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = clone(rs.spec.template ?? {});
  const meta: Pod["metadata"] = {
    generateName: `${rs.metadata.name}-`,
    namespace: rs.metadata.namespace ?? "default",
    ownerReferences: [ownerRefTo(rs, "apps/v1", "ReplicaSet")],
  };
  if (t.metadata?.labels) meta.labels = t.metadata.labels;
  if (t.metadata?.annotations) meta.annotations = t.metadata.annotations;
  if (t.metadata?.finalizers) meta.finalizers = t.metadata.finalizers;
  return { apiVersion: "v1", kind: "Pod", metadata: meta, spec: t.spec ?? {} };
}

function replicaSetStatus(
  rs: ReplicaSet,
  active: readonly Pod[],
  lastError: ReplicaSetObserved["lastError"],
  now: Date,
): ReplicaSetStatus {
  const templateLabels = Object.entries(rs.spec.template?.metadata?.labels ?? {});
  const minReady = rs.spec.minReadySeconds ?? 0;
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas:
      active.filter((p) => templateLabels.every(([k, v]) => p.metadata.labels?.[k] === v)).length,
    readyReplicas: active.filter(isPodReady).length,
    availableReplicas: active.filter((p) => isPodAvailable(p, minReady, now)).length,
  };
  if (rs.metadata.generation !== undefined) status.observedGeneration = rs.metadata.generation;
  const old = rs.status?.conditions ?? [];
  const failure = old.find((c) => c.type === "ReplicaFailure");
  let conditions: Condition[] = old;
  if (lastError && !failure) {
    conditions = [...old, {
      type: "ReplicaFailure",
      status: "True",
      reason: lastError.reason,
      message: lastError.message,
      lastTransitionTime: rfc3339(now),
    }];
  } else if (!lastError && failure) {
    conditions = old.filter((c) => c.type !== "ReplicaFailure");
  }
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

function sameStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  const norm = (s: ReplicaSetStatus | undefined) => ({
    replicas: s?.replicas ?? 0,
    fullyLabeledReplicas: s?.fullyLabeledReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    observedGeneration: s?.observedGeneration ?? 0,
    conditions: s?.conditions ?? [],
  });
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
