/**
 * The pod-level cgroup: a parent directory (cgroupfs driver) that every container of the pod
 * lives under, holding the pod's summed limits. cgroup v1 (one directory per hierarchy) and v2
 * (one unified directory) are both handled.
 *
 * @module
 */
import { join } from "node:path";
import { removeCgroup } from "../cgroup.ts";
import { cpuMillis, memoryBytes } from "../quantity.ts";
import type { UndoStack } from "../undo.ts";

/** Layout of the host's cgroup file system. */
export type CgroupLayout = { version: 1; mountRoot: string } | { version: 2; mountRoot: string };

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Detects cgroup v2 (unified, `cgroup.controllers` at the mount root) or v1/hybrid.
 *
 * @example
 * ```ts ignore
 * import { detectCgroupLayout } from "./pod_cgroup.ts";
 * console.log((await detectCgroupLayout()).version);
 * ```
 */
export async function detectCgroupLayout(mountRoot = "/sys/fs/cgroup"): Promise<CgroupLayout> {
  if (await isFile(join(mountRoot, "cgroup.controllers"))) return { version: 2, mountRoot };
  return { version: 1, mountRoot };
}

/** The limit files to write for a pod, relative to its cgroup directory per hierarchy. */
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
  const period = 100_000;
  const mem = limits.memory !== undefined ? memoryBytes(limits.memory) : undefined;
  const quota = limits.cpu !== undefined
    ? Math.max(1000, Math.round(cpuMillis(limits.cpu) * period / 1000))
    : undefined;
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

async function mkdirOwned(dir: string): Promise<boolean> {
  try {
    await Deno.mkdir(dir);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
}

/**
 * Creates the pod cgroup `path` (e.g. `/rkl/pod-abc`) and writes the pod-level limits into it.
 * Registers its removal on `undo` first, so a failure half way leaves nothing. On v2 the cpu and
 * memory controllers are enabled on the ancestors so the limits can be written.
 *
 * @example
 * ```ts ignore
 * import { createPodCgroup } from "./pod_cgroup.ts";
 * import { UndoStack } from "../undo.ts";
 * await createPodCgroup("/rkl/pod-abc", { memory: "128Mi" }, new UndoStack());
 * ```
 */
export async function createPodCgroup(
  path: string,
  limits: { cpu?: string; memory?: string },
  undo: UndoStack,
  layout?: CgroupLayout,
): Promise<void> {
  const l = layout ?? await detectCgroupLayout();
  const rel = path.replace(/^\/+/, "");
  undo.push(`remove pod cgroup ${path}`, () => removeCgroup(path, l.mountRoot));
  const writes = podCgroupWrites(l.version, limits);
  if (l.version === 1) {
    const hierarchies = new Set(["memory", "cpu", "pids", ...writes.map((w) => w.hierarchy)]);
    for (const h of hierarchies) {
      const base = join(l.mountRoot, h);
      if (!(await isFile(join(base, "cgroup.procs")))) continue;
      await Deno.mkdir(join(base, rel), { recursive: true });
    }
  } else {
    const parts = rel.split("/");
    let dir = l.mountRoot;
    const wanted = ["cpu", "memory", "pids"];
    for (const part of parts) {
      const available = (await Deno.readTextFile(join(dir, "cgroup.controllers"))).split(/\s+/);
      const enable = wanted.filter((c) => available.includes(c)).map((c) => `+${c}`).join(" ");
      if (enable) await Deno.writeTextFile(join(dir, "cgroup.subtree_control"), enable);
      dir = join(dir, part);
      await mkdirOwned(dir);
    }
  }
  for (const w of writes) {
    await Deno.writeTextFile(join(l.mountRoot, w.hierarchy, rel, w.file), w.value);
  }
}
