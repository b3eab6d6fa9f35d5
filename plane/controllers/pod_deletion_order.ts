/**
 * The order in which a ReplicaSet deletes its pods when it scales down: the first pods of the
 * sorted list go first. The rules are those of `controller.ActivePodsWithRanks` (kube-controller-
 * manager 1.32, with the `PodDeletionCost` and `LogarithmicScaleDown` features on, their default).
 *
 * @module
 */
import { type Pod, timeOf } from "./_objects.ts";
import { isPodReady, podReadyTime } from "./pod_availability.ts";

const PHASE_ORDER: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

/**
 * Sorts `pods` into deletion order (a new array): unscheduled before scheduled; `Pending` before
 * `Unknown` before `Running`; not ready before ready; lower `controller.kubernetes.io/pod-deletion-cost`
 * first; more pods of the same owner family on the pod's node first (`rank`, upstream's
 * "doubled up"); among ready pods, ready for a shorter time first; higher container restart count
 * first; newer first. Times are compared on a log2 scale of their age at `now` (so pods created a
 * few seconds apart rank alike) and ties broken by `uid`, as upstream's `LogarithmicScaleDown`.
 *
 * `related` (optional) are the pods whose node co-location counts for the rank (upstream passes
 * the pods of every ReplicaSet of the same Deployment); default `pods`.
 *
 * @example
 * ```ts
 * import { podsInDeletionOrder } from "./pod_deletion_order.ts";
 * import assert from "node:assert/strict";
 * const now = new Date("2024-01-01T01:00:00Z");
 * const running = { metadata: { name: "a", uid: "1" }, spec: { nodeName: "n1" }, status: { phase: "Running" } };
 * const unscheduled = { metadata: { name: "b", uid: "2" }, spec: {}, status: { phase: "Pending" } };
 * assert.deepEqual(podsInDeletionOrder([running, unscheduled], now).map((p) => p.metadata.name), ["b", "a"]);
 * ```
 */
export function podsInDeletionOrder(
  pods: readonly Pod[],
  now: Date,
  related: readonly Pod[] = pods,
): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Pod) => perNode.get(p.spec?.nodeName ?? "") ?? 0;
  const order = (a: Pod, b: Pod): number => {
    const an = a.spec?.nodeName ?? "", bn = b.spec?.nodeName ?? "";
    if (an !== bn && (an === "" || bn === "")) return an === "" ? -1 : 1;
    const ap = PHASE_ORDER[a.status?.phase ?? ""] ?? 0,
      bp = PHASE_ORDER[b.status?.phase ?? ""] ?? 0;
    if (ap !== bp) return ap - bp;
    const ar = isPodReady(a), br = isPodReady(b);
    if (ar !== br) return ar ? 1 : -1;
    const ac = deletionCost(a), bc = deletionCost(b);
    if (ac !== bc) return ac - bc;
    const ak = rank(a), bk = rank(b);
    if (ak !== bk) return bk - ak;
    if (ar && br) {
      const c = compareTimes(podReadyTime(a), podReadyTime(b), a, b, now);
      if (c !== 0) return c;
    }
    const rs = maxRestarts(b) - maxRestarts(a);
    if (rs !== 0) return rs;
    return compareTimes(
      timeOf(a.metadata.creationTimestamp),
      timeOf(b.metadata.creationTimestamp),
      a,
      b,
      now,
    );
  };
  return [...pods].sort(order);
}

/** Newer (or absent) time first; on a log2 scale of age, ties by uid (equal times tie). */
function compareTimes(
  ta: number | undefined,
  tb: number | undefined,
  a: Pod,
  b: Pod,
  now: Date,
): number {
  if (ta === tb) return 0;
  if (ta === undefined) return -1;
  if (tb === undefined) return 1;
  const diff = logRank(now.getTime() - ta) - logRank(now.getTime() - tb);
  if (diff !== 0) return diff;
  const ua = a.metadata.uid ?? "", ub = b.metadata.uid ?? "";
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** `int(log2(age in ns))`, or -1 for a non-positive age (upstream `logarithmicRankDiff`). */
function logRank(ageMs: number): number {
  return ageMs > 0 ? Math.floor(Math.log2(ageMs * 1e6)) : -1;
}

function maxRestarts(p: Pod): number {
  let m = 0;
  for (
    const s of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]
  ) {
    m = Math.max(m, s.restartCount ?? 0);
  }
  return m;
}

function deletionCost(p: Pod): number {
  const v = p.metadata.annotations?.[DELETION_COST];
  const n = v === undefined ? 0 : Number(v);
  return Number.isInteger(n) ? n : 0;
}
