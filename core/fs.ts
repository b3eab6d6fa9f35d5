/**
 * Small file-system helpers shared by core, net, the CLI and the benchmarks. The `...IfExists`
 * helpers treat only "not found" as absence; any other error (permission denied, not a
 * directory, busy) is thrown, so a real problem is never mistaken for a missing file.
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
 * import assert from "node:assert/strict";
 * assert.equal(await pathExists("/"), true);
 * assert.equal(await pathExists("/no/such/path"), false);
 * ```
 *
 * @param path File-system path to check (symlinks are followed).
 * @returns `true` when `Deno.stat(path)` succeeds, `false` when it fails with NotFound.
 */
export async function pathExists(path: string): Promise<boolean> {
  return (await statIfExists(path)) !== undefined;
}

/**
 * `Deno.stat(path)`, or undefined when nothing is there (symlinks are followed).
 *
 * @example
 * ```ts
 * import { statIfExists } from "./fs.ts";
 * import assert from "node:assert/strict";
 * assert.equal((await statIfExists("/"))?.isDirectory, true);
 * assert.equal(await statIfExists("/no/such/path"), undefined);
 * ```
 *
 * @throws Any error of `Deno.stat` other than `Deno.errors.NotFound`.
 */
export async function statIfExists(path: string): Promise<Deno.FileInfo | undefined> {
  return await ifExists(() => Deno.stat(path));
}

/**
 * The text of file `path` (UTF-8), or undefined when it does not exist.
 *
 * @example
 * ```ts
 * import { readTextIfExists } from "./fs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await readTextIfExists("/no/such/file"), undefined);
 * ```
 *
 * @throws Any error of `Deno.readTextFile` other than `Deno.errors.NotFound`.
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  return await ifExists(() => Deno.readTextFile(path));
}

/**
 * The bytes of file `path`, or undefined when it does not exist.
 *
 * @example
 * ```ts
 * import { readFileIfExists } from "./fs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await readFileIfExists("/no/such/file"), undefined);
 * ```
 *
 * @throws Any error of `Deno.readFile` other than `Deno.errors.NotFound`.
 */
export async function readFileIfExists(path: string): Promise<Uint8Array | undefined> {
  return await ifExists(() => Deno.readFile(path));
}

/**
 * The entries of directory `dir`, or `[]` when it does not exist.
 *
 * @example
 * ```ts
 * import { readDirIfExists } from "./fs.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(await readDirIfExists("/no/such/dir"), []);
 * ```
 *
 * @throws Any error of `Deno.readDir` other than `Deno.errors.NotFound`.
 */
export async function readDirIfExists(dir: string): Promise<Deno.DirEntry[]> {
  return await ifExists(() => Array.fromAsync(Deno.readDir(dir))) ?? [];
}

/**
 * Removes `path` (recursively by default); a path that is already gone is fine.
 *
 * @example
 * ```ts
 * import { pathExists, removeIfExists } from "./fs.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await removeIfExists(dir);
 * await removeIfExists(dir); // already gone: no error
 * assert.equal(await pathExists(dir), false);
 * ```
 *
 * @param options `recursive` (default true) as in `Deno.remove`.
 * @throws Any error of `Deno.remove` other than `Deno.errors.NotFound` (e.g. busy, not empty
 * without `recursive`).
 */
export async function removeIfExists(
  path: string,
  options: Deno.RemoveOptions = { recursive: true },
): Promise<void> {
  await ifExists(() => Deno.remove(path, options));
}

async function ifExists<T>(op: () => Promise<T>): Promise<T | undefined> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
