/**
 * `startContainer`: starts a created container (CRI StartContainer).
 *
 * @module
 */
import { type ContainerRecord, findContainer, updateContainer } from "../store/containers.ts";
import type { Engine } from "./engine.ts";
import { inspectRecord } from "./inspect.ts";
import { canStart, requireStatus } from "./status.ts";

/** Starts `rec` without checking its status first (the caller knows it is created). */
export async function startCreated(engine: Engine, rec: ContainerRecord): Promise<void> {
  await engine.runtime.start(rec.id);
  rec.startedAt = Date.now();
  updateContainer(engine.db, rec.id, { startedAt: rec.startedAt });
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
