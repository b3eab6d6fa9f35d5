/**
 * `listContainers`: every matching container with its status, using one runtime `list` call
 * for all of them (as CRI's ListContainers).
 *
 * @module
 */
import { liveOwners } from "../owner_process.ts";
import { type ContainerRecordFilter, listContainerRecords } from "../store/containers.ts";
import type { Engine } from "./engine.ts";
import { viewOf } from "./inspect.ts";
import type { ContainerStatus, ContainerView } from "./status.ts";

/** Filter of {@linkcode listContainers}. */
export interface ContainerListFilter extends ContainerRecordFilter {
  /** Only containers in this status. */
  status?: ContainerStatus;
}

/**
 * Lists containers (oldest first) with derived status.
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
  const states = new Map((await engine.runtime.list()).map((s) => [s.id, s]));
  // Records still being created: one `ps` call says whose creator is alive.
  const creators = records.flatMap((r) => r.creator ? [r.creator] : []);
  const live = await liveOwners(creators);
  // After the runtime's answer, so that a container exiting in between is seen as exited.
  const exited = await engine.monitor.exitedIds?.(engine.paths.exitDir);
  const views: ContainerView[] = [];
  for (const rec of records) {
    const view = await viewOf(engine, rec, states.get(rec.id) ?? "missing", live, exited);
    if (filter.status === undefined || view.status === filter.status) views.push(view);
  }
  return views;
}
