/**
 * The cgroup v1 and v2 file names of every limit rk8s sets or reads, written once, and the
 * writes that put OCI `linux.resources` limits into them.
 *
 * @module
 */
import { join } from "../path.ts";
import type { LinuxResources } from "../oci/spec.ts";
import { CGROUP_ROOT, relativeCgroupPath } from "./cgroup_path.ts";
import { CPU_PERIOD_US } from "./linux_resources.ts";

/** cgroup version: 1 (one hierarchy per controller) or 2 (the unified hierarchy). */
export type CgroupVersion = 1 | 2;

/** A limit held in a cgroup file. */
export type CgroupLimit = "memoryLimit" | "cpuQuota" | "cpuPeriod" | "cpuShares";

/** Where one limit lives: the v1 hierarchy and file, and the v2 file. */
export interface CgroupLimitFile {
  /** v1: hierarchy (`memory`, `cpu`) and file name in it. */
  v1: { hierarchy: string; file: string };
  /** v2: file name in the unified directory. */
  v2: string;
}

/**
 * The file of each limit on v1 and v2 (kernel `Documentation/admin-guide/cgroup-v1/` and
 * `cgroup-v2.rst`). On v2 the CFS quota and period share `cpu.max` (`"QUOTA PERIOD"`).
 *
 * @example
 * ```ts
 * import { CGROUP_LIMIT_FILES } from "./cgroup_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(CGROUP_LIMIT_FILES.memoryLimit.v1.file, "memory.limit_in_bytes");
 * assert.equal(CGROUP_LIMIT_FILES.memoryLimit.v2, "memory.max");
 * ```
 */
export const CGROUP_LIMIT_FILES: Readonly<Record<CgroupLimit, CgroupLimitFile>> = {
  memoryLimit: { v1: { hierarchy: "memory", file: "memory.limit_in_bytes" }, v2: "memory.max" },
  cpuQuota: { v1: { hierarchy: "cpu", file: "cpu.cfs_quota_us" }, v2: "cpu.max" },
  cpuPeriod: { v1: { hierarchy: "cpu", file: "cpu.cfs_period_us" }, v2: "cpu.max" },
  cpuShares: { v1: { hierarchy: "cpu", file: "cpu.shares" }, v2: "cpu.weight" },
};

/** One limit file to write, relative to a cgroup's directory in a hierarchy. */
export interface CgroupWrite {
  /** v1 hierarchy (`memory`, `cpu`), or `""` for the unified v2 directory. */
  hierarchy: string;
  /** File name. */
  file: string;
  /** Content. */
  value: string;
}

function write(limit: CgroupLimit, version: CgroupVersion, value: string): CgroupWrite {
  const f = CGROUP_LIMIT_FILES[limit];
  return version === 1 ? { ...f.v1, value } : { hierarchy: "", file: f.v2, value };
}

/**
 * The writes that set the hard limits of `resources` (memory limit, CFS quota and period) on
 * cgroup `version`; shares and reservations are left to the runtime. On v1 the period is
 * written before the quota, which the kernel checks against it.
 *
 * @example
 * ```ts
 * import { cgroupLimitWrites } from "./cgroup_files.ts";
 * import assert from "node:assert/strict";
 * const r = { memory: { limit: 1048576 }, cpu: { quota: 75000, period: 100000 } };
 * assert.deepEqual(cgroupLimitWrites(1, r), [
 *   { hierarchy: "memory", file: "memory.limit_in_bytes", value: "1048576" },
 *   { hierarchy: "cpu", file: "cpu.cfs_period_us", value: "100000" },
 *   { hierarchy: "cpu", file: "cpu.cfs_quota_us", value: "75000" },
 * ]);
 * assert.deepEqual(cgroupLimitWrites(2, r), [
 *   { hierarchy: "", file: "memory.max", value: "1048576" },
 *   { hierarchy: "", file: "cpu.max", value: "75000 100000" },
 * ]);
 * ```
 */
export function cgroupLimitWrites(
  version: CgroupVersion,
  resources: LinuxResources,
): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const mem = resources.memory?.limit;
  const quota = resources.cpu?.quota;
  const period = resources.cpu?.period ?? CPU_PERIOD_US;
  if (mem !== undefined) out.push(write("memoryLimit", version, String(mem)));
  if (quota !== undefined) {
    if (version === 1) {
      out.push(write("cpuPeriod", 1, String(period)), write("cpuQuota", 1, String(quota)));
    } else {
      out.push(write("cpuQuota", 2, `${quota} ${period}`));
    }
  }
  return out;
}

/** The cgroup files holding a container's memory and CPU limits. */
export interface CgroupLimitFiles {
  /** `1` for the v1 hierarchy, `2` for the unified one. */
  version: CgroupVersion;
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
 * import { cgroupLimitFiles } from "./cgroup_files.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cgroupLimitFiles("/rkl/a", 1).memory, "/sys/fs/cgroup/memory/rkl/a/memory.limit_in_bytes");
 * assert.equal(cgroupLimitFiles("/rkl/a", 2).cpu, "/sys/fs/cgroup/rkl/a/cpu.max");
 * ```
 *
 * @throws {TypeError} When `cgroupsPath` is not a valid cgroup path.
 */
export function cgroupLimitFiles(
  cgroupsPath: string,
  version: CgroupVersion,
  mountRoot: string = CGROUP_ROOT,
): CgroupLimitFiles {
  const rel = relativeCgroupPath(cgroupsPath);
  const path = (limit: CgroupLimit): string => {
    const f = CGROUP_LIMIT_FILES[limit];
    return version === 1
      ? join(mountRoot, f.v1.hierarchy, rel, f.v1.file)
      : join(mountRoot, rel, f.v2);
  };
  const files: CgroupLimitFiles = {
    version,
    memory: path("memoryLimit"),
    cpu: path("cpuQuota"),
    cpuShares: path("cpuShares"),
  };
  if (version === 1) files.cpuPeriod = path("cpuPeriod");
  return files;
}
