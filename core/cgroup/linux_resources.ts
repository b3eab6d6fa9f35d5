/**
 * Kubernetes container resources (`limits`, `requests` as quantities) → OCI `linux.resources`
 * (CFS quota and period, CPU shares, memory limit and reservation), as the kubelet computes them
 * (`pkg/kubelet/cm/helpers_linux.go`). Quantity parsing itself is `../quantity.ts`.
 *
 * @module
 */
import { cpuMillis, memoryBytes } from "../quantity.ts";
import type { LinuxResources } from "../oci/spec.ts";

/** Kubernetes-style resource amounts (`cpu`, `memory`) as quantities. */
export interface ResourceAmounts {
  /** CPU quantity, e.g. `500m` or `1`. */
  cpu?: string | number;
  /** Memory quantity, e.g. `233Mi`. */
  memory?: string | number;
}

/** `limits` and `requests` of a container. */
export interface ResourceRequirements {
  /** Hard caps (CFS quota, memory limit). */
  limits?: ResourceAmounts;
  /** Guarantees (CPU shares, memory reservation). */
  requests?: ResourceAmounts;
}

/** CFS period used for CPU limits, in microseconds (the kernel default, as in Kubernetes). */
export const CPU_PERIOD_US = 100_000;

/** Smallest CFS quota, in microseconds (the kubelet's `MinQuotaPeriod`, 1 ms). */
const MIN_QUOTA_US = 1000;

/** Smallest CPU shares value (the kubelet's `MinShares`). */
const MIN_SHARES = 2;

/** Largest CPU shares value the kernel takes (the kubelet's `MaxShares`). */
const MAX_SHARES = 262_144;

/**
 * Translates limits and requests into OCI `linux.resources`: CPU limit → CFS quota/period,
 * CPU request → shares (1024 per CPU, clamped to 2–262144 as the kubelet does), memory limit → `memory.limit`, memory request →
 * `memory.reservation`. A CPU limit without a request implies an equal request, as in Kubernetes.
 * The cgroup files these become are {@linkcode import("./cgroup_files.ts").cgroupWrites}.
 *
 * @example
 * ```ts
 * import { linuxResources } from "./linux_resources.ts";
 * import assert from "node:assert/strict";
 * const r = linuxResources({ limits: { cpu: "500m", memory: "233Mi" } });
 * assert.deepEqual(r.cpu, { quota: 50000, period: 100000, shares: 512 });
 * assert.equal(r.memory?.limit, 244318208);
 * assert.equal(linuxResources({ requests: { cpu: "300" } }).cpu?.shares, 262144);
 * ```
 *
 * @throws {import("../quantity.ts").QuantityError} When a quantity is malformed or not positive.
 */
export function linuxResources(req: ResourceRequirements): LinuxResources {
  const out: LinuxResources = {};
  const limitCpu = req.limits?.cpu !== undefined ? cpuMillis(req.limits.cpu) : undefined;
  const requestCpu = req.requests?.cpu !== undefined ? cpuMillis(req.requests.cpu) : limitCpu;
  if (limitCpu !== undefined || requestCpu !== undefined) {
    out.cpu = {};
    if (limitCpu !== undefined) {
      out.cpu.quota = Math.max(MIN_QUOTA_US, Math.round(limitCpu * CPU_PERIOD_US / 1000));
      out.cpu.period = CPU_PERIOD_US;
    }
    if (requestCpu !== undefined) {
      out.cpu.shares = Math.min(
        MAX_SHARES,
        Math.max(MIN_SHARES, Math.floor(requestCpu * 1024 / 1000)),
      );
    }
  }
  const limitMem = req.limits?.memory !== undefined ? memoryBytes(req.limits.memory) : undefined;
  const requestMem = req.requests?.memory !== undefined
    ? memoryBytes(req.requests.memory)
    : undefined;
  if (limitMem !== undefined || requestMem !== undefined) {
    out.memory = {};
    if (limitMem !== undefined) out.memory.limit = limitMem;
    if (requestMem !== undefined) out.memory.reservation = requestMem;
  }
  return out;
}
