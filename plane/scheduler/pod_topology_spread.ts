/**
 * The `PodTopologySpread` plugin: `topologySpreadConstraints` with `whenUnsatisfiable:
 * DoNotSchedule` filter nodes whose domain would exceed `maxSkew` (matching pods in the domain
 * + the pod itself − the smallest domain's count; `minDomains` makes that minimum 0 while
 * fewer domains exist); `ScheduleAnyway` constraints score nodes with fewer matching pods higher.
 * Only nodes matching the pod's node selector/affinity count (`nodeAffinityPolicy: Honor`, the
 * default); tainted nodes count unless `nodeTaintsPolicy: Honor`.
 *
 * Source: https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 * and kube-scheduler plugin `PodTopologySpread`. Cluster-level default constraints (from the
 * pod's Service/ReplicaSet) are not applied.
 *
 * @module
 */
import {
  type LabelRequirement,
  labelSelectorFromObject,
  matchesLabelSelector,
} from "../api/label_selector.ts";
import {
  type CycleContext,
  fail,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type ScorePlugin,
  SKIP,
} from "./framework.ts";
import { podMatchesNodeSelectorAndAffinity } from "./node_affinity.ts";
import type { NodeInfo, PodInfo } from "./node_info.ts";
import { untoleratedTaint } from "./taint_toleration.ts";
import type { TopologySpreadConstraint } from "./types.ts";

/** kube-scheduler's reason. */
export const ERR_TOPOLOGY_SPREAD = "node(s) didn't match pod topology spread constraints";
/** kube-scheduler's reason for a node without the constraint's label. */
export const ERR_TOPOLOGY_SPREAD_LABEL =
  "node(s) didn't match pod topology spread constraints (missing required label)";

interface Constraint {
  c: TopologySpreadConstraint;
  selector: LabelRequirement[] | undefined;
  selfMatch: number;
}

function constraints(pod: PodInfo, hard: boolean): Constraint[] {
  return (pod.pod.spec?.topologySpreadConstraints ?? [])
    .filter((c) => (c.whenUnsatisfiable === "DoNotSchedule") === hard)
    .map((c) => {
      let selector: LabelRequirement[] | undefined;
      try {
        selector = c.labelSelector ? labelSelectorFromObject(c.labelSelector) : undefined;
      } catch {
        selector = undefined;
      }
      const selfMatch = selector && matchesLabelSelector(selector, pod.labels) ? 1 : 0;
      return { c, selector, selfMatch };
    });
}

function countMatching(node: NodeInfo, pod: PodInfo, selector: LabelRequirement[] | undefined) {
  if (!selector) return 0;
  let n = 0;
  for (const p of node.pods.values()) {
    if (p.namespace !== pod.namespace || p.pod.metadata.deletionTimestamp !== undefined) continue;
    if (matchesLabelSelector(selector, p.labels)) n++;
  }
  return n;
}

function eligible(ctx: CycleContext, node: NodeInfo, cs: readonly Constraint[]): boolean {
  for (const { c } of cs) if (node.labels[c.topologyKey] === undefined) return false;
  const pod = ctx.pod.pod;
  const honorAffinity = cs.some(({ c }) => (c.nodeAffinityPolicy ?? "Honor") === "Honor");
  if (honorAffinity && !podMatchesNodeSelectorAndAffinity(pod, node.node)) return false;
  const honorTaints = cs.some(({ c }) => c.nodeTaintsPolicy === "Honor");
  if (
    honorTaints &&
    untoleratedTaint(node.taints, pod.spec?.tolerations ?? [], ["NoSchedule", "NoExecute"])
  ) return false;
  return true;
}

interface FilterState {
  cs: Constraint[];
  /** Per constraint: domain value → matching pods. */
  counts: Map<string, number>[];
  /** Per constraint: smallest count over eligible domains. */
  min: number[];
}

function spreadCounts(ctx: CycleContext, hard = true): FilterState {
  const cs = constraints(ctx.pod, hard);
  if (cs.length === 0) return { cs, counts: [], min: [] };
  const counts = cs.map(() => new Map<string, number>());
  for (const node of ctx.nodes) {
    if (!eligible(ctx, node, cs)) continue;
    cs.forEach(({ c, selector }, i) => {
      const v = node.labels[c.topologyKey]!;
      counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(node, ctx.pod, selector));
    });
  }
  const min = cs.map(({ c }, i) => {
    const m = counts[i]!;
    if (c.minDomains !== undefined && m.size < c.minDomains) return 0;
    return m.size === 0 ? 0 : Math.min(...m.values());
  });
  return { cs, counts, min };
}

interface ScoreState {
  cs: Constraint[];
  counts: Map<string, number>[];
  weights: number[];
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { podTopologySpreadPlugin } from "./pod_topology_spread.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const node = (name: string, zone: string) => new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "topology.kubernetes.io/zone": zone } } });
 * const [a, b] = [node("a", "z1"), node("b", "z2")];
 * const web = (name: string) => podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "web" } }, spec: {
 *   topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } } }] } });
 * a.addPod(web("w1"));
 * const ctx = { pod: web("w2"), nodes: [a, b], nodeByName: new Map(), data: new Map() };
 * podTopologySpreadPlugin.preFilter!(ctx);
 * assert.deepEqual(podTopologySpreadPlugin.filter(ctx, a)?.reasons, ["node(s) didn't match pod topology spread constraints"]);
 * assert.equal(podTopologySpreadPlugin.filter(ctx, b), undefined);
 * ```
 */
export const podTopologySpreadPlugin: FilterPlugin & ScorePlugin = {
  name: "PodTopologySpread",
  preFilter(ctx) {
    const st = spreadCounts(ctx, true);
    if (st.cs.length === 0) return SKIP; // no DoNotSchedule constraint
    ctx.data.set("PodTopologySpread", st);
  },
  filter(ctx, node) {
    const st = ctx.data.get("PodTopologySpread") as FilterState | undefined;
    if (!st) return undefined;
    for (let i = 0; i < st.cs.length; i++) {
      const { c, selfMatch } = st.cs[i]!;
      const v = node.labels[c.topologyKey];
      if (v === undefined) {
        return fail("PodTopologySpread", "UnschedulableAndUnresolvable", ERR_TOPOLOGY_SPREAD_LABEL);
      }
      const skew = (st.counts[i]!.get(v) ?? 0) + selfMatch - st.min[i]!;
      if (skew > c.maxSkew) return fail("PodTopologySpread", "Unschedulable", ERR_TOPOLOGY_SPREAD);
    }
    return undefined;
  },
  preScore(ctx, feasible) {
    const cs = constraints(ctx.pod, false);
    if (cs.length === 0) return SKIP; // every node scores the same
    const counts = cs.map(() => new Map<string, number>());
    for (const node of ctx.nodes) {
      if (!eligible(ctx, node, cs)) continue;
      cs.forEach(({ c, selector }, i) => {
        const v = node.labels[c.topologyKey]!;
        counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(node, ctx.pod, selector));
      });
    }
    const weights = cs.map(({ c }) => {
      const domains = new Set<string>();
      for (const n of feasible) {
        const v = n.labels[c.topologyKey];
        if (v !== undefined) domains.add(v);
      }
      return Math.log(domains.size + 2);
    });
    ctx.data.set("PodTopologySpread/score", { cs, counts, weights } satisfies ScoreState);
  },
  score(ctx, node) {
    const st = ctx.data.get("PodTopologySpread/score") as ScoreState | undefined;
    if (!st) return 0;
    let s = 0;
    for (let i = 0; i < st.cs.length; i++) {
      const { c } = st.cs[i]!;
      const v = node.labels[c.topologyKey];
      if (v === undefined) return -1; // ignored node: scored 0 after normalizing
      const w = st.weights[i]!;
      s += (st.counts[i]!.get(v) ?? 0) * w + (c.maxSkew - 1) * w;
    }
    return Math.round(s);
  },
  normalize(ctx, scores) {
    if (!ctx.data.has("PodTopologySpread/score")) {
      scores.fill(0);
      return;
    }
    const kept = scores.filter((s) => s >= 0);
    if (kept.length === 0) return;
    const min = Math.min(...kept);
    const max = Math.max(...kept);
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (s < 0) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.floor(MAX_NODE_SCORE * (max + min - s) / max);
    }
  },
};
