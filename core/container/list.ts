/**
 * `listContainers`: every matching container with its status. The status comes from rkl's
 * records, conmon's exit files and one read of the init processes' `/proc` entries
 * (`init_liveness.ts`); the runtime is asked (one `list` call for all, as CRI's
 * ListContainers) only when some container's state cannot be told that way.
 *
 * @module
 */
import { liveOwners } from "../owner_process.ts";
import type { RuntimeState } from "../runtime/oci_runtime.ts";
import {
  type ContainerRecord,
  type ContainerRecordFilter,
  listContainerRecords,
  type RowToRecordOptions,
} from "../store/containers.ts";
import type { Engine } from "./engine.ts";
import { viewOf } from "./inspect.ts";
import { initRuntimeFact } from "./init_liveness.ts";
import type { ContainerStatus, ContainerView } from "./status.ts";

/** Filter of {@linkcode listContainers}. */
export interface ContainerListFilter extends ContainerRecordFilter {
  /** Only containers in this status. */
  status?: ContainerStatus;
}

/**
 * Lists containers (oldest first) with derived status. Containers whose exit code is recorded
 * need nothing more; for the others the init process is looked up in `/proc` (one `cat`), and
 * the runtime is asked only for those this leaves open (not started, being created, no pid, a
 * re-parented init). `opts.configOnUse`: each record's config is parsed on first use (see
 * `rowToRecord`).
 *
 * @example
 * ```ts ignore
 * import { listContainers } from "./list.ts";
 * for (const v of await listContainers(engine, { owner: null })) console.log(v.record.name, v.status);
 * ```
 */
export async function listContainers(
  engine: Engine,
  filter: ContainerListFilter = {},
  opts: RowToRecordOptions = {},
): Promise<ContainerView[]> {
  const records = listContainerRecords(engine.db, filter, opts);
  if (records.length === 0) return [];
  const open = records.filter((r) => r.exitCode === undefined);
  const pids = open.flatMap((r) => r.pid === undefined ? [] : [r.pid]);
  const stats = engine.monitor.procStats ? await engine.monitor.procStats(pids) : undefined;
  const facts = new Map<string, RuntimeState>();
  let askRuntime = false;
  for (const rec of open) {
    const fact = stats &&
      initRuntimeFact(rec, rec.pid === undefined ? undefined : stats.get(rec.pid));
    if (fact) facts.set(rec.id, fact);
    else askRuntime = true;
  }
  if (askRuntime) {
    for (const s of await engine.runtime.list()) if (!facts.has(s.id)) facts.set(s.id, s);
  }
  // Records still being created: one `ps` call says whose creator is alive.
  const creators = records.flatMap((r) => r.creator ? [r.creator] : []);
  const live = await liveOwners(creators);
  // After the process table and the runtime's answer, so that a container exiting in between
  // is seen as exited.
  let exited = await engine.monitor.exitedIds?.(engine.paths.exitDir);
  if (exited) exited = await awaitExitFiles(engine, open, facts, exited);
  const views: ContainerView[] = [];
  for (const rec of records) {
    const view = await viewOf(engine, rec, facts.get(rec.id) ?? "missing", live, exited);
    if (filter.status === undefined || view.status === filter.status) views.push(view);
  }
  return views;
}

/** How long a listing waits for conmon to write the exit file of a container it saw end. */
export const EXIT_FILE_WAIT_MS = 1_000;

/**
 * Containers seen ended (init gone or a zombie) without an exit file yet: conmon writes the file
 * right after it reaps the process, so while their conmon is alive the listing waits for the
 * files (a few ms; at most {@linkcode EXIT_FILE_WAIT_MS}) instead of reporting an exit without a
 * code. A container whose conmon is gone gets no file: it is reported ended without one at once.
 * Returns the exit directory's ids, read again if it waited.
 */
async function awaitExitFiles(
  engine: Engine,
  open: readonly ContainerRecord[],
  facts: ReadonlyMap<string, RuntimeState>,
  exited: ReadonlySet<string>,
): Promise<ReadonlySet<string>> {
  const ended = open.filter((r) =>
    facts.get(r.id)?.status === "stopped" && !exited.has(r.id) && r.monitorPid !== undefined
  );
  if (ended.length === 0 || !engine.monitor.procStats) return exited;
  const monitors = await engine.monitor.procStats(ended.map((r) => r.monitorPid!));
  const waiting = ended.filter((r) => {
    const m = monitors.get(r.monitorPid!);
    return m !== undefined && m.state !== "Z" && m.state !== "X";
  });
  const deadline = Date.now() + EXIT_FILE_WAIT_MS;
  for (
    let delay = 2;
    waiting.length > 0 && Date.now() < deadline;
    delay = Math.min(delay * 2, 50)
  ) {
    await new Promise((r) => setTimeout(r, delay));
    exited = await engine.monitor.exitedIds!(engine.paths.exitDir);
    if (waiting.every((r) => exited.has(r.id))) break;
  }
  return exited;
}
