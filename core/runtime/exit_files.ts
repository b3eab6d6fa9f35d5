/**
 * conmon's exit files, read: `readExitFile` (one container's exit code and finish time) and
 * `exitFileIds` (which containers have one). Apart from `conmon.ts` so that listing state does
 * not load the monitor.
 *
 * @module
 */
import { RkError } from "../errors.ts";
import type { ExitInfo } from "./conmon.ts";

/**
 * Reads a conmon exit file: its content is the exit code, its mtime the finish time.
 * Undefined when the file does not exist (or is still empty).
 */
export async function readExitFile(path: string): Promise<ExitInfo | undefined> {
  let text: string;
  let st: Deno.FileInfo;
  try {
    [text, st] = await Promise.all([Deno.readTextFile(path), Deno.stat(path)]);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (text.trim() === "") return undefined;
  const code = Number(text.trim());
  if (!Number.isInteger(code)) throw new RkError(`Exit file ${path} holds "${text.trim()}"`);
  return { code, finishedAt: st.mtime?.getTime() ?? Date.now() };
}

/**
 * The names of the files in `exitDir` (none when it does not exist yet): the containers conmon
 * saw exit.
 *
 * @example
 * ```ts
 * import { exitFileIds } from "./exit_files.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/c1`, "0");
 * assert.deepEqual([...await exitFileIds(dir)], ["c1"]);
 * assert.equal((await exitFileIds(`${dir}/none`)).size, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function exitFileIds(exitDir: string): Promise<ReadonlySet<string>> {
  const ids = new Set<string>();
  try {
    for await (const e of Deno.readDir(exitDir)) if (e.isFile) ids.add(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return ids;
}
