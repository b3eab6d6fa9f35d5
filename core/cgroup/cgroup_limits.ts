/**
 * Reading a cgroup's memory and CPU limits back, and writing a pod's limits into its cgroup.
 *
 * @module
 */
import { join } from "../path.ts";
import { CommandError, RkError } from "../errors.ts";
import { catLines, requireLines, writeCgroupFile } from "./_cgroupfs.ts";
import { cgroupLimitFiles, type CgroupVersion } from "./cgroup_files.ts";
import { CGROUP_ROOT, relativeCgroupPath } from "./cgroup_path.ts";
import { podCgroupWrites, type PodLimitAmounts } from "./pod_limits.ts";

/** Limits read back from a cgroup. */
export interface CgroupLimits {
  /** Which cgroup version the files came from. */
  version: CgroupVersion;
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
 * files when there is no v1 memory hierarchy.
 *
 * @example
 * ```ts ignore
 * import { readCgroupLimits } from "./cgroup_limits.ts";
 * console.log(await readCgroupLimits("/rkl/abc")); // { version: 1, memory: 244318208, ... }
 * ```
 *
 * @throws {import("../errors.ts").CommandError} When neither the v1 nor the v2 files can be read.
 * @throws {RkError} When a file holds something other than a number or `max`.
 */
export async function readCgroupLimits(
  cgroupsPath: string,
  mountRoot: string = CGROUP_ROOT,
): Promise<CgroupLimits> {
  const v1 = cgroupLimitFiles(cgroupsPath, 1, mountRoot);
  const l1 = await catLines([v1.memory, v1.cpu, v1.cpuPeriod!]);
  if (l1 !== undefined) {
    const [mem, quota, period] = l1;
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
  const [mem, cpu] = await requireLines([v2.memory, v2.cpu]);
  const [quota, period] = (cpu ?? "").split(" ");
  return {
    version: 2,
    memory: limitValue(mem ?? ""),
    cpuQuota: limitValue(quota ?? ""),
    cpuPeriod: Number(period),
  };
}

/**
 * Writes the pod-level limits into the pod cgroup `path` (which the runtime created with the
 * pause container, enabling the controllers on v2). Tries the v1 layout first and falls back to
 * v2 when its first file is absent.
 *
 * @example
 * ```ts ignore
 * import { applyPodLimits } from "./cgroup_limits.ts";
 * await applyPodLimits("/rkl/pod-abc", { memory: "128Mi", cpu: "500m" });
 * ```
 *
 * @returns the cgroup version written, or undefined when there is no limit to write.
 * @throws {TypeError} When `path` is not a valid cgroup path.
 * @throws {CommandError} When a limit file is missing or rejects the value.
 */
export async function applyPodLimits(
  path: string,
  limits: PodLimitAmounts,
  mountRoot: string = CGROUP_ROOT,
): Promise<CgroupVersion | undefined> {
  const rel = relativeCgroupPath(path);
  const v1 = podCgroupWrites(1, limits);
  if (v1.length === 0) return undefined;
  let version: CgroupVersion = 1;
  for (const [i, w] of v1.entries()) {
    const file = join(mountRoot, w.hierarchy, rel, w.file);
    const ok = await writeCgroupFile(file, w.value);
    if (!ok && i === 0) {
      version = 2;
      break;
    }
    if (!ok) throw new CommandError(["tee", file], 1, "missing");
  }
  if (version === 2) {
    for (const w of podCgroupWrites(2, limits)) {
      const file = join(mountRoot, rel, w.file);
      if (!(await writeCgroupFile(file, w.value))) {
        throw new CommandError(["tee", file], 1, `${file}: No such file or directory`);
      }
    }
  }
  return version;
}
