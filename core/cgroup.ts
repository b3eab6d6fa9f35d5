/**
 * Finding and removing a container's cgroup directories (cgroupfs driver; v1, hybrid and v2).
 * The runtime creates and deletes them; rk8s only checks and cleans up after failures.
 *
 * @module
 */
import { join } from "node:path";

/**
 * Every existing directory of cgroup path `path` (e.g. `/rkl/abc`) under `mountRoot`: one
 * per v1 hierarchy that has it, or the single v2 directory.
 *
 * @example
 * ```ts ignore
 * import { cgroupDirs } from "./cgroup.ts";
 * console.log(await cgroupDirs("/rkl/abc"));
 * ```
 */
export async function cgroupDirs(path: string, mountRoot = "/sys/fs/cgroup"): Promise<string[]> {
  const rel = path.replace(/^\/+/, "");
  if (rel === "") return [];
  const candidates = [join(mountRoot, rel)];
  for await (const e of Deno.readDir(mountRoot)) {
    if (e.isDirectory) candidates.push(join(mountRoot, e.name, rel));
  }
  const found: string[] = [];
  for (const dir of candidates) {
    try {
      const st = await Deno.stat(join(dir, "cgroup.procs"));
      if (st.isFile) found.push(dir);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
    }
  }
  return found;
}

/**
 * Removes the (empty) cgroup directories of `path`, deepest first. Idempotent; a cgroup that
 * still has processes makes `rmdir` fail with EBUSY, which is reported.
 */
export async function removeCgroup(path: string, mountRoot = "/sys/fs/cgroup"): Promise<void> {
  const dirs = await cgroupDirs(path, mountRoot);
  dirs.sort((a, b) => b.length - a.length);
  for (const dir of dirs) {
    try {
      await Deno.remove(dir);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}
