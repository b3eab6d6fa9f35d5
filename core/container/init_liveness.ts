/**
 * What the kernel says about containers' init processes, read without the OCI runtime: the
 * monitor's `/proc/PID/stat` of every recorded pid (`ContainerMonitor.procStats`, one `cat` for
 * conmon), as CRI-O and podman keep state and consult conmon's exit files instead of asking the
 * runtime on every list. `runc list` reads every container's `state.json` and `/proc` entry and
 * costs about 1 ms per container; this read costs one small process for any number of them.
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
import type { ProcStat } from "../proc_stat.ts";
import type { RuntimeState } from "../runtime/oci_runtime.ts";
import type { ContainerRecord } from "../store/containers.ts";

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
