/**
 * `/proc/PID/stat` of many processes with one `cat` (Deno may not read `/proc` itself without
 * `--allow-all`): each one's state letter and parent.
 *
 * @module
 */
import { run } from "./exec.ts";

/** One process as `/proc/PID/stat` shows it. */
export interface ProcStat {
  /** State letter (`R`, `S`, `D`, `Z`, `T`, …). */
  state: string;
  /** Parent process id. */
  ppid: number;
}

/**
 * Parses the lines of `/proc/PID/stat` files (concatenated, one line each) into pid → state and
 * parent. The command name is skipped up to its last `)`, since it may hold spaces and
 * parentheses; lines that do not parse are left out.
 *
 * @example
 * ```ts
 * import { parseProcStats } from "./proc_stat.ts";
 * import assert from "node:assert/strict";
 * const stats = parseProcStats("42 (sleep) S 40 42 42 0 -1\n7 (a) b) Z 1 7\n");
 * assert.deepEqual(stats.get(42), { state: "S", ppid: 40 });
 * assert.deepEqual(stats.get(7), { state: "Z", ppid: 1 });
 * ```
 */
export function parseProcStats(text: string): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const line of text.split("\n")) {
    const open = line.indexOf(" (");
    const close = line.lastIndexOf(") ");
    if (open <= 0 || close < open) continue;
    const pid = Number(line.slice(0, open));
    const [state, ppid] = line.slice(close + 2).split(" ");
    if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(Number(ppid))) continue;
    stats.set(pid, { state, ppid: Number(ppid) });
  }
  return stats;
}

/**
 * Reads `/proc/PID/stat` of each pid with one `cat` (pids that are gone are simply missing from
 * the result). No pids: no process is started.
 *
 * @example
 * ```ts
 * import { readProcStats } from "./proc_stat.ts";
 * import assert from "node:assert/strict";
 * const stats = await readProcStats([Deno.pid, 2 ** 22 + 1]); // the second cannot exist
 * assert.equal(stats.get(Deno.pid)?.state !== undefined, true);
 * assert.equal(stats.has(2 ** 22 + 1), false);
 * ```
 */
export async function readProcStats(pids: readonly number[]): Promise<Map<number, ProcStat>> {
  if (pids.length === 0) return new Map();
  // No timeout: reading /proc does not block (and a timer would load Node's timers in Deno).
  const r = await run(["cat", ...[...new Set(pids)].map((p) => `/proc/${p}/stat`)], {
    allowFailure: true, // exit 1 when some pid is gone; its file is then missing
  });
  return parseProcStats(r.stdout);
}
