/**
 * The pod-level cgroup: a parent (cgroupfs driver, e.g. `/rkl/pod-ID`) that every container of
 * the pod lives under, holding the pod's summed limits. The runtime creates the directory with
 * the first container (the pause container), enabling controllers on v2; rk8s then writes the
 * pod-level limits into it and removes it when the pod goes.
 *
 * Deno only lets a program touch `/sys` with `--allow-all`, so limits are written with `tee`
 * (argv arrays, the value on stdin) and directories removed with `rmdir` (core/cgroup.ts).
 *
 * @module
 */
import { join } from "node:path";
import { CGROUP_ROOT } from "../cgroup.ts";
import { CommandError } from "../errors.ts";
import { run } from "../exec.ts";
import { CPU_PERIOD_US, linuxResources } from "../quantity.ts";

/** One limit file to write, relative to the pod's cgroup directory in a hierarchy. */
export interface CgroupWrite {
  /** v1 hierarchy (`memory`, `cpu`), or `""` for the unified v2 directory. */
  hierarchy: string;
  /** File name. */
  file: string;
  /** Content. */
  value: string;
}

/**
 * The files holding pod-level limits (`cpu: 750m`, `memory: 128Mi`) on cgroup v1 or v2.
 *
 * @example
 * ```ts
 * import { podCgroupWrites } from "./pod_cgroup.ts";
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
export function podCgroupWrites(
  version: 1 | 2,
  limits: { cpu?: string; memory?: string },
): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  // The same translation as a container's limits (CFS quota/period, bytes).
  const r = linuxResources({ limits });
  const mem = r.memory?.limit;
  const quota = r.cpu?.quota;
  const period = r.cpu?.period ?? CPU_PERIOD_US;
  if (version === 1) {
    if (mem !== undefined) {
      out.push({ hierarchy: "memory", file: "memory.limit_in_bytes", value: String(mem) });
    }
    if (quota !== undefined) {
      out.push({ hierarchy: "cpu", file: "cpu.cfs_period_us", value: String(period) });
      out.push({ hierarchy: "cpu", file: "cpu.cfs_quota_us", value: String(quota) });
    }
  } else {
    if (mem !== undefined) out.push({ hierarchy: "", file: "memory.max", value: String(mem) });
    if (quota !== undefined) {
      out.push({ hierarchy: "", file: "cpu.max", value: `${quota} ${period}` });
    }
  }
  return out;
}

/** Writes `value` to a cgroup file with `tee`; returns false when the file does not exist. */
async function writeCgroupFile(path: string, value: string): Promise<boolean> {
  const r = await run(["tee", path], { stdin: value, allowFailure: true });
  if (r.code === 0) return true;
  if (/No such file or directory/.test(r.stderr)) return false;
  throw new CommandError(["tee", path], r.code, r.stderr);
}

/**
 * Writes the pod-level limits into the pod cgroup `path` (which the runtime created with the
 * pause container). Tries the v1 layout first and falls back to v2 when its files are absent.
 *
 * @example
 * ```ts ignore
 * import { applyPodLimits } from "./pod_cgroup.ts";
 * await applyPodLimits("/rkl/pod-abc", { memory: "128Mi", cpu: "500m" });
 * ```
 */
export async function applyPodLimits(
  path: string,
  limits: { cpu?: string; memory?: string },
  mountRoot: string = CGROUP_ROOT,
): Promise<1 | 2 | undefined> {
  const rel = path.replace(/^\/+/, "");
  if (rel === "" || rel.split("/").includes("..")) {
    throw new TypeError(`Invalid cgroup path "${path}"`);
  }
  const v1 = podCgroupWrites(1, limits);
  if (v1.length === 0) return undefined;
  let version: 1 | 2 = 1;
  for (const [i, w] of v1.entries()) {
    const ok = await writeCgroupFile(join(mountRoot, w.hierarchy, rel, w.file), w.value);
    if (!ok && i === 0) {
      version = 2;
      break;
    }
    if (!ok) {
      throw new CommandError(["tee", join(mountRoot, w.hierarchy, rel, w.file)], 1, "missing");
    }
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
