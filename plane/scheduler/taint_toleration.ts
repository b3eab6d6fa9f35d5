/**
 * The `TaintToleration` plugin: a node's `NoSchedule` and `NoExecute` taints keep off every
 * pod that does not tolerate them (filter); `PreferNoSchedule` taints lower the score.
 *
 * Source: https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/ and
 * kube-scheduler plugin `TaintToleration`.
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
import type { Taint, Toleration } from "./types.ts";

/**
 * True when `t` tolerates `taint`: effects match (an empty effect matches all), and either the
 * operator is `Exists` (an empty key matches every key) or keys and values are equal.
 *
 * @example
 * ```ts
 * import { tolerates } from "./taint_toleration.ts";
 * import assert from "node:assert/strict";
 * const taint = { key: "gpu", value: "true", effect: "NoSchedule" } as const;
 * assert.equal(tolerates({ key: "gpu", operator: "Exists" }, taint), true);
 * assert.equal(tolerates({ operator: "Exists" }, taint), true);
 * assert.equal(tolerates({ key: "gpu", value: "false" }, taint), false);
 * assert.equal(tolerates({ key: "gpu", value: "true", effect: "NoExecute" }, taint), false);
 * ```
 */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== "Exists") return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

/**
 * The first taint with one of `effects` that no toleration tolerates, or `undefined`.
 *
 * @example
 * ```ts
 * import { untoleratedTaint } from "./taint_toleration.ts";
 * import assert from "node:assert/strict";
 * const taints = [{ key: "a", effect: "NoSchedule" }, { key: "b", effect: "NoExecute" }] as const;
 * assert.equal(untoleratedTaint([...taints], [{ key: "a", operator: "Exists" }], ["NoSchedule", "NoExecute"])?.key, "b");
 * ```
 */
export function untoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly string[],
): Taint | undefined {
  return taints.find((taint) =>
    effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint))
  );
}

const NO_TOLERATIONS: readonly Toleration[] = [];

/**
 * The plugin (filter and score).
 *
 * @example
 * ```ts
 * import { taintTolerationPlugin } from "./taint_toleration.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" },
 *   spec: { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] } });
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } });
 * const ctx = { pod, nodes: [n], nodeByName: new Map(), data: new Map() };
 * assert.deepEqual(taintTolerationPlugin.filter(ctx, n)?.reasons,
 *   ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"]);
 * ```
 */
export const taintTolerationPlugin: FilterPlugin & ScorePlugin = {
  name: "TaintToleration",
  filter(ctx, node) {
    if (node.taints.length === 0) return undefined;
    const taint = untoleratedTaint(node.taints, ctx.pod.pod.spec?.tolerations ?? NO_TOLERATIONS, [
      "NoSchedule",
      "NoExecute",
    ]);
    if (!taint) return undefined;
    return fail(
      "TaintToleration",
      "UnschedulableAndUnresolvable",
      `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`,
    );
  },
  preScore(ctx, feasible) {
    // Every node without a PreferNoSchedule taint scores the same (0 before normalizing).
    let any = false;
    for (let i = 0; i < feasible.length && !any; i++) any = feasible[i]!.hasPreferNoSchedule;
    if (!any) return SKIP;
    ctx.data.set(
      "TaintToleration/score",
      (ctx.pod.pod.spec?.tolerations ?? []).filter((t) =>
        !t.effect || t.effect === "PreferNoSchedule"
      ),
    );
  },
  score(ctx, node) {
    if (!node.hasPreferNoSchedule) return 0;
    const tols = (ctx.data.get("TaintToleration/score") as Toleration[] | undefined) ??
      (ctx.pod.pod.spec?.tolerations ?? []).filter((t) =>
        !t.effect || t.effect === "PreferNoSchedule"
      );
    let n = 0;
    for (const taint of node.taints) {
      if (taint.effect === "PreferNoSchedule" && !tols.some((t) => tolerates(t, taint))) n++;
    }
    return n;
  },
  normalize(_ctx, scores) {
    defaultNormalizeScore(scores, true);
  },
};
