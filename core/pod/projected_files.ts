/**
 * `writeProjectedFiles`: writes the files of a `configMap`, `secret`, `downwardAPI` or
 * `projected` volume into its directory the way the kubelet's atomic writer does
 * (`pkg/volume/util/atomic_writer.go`), so a container never sees half an update:
 *
 * 1. the files go into a new hidden directory named after the time, `..2026_12_01_00_10_22.NNN`;
 * 2. a `..data_tmp` symbolic link to it is renamed over `..data` (one atomic `rename`);
 * 3. each top-level name of the payload is a symbolic link through `..data` (`key` →
 *    `..data/key`), created once;
 * 4. the previous timestamped directory and the names no longer in the payload are removed.
 *
 * Nothing is written when the payload equals what `..data` holds (same paths, bytes and modes).
 * The links are made with `ln` (coreutils): `Deno.symlink` needs unrestricted read and write
 * permissions, which the daemon's permission set does not grant.
 *
 * @module
 */
import { run } from "../exec.ts";
import { dirname, join } from "../path.ts";
import type { ProjectedFile } from "./pod_types.ts";

/** The name of the symbolic link to the current payload directory. */
export const DATA_DIR_NAME = "..data";

/** A payload path is relative, without `..` components and not starting with `..`. */
export function projectedPathProblem(path: string): string | undefined {
  if (path === "") return "must not be empty";
  if (path.startsWith("/")) return "must be a relative path";
  if (path.split("/").includes("..")) return `must not contain ".."`;
  if (path.startsWith("..")) return `must not start with ".."`;
  if (path.split("/").some((p) => p === "")) return "must not contain empty path components";
  return undefined;
}

/**
 * The top-level names the user sees in the volume directory (each a symbolic link through
 * `..data`), sorted.
 *
 * @example
 * ```ts
 * import { projectedTopLevel } from "./projected_files.ts";
 * import assert from "node:assert/strict";
 * const f = (path: string) => ({ path, data: "", mode: 0o644 });
 * assert.deepEqual(projectedTopLevel([f("b"), f("a/x"), f("a/y")]), ["a", "b"]);
 * ```
 */
export function projectedTopLevel(files: readonly ProjectedFile[]): string[] {
  return [...new Set(files.map((f) => f.path.split("/")[0]!))].sort();
}

/** The timestamped directory name the atomic writer uses for a payload written at `now`. */
export function payloadDirName(now: Date, suffix: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${
    p(now.getUTCHours())
  }_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.${suffix}`;
}

function decodeBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

async function readlinkIfAny(path: string): Promise<string | undefined> {
  try {
    return await Deno.readLink(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when the payload directory `dir` holds exactly `files` (paths, bytes, modes). */
async function holds(dir: string, files: readonly ProjectedFile[]): Promise<boolean> {
  const want = new Map(files.map((f) => [f.path, f]));
  const seen = new Set<string>();
  const walk = async (rel: string): Promise<boolean> => {
    for await (const e of Deno.readDir(join(dir, rel))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        if (!(await walk(p))) return false;
        continue;
      }
      const f = want.get(p);
      if (!f || !e.isFile) return false;
      const st = await Deno.stat(join(dir, p));
      if (((st.mode ?? 0) & 0o7777) !== f.mode) return false;
      if (!sameBytes(await Deno.readFile(join(dir, p)), decodeBase64(f.data))) return false;
      seen.add(p);
    }
    return true;
  };
  try {
    return (await walk("")) && seen.size === want.size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Writes `files` into the volume directory `dir` (which must exist) atomically, as described
 * in the module doc. Returns true when it wrote a new payload, false when `..data` already held
 * it. Throws a `TypeError` for a path that {@linkcode projectedPathProblem} refuses (nothing
 * is written then) and the file system's error otherwise.
 *
 * @example
 * ```ts
 * import { writeProjectedFiles } from "./projected_files.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const files = [{ path: "greeting", data: btoa("hello"), mode: 0o644 }];
 * assert.equal(await writeProjectedFiles(dir, files), true);
 * assert.equal(await Deno.readTextFile(`${dir}/greeting`), "hello");
 * assert.equal(await Deno.readLink(`${dir}/greeting`), "..data/greeting");
 * assert.equal(await writeProjectedFiles(dir, files), false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeProjectedFiles(
  dir: string,
  files: readonly ProjectedFile[],
  now: Date = new Date(),
): Promise<boolean> {
  for (const f of files) {
    const why = projectedPathProblem(f.path);
    if (why) throw new TypeError(`projected file path "${f.path}" ${why}`);
  }
  const dataLink = join(dir, DATA_DIR_NAME);
  const old = await readlinkIfAny(dataLink);
  if (old !== undefined && (await holds(join(dir, old), files))) return false;

  // 1. The new payload in its own timestamped directory.
  const suffix = String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
  const tsName = payloadDirName(now, suffix);
  const tsDir = join(dir, tsName);
  await Deno.mkdir(tsDir, { mode: 0o755 });
  try {
    for (const f of files) {
      const target = join(tsDir, f.path);
      await Deno.mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await Deno.writeFile(target, decodeBase64(f.data), { mode: f.mode });
      await Deno.chmod(target, f.mode);
    }
    // 2. Switch `..data` over in one rename.
    const tmp = join(dir, `${DATA_DIR_NAME}_tmp`);
    await Deno.remove(tmp).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await run(["ln", "-s", "-T", tsName, tmp]);
    await Deno.rename(tmp, dataLink);
  } catch (e) {
    await Deno.remove(tsDir, { recursive: true });
    throw e;
  }
  // 3. User-visible names, each a link through `..data`.
  const names = projectedTopLevel(files);
  const missing: string[] = [];
  for (const name of names) {
    const link = join(dir, name);
    if ((await readlinkIfAny(link)) === `${DATA_DIR_NAME}/${name}`) continue;
    await Deno.remove(link, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    missing.push(`${DATA_DIR_NAME}/${name}`);
  }
  // One `ln` for all of them (each link is named after its target's last component).
  if (missing.length > 0) await run(["ln", "-s", "-t", dir, "--", ...missing]);
  // 4. The old payload and names that left it.
  const keep = new Set([...names, DATA_DIR_NAME, tsName]);
  for await (const e of Deno.readDir(dir)) {
    if (keep.has(e.name)) continue;
    const stale = e.name === old || (e.isSymlink &&
      (await readlinkIfAny(join(dir, e.name)))?.startsWith(`${DATA_DIR_NAME}/`));
    if (stale) await Deno.remove(join(dir, e.name), { recursive: true });
  }
  return true;
}
