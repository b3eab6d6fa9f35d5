/**
 * An exclusive advisory file lock (flock) held while `fn` runs, so concurrent rkl processes
 * (and concurrent calls in one process) serialise their network changes.
 *
 * @module
 */
import { dirname } from "../core/path.ts";

/** Runs `fn` while holding an exclusive lock on `file` (created when missing). */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(dirname(file), { recursive: true });
  const f = await Deno.open(file, { create: true, write: true });
  try {
    await f.lock(true);
    return await fn();
  } finally {
    f.close(); // closing the descriptor releases the lock
  }
}
