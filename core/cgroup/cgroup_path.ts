/**
 * Where a cgroup lives: the mount root, the v1 hierarchies, a container's cgroup path under its
 * parent and every directory that path can have on a v1, hybrid or v2 host (cgroupfs driver).
 *
 * @module
 */
import { join } from "../path.ts";

/** Where cgroup hierarchies are mounted. */
export const CGROUP_ROOT = "/sys/fs/cgroup";

/** The cgroup parent of a container that names none (single containers). */
export const DEFAULT_CGROUP_PARENT = "/rkl";

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
 * import { containerCgroupPath } from "./cgroup_path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(containerCgroupPath("abc", undefined), "/rkl/abc");
 * assert.equal(containerCgroupPath("abc", "/rkl/pod-1/"), "/rkl/pod-1/abc");
 * ```
 */
export function containerCgroupPath(id: string, parent: string | undefined): string {
  const p = (parent ?? DEFAULT_CGROUP_PARENT).replace(/\/+$/, "");
  return `${p.startsWith("/") ? "" : "/"}${p}/${id}`;
}

/**
 * Cgroup path `path` relative to a hierarchy's root (leading slashes removed).
 *
 * @example
 * ```ts
 * import { relativeCgroupPath } from "./cgroup_path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(relativeCgroupPath("/rkl/abc"), "rkl/abc");
 * assert.throws(() => relativeCgroupPath("/"), TypeError);
 * assert.throws(() => relativeCgroupPath("/rkl/../etc"), /Invalid cgroup path/);
 * ```
 *
 * @throws {TypeError} For the root itself or a path with a `..` segment, which would leave
 * the hierarchy.
 */
export function relativeCgroupPath(path: string): string {
  const rel = path.replace(/^\/+/, "");
  if (rel === "" || rel.split("/").includes("..")) {
    throw new TypeError(`Invalid cgroup path "${path}"`);
  }
  return rel;
}

/**
 * Every directory cgroup path `path` could have: one per v1 hierarchy, plus the v2 one.
 *
 * @example
 * ```ts
 * import { cgroupDirCandidates } from "./cgroup_path.ts";
 * import assert from "node:assert/strict";
 * const dirs = cgroupDirCandidates("/rkl/abc");
 * assert.ok(dirs.includes("/sys/fs/cgroup/memory/rkl/abc"));
 * assert.ok(dirs.includes("/sys/fs/cgroup/rkl/abc"));
 * ```
 *
 * @throws {TypeError} When `path` is not a valid cgroup path ({@linkcode relativeCgroupPath}).
 */
export function cgroupDirCandidates(path: string, mountRoot: string = CGROUP_ROOT): string[] {
  const rel = relativeCgroupPath(path);
  return [...V1_HIERARCHIES.map((h) => join(mountRoot, h, rel)), join(mountRoot, rel)];
}
