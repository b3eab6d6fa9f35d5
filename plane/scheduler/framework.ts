/**
 * The plugin interfaces of rk8s's scheduler, after kube-scheduler's scheduling framework:
 * filter plugins (with an optional `preFilter` computed once per pod) say whether a pod fits a
 * node and why not; score plugins rank the feasible nodes 0–100 (after `normalize`), each
 * multiplied by its weight in the profile.
 *
 * Source: https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/
 *
 * @module
 */
import type { NodeInfo, PodInfo } from "./node_info.ts";

/** The highest score a plugin gives a node (`framework.MaxNodeScore`). */
export const MAX_NODE_SCORE = 100;

/**
 * Why a pod does not fit: `Unschedulable` (preemption or cluster changes could help) or
 * `UnschedulableAndUnresolvable` (removing pods from the node would not help).
 */
export type FailureCode = "Unschedulable" | "UnschedulableAndUnresolvable";

/** What `preScore` returns when the plugin has nothing to tell the feasible nodes apart. */
export const SKIP = "Skip";

/** A filter's refusal of one node. */
export interface FilterFailure {
  /** Plugin name, e.g. `NodeResourcesFit`. */
  plugin: string;
  /** How final the refusal is. */
  code: FailureCode;
  /** Reasons as kube-scheduler words them (`Insufficient cpu`, ...). */
  reasons: string[];
}

/** State of one scheduling cycle: the pod, every node, and what plugins precomputed. */
export interface CycleContext {
  /** The pod being scheduled. */
  pod: PodInfo;
  /** Every node of the cluster (the snapshot). */
  nodes: readonly NodeInfo[];
  /** Nodes by name. */
  nodeByName: ReadonlyMap<string, NodeInfo>;
  /** Plugin data computed in `preFilter` / `preScore`, keyed by plugin name. */
  data: Map<string, unknown>;
  /** Nodes holding pods with affinity terms, when the caller keeps them (else computed). */
  nodesWithAffinity?: readonly NodeInfo[];
  /** Nodes holding pods with required anti-affinity terms, when the caller keeps them. */
  nodesWithRequiredAntiAffinity?: readonly NodeInfo[];
}

/** A filter plugin. */
export interface FilterPlugin {
  /** kube-scheduler's plugin name. */
  readonly name: string;
  /**
   * Computes per-pod data once (stored in `ctx.data`). Returns {@linkcode SKIP} when the
   * filter would let every node through for this pod (kube-scheduler's `Skip` status of
   * PreFilter): the cycle then does not run it.
   */
  preFilter?(ctx: CycleContext): typeof SKIP | void;
  /** `undefined` when the pod fits `node`, else why not. */
  filter(ctx: CycleContext, node: NodeInfo): FilterFailure | undefined;
}

/** A score plugin. */
export interface ScorePlugin {
  /** kube-scheduler's plugin name. */
  readonly name: string;
  /**
   * Computes per-pod data once for the feasible nodes. Returns {@linkcode SKIP} when the
   * plugin would give every feasible node the same score (kube-scheduler's `Skip` status of
   * PreScore): the cycle then does not score with it, which picks the same node.
   */
  preScore?(ctx: CycleContext, feasible: readonly NodeInfo[]): typeof SKIP | void;
  /** Raw score of `node`. */
  score(ctx: CycleContext, node: NodeInfo): number;
  /** Rescales raw scores in place to 0..{@linkcode MAX_NODE_SCORE}. */
  normalize?(ctx: CycleContext, scores: number[]): void;
}

/**
 * Rescales `scores` in place to 0..100 by the maximum (`reverse`: the lowest raw score gets
 * 100), as kube-scheduler's `helper.DefaultNormalizeScore`.
 *
 * @example
 * ```ts
 * import { defaultNormalizeScore } from "./framework.ts";
 * import assert from "node:assert/strict";
 * const s = [1, 2, 4];
 * defaultNormalizeScore(s, false);
 * assert.deepEqual(s, [25, 50, 100]);
 * const r = [0, 2];
 * defaultNormalizeScore(r, true);
 * assert.deepEqual(r, [100, 0]);
 * ```
 */
export function defaultNormalizeScore(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) max = Math.max(max, s);
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.floor(scores[i]! * MAX_NODE_SCORE / max);
    if (reverse) s = MAX_NODE_SCORE - s;
    scores[i] = s;
  }
}

/** Shorthand for a failure. */
export function fail(plugin: string, code: FailureCode, ...reasons: string[]): FilterFailure {
  return { plugin, code, reasons };
}

/**
 * The nodes holding at least one pod with a pod affinity or anti-affinity term (required or
 * preferred), computed once per cycle (kept in `ctx.data`), as kube-scheduler's snapshot keeps
 * `HavePodsWithAffinityNodeInfoList`: plugins that look at existing pods' terms visit only these.
 *
 * @example
 * ```ts
 * import { nodesWithAffinityPods } from "./framework.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const node = (name: string) => new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name } });
 * const [a, b] = [node("a"), node("b")];
 * b.addPod(podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { affinity: { podAntiAffinity: {
 *   requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } } } }));
 * const ctx = { pod: podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "q" } }), nodes: [a, b], nodeByName: new Map(), data: new Map() };
 * assert.deepEqual(nodesWithAffinityPods(ctx).map((n) => n.name), ["b"]);
 * assert.deepEqual(nodesWithAffinityPods(ctx, true).map((n) => n.name), ["b"]);
 * ```
 */
export function nodesWithAffinityPods(
  ctx: CycleContext,
  requiredAntiAffinityOnly = false,
): readonly NodeInfo[] {
  const key = requiredAntiAffinityOnly ? "nodesWithRequiredAntiAffinity" : "nodesWithAffinity";
  const kept = ctx[key];
  if (kept) return kept;
  let list = ctx.data.get(key) as NodeInfo[] | undefined;
  if (!list) {
    list = [];
    for (const n of ctx.nodes) {
      const set = requiredAntiAffinityOnly ? n.podsWithRequiredAntiAffinity : n.podsWithAffinity;
      if (set.size > 0) list.push(n);
    }
    ctx.data.set(key, list);
  }
  return list;
}
