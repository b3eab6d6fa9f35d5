/**
 * A cgroup's directories: which exist, and removing them. The runtime creates and deletes a
 * container's; rk8s removes leftovers after failures and a pod's parent when the pod goes.
 *
 * @module
 */
import { join } from "../path.ts";
import { existingFiles, removeDirs } from "./_cgroupfs.ts";
import { CGROUP_ROOT, cgroupDirCandidates } from "./cgroup_path.ts";

/**
 * The directories of cgroup path `path` that exist (one `cat` of their `cgroup.procs`).
 *
 * @example
 * ```ts ignore
 * import { cgroupDirs } from "./cgroup_dirs.ts";
 * console.log(await cgroupDirs("/rkl/abc")); // [] after removal
 * ```
 *
 * @throws {TypeError} When `path` is not a valid cgroup path.
 * @throws {import("../errors.ts").CommandError} When `cat` fails for another reason than a
 * missing directory.
 */
export async function cgroupDirs(path: string, mountRoot: string = CGROUP_ROOT): Promise<string[]> {
  const dirs = cgroupDirCandidates(path, mountRoot);
  const found = await existingFiles(dirs.map((d) => join(d, "cgroup.procs")));
  return dirs.filter((d) => found.includes(join(d, "cgroup.procs")));
}

/**
 * Removes the (empty) directories of cgroup path `path` with one `rmdir`. Idempotent: missing
 * directories are fine; any other failure (e.g. "Device or resource busy" while processes
 * remain) is reported.
 *
 * @example
 * ```ts ignore
 * import { removeCgroup } from "./cgroup_dirs.ts";
 * await removeCgroup("/rkl/abc");
 * ```
 *
 * @throws {TypeError} When `path` is not a valid cgroup path.
 * @throws {import("../errors.ts").CommandError} When a directory exists but cannot be removed.
 */
export async function removeCgroup(path: string, mountRoot: string = CGROUP_ROOT): Promise<void> {
  await removeDirs(cgroupDirCandidates(path, mountRoot), path);
}

/**
 * Removes several cgroups with one `rmdir` process, in the order given (children before their
 * parent: a pod's container cgroups, then the pod's). Missing directories are fine.
 *
 * @example
 * ```ts ignore
 * import { removeCgroups } from "./cgroup_dirs.ts";
 * await removeCgroups(["/rkl/pod-1/c1", "/rkl/pod-1/c2", "/rkl/pod-1"]);
 * ```
 *
 * @throws {TypeError} When a path is not a valid cgroup path.
 * @throws {import("../errors.ts").CommandError} When a directory exists but cannot be removed.
 */
export async function removeCgroups(
  paths: readonly string[],
  mountRoot: string = CGROUP_ROOT,
): Promise<void> {
  if (paths.length === 0) return;
  await removeDirs(paths.flatMap((p) => cgroupDirCandidates(p, mountRoot)), paths.join(", "));
}
