/**
 * `preemptionFor`: kube-scheduler's `DefaultPreemption` PostFilter, pure. When a pod fits no
 * node, it looks for a node where evicting pods of lower priority would let it fit:
 *
 * 1. Eligibility: `preemptionPolicy: Never` does not preempt; a pod already nominated to a node
 *    where a lower-priority pod is terminating waits for it instead.
 * 2. Candidates: nodes refused as `Unschedulable` (not `UnschedulableAndUnresolvable`), visited
 *    from a random offset until `max(10 % of nodes, 100)` candidates are found. On each, every
 *    pod of lower priority is removed; if the pod then fits, victims are reprieved one by one,
 *    most important first (higher priority, then earlier start), as long as the pod still fits.
 * 3. The node is picked as `pickOneNodeForPreemption` does: the lowest highest-victim priority,
 *    then the lowest sum of victim priorities, then the fewest victims, then the latest start
 *    among the highest-priority victims, then the first.
 *
 * PodDisruptionBudgets are not considered (rks serves no policy/v1 PodDisruptionBudget).
 *
 * Source: kubernetes pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go
 * and pkg/scheduler/framework/preemption/preemption.go (1.32).
 *
 * @module
 */
import { type CycleContext, type FilterFailure, type FilterPlugin, SKIP } from "./framework.ts";
import { NodeInfo, type PodInfo } from "./node_info.ts";
import type { SchedulerProfile } from "./profile.ts";
import type { Pod } from "./types.ts";

/** A node where evicting `victims` lets the pod fit. */
export interface PreemptionCandidate {
  /** Discriminant. */
  ok: true;
  /** The node to nominate. */
  node: string;
  /** Pods to evict, most important first. */
  victims: PodInfo[];
}

/** No preemption: the `preemption: …` sentence of the `FailedScheduling` message. */
export interface NoPreemption {
  /** Discriminant. */
  ok: false;
  /** e.g. `preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.` */
  message: string;
}

/** Options of {@linkcode preemptionFor}. */
export interface PreemptionOptions {
  /** Random numbers in [0, 1) for the candidates' starting offset (default `Math.random`). */
  random?: () => number;
  /** `minCandidateNodesPercentage` (default 10). */
  minCandidateNodesPercentage?: number;
  /** `minCandidateNodesAbsolute` (default 100). */
  minCandidateNodesAbsolute?: number;
}

/** A pod's priority (`spec.priority`, 0 when unset). */
export function podPriority(pod: Pod): number {
  return typeof pod.spec?.priority === "number" ? pod.spec.priority : 0;
}

/** When the pod started (`status.startTime`, else its creation), ms since the epoch. */
function startTime(p: PodInfo): number {
  const s = p.pod.status?.startTime ?? p.pod.metadata.creationTimestamp;
  const t = typeof s === "string" ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/** `MoreImportantPod`: higher priority, then earlier start. */
function moreImportant(a: PodInfo, b: PodInfo): number {
  const d = podPriority(b.pod) - podPriority(a.pod);
  return d !== 0 ? d : startTime(a) - startTime(b);
}

/**
 * Whether `pod` fits on `node` with the nodes of the cluster as `nodes` (where `node` replaces
 * the node of the same name): every filter's `preFilter` runs on that view, so filters that
 * count pods across nodes (inter-pod affinity, topology spread) see the victims gone.
 */
function fits(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  node: NodeInfo,
  profile: SchedulerProfile,
): boolean {
  const view = nodes.map((n) => n.name === node.name ? node : n);
  const ctx: CycleContext = { pod, nodes: view, nodeByName: new Map(), data: new Map() };
  const filters: FilterPlugin[] = [];
  for (const f of profile.filters) if (f.preFilter?.(ctx) !== SKIP) filters.push(f);
  return filters.every((f) => f.filter(ctx, node) === undefined);
}

/**
 * `SelectVictimsOnNode`: the fewest pods of lower priority to evict from `node` so `pod` fits
 * (most important first), or undefined when evicting all of them would not be enough.
 *
 * @example
 * ```ts
 * import { selectVictimsOnNode } from "./default_preemption.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import { buildProfile } from "./profile.ts";
 * import assert from "node:assert/strict";
 * const pod = (name: string, cpu: string, priority: number) => podInfo({ apiVersion: "v1", kind: "Pod",
 *   metadata: { name }, spec: { priority, containers: [{ resources: { requests: { cpu } } }] } });
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" }, status: { allocatable: { cpu: "2" } } });
 * n.addPod(pod("low", "1", 1));
 * n.addPod(pod("lowest", "1", 0));
 * const victims = selectVictimsOnNode(pod("high", "1", 100), [n], n, buildProfile());
 * assert.deepEqual(victims?.map((v) => v.pod.metadata.name), ["lowest"]); // "low" is reprieved
 * ```
 */
export function selectVictimsOnNode(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  node: NodeInfo,
  profile: SchedulerProfile,
): PodInfo[] | undefined {
  const prio = podPriority(pod.pod);
  const copy = new NodeInfo(node.node);
  const potential: PodInfo[] = [];
  for (const p of node.pods.values()) {
    if (podPriority(p.pod) < prio) potential.push(p);
    else copy.addPod(p);
  }
  if (potential.length === 0 || !fits(pod, nodes, copy, profile)) return undefined;
  potential.sort(moreImportant);
  const victims: PodInfo[] = [];
  for (const p of potential) {
    copy.addPod(p);
    if (!fits(pod, nodes, copy, profile)) {
      copy.removePod(p.key);
      victims.push(p);
    }
  }
  return victims;
}

/** Whether a pod has `deletionTimestamp` set (terminating). */
function terminating(p: PodInfo): boolean {
  return p.pod.metadata.deletionTimestamp !== undefined &&
    p.pod.metadata.deletionTimestamp !== null;
}

/**
 * `pickOneNodeForPreemption` without PodDisruptionBudgets: the candidate whose most important
 * victim has the lowest priority, then the lowest sum of priorities, then the fewest victims,
 * then the latest earliest start among its highest-priority victims, then the first.
 *
 * @example
 * ```ts
 * import { pickOneNodeForPreemption } from "./default_preemption.ts";
 * import { podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const v = (priority: number) => podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: `p${priority}` }, spec: { priority } });
 * assert.equal(pickOneNodeForPreemption([
 *   { ok: true, node: "a", victims: [v(5)] },
 *   { ok: true, node: "b", victims: [v(3), v(2)] },
 * ])?.node, "b"); // lower highest-priority victim wins over fewer victims
 * ```
 */
export function pickOneNodeForPreemption(
  candidates: readonly PreemptionCandidate[],
): PreemptionCandidate | undefined {
  if (candidates.length === 0) return undefined;
  const empty = candidates.find((c) => c.victims.length === 0);
  if (empty) return empty;
  // Priorities are shifted to be non-negative, as upstream adds MaxInt32 + 1.
  const offset = 2 ** 31;
  const criteria: ((c: PreemptionCandidate) => number)[] = [
    (c) => -podPriority(c.victims[0]!.pod),
    (c) => -c.victims.reduce((s, v) => s + podPriority(v.pod) + offset, 0),
    (c) => -c.victims.length,
    (c) => {
      const top = podPriority(c.victims[0]!.pod);
      return Math.min(
        ...c.victims.filter((v) => podPriority(v.pod) === top).map(startTime),
      );
    },
  ];
  let best = [...candidates];
  for (const score of criteria) {
    if (best.length === 1) break;
    const scores = best.map(score);
    const max = Math.max(...scores);
    best = best.filter((_, i) => scores[i] === max);
  }
  return best[0];
}

/**
 * The preemption for `pod` after no node fit (`failures`: why each node was refused).
 *
 * @example
 * ```ts
 * import { preemptionFor } from "./default_preemption.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import { buildProfile } from "./profile.ts";
 * import { schedulePod } from "./schedule_pod.ts";
 * import assert from "node:assert/strict";
 * const pod = (name: string, priority: number) => podInfo({ apiVersion: "v1", kind: "Pod",
 *   metadata: { name }, spec: { priority, containers: [{ resources: { requests: { cpu: "1" } } }] } });
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { allocatable: { cpu: "1" } } });
 * n.addPod(pod("batch", 0));
 * const high = pod("web", 1000);
 * const r = schedulePod(high, [n], buildProfile());
 * assert.ok(!r.ok);
 * const p = preemptionFor(high, [n], r.failures, buildProfile());
 * assert.ok(p.ok && p.node === "n1" && p.victims[0]!.pod.metadata.name === "batch");
 * ```
 */
export function preemptionFor(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  failures: ReadonlyMap<string, FilterFailure>,
  profile: SchedulerProfile,
  opts: PreemptionOptions = {},
): PreemptionCandidate | NoPreemption {
  const spec = pod.pod.spec ?? {};
  if (spec.preemptionPolicy === "Never") {
    return { ok: false, message: "preemption: not eligible due to preemptionPolicy=Never." };
  }
  const prio = podPriority(pod.pod);
  const nominated = pod.pod.status?.nominatedNodeName;
  if (typeof nominated === "string" && nominated !== "") {
    const f = failures.get(nominated);
    const node = nodes.find((n) => n.name === nominated);
    if (node && f?.code !== "UnschedulableAndUnresolvable") {
      for (const p of node.pods.values()) {
        if (podPriority(p.pod) < prio && terminating(p)) {
          return {
            ok: false,
            message: "preemption: not eligible due to a terminating pod on the nominated node.",
          };
        }
      }
    }
  }
  const potential = nodes.filter((n) => failures.get(n.name)?.code === "Unschedulable");
  const reasons = new Map<string, string>();
  for (const n of nodes) {
    const f = failures.get(n.name);
    if (f && f.code !== "Unschedulable") {
      reasons.set(n.name, "Preemption is not helpful for scheduling");
    }
  }
  const pct = opts.minCandidateNodesPercentage ?? 10;
  const abs = opts.minCandidateNodesAbsolute ?? 100;
  const want = Math.min(potential.length, Math.max(Math.floor(potential.length * pct / 100), abs));
  const candidates: PreemptionCandidate[] = [];
  const offset = potential.length === 0
    ? 0
    : Math.floor((opts.random ?? Math.random)() * potential.length);
  for (let i = 0; i < potential.length && candidates.length < want; i++) {
    const node = potential[(offset + i) % potential.length]!;
    const victims = selectVictimsOnNode(pod, nodes, node, profile);
    if (victims) candidates.push({ ok: true, node: node.name, victims });
    else reasons.set(node.name, "No preemption victims found for incoming pod");
  }
  const best = pickOneNodeForPreemption(candidates);
  if (best) return best;
  const counts = new Map<string, number>();
  for (const r of reasons.values()) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return {
    ok: false,
    message: `preemption: 0/${nodes.length} nodes are available: ${parts.join(", ")}.`,
  };
}
