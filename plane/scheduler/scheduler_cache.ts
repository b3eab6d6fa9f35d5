/**
 * `SchedulerCache`: the scheduler's view of nodes and of the pods on them, fed by the node and
 * pod informers, plus *assumed* pods — pods the scheduler placed whose binding is not yet
 * confirmed by the API — so that a burst of pods does not over-commit a node. A lost binding
 * `forget`s the assumed pod; the informer's bound pod confirms it (or moves it to the node
 * another scheduler chose).
 *
 * Source: kube-scheduler `internal/cache` (`AssumePod`, `ForgetPod`, `AddPod` confirming an
 * assumed pod).
 *
 * @module
 */
import { NodeInfo, type PodInfo, podInfo } from "./node_info.ts";
import { podKey } from "./scheduling_queue.ts";
import type { Node, Pod } from "./types.ts";

/** What a scheduling cycle reads: the nodes and the nodes whose pods carry affinity terms. */
export interface CacheSnapshot {
  /** Every node pods can be placed on, in a stable order. */
  nodes: NodeInfo[];
  /** Nodes holding pods with any pod affinity or anti-affinity term. */
  nodesWithAffinity: NodeInfo[];
  /** Nodes holding pods with required anti-affinity terms. */
  nodesWithRequiredAntiAffinity: NodeInfo[];
}

function hasAffinity(p: PodInfo): boolean {
  return p.requiredAffinity.length > 0 || p.requiredAntiAffinity.length > 0 ||
    p.preferredAffinity.length > 0 || p.preferredAntiAffinity.length > 0;
}

interface PodState {
  info: PodInfo;
  node: string;
  assumed: boolean;
}

/**
 * The cache.
 *
 * @example
 * ```ts
 * import { SchedulerCache } from "./scheduler_cache.ts";
 * import { podInfo } from "./node_info.ts";
 * import assert from "node:assert/strict";
 * const cache = new SchedulerCache();
 * cache.addNode({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { allocatable: { cpu: "1" } } });
 * const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" },
 *   spec: { containers: [{ resources: { requests: { cpu: "600m" } } }] } };
 * cache.assume(podInfo(pod), "n1");
 * assert.equal(cache.node("n1")!.requested.milliCPU, 600); // counted before the binding lands
 * cache.forget("default/p");                              // the binding failed
 * assert.equal(cache.node("n1")!.requested.milliCPU, 0);
 * ```
 */
export class SchedulerCache {
  readonly #infos = new Map<string, NodeInfo>();
  readonly #present = new Set<string>();
  readonly #pods = new Map<string, PodState>();
  #list: NodeInfo[] | undefined;
  #snapshot: CacheSnapshot | undefined;

  #changed(info?: PodInfo): void {
    if (!info || hasAffinity(info)) this.#snapshot = undefined;
  }

  #info(name: string): NodeInfo {
    let n = this.#infos.get(name);
    if (!n) {
      n = new NodeInfo({ apiVersion: "v1", kind: "Node", metadata: { name } });
      this.#infos.set(name, n);
    }
    return n;
  }

  /** A node appeared. */
  addNode(node: Node): void {
    const name = node.metadata.name;
    const existing = this.#infos.get(name);
    if (existing) existing.setNode(node);
    else this.#infos.set(name, new NodeInfo(node));
    this.#present.add(name);
    this.#list = undefined;
    this.#changed();
  }

  /** A node changed (labels, taints, allocatable, unschedulable). */
  updateNode(node: Node): void {
    this.addNode(node);
  }

  /** A node was deleted: no pod is placed there any more. */
  removeNode(name: string): void {
    this.#present.delete(name);
    const n = this.#infos.get(name);
    if (n && n.pods.size === 0) this.#infos.delete(name);
    this.#list = undefined;
    this.#changed();
  }

  /** The nodes pods can be placed on, in a stable order. */
  nodes(): NodeInfo[] {
    this.#list ??= [...this.#present].sort().map((n) => this.#infos.get(n)!);
    return this.#list;
  }

  /**
   * The nodes plus the nodes with affinity pods (kube-scheduler's snapshot lists), rebuilt only
   * after a node change or a change of a pod with affinity terms.
   *
   * @example
   * ```ts
   * import { SchedulerCache } from "./scheduler_cache.ts";
   * import { podInfo } from "./node_info.ts";
   * import assert from "node:assert/strict";
   * const cache = new SchedulerCache();
   * cache.addNode({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
   * assert.equal(cache.snapshot().nodesWithAffinity.length, 0);
   * cache.assume(podInfo({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { affinity: { podAntiAffinity: {
   *   requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } } } }), "n1");
   * assert.deepEqual(cache.snapshot().nodesWithRequiredAntiAffinity.map((n) => n.name), ["n1"]);
   * ```
   */
  snapshot(): CacheSnapshot {
    if (!this.#snapshot) {
      const nodes = this.nodes();
      this.#snapshot = {
        nodes,
        nodesWithAffinity: nodes.filter((n) => n.podsWithAffinity.size > 0),
        nodesWithRequiredAntiAffinity: nodes.filter((n) => n.podsWithRequiredAntiAffinity.size > 0),
      };
    }
    return this.#snapshot;
  }

  /** One node's info (present or not). */
  node(name: string): NodeInfo | undefined {
    return this.#present.has(name) ? this.#infos.get(name) : undefined;
  }

  /** Number of pods known (bound and assumed). */
  get podCount(): number {
    return this.#pods.size;
  }

  /** Whether the pod is assumed (placed, binding not confirmed). */
  isAssumed(key: string): boolean {
    return this.#pods.get(key)?.assumed ?? false;
  }

  /** The node a known pod is on (bound or assumed). */
  nodeOf(key: string): string | undefined {
    return this.#pods.get(key)?.node;
  }

  #place(info: PodInfo, node: string, assumed: boolean): void {
    const old = this.#pods.get(info.key);
    if (old) {
      this.#infos.get(old.node)?.removePod(info.key);
      this.#changed(old.info);
    }
    this.#info(node).addPod(info);
    this.#changed(info);
    this.#pods.set(info.key, { info, node, assumed });
  }

  /** The scheduler placed `info` on `node`; counted until confirmed or forgotten. */
  assume(info: PodInfo, node: string): void {
    this.#place(info, node, true);
  }

  /** The binding of an assumed pod failed: release what it took. */
  forget(key: string): void {
    const st = this.#pods.get(key);
    if (!st?.assumed) return;
    this.#infos.get(st.node)?.removePod(key);
    this.#changed(st.info);
    this.#pods.delete(key);
    this.#gc(st.node);
  }

  /**
   * A bound pod (`spec.nodeName` set) was added or changed: confirms an assumed pod, or
   * places it where the API says. Terminated pods (`Succeeded`/`Failed`) free their node.
   */
  addPod(pod: Pod): void {
    const node = pod.spec?.nodeName;
    const key = podKey(pod);
    if (!node) return;
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return this.removePod(key);
    this.#place(podInfo(pod), node, false);
  }

  /** Same as {@linkcode SchedulerCache.addPod}. */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /** A pod was deleted. */
  removePod(key: string): void {
    const st = this.#pods.get(key);
    if (!st) return;
    this.#infos.get(st.node)?.removePod(key);
    this.#changed(st.info);
    this.#pods.delete(key);
    this.#gc(st.node);
  }

  #gc(node: string): void {
    const n = this.#infos.get(node);
    if (n && !this.#present.has(node) && n.pods.size === 0) this.#infos.delete(node);
  }
}
