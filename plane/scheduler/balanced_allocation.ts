/**
 * The `NodeResourcesBalancedAllocation` score: prefers nodes whose cpu and memory would be
 * used in the same proportion after placing the pod — `(1 − std(fractions)) × 100`, where each
 * fraction is requested/allocatable (capped at 1). Pods without cpu/memory requests are not
 * scored by it (every node gets 0).
 *
 * Source: kube-scheduler plugin `NodeResourcesBalancedAllocation` (`balancedResourceScorer`).
 *
 * @module
 */
import { MAX_NODE_SCORE, type ScorePlugin, SKIP } from "./framework.ts";
import { allocatableAndRequested, DEFAULT_RESOURCE_WEIGHTS } from "./node_resources_fit.ts";

/**
 * The score of requested/allocatable pairs.
 *
 * @example
 * ```ts
 * import { balancedScore } from "./balanced_allocation.ts";
 * import assert from "node:assert/strict";
 * assert.equal(balancedScore([[100, 50], [1000, 500]]), 100); // both 50 %
 * assert.equal(balancedScore([[100, 100], [1000, 0]]), 50); // 100 % vs 0 %
 * ```
 */
export function balancedScore(amounts: readonly [number, number][]): number {
  const fractions: number[] = [];
  for (const [alloc, req] of amounts) {
    if (alloc === 0) continue;
    fractions.push(Math.min(1, req / alloc));
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
  }
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}

/**
 * The plugin (cpu and memory by default).
 *
 * @example
 * ```ts
 * import { balancedAllocationPlugin } from "./balanced_allocation.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" },
 *   status: { allocatable: { cpu: "1", memory: "1000" } } });
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
 *   spec: { containers: [{ resources: { requests: { cpu: "500m", memory: "500" } } }] } });
 * const ctx = { pod, nodes: [n], nodeByName: new Map(), data: new Map() };
 * assert.equal(balancedAllocationPlugin().score(ctx, n), 100);
 * ```
 */
export function balancedAllocationPlugin(
  resources: readonly string[] = DEFAULT_RESOURCE_WEIGHTS.map((r) => r.name),
): ScorePlugin {
  const cpuMemory = resources.length === 2 && resources[0] === "cpu" && resources[1] === "memory";
  return {
    name: "NodeResourcesBalancedAllocation",
    preScore(ctx) {
      const r = ctx.pod.requests;
      // A pod without cpu/memory requests gets 0 everywhere (upstream skips best-effort pods).
      if (r.milliCPU === 0 && r.memory === 0) return SKIP;
    },
    score(ctx, node) {
      const r = ctx.pod.requests;
      if (r.milliCPU === 0 && r.memory === 0) return 0;
      if (cpuMemory) {
        // The default (cpu, memory) without intermediate arrays.
        const a0 = node.allocatable.milliCPU;
        const a1 = node.allocatable.memory;
        if (a0 !== 0 && a1 !== 0) {
          const f0 = Math.min(1, (node.requested.milliCPU + r.milliCPU) / a0);
          const f1 = Math.min(1, (node.requested.memory + r.memory) / a1);
          const std = Math.abs((f0 - f1) / 2);
          return Math.floor((1 - std) * MAX_NODE_SCORE);
        }
      }
      return balancedScore(
        resources.map((name) =>
          allocatableAndRequested(node, ctx.pod.requests, ctx.pod.nonZero, name, false)
        ),
      );
    },
  };
}
