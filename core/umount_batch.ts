/**
 * `umount` of many mount points with few processes: unmounts asked for within the same few
 * milliseconds (a compose `down` tears down twelve pods at once: 48 overlay, namespace and pin
 * mounts) share one `umount A B C ...`. util-linux's umount goes on after a failed argument and
 * names it on stderr (`umount: /x: target is busy.`), so each caller still gets its own result.
 *
 * @module
 */
import { CommandError } from "./errors.ts";
import { run } from "./exec.ts";

/** How long a batch collects requests (ms). */
const BATCH_WINDOW_MS = 3;

const pending = new Map<string, { resolve: () => void; reject: (e: unknown) => void }[]>();
let scheduled = false;

/**
 * Unmounts `path` (one `umount` for every request of the same few milliseconds). Rejects with
 * a {@linkcode CommandError} when umount reports this path (busy, not mounted, ...).
 *
 * @example
 * ```ts
 * import { umountBatched } from "./umount_batch.ts";
 * import { CommandError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await assert.rejects(umountBatched(dir), CommandError); // not a mount point
 * await Deno.remove(dir);
 * ```
 */
export function umountBatched(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const waiters = pending.get(path) ?? [];
    waiters.push({ resolve, reject });
    pending.set(path, waiters);
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      const batch = new Map(pending);
      pending.clear();
      flush(batch).catch((e) => {
        for (const ws of batch.values()) for (const w of ws) w.reject(e);
      });
    }, BATCH_WINDOW_MS);
  });
}

async function flush(
  batch: Map<string, { resolve: () => void; reject: (e: unknown) => void }[]>,
): Promise<void> {
  const paths = [...batch.keys()];
  const r = await run(["umount", ...paths], { allowFailure: true, timeoutMs: 60_000 });
  const settle = (path: string, error?: unknown) => {
    for (const w of batch.get(path) ?? []) error === undefined ? w.resolve() : w.reject(error);
  };
  if (r.code === 0) {
    for (const p of paths) settle(p);
    return;
  }
  // Which arguments failed: umount names each on its own stderr line.
  const failed = new Map<string, string>();
  const unexplained: string[] = [];
  for (const line of r.stderr.split("\n").filter((l) => l.trim() !== "")) {
    const p = paths.find((x) => line.startsWith(`umount: ${x}: `));
    if (p === undefined) unexplained.push(line);
    else failed.set(p, [failed.get(p), line].filter(Boolean).join("\n"));
  }
  if (failed.size === 0 || unexplained.length > 0) {
    // Not what umount says per argument: each path on its own, for a precise answer.
    await Promise.all(paths.map(async (p) => {
      const one = await run(["umount", p], { allowFailure: true, timeoutMs: 60_000 });
      settle(p, one.code === 0 ? undefined : new CommandError(["umount", p], one.code, one.stderr));
    }));
    return;
  }
  for (const p of paths) {
    const why = failed.get(p);
    settle(p, why === undefined ? undefined : new CommandError(["umount", p], r.code, why));
  }
}
