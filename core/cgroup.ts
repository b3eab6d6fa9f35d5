/**
 * A container's cgroup directories (cgroupfs driver; v1, hybrid and v2). The runtime creates
 * and deletes them; rk8s removes leftovers after failures and tests check them.
 *
 * Deno only lets a program touch `/sys` (and `/proc`) with `--allow-all`, so this module goes
 * through `rmdir` and `cat` (argv arrays) instead of file APIs.
 *
 * @module
 */
import { join } from "node:path";
import { CommandError } from "./errors.ts";
import { run } from "./exec.ts";

/** Where cgroup hierarchies are mounted. */
export const CGROUP_ROOT = "/sys/fs/cgroup";

/** v1 hierarchies runc (cgroupfs driver) may create a container directory in. */
export const V1_HIERARCHIES: readonly string[] = [
  "blkio",
  "cpu",
  "cpuacct",
  "cpu,cpuacct",
  "cpuset",
  "devices",
  "freezer",
  "hugetlb",
  "memory",
  "net_cls",
  "net_prio",
  "net_cls,net_prio",
  "perf_event",
  "pids",
  "rdma",
  "misc",
  "systemd",
  "unified",
];

/**
 * The cgroup path of a container: `PARENT/ID` (default parent `/rkl`).
 *
 * @example
 * ```ts
 * import { containerCgroupPath } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 * assert.equal(containerCgroupPath("abc", undefined), "/rkl/abc");
 * assert.equal(containerCgroupPath("abc", "/rkl/pod-1/"), "/rkl/pod-1/abc");
 * ```
 */
export function containerCgroupPath(id: string, parent: string | undefined): string {
  const p = (parent ?? "/rkl").replace(/\/+$/, "");
  return `${p.startsWith("/") ? "" : "/"}${p}/${id}`;
}

/**
 * Every directory cgroup path `path` could have: one per v1 hierarchy, plus the v2 one.
 *
 * @example
 * ```ts
 * import { cgroupDirCandidates } from "./cgroup.ts";
 * import assert from "node:assert/strict";
 * const dirs = cgroupDirCandidates("/rkl/abc");
 * assert.ok(dirs.includes("/sys/fs/cgroup/memory/rkl/abc"));
 * assert.ok(dirs.includes("/sys/fs/cgroup/rkl/abc"));
 * ```
 */
export function cgroupDirCandidates(path: string, mountRoot: string = CGROUP_ROOT): string[] {
  const rel = path.replace(/^\/+/, "");
  if (rel === "" || rel.split("/").includes("..")) {
    throw new TypeError(`Invalid cgroup path "${path}"`);
  }
  return [...V1_HIERARCHIES.map((h) => join(mountRoot, h, rel)), join(mountRoot, rel)];
}

const MISSING = /No such file or directory|Not a directory/;

/**
 * The directories of cgroup path `path` that exist (one `cat` of their `cgroup.procs`).
 *
 * @example
 * ```ts ignore
 * import { cgroupDirs } from "./cgroup.ts";
 * console.log(await cgroupDirs("/rkl/abc")); // [] after removal
 * ```
 */
export async function cgroupDirs(path: string, mountRoot: string = CGROUP_ROOT): Promise<string[]> {
  const dirs = cgroupDirCandidates(path, mountRoot);
  const r = await run(["cat", ...dirs.map((d) => join(d, "cgroup.procs"))], {
    allowFailure: true,
  });
  const missing = new Set<string>();
  for (const line of r.stderr.split("\n")) {
    if (!MISSING.test(line)) continue;
    for (const d of dirs) if (line.includes(`${d}/cgroup.procs`)) missing.add(d);
  }
  if (r.code !== 0 && missing.size === 0) throw new CommandError(["cat", "..."], r.code, r.stderr);
  return dirs.filter((d) => !missing.has(d));
}

/**
 * Removes the (empty) directories of cgroup path `path` with one `rmdir`. Idempotent: missing
 * directories are fine; any other failure (e.g. "Device or resource busy" while processes
 * remain) is reported.
 */
export async function removeCgroup(path: string, mountRoot: string = CGROUP_ROOT): Promise<void> {
  const dirs = cgroupDirCandidates(path, mountRoot);
  const argv = ["rmdir", ...dirs];
  const r = await run(argv, { allowFailure: true });
  if (r.code === 0) return;
  const real = r.stderr.split("\n").filter((l) => l.trim() && !MISSING.test(l));
  if (real.length > 0) throw new CommandError(["rmdir", path], r.code, real.join("\n"));
}
