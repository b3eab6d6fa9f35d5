/**
 * What the kernel says about containers' init processes, read without the OCI runtime: one
 * `cat` of `/proc/PID/stat` for every recorded pid (Deno may not read `/proc` itself), as CRI-O
 * and podman keep state and consult conmon's exit files instead of asking the runtime on every
 * list. `runc list` reads every container's `state.json` and `/proc` entry and costs about
 * 1 ms per container; this read costs one small process for any number of them.
 *
 * The verdict is only trusted where it is unambiguous: the recorded pid is alive and its parent
 * is the container's recorded conmon (conmon is the subreaper of its container, so a reused pid
 * cannot have that parent), or the pid is gone or a zombie (the init process ended). Everything
 * else — no recorded pid or conmon pid, not started yet, still being created, a live pid whose
 * parent is another process (conmon was killed and the container was re-parented, or the pid
 * was reused) — is left to the runtime.
 *
 * @module
 */
import { run } from "../exec.ts";
import type { RuntimeState } from "../runtime/oci_runtime.ts";
import type { ContainerRecord } from "../store/containers.ts";

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
 * import { parseProcStats } from "./init_liveness.ts";
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
 * import { readProcStats } from "./init_liveness.ts";
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

/**
 * The runtime state `rec`'s init process implies, or undefined when only the runtime can tell
 * (see the module documentation). `stat` is the recorded pid's `/proc` entry, undefined when
 * the process is gone.
 *
 * @example
 * ```ts
 * import { initRuntimeFact } from "./init_liveness.ts";
 * import assert from "node:assert/strict";
 * const rec = { id: "c1", pid: 42, monitorPid: 40, startedAt: 1, stateDir: "/s/c1" };
 * assert.equal(initRuntimeFact(rec, { state: "S", ppid: 40 })?.status, "running");
 * assert.equal(initRuntimeFact(rec, undefined)?.status, "stopped");
 * assert.equal(initRuntimeFact(rec, { state: "Z", ppid: 40 })?.status, "stopped");
 * assert.equal(initRuntimeFact(rec, { state: "S", ppid: 1 }), undefined); // re-parented
 * const { startedAt: _, ...created } = rec; // created, not started: only the runtime can tell
 * assert.equal(initRuntimeFact(created, { state: "S", ppid: 40 }), undefined);
 * ```
 */
export function initRuntimeFact(
  rec: Pick<ContainerRecord, "id" | "pid" | "monitorPid" | "startedAt" | "stateDir" | "creator">,
  stat: ProcStat | undefined,
): RuntimeState | undefined {
  if (
    rec.pid === undefined || rec.monitorPid === undefined || rec.startedAt === undefined ||
    rec.creator !== undefined
  ) return undefined;
  if (stat === undefined || stat.state === "Z" || stat.state === "X") {
    return { id: rec.id, status: "stopped", pid: 0, bundle: rec.stateDir };
  }
  if (stat.ppid !== rec.monitorPid) return undefined;
  return { id: rec.id, status: "running", pid: rec.pid, bundle: rec.stateDir };
}
