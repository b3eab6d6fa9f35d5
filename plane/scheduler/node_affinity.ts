/**
 * The `NodeAffinity` plugin: `spec.nodeSelector` and required node affinity (terms ORed,
 * requirements ANDed; operators `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt`;
 * `matchFields` on `metadata.name`) filter nodes; preferred terms add their weights to the score.
 *
 * Source: https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
 * and kube-scheduler plugin `NodeAffinity` (`component-helpers/scheduling/corev1/nodeaffinity`).
 *
 * @module
 */
import {
  defaultNormalizeScore,
  fail,
  type FilterPlugin,
  type ScorePlugin,
  SKIP,
} from "./framework.ts";
import type { NodeInfo } from "./node_info.ts";
import type { NodeSelectorRequirement, NodeSelectorTerm, Pod } from "./types.ts";

/** kube-scheduler's reason. */
export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

function intValue(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}

/**
 * Whether one requirement holds for a value (`undefined`: the label is absent). `Gt`/`Lt`
 * parse the label and the single value as integers; a non-integer never matches.
 *
 * @example
 * ```ts
 * import { requirementMatches } from "./node_affinity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(requirementMatches({ key: "cores", operator: "Gt", values: ["4"] }, "8"), true);
 * assert.equal(requirementMatches({ key: "cores", operator: "Lt", values: ["4"] }, "8"), false);
 * assert.equal(requirementMatches({ key: "cores", operator: "Gt", values: ["4"] }, "eight"), false);
 * assert.equal(requirementMatches({ key: "zone", operator: "NotIn", values: ["a"] }, undefined), true);
 * assert.equal(requirementMatches({ key: "zone", operator: "DoesNotExist" }, "a"), false);
 * ```
 */
export function requirementMatches(
  r: NodeSelectorRequirement,
  value: string | undefined,
): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const have = intValue(value);
      const want = intValue(values[0]);
      if (have === undefined || want === undefined || values.length !== 1) return false;
      return r.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

/**
 * Whether a node selector term matches a node: every requirement holds; an empty term (no
 * expressions and no fields) matches nothing.
 *
 * @example
 * ```ts
 * import { termMatches } from "./node_affinity.ts";
 * import assert from "node:assert/strict";
 * const node = { apiVersion: "v1", kind: "Node", metadata: { name: "n1", labels: { zone: "a" } } };
 * assert.equal(termMatches({ matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] }, node), true);
 * assert.equal(termMatches({ matchFields: [{ key: "metadata.name", operator: "In", values: ["n2"] }] }, node), false);
 * assert.equal(termMatches({}, node), false);
 * ```
 */
export function termMatches(
  term: NodeSelectorTerm,
  node: { metadata: { name: string; labels?: Record<string, string> } },
): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) {
    if (!requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) {
      return false;
    }
  }
  for (const r of fields) {
    if (r.key !== "metadata.name" || !requirementMatches(r, node.metadata.name)) return false;
  }
  return true;
}

/**
 * Whether `node` satisfies the pod's `nodeSelector` and required node affinity (the check
 * other plugins reuse for "nodes the pod could go to").
 *
 * @example
 * ```ts
 * import { podMatchesNodeSelectorAndAffinity } from "./node_affinity.ts";
 * import assert from "node:assert/strict";
 * const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeSelector: { disk: "ssd" } } };
 * const node = (labels: Record<string, string>) => ({ apiVersion: "v1", kind: "Node", metadata: { name: "n", labels } });
 * assert.equal(podMatchesNodeSelectorAndAffinity(pod, node({ disk: "ssd" })), true);
 * assert.equal(podMatchesNodeSelectorAndAffinity(pod, node({ disk: "hdd" })), false);
 * ```
 */
export function podMatchesNodeSelectorAndAffinity(
  pod: Pod,
  node: { metadata: { name: string; labels?: Record<string, string> } },
): boolean {
  const spec = pod.spec;
  const req = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!spec?.nodeSelector && !req) return true;
  const labels = node.metadata.labels ?? {};
  for (const k in spec.nodeSelector) {
    if (labels[k] !== spec.nodeSelector[k]) return false;
  }
  if (req) return req.nodeSelectorTerms.some((t) => termMatches(t, node));
  return true;
}

/**
 * The plugin: filter (selector + required affinity) and score (sum of matching preferred
 * terms' weights, normalized to 0–100).
 *
 * @example
 * ```ts
 * import { nodeAffinityPlugin } from "./node_affinity.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { affinity: { nodeAffinity: {
 *   preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } }],
 * } } } });
 * const a = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "a", labels: { zone: "a" } } });
 * const ctx = { pod, nodes: [a], nodeByName: new Map(), data: new Map() };
 * assert.equal(nodeAffinityPlugin.score(ctx, a), 10);
 * ```
 */
export const nodeAffinityPlugin: FilterPlugin & ScorePlugin = {
  name: "NodeAffinity",
  preFilter(ctx) {
    const spec = ctx.pod.pod.spec;
    if (
      !spec?.nodeSelector &&
      !spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ) return SKIP; // every node matches
  },
  filter(ctx, node: NodeInfo) {
    if (podMatchesNodeSelectorAndAffinity(ctx.pod.pod, node.node)) return undefined;
    return fail("NodeAffinity", "UnschedulableAndUnresolvable", ERR_NODE_AFFINITY);
  },
  preScore(ctx) {
    const terms = ctx.pod.pod.spec?.affinity?.nodeAffinity
      ?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!terms?.length) return SKIP; // every node scores 0
  },
  score(ctx, node) {
    const terms = ctx.pod.pod.spec?.affinity?.nodeAffinity
      ?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let s = 0;
    for (const t of terms) if (t.weight && termMatches(t.preference, node.node)) s += t.weight;
    return s;
  },
  normalize(_ctx, scores) {
    defaultNormalizeScore(scores, false);
  },
};
