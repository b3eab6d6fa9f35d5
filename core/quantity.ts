/**
 * Kubernetes resource quantities (`cpu: 500m`, `memory: 233Mi`) and their translation to OCI
 * `linux.resources`, plus a helper that finds the cgroup limit files of a running container
 * (cgroup v1 and v2).
 *
 * @module
 */
import { join } from "node:path";
import { RkError } from "./errors.ts";
import { run } from "./exec.ts";
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

/**
 * The limit files of cgroup path `cgroupsPath` (as in the OCI spec's `linux.cgroupsPath`,
 * cgroupfs driver) for cgroup `version` 1 (`memory`/`cpu` hierarchies) or 2.
 *
 * @example
 * ```ts
 * import { cgroupLimitFiles } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cgroupLimitFiles("/rkl/a", 1).memory, "/sys/fs/cgroup/memory/rkl/a/memory.limit_in_bytes");
 * assert.equal(cgroupLimitFiles("/rkl/a", 2).cpu, "/sys/fs/cgroup/rkl/a/cpu.max");
 * ```
 */
export function cgroupLimitFiles(
  cgroupsPath: string,
  version: 1 | 2,
  mountRoot = "/sys/fs/cgroup",
): CgroupLimitFiles {
  const rel = cgroupsPath.replace(/^\/+/, "");
  if (version === 1) {
    const cpu = join(mountRoot, "cpu", rel);
    return {
      version: 1,
      memory: join(mountRoot, "memory", rel, "memory.limit_in_bytes"),
      cpu: join(cpu, "cpu.cfs_quota_us"),
      cpuPeriod: join(cpu, "cpu.cfs_period_us"),
      cpuShares: join(cpu, "cpu.shares"),
    };
  }
  const dir = join(mountRoot, rel);
  return {
    version: 2,
    memory: join(dir, "memory.max"),
    cpu: join(dir, "cpu.max"),
    cpuShares: join(dir, "cpu.weight"),
  };
}

/** Limits read back from a cgroup. */
export interface CgroupLimits {
  /** Which cgroup version the files came from. */
  version: 1 | 2;
  /** Memory limit in bytes, or `max` when unlimited. */
  memory: number | "max";
  /** CFS quota in µs per period, or `max` when unlimited. */
  cpuQuota: number | "max";
  /** CFS period in µs. */
  cpuPeriod: number;
}

function limitValue(text: string): number | "max" {
  const t = text.trim();
  if (t === "max" || t === "-1") return "max";
  const n = Number(t);
  if (!Number.isFinite(n)) throw new RkError(`Unexpected cgroup value "${t}"`);
  return n;
}

/**
 * Reads the memory and CPU limits of cgroup path `cgroupsPath` from the v1 files, or the v2
 * files when there is no v1 memory hierarchy. Uses `cat` because Deno only reads /sys with
 * --allow-all.
 *
 * @example
 * ```ts ignore
 * import { readCgroupLimits } from "./quantity.ts";
 * console.log(await readCgroupLimits("/rkl/abc")); // { version: 1, memory: 244318208, ... }
 * ```
 */
export async function readCgroupLimits(
  cgroupsPath: string,
  mountRoot = "/sys/fs/cgroup",
): Promise<CgroupLimits> {
  const v1 = cgroupLimitFiles(cgroupsPath, 1, mountRoot);
  const r1 = await run(["cat", v1.memory, v1.cpu, v1.cpuPeriod!], { allowFailure: true });
  if (r1.code === 0) {
    const [mem, quota, period] = r1.stdout.trim().split("\n");
    const memory = limitValue(mem ?? "");
    return {
      version: 1,
      // v1 reports "no limit" as a huge page-aligned number.
      memory: typeof memory === "number" && memory >= 2 ** 62 ? "max" : memory,
      cpuQuota: limitValue(quota ?? ""),
      cpuPeriod: Number(period),
    };
  }
  const v2 = cgroupLimitFiles(cgroupsPath, 2, mountRoot);
  const r2 = await run(["cat", v2.memory, v2.cpu]);
  const [mem, cpu] = r2.stdout.trim().split("\n");
  const [quota, period] = (cpu ?? "").split(" ");
  return {
    version: 2,
    memory: limitValue(mem ?? ""),
    cpuQuota: limitValue(quota ?? ""),
    cpuPeriod: Number(period),
  };
}
