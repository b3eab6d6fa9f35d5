/**
 * Resource arithmetic of the scheduler: a pod's effective request (as Kubernetes computes it
 * for scheduling, with init and sidecar containers and overhead), the non-zero requests used for
 * scoring, and a node's allocatable resources.
 *
 * Source: https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers
 * and `k8s.io/component-helpers/resource` `PodRequests`; non-zero defaults from kube-scheduler's
 * `schedutil.GetNonzeroRequests` (100m CPU, 200 MiB memory).
 *
 * @module
 */
import { cpuMillis, memoryBytes, parseQuantity } from "../../core/quantity.ts";
import type { ContainerLike, Node, Pod } from "./types.ts";

/** Amounts of resources: CPU in millicores, memory in bytes, others in their own units. */
export interface Resources {
  /** Millicores. */
  milliCPU: number;
  /** Bytes. */
  memory: number;
  /** Other resources by name (`ephemeral-storage` in bytes, extended resources as counts). */
  scalar: Record<string, number>;
}

/** CPU request assumed for scoring when a container requests none (millicores). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** Memory request assumed for scoring when a container requests none (bytes). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** An empty amount. */
export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, scalar: {} };
}

function parseAmount(name: string, q: string | number): number {
  if (name === "cpu") return cpuMillis(q);
  if (name === "memory" || name === "ephemeral-storage") return memoryBytes(q);
  return parseQuantity(q);
}

/**
 * Parsed amounts by kind and text: pods of one workload repeat the same few quantities, and
 * exact parsing (bigint) dominated `podInfo`. Bounded: cleared past {@linkcode MEMO_MAX}.
 */
const memo = new Map<string, number>();
const MEMO_MAX = 4096;

function amount(name: string, q: string | number): number {
  const kind = name === "cpu" ? "c" : name === "memory" || name === "ephemeral-storage" ? "b" : "n";
  const key = `${kind}${typeof q === "number" ? "#" : ":"}${q}`;
  let v = memo.get(key);
  if (v === undefined) {
    v = parseAmount(name, q); // throws for a malformed quantity; nothing is remembered then
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, v);
  }
  return v;
}

function fromList(list: Record<string, string | number> | undefined): Resources {
  const r = emptyResources();
  if (list) addList(r, list);
  return r;
}

/** Adds the amounts of `list` to `r` in place (`pods` is not a request). */
function addList(r: Resources, list: Record<string, string | number>): void {
  for (const k in list) {
    const v = list[k]!;
    if (k === "cpu") r.milliCPU += amount(k, v);
    else if (k === "memory") r.memory += amount(k, v);
    else if (k !== "pods") r.scalar[k] = (r.scalar[k] ?? 0) + amount(k, v);
  }
}

/** Adds `b` to `a` in place. */
function addInto(a: Resources, b: Resources): void {
  a.milliCPU += b.milliCPU;
  a.memory += b.memory;
  for (const k in b.scalar) a.scalar[k] = (a.scalar[k] ?? 0) + b.scalar[k]!;
}

function add(a: Resources, b: Resources): Resources {
  const r = { milliCPU: a.milliCPU, memory: a.memory, scalar: { ...a.scalar } };
  addInto(r, b);
  return r;
}

function max(a: Resources, b: Resources): Resources {
  const scalar = { ...a.scalar };
  for (const k in b.scalar) scalar[k] = Math.max(scalar[k] ?? 0, b.scalar[k]!);
  return {
    milliCPU: Math.max(a.milliCPU, b.milliCPU),
    memory: Math.max(a.memory, b.memory),
    scalar,
  };
}

/** Adds container `c`'s requests to `r` in place (with `nonZero`, the scoring defaults). */
function addContainer(r: Resources, c: ContainerLike, nonZero: boolean): void {
  const req = c.resources?.requests;
  if (req) addList(r, req);
  if (nonZero) {
    if (req?.cpu === undefined) r.milliCPU += DEFAULT_MILLI_CPU_REQUEST;
    if (req?.memory === undefined) r.memory += DEFAULT_MEMORY_REQUEST;
  }
}

function containerRequests(c: ContainerLike, nonZero: boolean): Resources {
  const r = emptyResources();
  addContainer(r, c, nonZero);
  return r;
}

/**
 * The pod's effective request: the larger of (a) the sum of app containers plus every sidecar
 * (init container with `restartPolicy: Always`) and (b) for each regular init container, its own
 * request plus the sidecars started before it; plus `spec.overhead`. With `nonZero`, a container
 * without a cpu/memory request counts as 100m / 200Mi (kube-scheduler's scoring view). Throws
 * `QuantityError` for a malformed quantity.
 *
 * @example
 * ```ts
 * import { podRequests } from "./resources.ts";
 * import assert from "node:assert/strict";
 * const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {
 *   initContainers: [{ resources: { requests: { cpu: "2" } } }],
 *   containers: [{ resources: { requests: { cpu: "500m", memory: "1Gi" } } }, { resources: { requests: { cpu: "500m" } } }],
 * } };
 * const r = podRequests(pod);
 * assert.equal(r.milliCPU, 2000); // the init container needs more than the app containers' sum
 * assert.equal(r.memory, 1024 ** 3);
 * assert.equal(podRequests(pod, true).memory, 1024 ** 3 + 200 * 1024 ** 2); // second container: default 200Mi
 * ```
 */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const spec = pod.spec ?? {};
  const apps = emptyResources();
  for (const c of spec.containers ?? []) addContainer(apps, c, nonZero);
  // The common case (no init containers, no overhead): the app containers' sum.
  if (!spec.initContainers?.length && !spec.overhead) return apps;
  let sidecars = emptyResources();
  let initMax = emptyResources();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === "Always") {
      sidecars = add(sidecars, r);
      initMax = max(initMax, sidecars);
    } else {
      initMax = max(initMax, add(r, sidecars));
    }
  }
  let total = max(add(apps, sidecars), initMax);
  if (spec.overhead) total = add(total, fromList(spec.overhead));
  return total;
}

/** What a node offers: resources plus how many pods it takes. */
export interface Allocatable extends Resources {
  /** Maximum pods (`pods`; default 110 as the kubelet's). */
  pods: number;
}

/**
 * A node's `status.allocatable` (else `status.capacity`). Missing cpu/memory are 0; missing
 * `pods` is 110 (the kubelet's default `maxPods`).
 *
 * @example
 * ```ts
 * import { nodeAllocatable } from "./resources.ts";
 * import assert from "node:assert/strict";
 * const a = nodeAllocatable({ apiVersion: "v1", kind: "Node", metadata: { name: "n" },
 *   status: { allocatable: { cpu: "4", memory: "8Gi", pods: "10" } } });
 * assert.deepEqual([a.milliCPU, a.memory, a.pods], [4000, 8 * 1024 ** 3, 10]);
 * ```
 */
export function nodeAllocatable(node: Node): Allocatable {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const r = fromList(list);
  return { ...r, pods: list.pods === undefined ? 110 : parseQuantity(list.pods) };
}
