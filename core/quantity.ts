/**
 * Kubernetes resource quantities (`cpu: 500m`, `memory: 233Mi`) and their translation to OCI
 * `linux.resources`, plus a helper that finds the cgroup limit files of a running container
 * (cgroup v1 and v2).
 *
 * @module
 */
import { join } from "node:path";
import { RkError } from "./errors.ts";
import type { LinuxResources } from "./oci/spec.ts";

/** A quantity that could not be parsed; `reason` says what was expected. */
export class QuantityError extends RkError {
  /** The text that was rejected. */
  readonly input: string;
  /** What was expected, without the input. */
  readonly reason: string;
  /** Creates the error. */
  constructor(input: string, reason: string) {
    super(`Invalid quantity "${input}": ${reason}`);
    this.name = "QuantityError";
    this.input = input;
    this.reason = reason;
  }
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  m: 1e-3,
};

const QUANTITY =
  /^([+]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m))?$/;

/**
 * Parses a Kubernetes quantity into a plain number (`"1.5Gi"` → 1610612736, `"500m"` → 0.5).
 *
 * @example
 * ```ts
 * import { parseQuantity } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseQuantity("233Mi"), 233 * 1024 * 1024);
 * assert.equal(parseQuantity("500m"), 0.5);
 * assert.equal(parseQuantity("1e3"), 1000);
 * ```
 */
export function parseQuantity(input: string | number): number {
  const text = String(input).trim();
  const m = QUANTITY.exec(text);
  if (!m) {
    throw new QuantityError(
      text,
      "expected a number with an optional suffix (m, k, M, G, T, Ki, Mi, Gi, Ti, or an exponent)",
    );
  }
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? "";
  return base * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/**
 * Parses a CPU quantity into millicores (`"500m"` → 500, `"1"` → 1000, `"0.5"` → 500).
 * Fractions of a millicore round up, as in Kubernetes.
 *
 * @example
 * ```ts
 * import { cpuMillis } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpuMillis("500m"), 500);
 * assert.equal(cpuMillis(2), 2000);
 * ```
 */
export function cpuMillis(input: string | number): number {
  const n = parseQuantity(input);
  if (n <= 0) throw new QuantityError(String(input), "CPU must be greater than zero");
  return Math.ceil(Math.round(n * 1e6) / 1e3);
}

/**
 * Parses a memory quantity into bytes (`"233Mi"`, `"1Gi"`, `"512M"`, plain bytes). Fractional
 * bytes round up.
 *
 * @example
 * ```ts
 * import { memoryBytes } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(memoryBytes("512M"), 512_000_000);
 * assert.equal(memoryBytes(4096), 4096);
 * ```
 */
export function memoryBytes(input: string | number): number {
  const n = parseQuantity(input);
  if (n <= 0) throw new QuantityError(String(input), "memory must be greater than zero");
  const bytes = Math.ceil(n);
  if (!Number.isSafeInteger(bytes)) throw new QuantityError(String(input), "too large");
  return bytes;
}

/** Kubernetes-style resource amounts (`cpu`, `memory`) as quantities. */
export interface ResourceQuantities {
  /** CPU quantity, e.g. `500m` or `1`. */
  cpu?: string | number;
  /** Memory quantity, e.g. `233Mi`. */
  memory?: string | number;
}

/** `limits` and `requests` of a container. */
export interface ResourceRequirements {
  /** Hard caps (CFS quota, memory limit). */
  limits?: ResourceQuantities;
  /** Guarantees (CPU shares, memory reservation). */
  requests?: ResourceQuantities;
}

/** CFS period used for CPU limits, in microseconds (the kernel default, as in Kubernetes). */
export const CPU_PERIOD_US = 100_000;

/**
 * Translates limits and requests into OCI `linux.resources`: CPU limit → CFS quota/period,
 * CPU request → shares (1024 per CPU, min 2), memory limit → `memory.limit`, memory request →
 * `memory.reservation`. A CPU limit without a request implies an equal request, as in Kubernetes.
 * Runtimes map these to cgroup v1 or v2 files themselves.
 *
 * @example
 * ```ts
 * import { linuxResources } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * const r = linuxResources({ limits: { cpu: "500m", memory: "233Mi" } });
 * assert.deepEqual(r.cpu, { quota: 50000, period: 100000, shares: 512 });
 * assert.equal(r.memory?.limit, 244318208);
 * ```
 */
export function linuxResources(req: ResourceRequirements): LinuxResources {
  const out: LinuxResources = {};
  const limitCpu = req.limits?.cpu !== undefined ? cpuMillis(req.limits.cpu) : undefined;
  const requestCpu = req.requests?.cpu !== undefined ? cpuMillis(req.requests.cpu) : limitCpu;
  if (limitCpu !== undefined || requestCpu !== undefined) {
    out.cpu = {};
    if (limitCpu !== undefined) {
      out.cpu.quota = Math.max(1000, Math.round(limitCpu * CPU_PERIOD_US / 1000));
      out.cpu.period = CPU_PERIOD_US;
    }
    if (requestCpu !== undefined) {
      out.cpu.shares = Math.max(2, Math.floor(requestCpu * 1024 / 1000));
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

/** The cgroup files holding a container's memory and CPU limits. */
export interface CgroupLimitFiles {
  /** `1` for the v1 hierarchy, `2` for the unified one. */
  version: 1 | 2;
  /** `memory.limit_in_bytes` (v1) or `memory.max` (v2). */
  memory: string;
  /** `cpu.cfs_quota_us` (v1) or `cpu.max` (v2, "quota period"). */
  cpu: string;
  /** `cpu.cfs_period_us` (v1); undefined on v2 (part of `cpu.max`). */
  cpuPeriod?: string;
  /** `cpu.shares` (v1) or `cpu.weight` (v2). */
  cpuShares: string;
}

/** Parses `/proc/PID/cgroup` into controller → path (v2 entries under the key `""`). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const c of m[2]!.split(",")) out.set(c.replace(/^name=/, ""), m[3]!);
  }
  return out;
}

/**
 * Finds the limit files of the cgroup that process `pid` lives in, on a v1 (or hybrid) host or
 * a v2 host. Used by tests to check that the requested limits were applied.
 *
 * @example
 * ```ts ignore
 * import { cgroupLimitFiles } from "./quantity.ts";
 * const f = await cgroupLimitFiles(1234);
 * console.log(await Deno.readTextFile(f.memory));
 * ```
 */
export async function cgroupLimitFiles(
  pid: number,
  mountRoot = "/sys/fs/cgroup",
): Promise<CgroupLimitFiles> {
  const cg = parseProcCgroup(await Deno.readTextFile(`/proc/${pid}/cgroup`));
  const memV1 = cg.get("memory");
  const cpuV1 = cg.get("cpu");
  if (memV1 !== undefined && cpuV1 !== undefined) {
    const mem = join(mountRoot, "memory", memV1);
    let cpuDir = join(mountRoot, "cpu", cpuV1);
    try {
      await Deno.stat(cpuDir);
    } catch {
      cpuDir = join(mountRoot, "cpu,cpuacct", cpuV1);
    }
    return {
      version: 1,
      memory: join(mem, "memory.limit_in_bytes"),
      cpu: join(cpuDir, "cpu.cfs_quota_us"),
      cpuPeriod: join(cpuDir, "cpu.cfs_period_us"),
      cpuShares: join(cpuDir, "cpu.shares"),
    };
  }
  const unified = cg.get("");
  if (unified === undefined) throw new RkError(`No cgroup found for process ${pid}`);
  const dir = join(mountRoot, unified);
  return {
    version: 2,
    memory: join(dir, "memory.max"),
    cpu: join(dir, "cpu.max"),
    cpuShares: join(dir, "cpu.weight"),
  };
}
