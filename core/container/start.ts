/**
 * `startContainer`: starts a created container (CRI StartContainer).
 *
 * @module
 */
import { type ContainerRecord, findContainer, updateContainer } from "../store/containers.ts";
import type { Engine } from "./engine.ts";
import { inspectRecord } from "./inspect.ts";
import { canStart, requireStatus } from "./status.ts";

/**
 * Starts `rec` without checking its status first (the caller knows it is created).
 * The start time is taken just before the runtime is asked to start the process: the process
 * cannot run earlier, and a fast process may already have exited (and conmon stamped its finish
 * time) by the time `start` returns, so a later stamp would put STARTED after FINISHED.
 */
export async function startCreated(engine: Engine, rec: ContainerRecord): Promise<void> {
  const startedAt = Date.now();
  await engine.runtime.start(rec.id);
  rec.startedAt = startedAt;
  // Started: whoever created it is done with it (a `run` killed before this is interrupted).
  const finished = rec.creator !== undefined;
  delete rec.creator;
  updateContainer(engine.db, rec.id, { startedAt, ...(finished ? { creator: undefined } : {}) });
}

/**
 * Starts the container `ref` (id, name or id prefix); it must be `created`.
 *
 * @example
 * ```ts ignore
 * import { startContainer } from "./start.ts";
 * await startContainer(engine, "web");
 * ```
 */
export async function startContainer(engine: Engine, ref: string): Promise<ContainerRecord> {
  const rec = findContainer(engine.db, ref);
  const view = await inspectRecord(engine, rec);
  requireStatus("start", rec.name, view.status, canStart);
  await startCreated(engine, rec);
  return rec;
}
