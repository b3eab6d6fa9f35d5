/**
 * `schedulePod`: one scheduling cycle of a pod, pure — run the filters on the nodes (starting
 * where the previous cycle stopped, and stopping once enough fit, as kube-scheduler's
 * `percentageOfNodesToScore`), score the feasible nodes with the weighted score plugins, and
 * pick the highest (ties at random). When nothing fits, the result carries kube-scheduler's
 * `FailedScheduling` message.
 *
 * Source: kube-scheduler `schedulePod`, `findNodesThatFitPod`, `numFeasibleNodesToFind`,
 * `prioritizeNodes`, `selectHost`, and `FitError.Error()`.
 *
 * @module
 */
import { type CycleContext, type FilterFailure, type FilterPlugin, SKIP } from "./framework.ts";
import type { NodeInfo, PodInfo } from "./node_info.ts";
import type { SchedulerProfile } from "./profile.ts";

/** A pod that fits: where it goes. */
export interface ScheduleSuccess {
  /** Discriminant. */
  ok: true;
  /** Chosen node. */
  node: string;
  /** Nodes filtered. */
  evaluated: number;
  /** Nodes that fit (of those filtered). */
  feasible: number;
  /** Where the next cycle starts filtering. */
  nextStartIndex: number;
}

/** A pod that fits nowhere. */
export interface ScheduleFailure {
  /** Discriminant. */
  ok: false;
  /** Nodes in the cluster. */
  numAllNodes: number;
  /** Why each node was refused. */
  failures: Map<string, FilterFailure>;
  /** The `FailedScheduling` event message. */
  message: string;
  /** Where the next cycle starts filtering. */
  nextStartIndex: number;
}

/** Options of {@linkcode schedulePod}. */
export interface SchedulePodOptions {
  /** Index of the node where filtering starts (round robin across cycles). */
  startIndex?: number;
  /** Random numbers in [0, 1) for ties (default `Math.random`). */
  random?: () => number;
  /**
   * The nodes holding pods with pod affinity terms / required anti-affinity terms, when the
   * caller keeps them (`SchedulerCache.snapshot()`); else computed from `nodes`.
   */
  nodesWithAffinity?: readonly NodeInfo[];
  /** See `nodesWithAffinity`. */
  nodesWithRequiredAntiAffinity?: readonly NodeInfo[];
}

/** kube-scheduler's message when the cluster has no nodes. */
export const ERR_NO_NODES = "no nodes available to schedule pods";

/**
 * How many feasible nodes to find before scoring (kube-scheduler's `numFeasibleNodesToFind`):
 * all below 100 nodes; else `percentage` of them (adaptive when 0: 50 % − nodes/125, at least
 * 5 %), at least 100.
 *
 * @example
 * ```ts
 * import { numFeasibleNodesToFind } from "./schedule_pod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(numFeasibleNodesToFind(50, 0), 50);
 * assert.equal(numFeasibleNodesToFind(1000, 0), 420);
 * assert.equal(numFeasibleNodesToFind(5000, 0), 500);
 * assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
 * ```
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage: number): number {
  if (numAllNodes < 100 || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) {
    pct = 50 - Math.floor(numAllNodes / 125);
    if (pct < 5) pct = 5;
  }
  const n = Math.floor(numAllNodes * pct / 100);
  return n < 100 ? 100 : n;
}

/**
 * kube-scheduler's `FailedScheduling` message: `0/N nodes are available: <count> <reason>, ….`
 * (reasons counted per node and sorted as strings), then what preemption would say: nodes
 * refused as `Unschedulable` have "No preemption victims found for incoming pod", the others
 * "Preemption is not helpful for scheduling" (rk8s does not preempt; the wording is what
 * kube-scheduler reports when no lower-priority pod could be evicted).
 *
 * @example
 * ```ts
 * import { fitErrorMessage } from "./schedule_pod.ts";
 * import assert from "node:assert/strict";
 * const f = new Map([
 *   ["a", { plugin: "NodeResourcesFit", code: "Unschedulable" as const, reasons: ["Insufficient cpu"] }],
 *   ["b", { plugin: "NodeResourcesFit", code: "Unschedulable" as const, reasons: ["Insufficient cpu"] }],
 *   ["c", { plugin: "TaintToleration", code: "UnschedulableAndUnresolvable" as const,
 *     reasons: ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"] }],
 * ]);
 * assert.equal(fitErrorMessage(3, f),
 *   "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. " +
 *   "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.");
 * ```
 */
export function fitErrorMessage(
  numAllNodes: number,
  failures: ReadonlyMap<string, FilterFailure>,
  preemptionPolicy?: string,
): string {
  if (numAllNodes === 0) return ERR_NO_NODES;
  const msg = filterErrorMessage(numAllNodes, failures);
  if (preemptionPolicy === "Never") {
    return `${msg} preemption: not eligible due to preemptionPolicy=Never.`;
  }
  const pre = histogram(
    [...failures.values()].map((f) =>
      f.code === "Unschedulable"
        ? "No preemption victims found for incoming pod"
        : "Preemption is not helpful for scheduling"
    ),
  );
  return `${msg} preemption: 0/${numAllNodes} nodes are available: ${pre.join(", ")}.`;
}

function histogram(items: Iterable<string>): string[] {
  const counts = new Map<string, number>();
  for (const r of items) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).sort();
}

/**
 * The filters' part of kube-scheduler's `FailedScheduling` message, without what preemption
 * says: `0/N nodes are available: <count> <reason>, ….` (reasons counted per node, sorted).
 *
 * @example
 * ```ts
 * import { filterErrorMessage } from "./schedule_pod.ts";
 * import assert from "node:assert/strict";
 * const f = new Map([["a", { plugin: "NodeResourcesFit", code: "Unschedulable" as const, reasons: ["Insufficient cpu"] }]]);
 * assert.equal(filterErrorMessage(2, f), "0/2 nodes are available: 1 Insufficient cpu.");
 * ```
 */
export function filterErrorMessage(
  numAllNodes: number,
  failures: ReadonlyMap<string, FilterFailure>,
): string {
  const reasons = histogram([...failures.values()].flatMap((f) => f.reasons));
  let msg = `0/${numAllNodes} nodes are available:`;
  if (reasons.length) msg += ` ${reasons.join(", ")}.`;
  return msg;
}

/**
 * Schedules one pod on `nodes` with `profile`.
 *
 * @example
 * ```ts
 * import { schedulePod } from "./schedule_pod.ts";
 * import { buildProfile } from "./profile.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const node = (name: string, cpu: string) => new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name },
 *   status: { allocatable: { cpu, memory: "4Gi", pods: "110" } } });
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
 *   spec: { containers: [{ resources: { requests: { cpu: "1", memory: "1Gi" } } }] } });
 * const r = schedulePod(pod, [node("small", "1"), node("big", "4")], buildProfile());
 * assert.equal(r.ok && r.node, "big"); // LeastAllocated prefers the emptier node
 * const none = schedulePod(pod, [node("tiny", "500m")], buildProfile());
 * assert.equal(!none.ok && none.message,
 *   "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.");
 * ```
 */
export function schedulePod(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  profile: SchedulerProfile,
  opts: SchedulePodOptions = {},
): ScheduleSuccess | ScheduleFailure {
  const n = nodes.length;
  const random = opts.random ?? Math.random;
  if (n === 0) {
    return {
      ok: false,
      numAllNodes: 0,
      failures: new Map(),
      message: ERR_NO_NODES,
      nextStartIndex: 0,
    };
  }
  const ctx: CycleContext = {
    pod,
    nodes,
    nodeByName: new Map(),
    data: new Map(),
    ...(opts.nodesWithAffinity ? { nodesWithAffinity: opts.nodesWithAffinity } : {}),
    ...(opts.nodesWithRequiredAntiAffinity
      ? { nodesWithRequiredAntiAffinity: opts.nodesWithRequiredAntiAffinity }
      : {}),
  };
  // Filters whose preFilter says they let every node through are not run for this pod.
  const filters: FilterPlugin[] = [];
  for (const f of profile.filters) if (f.preFilter?.(ctx) !== SKIP) filters.push(f);
  const want = numFeasibleNodesToFind(n, profile.percentageOfNodesToScore);
  const start = (opts.startIndex ?? 0) % n;
  const feasible: NodeInfo[] = [];
  const failures = new Map<string, FilterFailure>();
  let processed = 0;
  for (; processed < n && feasible.length < want; processed++) {
    const node = nodes[(start + processed) % n]!;
    let failure: FilterFailure | undefined;
    for (let i = 0; i < filters.length; i++) {
      failure = filters[i]!.filter(ctx, node);
      if (failure) break;
    }
    if (failure) failures.set(node.name, failure);
    else feasible.push(node);
  }
  const nextStartIndex = (start + processed) % n;
  if (feasible.length === 0) {
    return {
      ok: false,
      numAllNodes: n,
      failures,
      message: fitErrorMessage(
        n,
        failures,
        pod.pod.spec?.preemptionPolicy,
      ),
      nextStartIndex,
    };
  }
  const result = (node: string): ScheduleSuccess => ({
    ok: true,
    node,
    evaluated: processed,
    feasible: feasible.length,
    nextStartIndex,
  });
  if (feasible.length === 1) return result(feasible[0]!.name);
  const m = feasible.length;
  const totals = new Array<number>(m).fill(0);
  const scores = new Array<number>(m);
  for (const { plugin, weight } of profile.scores) {
    // A skipped plugin would give every feasible node the same score: it cannot change the pick.
    if (plugin.preScore?.(ctx, feasible) === SKIP) continue;
    for (let i = 0; i < m; i++) scores[i] = plugin.score(ctx, feasible[i]!);
    plugin.normalize?.(ctx, scores);
    for (let i = 0; i < m; i++) totals[i]! += scores[i]! * weight;
  }
  // selectHost: the highest total; among ties, each is equally likely (reservoir sampling).
  let best = 0;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    if (totals[i]! > totals[best]!) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return result(feasible[best]!.name);
}
