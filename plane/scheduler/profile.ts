/**
 * Scheduler profiles: which filter and score plugins run, in kube-scheduler's default order,
 * with the score weights (defaults as kube-scheduler 1.32: TaintToleration 3, NodeAffinity 2,
 * PodTopologySpread 2, InterPodAffinity 2, NodeResourcesFit 1,
 * NodeResourcesBalancedAllocation 1), the `NodeResourcesFit` scoring strategy, and
 * `percentageOfNodesToScore`. {@linkcode parseSchedulerConfig} reads the `scheduler:` section of
 * the rks config.
 *
 * Source: https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { RkError } from "../../core/errors.ts";
import { balancedAllocationPlugin } from "./balanced_allocation.ts";
import type { FilterPlugin, ScorePlugin } from "./framework.ts";
import { interPodAffinityPlugin } from "./inter_pod_affinity.ts";
import { nodeAffinityPlugin } from "./node_affinity.ts";
import { nodeNamePlugin } from "./node_name.ts";
import { nodePortsPlugin } from "./node_ports.ts";
import {
  DEFAULT_RESOURCE_WEIGHTS,
  nodeResourcesFitPlugin,
  type ResourceWeight,
  type ScoringStrategy,
} from "./node_resources_fit.ts";
import { nodeUnschedulablePlugin } from "./node_unschedulable.ts";
import { podTopologySpreadPlugin } from "./pod_topology_spread.ts";
import { taintTolerationPlugin } from "./taint_toleration.ts";

/** Score plugin names whose weight can be set. */
export type ScorePluginName =
  | "TaintToleration"
  | "NodeAffinity"
  | "NodeResourcesFit"
  | "NodeResourcesBalancedAllocation"
  | "PodTopologySpread"
  | "InterPodAffinity";

/** kube-scheduler's default score weights. */
export const DEFAULT_SCORE_WEIGHTS: Readonly<Record<ScorePluginName, number>> = Object.freeze({
  TaintToleration: 3,
  NodeAffinity: 2,
  NodeResourcesFit: 1,
  NodeResourcesBalancedAllocation: 1,
  PodTopologySpread: 2,
  InterPodAffinity: 2,
});

/** The `scheduler:` section of the rks config (every key optional). */
export interface SchedulerConfig {
  /** Pods with this `spec.schedulerName` are ours (default `default-scheduler`). */
  schedulerName?: string;
  /** `NodeResourcesFit` strategy (default `LeastAllocated`). */
  scoringStrategy?: ScoringStrategy;
  /** Resources the strategy weighs (default cpu 1, memory 1). */
  resources?: ResourceWeight[];
  /** Score weights by plugin; 0 turns a score off. */
  weights?: Partial<Record<ScorePluginName, number>>;
  /** 0 (adaptive, default) or 1–100: stop filtering once this share of nodes fits. */
  percentageOfNodesToScore?: number;
}

/** A ready-to-run profile. */
export interface SchedulerProfile {
  /** The `spec.schedulerName` it serves. */
  schedulerName: string;
  /** Filters, in order (the first failing one decides a node's reasons). */
  filters: FilterPlugin[];
  /** Scores with their weights (weight 0 omitted). */
  scores: { plugin: ScorePlugin; weight: number }[];
  /** 0 = adaptive. */
  percentageOfNodesToScore: number;
}

/**
 * Builds the profile of a config.
 *
 * @example
 * ```ts
 * import { buildProfile } from "./profile.ts";
 * import assert from "node:assert/strict";
 * const p = buildProfile({ weights: { InterPodAffinity: 0 } });
 * assert.equal(p.schedulerName, "default-scheduler");
 * assert.deepEqual(p.filters.map((f) => f.name), ["NodeUnschedulable", "NodeName", "TaintToleration",
 *   "NodeAffinity", "NodePorts", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity"]);
 * assert.equal(p.scores.some((s) => s.plugin.name === "InterPodAffinity"), false);
 * ```
 */
export function buildProfile(cfg: SchedulerConfig = {}): SchedulerProfile {
  const fit = nodeResourcesFitPlugin(
    cfg.scoringStrategy ?? "LeastAllocated",
    cfg.resources ?? DEFAULT_RESOURCE_WEIGHTS,
  );
  const w = { ...DEFAULT_SCORE_WEIGHTS, ...cfg.weights };
  const scorePlugins: [ScorePluginName, ScorePlugin][] = [
    ["TaintToleration", taintTolerationPlugin],
    ["NodeAffinity", nodeAffinityPlugin],
    ["NodeResourcesFit", fit],
    ["NodeResourcesBalancedAllocation", balancedAllocationPlugin()],
    ["PodTopologySpread", podTopologySpreadPlugin],
    ["InterPodAffinity", interPodAffinityPlugin],
  ];
  return {
    schedulerName: cfg.schedulerName ?? "default-scheduler",
    filters: [
      nodeUnschedulablePlugin,
      nodeNamePlugin,
      taintTolerationPlugin,
      nodeAffinityPlugin,
      nodePortsPlugin,
      fit,
      podTopologySpreadPlugin,
      interPodAffinityPlugin,
    ],
    scores: scorePlugins.filter(([n]) => w[n] > 0).map(([n, plugin]) => ({ plugin, weight: w[n] })),
    percentageOfNodesToScore: cfg.percentageOfNodesToScore ?? 0,
  };
}

/**
 * Validates the `scheduler:` config section; throws `RkError` naming the field path and what
 * was expected (unknown keys included).
 *
 * @example
 * ```ts
 * import { parseSchedulerConfig } from "./profile.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseSchedulerConfig({ scoringStrategy: "MostAllocated" }), { scoringStrategy: "MostAllocated" });
 * assert.throws(() => parseSchedulerConfig({ weights: { ImageLocality: 1 } }),
 *   /scheduler\.weights\.ImageLocality: unknown score plugin; expected one of TaintToleration/);
 * assert.throws(() => parseSchedulerConfig({ percentageOfNodes: 5 }), /scheduler\.percentageOfNodes: unknown key/);
 * ```
 */
export function parseSchedulerConfig(value: unknown, path = "scheduler"): SchedulerConfig {
  const bad = (p: string, what: string): never => {
    throw new RkError(`${p}: ${what}`);
  };
  if (!isRecord(value)) return bad(path, "expected a mapping");
  const out: SchedulerConfig = {};
  for (const [k, v] of Object.entries(value)) {
    const p = `${path}.${k}`;
    switch (k) {
      case "schedulerName":
        if (typeof v !== "string" || v === "") bad(p, "expected a non-empty string");
        out.schedulerName = v as string;
        break;
      case "scoringStrategy":
        if (v !== "LeastAllocated" && v !== "MostAllocated") {
          bad(p, `expected LeastAllocated or MostAllocated, got ${JSON.stringify(v)}`);
        }
        out.scoringStrategy = v as ScoringStrategy;
        break;
      case "resources":
        if (!Array.isArray(v) || v.length === 0) bad(p, "expected a list of {name, weight}");
        out.resources = (v as unknown[]).map((r, i) => {
          if (!isRecord(r) || typeof r.name !== "string") {
            bad(`${p}[${i}].name`, "expected a string");
          }
          const rr = r as Record<string, unknown>;
          const weight = rr.weight ?? 1;
          if (
            typeof weight !== "number" || !Number.isInteger(weight) || weight < 1 || weight > 100
          ) {
            bad(`${p}[${i}].weight`, "expected an integer 1-100");
          }
          return { name: rr.name as string, weight: weight as number };
        });
        break;
      case "weights": {
        if (!isRecord(v)) bad(p, "expected a mapping of plugin name to weight");
        const names = Object.keys(DEFAULT_SCORE_WEIGHTS);
        out.weights = {};
        for (const [n, wt] of Object.entries(v as Record<string, unknown>)) {
          if (!names.includes(n)) {
            bad(`${p}.${n}`, `unknown score plugin; expected one of ${names.join(", ")}`);
          }
          if (typeof wt !== "number" || !Number.isInteger(wt) || wt < 0 || wt > 100) {
            bad(`${p}.${n}`, "expected an integer 0-100");
          }
          out.weights[n as ScorePluginName] = wt as number;
        }
        break;
      }
      case "percentageOfNodesToScore":
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 100) {
          bad(p, "expected an integer 0-100 (0: adaptive)");
        }
        out.percentageOfNodesToScore = v as number;
        break;
      default:
        bad(
          p,
          "unknown key; expected schedulerName, scoringStrategy, resources, weights, percentageOfNodesToScore",
        );
    }
  }
  return out;
}
