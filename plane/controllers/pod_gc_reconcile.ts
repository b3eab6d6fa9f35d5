/**
 * The pod garbage collector's decisions as pure functions (kube-controller-manager's `podgc`
 * controller, `pkg/controller/podgc`, 1.31): terminated pods beyond
 * `--terminated-pod-gc-threshold`, terminating pods on out-of-service nodes, pods bound to nodes
 * that no longer exist (after a quarantine and a live check), and terminating pods that were
 * never scheduled.
 *
 * @module
 */
import { type Condition, type Pod, rfc3339, timeOf } from "./_objects.ts";
import type { NodeObject } from "./node_lifecycle_reconcile.ts";

/** Taint key an administrator puts on a node that is shut down for good (`kubectl taint`). */
export const TAINT_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

/** kube-controller-manager's `--terminated-pod-gc-threshold` default. */
export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12500;

/** Upstream's `quarantineTime`: how long a node may be missing from the informer, ms. */
export const DEFAULT_POD_GC_QUARANTINE_MS = 40_000;

/** Upstream's `gcCheckPeriod`, ms. */
export const DEFAULT_POD_GC_CHECK_PERIOD_MS = 20_000;

/** Settings of the pod garbage collector. */
export interface PodGcOptions {
  /**
   * How many terminated (Succeeded/Failed) pods may exist before the oldest are deleted
   * (default 12500, `--terminated-pod-gc-threshold`); 0 or less: terminated pods are kept.
   */
  terminatedPodGcThreshold?: number;
  /**
   * How long a pod's node may be missing from the node informer before a live GET decides it is
   * gone, ms (default 40000, upstream's `quarantineTime`).
   */
  quarantineMs?: number;
}

/** Why a pod is deleted (upstream's `podgc` metric reasons). */
export type PodGcReason =
  | "terminated"
  | "terminating-out-of-service"
  | "orphaned"
  | "terminating-unscheduled";

/** One thing the pod garbage collector asks of the API. */
export type PodGcAction =
  /**
   * Delete the pod with grace 0 (precondition: its uid); first, when it is not yet terminal,
   * write `status` (phase `Failed`, plus the condition for orphans) through the status
   * subresource.
   */
  | {
    type: "deletePod";
    reason: PodGcReason;
    namespace: string;
    name: string;
    uid: string;
    /** The pod's new status, when it must be marked Failed first. */
    status?: NonNullable<Pod["status"]>;
  }
  /**
   * The node has been missing from the informer for the quarantine: GET it; when the API says
   * NotFound, delete its pods ({@linkcode planOrphanedPods}).
   */
  | { type: "confirmNodeGone"; node: string };

/** What {@linkcode planPodGc} returns. */
export interface PodGcPlan {
  /** Actions in order: terminated, terminating on out-of-service nodes, node checks, unscheduled terminating. */
  actions: PodGcAction[];
  /** The quarantine to keep for the next pass: node name → ms since the epoch it was first missed. */
  missingSince: Map<string, number>;
  /** Terminated (Succeeded/Failed) pods seen. */
  terminatedCount: number;
  /** Milliseconds until a quarantine ends, if one is running. */
  nextCheckMs?: number;
}

/** Upstream's `DisruptionTarget` condition for a pod whose node no longer exists. */
export const ORPHANED_POD_CONDITION: Readonly<Condition> = Object.freeze({
  type: "DisruptionTarget",
  status: "True",
  reason: "DeletionByPodGC",
  message: "PodGC: node no longer exists",
});

/**
 * Succeeded or Failed (upstream's `isPodTerminated`; the API gives every pod a phase).
 *
 * @example
 * ```ts
 * import { isPodTerminated } from "./pod_gc_reconcile.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isPodTerminated({ metadata: {}, status: { phase: "Failed" } }), true);
 * assert.equal(isPodTerminated({ metadata: {}, status: { phase: "Running" } }), false);
 * ```
 */
export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** Whether the node's Ready condition is True (upstream's `nodeutil.IsNodeReady`). */
function isNodeReady(node: NodeObject): boolean {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
}

/** Evicted by the kubelet: Failed with reason `Evicted` (upstream's `eviction.PodIsEvicted`). */
function isEvicted(pod: Pod): boolean {
  return pod.status?.phase === "Failed" && pod.status.reason === "Evicted";
}

/**
 * Upstream's `byEvictionAndCreationTimestamp`: evicted pods first, then older first, then by
 * name.
 */
function byEvictionAndCreation(a: Pod, b: Pod): number {
  const ea = isEvicted(a), eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = timeOf(a.metadata.creationTimestamp) ?? 0;
  const tb = timeOf(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = a.metadata.name ?? "", nb = b.metadata.name ?? "";
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * The status upstream's `markFailedAndDeletePodWithCondition` writes before a forced deletion:
 * phase `Failed`, and `condition` set as `UpdatePodCondition` sets it (`lastTransitionTime` now,
 * kept when the status is unchanged). Undefined for a pod that is already Succeeded or Failed
 * (its status is left alone).
 *
 * @example
 * ```ts
 * import { failedPodStatus, ORPHANED_POD_CONDITION } from "./pod_gc_reconcile.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { name: "p" }, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } };
 * const s = failedPodStatus(pod, ORPHANED_POD_CONDITION, new Date("2024-01-01T00:00:00Z"));
 * assert.equal(s?.phase, "Failed");
 * assert.deepEqual(s?.conditions?.map((c) => c.type), ["Ready", "DisruptionTarget"]);
 * assert.equal(failedPodStatus({ metadata: {}, status: { phase: "Succeeded" } }, undefined, new Date()), undefined);
 * ```
 */
export function failedPodStatus(
  pod: Pod,
  condition: Readonly<Condition> | undefined,
  now: Date,
): NonNullable<Pod["status"]> | undefined {
  if (isPodTerminated(pod)) return undefined;
  const status: NonNullable<Pod["status"]> = { ...(pod.status ?? {}), phase: "Failed" };
  if (condition) {
    const conditions = [...(status.conditions ?? [])];
    const i = conditions.findIndex((c) => c.type === condition.type);
    const old = i >= 0 ? conditions[i] : undefined;
    const next: Condition = {
      ...condition,
      lastProbeTime: null,
      lastTransitionTime: old?.status === condition.status && old.lastTransitionTime
        ? old.lastTransitionTime
        : rfc3339(now),
    };
    if (i >= 0) conditions[i] = next;
    else conditions.push(next);
    status.conditions = conditions;
  }
  return status;
}

function deleteAction(
  pod: Pod,
  reason: PodGcReason,
  now: Date,
  condition?: Readonly<Condition>,
): PodGcAction {
  const status = failedPodStatus(pod, condition, now);
  return {
    type: "deletePod",
    reason,
    namespace: pod.metadata.namespace ?? "default",
    name: pod.metadata.name ?? "",
    uid: pod.metadata.uid ?? "",
    ...(status ? { status } : {}),
  };
}

/**
 * One pass of the pod garbage collector over the informers' pods and nodes at `now`, as
 * upstream's `gc()`:
 * - **terminated**: when more than `terminatedPodGcThreshold` pods are Succeeded or Failed, the
 *   surplus is deleted, evicted pods first, then oldest first (`gcTerminated`);
 * - **terminating on an out-of-service node**: pods with a `deletionTimestamp` on a node that is
 *   not Ready and carries the `node.kubernetes.io/out-of-service` taint (any effect) are marked
 *   Failed and deleted (`gcTerminating`);
 * - **orphaned**: a node named by a pod's `spec.nodeName` but absent from `nodes` enters a
 *   quarantine (`missingSince`, kept between passes by the caller); once it has been missing for
 *   `quarantineMs` a `confirmNodeGone` action asks for a live GET, and
 *   {@linkcode planOrphanedPods} deletes its pods if the node is really gone (`gcOrphaned`);
 *   nodes that reappear or that no pod names any more leave the quarantine;
 * - **unscheduled terminating**: pods with a `deletionTimestamp` and no `spec.nodeName` are
 *   marked Failed and deleted at once (`gcUnscheduledTerminating`).
 *
 * Each pod gets at most one action (the first of the order above). Deletions use grace 0.
 *
 * @example
 * ```ts
 * import { planPodGc } from "./pod_gc_reconcile.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { name: "p", namespace: "default", uid: "u1" }, spec: { nodeName: "gone" }, status: { phase: "Running" } };
 * const first = planPodGc([pod], [], new Map(), new Date(0));
 * assert.deepEqual(first.actions, []); // quarantined
 * assert.equal(first.nextCheckMs, 40_000);
 * const later = planPodGc([pod], [], first.missingSince, new Date(40_000));
 * assert.deepEqual(later.actions, [{ type: "confirmNodeGone", node: "gone" }]);
 * ```
 */
export function planPodGc(
  pods: readonly Pod[],
  nodes: readonly NodeObject[],
  missingSince: ReadonlyMap<string, number>,
  now: Date,
  opts: PodGcOptions = {},
): PodGcPlan {
  const threshold = opts.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
  const quarantine = opts.quarantineMs ?? DEFAULT_POD_GC_QUARANTINE_MS;
  const t = now.getTime();
  const actions: PodGcAction[] = [];
  const done = new Set<Pod>();
  const nodeByName = new Map(nodes.map((n) => [n.metadata.name ?? "", n]));

  const terminated = pods.filter(isPodTerminated);
  if (threshold > 0 && terminated.length > threshold) {
    const victims = [...terminated].sort(byEvictionAndCreation)
      .slice(0, terminated.length - threshold);
    for (const p of victims) {
      actions.push(deleteAction(p, "terminated", now));
      done.add(p);
    }
  }

  for (const p of pods) {
    if (done.has(p) || !p.metadata.deletionTimestamp) continue;
    const node = nodeByName.get(p.spec?.nodeName ?? "");
    if (!node || isNodeReady(node)) continue;
    if ((node.spec?.taints ?? []).some((x) => x.key === TAINT_OUT_OF_SERVICE)) {
      actions.push(deleteAction(p, "terminating-out-of-service", now));
      done.add(p);
    }
  }

  const next = new Map<string, number>();
  let nextCheckMs: number | undefined;
  for (const p of pods) {
    const name = p.spec?.nodeName;
    if (!name || nodeByName.has(name) || next.has(name)) continue;
    const since = missingSince.get(name) ?? t;
    next.set(name, since);
    const left = since + quarantine - t;
    if (left <= 0) actions.push({ type: "confirmNodeGone", node: name });
    else nextCheckMs = Math.min(nextCheckMs ?? Infinity, left);
  }

  for (const p of pods) {
    if (done.has(p) || !p.metadata.deletionTimestamp || p.spec?.nodeName) continue;
    actions.push(deleteAction(p, "terminating-unscheduled", now));
    done.add(p);
  }

  return {
    actions,
    missingSince: next,
    terminatedCount: terminated.length,
    ...(nextCheckMs !== undefined ? { nextCheckMs } : {}),
  };
}

/**
 * The deletions of upstream's `gcOrphaned` once live GETs confirmed `goneNodes` are gone: every
 * pod bound to one of them is marked Failed with the `DisruptionTarget` condition (reason
 * `DeletionByPodGC`, "PodGC: node no longer exists") unless already terminal, then deleted with
 * grace 0.
 *
 * @example
 * ```ts
 * import { planOrphanedPods } from "./pod_gc_reconcile.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { name: "p", namespace: "default", uid: "u1" }, spec: { nodeName: "gone" }, status: { phase: "Running" } };
 * const [a] = planOrphanedPods([pod], new Set(["gone"]), new Date(0));
 * assert.equal(a?.type === "deletePod" && a.status?.conditions?.[0]?.reason, "DeletionByPodGC");
 * ```
 */
export function planOrphanedPods(
  pods: readonly Pod[],
  goneNodes: ReadonlySet<string>,
  now: Date,
): PodGcAction[] {
  return pods.filter((p) => goneNodes.has(p.spec?.nodeName ?? ""))
    .map((p) => deleteAction(p, "orphaned", now, ORPHANED_POD_CONDITION));
}
