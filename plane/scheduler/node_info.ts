/**
 * `PodInfo` and `NodeInfo`: what the scheduler precomputes about a pod (requests, host ports,
 * affinity terms) and aggregates per node (its pods, the sum of their requests, used host
 * ports), as kube-scheduler's `framework.PodInfo` / `framework.NodeInfo`.
 *
 * @module
 */
import { type LabelRequirement, labelSelectorFromObject } from "../api/label_selector.ts";
import {
  type Allocatable,
  emptyResources,
  nodeAllocatable,
  podRequests,
  type Resources,
} from "./resources.ts";
import type { Node, Pod, PodAffinityTerm, Taint, WeightedPodAffinityTerm } from "./types.ts";

/** A pod affinity term with its selector parsed and its namespaces resolved. */
export interface AffinityTerm {
  /** Parsed `labelSelector`; `undefined` matches no pod. */
  selector: LabelRequirement[] | undefined;
  /** Namespaces searched; empty with `allNamespaces` false = the owner pod's namespace. */
  namespaces: Set<string>;
  /** `namespaceSelector: {}`: every namespace. */
  allNamespaces: boolean;
  /** The topology key. */
  topologyKey: string;
  /** Weight (preferred terms), 0 for required ones. */
  weight: number;
}

/** A host port in use: `protocol/hostIP/port`. */
export interface HostPort {
  /** `TCP`, `UDP`, `SCTP`. */
  protocol: string;
  /** `0.0.0.0` when unset. */
  ip: string;
  /** Port number. */
  port: number;
}

/** What the scheduler precomputes for a pod. */
export interface PodInfo {
  /** The pod. */
  pod: Pod;
  /** `namespace/name`. */
  key: string;
  /** Namespace (`default` when unset). */
  namespace: string;
  /** Labels. */
  labels: Record<string, string>;
  /** Effective request ({@linkcode podRequests}). */
  requests: Resources;
  /** Request with the 100m / 200Mi defaults, for scoring. */
  nonZero: Resources;
  /** Host ports of its containers (and sidecars). */
  hostPorts: HostPort[];
  /** Required pod affinity terms. */
  requiredAffinity: AffinityTerm[];
  /** Required pod anti-affinity terms. */
  requiredAntiAffinity: AffinityTerm[];
  /** Preferred pod affinity terms. */
  preferredAffinity: AffinityTerm[];
  /** Preferred pod anti-affinity terms. */
  preferredAntiAffinity: AffinityTerm[];
}

function parseTerm(t: PodAffinityTerm, ns: string, weight: number): AffinityTerm {
  let selector: LabelRequirement[] | undefined;
  try {
    selector = t.labelSelector ? labelSelectorFromObject(t.labelSelector) : undefined;
  } catch {
    selector = undefined; // an invalid selector matches nothing (the API rejects it anyway)
  }
  const nsSel = t.namespaceSelector;
  const allNamespaces = !!nsSel && Object.keys(nsSel).length === 0;
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && !nsSel) namespaces.add(ns);
  return { selector, namespaces, allNamespaces, topologyKey: t.topologyKey, weight };
}

const weighted = (ts: WeightedPodAffinityTerm[] | undefined, ns: string) =>
  (ts ?? []).map((t) => parseTerm(t.podAffinityTerm, ns, t.weight));

/**
 * Precomputes a pod's scheduling facts. Throws `QuantityError` for a malformed request.
 *
 * @example
 * ```ts
 * import { podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const p = podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "prod" },
 *   spec: { containers: [{ ports: [{ containerPort: 80, hostPort: 8080 }] }] } });
 * assert.equal(p.key, "prod/web");
 * assert.deepEqual(p.hostPorts, [{ protocol: "TCP", ip: "0.0.0.0", port: 8080 }]);
 * ```
 */
export function podInfo(pod: Pod): PodInfo {
  const ns = pod.metadata.namespace ?? "default";
  const spec = pod.spec ?? {};
  const hostPorts: HostPort[] = [];
  const containers = [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
  ];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.hostPort && p.hostPort > 0) {
        hostPorts.push({
          protocol: p.protocol || "TCP",
          ip: p.hostIP || "0.0.0.0",
          port: p.hostPort,
        });
      }
    }
  }
  const aff = spec.affinity ?? {};
  return {
    pod,
    key: `${ns}/${pod.metadata.name}`,
    namespace: ns,
    labels: pod.metadata.labels ?? {},
    requests: podRequests(pod),
    nonZero: podRequests(pod, true),
    hostPorts,
    requiredAffinity: (aff.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
      .map((t) => parseTerm(t, ns, 0)),
    requiredAntiAffinity: (aff.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ??
      []).map((t) => parseTerm(t, ns, 0)),
    preferredAffinity: weighted(
      aff.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      ns,
    ),
    preferredAntiAffinity: weighted(
      aff.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      ns,
    ),
  };
}

function addTo(a: Resources, b: Resources, sign: 1 | -1): void {
  a.milliCPU += sign * b.milliCPU;
  a.memory += sign * b.memory;
  for (const [k, v] of Object.entries(b.scalar)) a.scalar[k] = (a.scalar[k] ?? 0) + sign * v;
}

/**
 * One node and the pods assigned (or assumed) to it, with running sums.
 *
 * @example
 * ```ts
 * import { NodeInfo, podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { allocatable: { cpu: "2" } } });
 * n.addPod(podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "a" },
 *   spec: { containers: [{ resources: { requests: { cpu: "500m" } } }] } }));
 * assert.equal(n.requested.milliCPU, 500);
 * assert.equal(n.nonZeroRequested.memory, 200 * 1024 * 1024);
 * n.removePod("default/a");
 * assert.equal(n.requested.milliCPU, 0);
 * ```
 */
export class NodeInfo {
  /** The node. */
  node: Node;
  /** Its name. */
  readonly name: string;
  /** Node labels. */
  labels: Record<string, string>;
  /** Allocatable resources. */
  allocatable: Allocatable;
  /** Taints. */
  taints: Taint[];
  /** Whether any taint has the `PreferNoSchedule` effect. */
  hasPreferNoSchedule: boolean;
  /** Pods by `namespace/name`. */
  readonly pods: Map<string, PodInfo> = new Map();
  /** Sum of the pods' requests. */
  readonly requested: Resources = emptyResources();
  /** Sum of the pods' non-zero requests (scoring). */
  readonly nonZeroRequested: Resources = emptyResources();
  /** Pods with any pod affinity or anti-affinity term. */
  readonly podsWithAffinity: Set<PodInfo> = new Set();
  /** Pods with required anti-affinity terms. */
  readonly podsWithRequiredAntiAffinity: Set<PodInfo> = new Set();
  /** Bumped on every change. */
  generation = 0;

  /** Creates the info of `node` with no pods. */
  constructor(node: Node) {
    this.name = node.metadata.name;
    this.node = node;
    this.labels = node.metadata.labels ?? {};
    this.allocatable = nodeAllocatable(node);
    this.taints = node.spec?.taints ?? [];
    this.hasPreferNoSchedule = this.taints.some((t) => t.effect === "PreferNoSchedule");
  }

  /** Replaces the node object (labels, taints, allocatable). */
  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata.labels ?? {};
    this.allocatable = nodeAllocatable(node);
    this.taints = node.spec?.taints ?? [];
    this.hasPreferNoSchedule = this.taints.some((t) => t.effect === "PreferNoSchedule");
    this.generation++;
  }

  /** Adds a pod (replacing one with the same key). */
  addPod(p: PodInfo): void {
    if (this.pods.has(p.key)) this.removePod(p.key);
    this.pods.set(p.key, p);
    addTo(this.requested, p.requests, 1);
    addTo(this.nonZeroRequested, p.nonZero, 1);
    if (
      p.requiredAffinity.length || p.requiredAntiAffinity.length || p.preferredAffinity.length ||
      p.preferredAntiAffinity.length
    ) this.podsWithAffinity.add(p);
    if (p.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.add(p);
    this.generation++;
  }

  /** Removes a pod by key; false when it was not there. */
  removePod(key: string): boolean {
    const p = this.pods.get(key);
    if (!p) return false;
    this.pods.delete(key);
    addTo(this.requested, p.requests, -1);
    addTo(this.nonZeroRequested, p.nonZero, -1);
    this.podsWithAffinity.delete(p);
    this.podsWithRequiredAntiAffinity.delete(p);
    this.generation++;
    return true;
  }

  /** True when `port` conflicts with a host port in use (same protocol and port, overlapping IP). */
  portInUse(port: HostPort): boolean {
    for (const p of this.pods.values()) {
      for (const h of p.hostPorts) {
        if (
          h.port === port.port && h.protocol === port.protocol &&
          (h.ip === port.ip || h.ip === "0.0.0.0" || port.ip === "0.0.0.0")
        ) return true;
      }
    }
    return false;
  }
}
