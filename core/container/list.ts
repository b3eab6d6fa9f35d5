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
import { type ContainerRecordFilter, listContainerRecords } from "../store/containers.ts";
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
 * re-parented init).
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
): Promise<ContainerView[]> {
  const records = listContainerRecords(engine.db, filter);
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
  const exited = await engine.monitor.exitedIds?.(engine.paths.exitDir);
  const views: ContainerView[] = [];
  for (const rec of records) {
    const view = await viewOf(engine, rec, facts.get(rec.id) ?? "missing", live, exited);
    if (filter.status === undefined || view.status === filter.status) views.push(view);
  }
  return views;
}
