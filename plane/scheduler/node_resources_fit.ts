/**
 * The `NodeResourcesFit` plugin: the filter checks a pod's requests (cpu, memory, other
 * resources, and the pod count) against what the node has left; the score ranks nodes by
 * the `LeastAllocated` (default: spread) or `MostAllocated` (bin-pack) strategy.
 *
 * Source: https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/ and
 * kube-scheduler plugin `NodeResourcesFit` (`fitsRequest`, `leastRequestedScore`,
 * `mostRequestedScore`).
 *
 * @module
 */
import { fail, type FilterPlugin, MAX_NODE_SCORE, type ScorePlugin } from "./framework.ts";
import type { NodeInfo } from "./node_info.ts";
import type { Resources } from "./resources.ts";

/** A resource the score looks at, with its weight. */
export interface ResourceWeight {
  /** `cpu`, `memory`, or another resource name. */
  name: string;
  /** Weight (≥ 1). */
  weight: number;
}

/** The score strategy: `LeastAllocated` spreads, `MostAllocated` packs. */
export type ScoringStrategy = "LeastAllocated" | "MostAllocated";

/** Default resources of the strategies, as kube-scheduler's (`cpu` and `memory`, weight 1). */
export const DEFAULT_RESOURCE_WEIGHTS: readonly ResourceWeight[] = Object.freeze([
  { name: "cpu", weight: 1 },
  { name: "memory", weight: 1 },
]);

/**
 * Why `pod` (its requests) does not fit `node`: kube-scheduler's reasons in its order
 * (`Too many pods`, `Insufficient cpu`, `Insufficient memory`, `Insufficient <resource>`).
 * A zero request never fails, so zero-request pods fit even on full nodes. `scalarNames` are the
 * keys of `req.scalar` (the plugin computes them once per pod).
 *
 * @example
 * ```ts
 * import { insufficientResources } from "./node_resources_fit.ts";
 * import { NodeInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" },
 *   status: { allocatable: { cpu: "1", memory: "1Gi", pods: "10" } } });
 * assert.deepEqual(insufficientResources({ milliCPU: 1000, memory: 1024 ** 3, scalar: {} }, n), []); // exact fit
 * assert.deepEqual(insufficientResources({ milliCPU: 1001, memory: 0, scalar: { "nvidia.com/gpu": 1 } }, n),
 *   ["Insufficient cpu", "Insufficient nvidia.com/gpu"]);
 * ```
 */
export function insufficientResources(
  req: Resources,
  node: NodeInfo,
  scalarNames: readonly string[] = Object.keys(req.scalar),
): string[] {
  const a = node.allocatable;
  const used = node.requested;
  const pods = node.pods.size + 1 > a.pods;
  const cpu = req.milliCPU > 0 && req.milliCPU > a.milliCPU - used.milliCPU;
  const mem = req.memory > 0 && req.memory > a.memory - used.memory;
  let scalar: string[] | undefined;
  for (const name of scalarNames) {
    const q = req.scalar[name]!;
    if (q > 0 && q > (a.scalar[name] ?? 0) - (used.scalar[name] ?? 0)) {
      (scalar ??= []).push(`Insufficient ${name}`);
    }
  }
  if (!pods && !cpu && !mem && !scalar) return NONE;
  const out: string[] = [];
  if (pods) out.push("Too many pods");
  if (cpu) out.push("Insufficient cpu");
  if (mem) out.push("Insufficient memory");
  if (scalar) out.push(...scalar);
  return out;
}

const NONE: string[] = [];

function get(r: Resources, name: string): number {
  return name === "cpu" ? r.milliCPU : name === "memory" ? r.memory : r.scalar[name] ?? 0;
}

/**
 * The node's allocatable and requested (with the pod) amounts of `name`, requested as
 * non-zero requests (`nonZero`, LeastAllocated/MostAllocated) or as the real requests.
 */
export function allocatableAndRequested(
  node: NodeInfo,
  podReq: Resources,
  podNonZero: Resources,
  name: string,
  nonZero: boolean,
): [number, number] {
  const alloc = get(node.allocatable, name);
  const req = nonZero && (name === "cpu" || name === "memory")
    ? get(node.nonZeroRequested, name) + get(podNonZero, name)
    : get(node.requested, name) + get(podReq, name);
  return [alloc, req];
}

/**
 * `LeastAllocated` / `MostAllocated` score of one node (0–100): per resource
 * `(allocatable − requested) × 100 / allocatable` (least) or `requested × 100 / allocatable`
 * (most; requested capped at allocatable), weighted average over resources the node has.
 *
 * @example
 * ```ts
 * import { resourceScore } from "./node_resources_fit.ts";
 * import assert from "node:assert/strict";
 * // 4000m / 10000 bytes allocatable; 3000m and 5000 bytes requested with the pod
 * assert.equal(resourceScore("LeastAllocated", [[4000, 3000], [10000, 5000]], [1, 1]), 37); // (25 + 50) / 2
 * assert.equal(resourceScore("MostAllocated", [[4000, 3000], [10000, 5000]], [1, 1]), 62);
 * ```
 */
export function resourceScore(
  strategy: ScoringStrategy,
  amounts: readonly [number, number][],
  weights: readonly number[],
): number {
  let total = 0;
  let weightSum = 0;
  amounts.forEach(([alloc, req], i) => {
    if (alloc === 0) return;
    const w = weights[i] ?? 1;
    let s: number;
    if (strategy === "LeastAllocated") {
      s = req > alloc ? 0 : Math.floor((alloc - req) * MAX_NODE_SCORE / alloc);
    } else {
      s = Math.floor(Math.min(req, alloc) * MAX_NODE_SCORE / alloc);
    }
    total += s * w;
    weightSum += w;
  });
  return weightSum === 0 ? 0 : Math.floor(total / weightSum);
}

/**
 * The plugin with a scoring strategy and resource weights.
 *
 * @example
 * ```ts
 * import { nodeResourcesFitPlugin } from "./node_resources_fit.ts";
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const plugin = nodeResourcesFitPlugin("LeastAllocated");
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n" },
 *   status: { allocatable: { cpu: "1", memory: "1Gi" } } });
 * const pod = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
 *   spec: { containers: [{ resources: { requests: { cpu: "2" } } }] } });
 * const ctx = { pod, nodes: [n], nodeByName: new Map(), data: new Map() };
 * assert.deepEqual(plugin.filter(ctx, n)?.reasons, ["Insufficient cpu"]);
 * ```
 */
export function nodeResourcesFitPlugin(
  strategy: ScoringStrategy = "LeastAllocated",
  resources: readonly ResourceWeight[] = DEFAULT_RESOURCE_WEIGHTS,
): FilterPlugin & ScorePlugin {
  const weights = resources.map((r) => r.weight);
  const cpuMemory = resources.length === 2 && resources[0]!.name === "cpu" &&
    resources[1]!.name === "memory";
  const [wCpu, wMem] = [weights[0] ?? 1, weights[1] ?? 1];
  const least = strategy === "LeastAllocated";
  const one = (alloc: number, req: number) =>
    least
      ? (req > alloc ? 0 : Math.floor((alloc - req) * MAX_NODE_SCORE / alloc))
      : Math.floor(Math.min(req, alloc) * MAX_NODE_SCORE / alloc);
  return {
    name: "NodeResourcesFit",
    preFilter(ctx) {
      ctx.data.set("NodeResourcesFit", Object.keys(ctx.pod.requests.scalar));
    },
    filter(ctx, node) {
      const names = ctx.data.get("NodeResourcesFit") as string[] | undefined;
      const reasons = insufficientResources(ctx.pod.requests, node, names);
      return reasons.length ? fail("NodeResourcesFit", "Unschedulable", ...reasons) : undefined;
    },
    score(ctx, node) {
      if (cpuMemory) {
        // The default (cpu, memory), as resourceScore computes it, without intermediate arrays.
        const a0 = node.allocatable.milliCPU;
        const a1 = node.allocatable.memory;
        const r0 = node.nonZeroRequested.milliCPU + ctx.pod.nonZero.milliCPU;
        const r1 = node.nonZeroRequested.memory + ctx.pod.nonZero.memory;
        let total = 0;
        let weightSum = 0;
        if (a0 !== 0) {
          total += one(a0, r0) * wCpu;
          weightSum += wCpu;
        }
        if (a1 !== 0) {
          total += one(a1, r1) * wMem;
          weightSum += wMem;
        }
        return weightSum === 0 ? 0 : Math.floor(total / weightSum);
      }
      const amounts = resources.map((r) =>
        allocatableAndRequested(node, ctx.pod.requests, ctx.pod.nonZero, r.name, true)
      );
      return resourceScore(strategy, amounts, weights);
    },
  };
}
