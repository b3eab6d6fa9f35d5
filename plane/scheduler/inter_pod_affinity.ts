/**
 * The `InterPodAffinity` plugin: required pod affinity (the node's topology domain must hold a
 * matching pod), required pod anti-affinity (it must not), existing pods' anti-affinity toward
 * the incoming pod (filter); preferred affinity/anti-affinity of both sides (score). Topology
 * domains are the values of any node label, typically `kubernetes.io/hostname` and
 * `topology.kubernetes.io/zone`.
 *
 * Source: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
 * and kube-scheduler plugin `InterPodAffinity`. A `namespaceSelector` other than `{}` (every
 * namespace) is not resolved against namespace labels: such a term searches only `namespaces`.
 *
 * @module
 */
import { matchesLabelSelector } from "../api/label_selector.ts";
import {
  type CycleContext,
  fail,
  type FilterPlugin,
  MAX_NODE_SCORE,
  nodesWithAffinityPods,
  type ScorePlugin,
  SKIP,
} from "./framework.ts";
import type { AffinityTerm, NodeInfo, PodInfo } from "./node_info.ts";

/** kube-scheduler's reasons. */
export const ERR_AFFINITY_RULES = "node(s) didn't match pod affinity rules";
/** kube-scheduler's reason. */
export const ERR_ANTI_AFFINITY_RULES = "node(s) didn't match pod anti-affinity rules";
/** kube-scheduler's reason. */
export const ERR_EXISTING_ANTI_AFFINITY =
  "node(s) didn't satisfy existing pods anti-affinity rules";

/**
 * Whether `term` (of some pod) selects `pod`: namespace in the term's namespaces (or every
 * namespace) and labels match the selector (`undefined` selector matches nothing).
 *
 * @example
 * ```ts
 * import { termSelects } from "./inter_pod_affinity.ts";
 * import { podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "default", labels: { app: "db" } } });
 * const term = { selector: [{ key: "app", operator: "=" as const, values: ["db"] }], namespaces: new Set(["default"]), allNamespaces: false, topologyKey: "kubernetes.io/hostname", weight: 0 };
 * assert.equal(termSelects(term, pod), true);
 * assert.equal(termSelects({ ...term, namespaces: new Set(["prod"]) }, pod), false);
 * ```
 */
export function termSelects(term: AffinityTerm, pod: PodInfo): boolean {
  if (!term.selector) return false;
  if (!term.allNamespaces && !term.namespaces.has(pod.namespace)) return false;
  return matchesLabelSelector(term.selector, pod.labels);
}

type Counts = Map<string, number>;
const pair = (key: string, value: string) => `${key}\u0000${value}`;

function bump(m: Counts, node: NodeInfo, key: string, by: number): void {
  const v = node.labels[key];
  if (v === undefined) return;
  const k = pair(key, v);
  m.set(k, (m.get(k) ?? 0) + by);
}

interface FilterState {
  existingAnti: Counts;
  affinity: Counts;
  anti: Counts;
}

function live(p: PodInfo): boolean {
  return p.pod.metadata.deletionTimestamp === undefined;
}

function interPodAffinityCounts(ctx: CycleContext): FilterState {
  const pod = ctx.pod;
  const st: FilterState = { existingAnti: new Map(), affinity: new Map(), anti: new Map() };
  for (const node of nodesWithAffinityPods(ctx, true)) {
    for (const existing of node.podsWithRequiredAntiAffinity) {
      if (!live(existing)) continue;
      for (const t of existing.requiredAntiAffinity) {
        if (termSelects(t, pod)) bump(st.existingAnti, node, t.topologyKey, 1);
      }
    }
  }
  if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0) return st;
  for (const node of ctx.nodes) {
    for (const existing of node.pods.values()) {
      if (!live(existing) || existing.key === pod.key) continue;
      if (
        pod.requiredAffinity.length && pod.requiredAffinity.every((t) => termSelects(t, existing))
      ) {
        for (const t of pod.requiredAffinity) bump(st.affinity, node, t.topologyKey, 1);
      }
      for (const t of pod.requiredAntiAffinity) {
        if (termSelects(t, existing)) bump(st.anti, node, t.topologyKey, 1);
      }
    }
  }
  return st;
}

interface ScoreState {
  scores: Map<string, number>;
}

function scoreState(ctx: CycleContext): ScoreState {
  const pod = ctx.pod;
  const scores = new Map<string, number>();
  const hasOwn = pod.preferredAffinity.length > 0 || pod.preferredAntiAffinity.length > 0;
  for (const node of hasOwn ? ctx.nodes : nodesWithAffinityPods(ctx)) {
    const pods = hasOwn ? node.pods.values() : node.podsWithAffinity.values();
    for (const existing of pods) {
      if (!live(existing) || existing.key === pod.key) continue;
      for (const t of pod.preferredAffinity) {
        if (termSelects(t, existing)) bump(scores, node, t.topologyKey, t.weight);
      }
      for (const t of pod.preferredAntiAffinity) {
        if (termSelects(t, existing)) bump(scores, node, t.topologyKey, -t.weight);
      }
      // Symmetry: the existing pod's own terms toward the incoming pod (required affinity
      // counts with kube-scheduler's default hardPodAffinityWeight of 1).
      for (const t of existing.requiredAffinity) {
        if (termSelects(t, pod)) bump(scores, node, t.topologyKey, 1);
      }
      for (const t of existing.preferredAffinity) {
        if (termSelects(t, pod)) bump(scores, node, t.topologyKey, t.weight);
      }
      for (const t of existing.preferredAntiAffinity) {
        if (termSelects(t, pod)) bump(scores, node, t.topologyKey, -t.weight);
      }
    }
  }
  return { scores };
}

/**
 * The plugin.
 *
 * @example
 * ```ts
 * import { interPodAffinityPlugin } from "./inter_pod_affinity.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const node = (name: string) => new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } } });
 * const [a, b] = [node("a"), node("b")];
 * a.addPod(podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", labels: { app: "web" } } }));
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-2", labels: { app: "web" } }, spec: { affinity: { podAntiAffinity: {
 *   requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" }] } } } });
 * const ctx = { pod, nodes: [a, b], nodeByName: new Map(), data: new Map() };
 * interPodAffinityPlugin.preFilter!(ctx);
 * assert.deepEqual(interPodAffinityPlugin.filter(ctx, a)?.reasons, ["node(s) didn't match pod anti-affinity rules"]);
 * assert.equal(interPodAffinityPlugin.filter(ctx, b), undefined);
 * ```
 */
export const interPodAffinityPlugin: FilterPlugin & ScorePlugin = {
  name: "InterPodAffinity",
  preFilter(ctx) {
    const st = interPodAffinityCounts(ctx);
    const pod = ctx.pod;
    // Nothing to check on any node: the filter lets every node through.
    if (
      st.existingAnti.size === 0 && pod.requiredAffinity.length === 0 &&
      pod.requiredAntiAffinity.length === 0
    ) return SKIP;
    ctx.data.set("InterPodAffinity", st);
  },
  filter(ctx, node) {
    const st = ctx.data.get("InterPodAffinity") as FilterState | undefined;
    if (!st) return undefined;
    if (st.existingAnti.size) {
      for (const [k, v] of Object.entries(node.labels)) {
        if ((st.existingAnti.get(pair(k, v)) ?? 0) > 0) {
          return fail("InterPodAffinity", "Unschedulable", ERR_EXISTING_ANTI_AFFINITY);
        }
      }
    }
    const pod = ctx.pod;
    for (const t of pod.requiredAntiAffinity) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined && (st.anti.get(pair(t.topologyKey, v)) ?? 0) > 0) {
        return fail("InterPodAffinity", "Unschedulable", ERR_ANTI_AFFINITY_RULES);
      }
    }
    if (pod.requiredAffinity.length) {
      const ok = pod.requiredAffinity.every((t) => {
        const v = node.labels[t.topologyKey];
        return v !== undefined && (st.affinity.get(pair(t.topologyKey, v)) ?? 0) > 0;
      });
      if (!ok) {
        // The first pod of a group that selects itself may go anywhere its labels allow.
        const first = st.affinity.size === 0 &&
          pod.requiredAffinity.every((t) => termSelects(t, pod)) &&
          pod.requiredAffinity.every((t) => node.labels[t.topologyKey] !== undefined);
        if (!first) {
          return fail("InterPodAffinity", "UnschedulableAndUnresolvable", ERR_AFFINITY_RULES);
        }
      }
    }
    return undefined;
  },
  preScore(ctx) {
    const pod = ctx.pod;
    if (
      pod.preferredAffinity.length === 0 && pod.preferredAntiAffinity.length === 0 &&
      nodesWithAffinityPods(ctx).length === 0
    ) return SKIP; // no term on either side: every node scores 0
    ctx.data.set("InterPodAffinity/score", scoreState(ctx));
  },
  score(ctx, node) {
    const st = ctx.data.get("InterPodAffinity/score") as ScoreState | undefined;
    if (!st || st.scores.size === 0) return 0;
    let s = 0;
    for (const [k, v] of Object.entries(node.labels)) s += st.scores.get(pair(k, v)) ?? 0;
    return s;
  },
  normalize(_ctx, scores) {
    if (scores.length === 0) return;
    const min = Math.min(...scores);
    const max = Math.max(...scores);
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) {
      scores[i] = diff > 0 ? Math.floor(MAX_NODE_SCORE * (scores[i]! - min) / diff) : 0;
    }
  },
};
