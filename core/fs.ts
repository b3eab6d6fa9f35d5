/**
 * Small file-system helpers shared by core, the CLI and the benchmarks.
 *
 * @module
 */

/**
 * Tells whether something (file, directory, symlink target, device) exists at `path`.
 * Only "not found" counts as absent; any other error (e.g. permission denied) is thrown, so
 * a real problem is not mistaken for a missing file.
 *
 * @example
 * ```ts
 * import { pathExists } from "./fs.ts";
 *
 * if (await pathExists("/usr/bin/podman")) console.log("podman is installed");
 * ```
 *
 * @param path File-system path to check (symlinks are followed).
 * @returns `true` when `Deno.stat(path)` succeeds, `false` when it fails with NotFound.
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
