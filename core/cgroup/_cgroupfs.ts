/**
 * Private: reading, writing and removing under `/sys/fs/cgroup`. Deno only lets a program touch
 * `/sys` (and `/proc`) with `--allow-all`, so this goes through `cat`, `tee` (the value on stdin)
 * and `rmdir` (argv arrays), and tells "missing" apart from real failures in their stderr here,
 * once.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import { run } from "../exec.ts";

/** A coreutils message for a path that is not there. */
const MISSING = /No such file or directory|Not a directory/;

/** The lines of `stderr` that are about something other than a missing path. */
function realErrors(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.trim() && !MISSING.test(l));
}

/** Of `paths`, those that coreutils reported missing in `stderr`. */
function missingOf(stderr: string, paths: readonly string[]): Set<string> {
  const missing = new Set<string>();
  for (const line of stderr.split("\n")) {
    if (!MISSING.test(line)) continue;
    for (const p of paths) if (line.includes(p)) missing.add(p);
  }
  return missing;
}

/**
 * Which of `files` exist (one `cat` of all of them).
 *
 * @throws {CommandError} When `cat` fails for another reason than a missing file.
 */
export async function existingFiles(files: readonly string[]): Promise<string[]> {
  const r = await run(["cat", ...files], { allowFailure: true });
  const missing = missingOf(r.stderr, files);
  if (r.code !== 0 && missing.size === 0) throw new CommandError(["cat", "..."], r.code, r.stderr);
  return files.filter((f) => !missing.has(f));
}

/**
 * The contents of `files`, one line each (one `cat`), or undefined when any is missing or
 * unreadable.
 */
export async function catLines(files: readonly string[]): Promise<string[] | undefined> {
  const r = await run(["cat", ...files], { allowFailure: true });
  return r.code === 0 ? r.stdout.trim().split("\n") : undefined;
}

/**
 * The contents of `files`, one line each (one `cat`).
 *
 * @throws {CommandError} When a file cannot be read.
 */
export async function requireLines(files: readonly string[]): Promise<string[]> {
  return (await run(["cat", ...files])).stdout.trim().split("\n");
}

/**
 * Writes `value` to cgroup file `path` with `tee`.
 *
 * @returns false when the file does not exist.
 * @throws {CommandError} On any other failure (e.g. `Invalid argument` for a bad value).
 */
export async function writeCgroupFile(path: string, value: string): Promise<boolean> {
  const r = await run(["tee", path], { stdin: value, allowFailure: true });
  if (r.code === 0) return true;
  if (r.stderr.trim() && realErrors(r.stderr).length === 0) return false;
  throw new CommandError(["tee", path], r.code, r.stderr);
}

/**
 * Removes the (empty) directories `dirs` with one `rmdir`; missing ones are fine.
 *
 * @throws {CommandError} On any other failure (e.g. "Device or resource busy"), reported as
 * `rmdir LABEL`.
 */
export async function removeDirs(dirs: readonly string[], label: string): Promise<void> {
  const r = await run(["rmdir", ...dirs], { allowFailure: true });
  if (r.code === 0) return;
  const real = realErrors(r.stderr);
  if (real.length > 0) throw new CommandError(["rmdir", label], r.code, real.join("\n"));
}
