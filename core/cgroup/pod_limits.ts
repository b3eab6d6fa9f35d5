/**
 * Pod-level limits, put on the pod's cgroup (the parent of all its containers' cgroups), as the
 * kubelet's pod container manager computes them (`pkg/kubelet/cm/helpers_linux.go`,
 * `ResourceConfigForPod`).
 *
 * @module
 */
import { cpuMillis, memoryBytes } from "../quantity.ts";
import { cgroupLimitWrites, type CgroupVersion, type CgroupWrite } from "./cgroup_files.ts";
import { linuxResources } from "./linux_resources.ts";

/** Pod-level limits as quantities: CPU in millicores (`750m`), memory in bytes. */
export interface PodLimitAmounts {
  /** CPU, e.g. `750m`. */
  cpu?: string;
  /** Memory in bytes, e.g. `134217728`. */
  memory?: string;
}

/** The part of a container spec {@linkcode podLimits} reads. */
export interface ContainerLimits {
  /** The container's resources; only `limits` count. */
  resources: { limits: { cpu?: string; memory?: string } };
}

/**
 * The pod-level limits: the larger of the sum over app containers and the largest init
 * container, per resource, only when every app container sets that limit (as the kubelet does).
 *
 * @example
 * ```ts
 * import { podLimits } from "./pod_limits.ts";
 * import assert from "node:assert/strict";
 * const c = (cpu: string, memory: string) => ({ resources: { limits: { cpu, memory }, requests: {} } });
 * assert.deepEqual(podLimits([c("500m", "64Mi"), c("250m", "64Mi")], []), {
 *   cpu: "750m", memory: "134217728",
 * });
 * ```
 *
 * @throws {import("../quantity.ts").QuantityError} When a limit is not a valid quantity.
 */
export function podLimits(
  containers: readonly ContainerLimits[],
  initContainers: readonly ContainerLimits[],
): PodLimitAmounts {
  const out: PodLimitAmounts = {};
  if (containers.length === 0) return out;
  if (containers.every((c) => c.resources.limits.cpu !== undefined)) {
    const sum = containers.reduce((n, c) => n + cpuMillis(c.resources.limits.cpu!), 0);
    const init = Math.max(
      0,
      ...initContainers.map((c) =>
        c.resources.limits.cpu !== undefined ? cpuMillis(c.resources.limits.cpu) : 0
      ),
    );
    out.cpu = `${Math.max(sum, init)}m`;
  }
  if (containers.every((c) => c.resources.limits.memory !== undefined)) {
    const sum = containers.reduce((n, c) => n + memoryBytes(c.resources.limits.memory!), 0);
    const init = Math.max(
      0,
      ...initContainers.map((c) =>
        c.resources.limits.memory !== undefined ? memoryBytes(c.resources.limits.memory) : 0
      ),
    );
    out.memory = String(Math.max(sum, init));
  }
  return out;
}

/**
 * The files holding pod-level limits (`cpu: 750m`, `memory: 128Mi`) on cgroup v1 or v2: the
 * same translation as a container's limits (CFS quota/period, bytes).
 *
 * @example
 * ```ts
 * import { podCgroupWrites } from "./pod_limits.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(podCgroupWrites(1, { cpu: "750m", memory: "1Mi" }), [
 *   { hierarchy: "memory", file: "memory.limit_in_bytes", value: "1048576" },
 *   { hierarchy: "cpu", file: "cpu.cfs_period_us", value: "100000" },
 *   { hierarchy: "cpu", file: "cpu.cfs_quota_us", value: "75000" },
 * ]);
 * assert.deepEqual(podCgroupWrites(2, { cpu: "750m" }), [
 *   { hierarchy: "", file: "cpu.max", value: "75000 100000" },
 * ]);
 * ```
 */
export function podCgroupWrites(version: CgroupVersion, limits: PodLimitAmounts): CgroupWrite[] {
  return cgroupLimitWrites(version, linuxResources({ limits }));
}
