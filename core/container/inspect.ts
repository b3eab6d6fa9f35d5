/**
 * `containerStatus`: one container's record with its status derived from the runtime's state
 * and conmon's exit file. An exit observed for the first time is recorded in the database, so
 * it survives the loss of `/run` (reboot).
 *
 * @module
 */
import { ownerAlive, ownerKey } from "../owner_process.ts";
import type { ExitInfo } from "../runtime/conmon.ts";
import { type ContainerRecord, findContainer, updateContainer } from "../store/containers.ts";
import type { Engine } from "./engine.ts";
import { type ContainerView, deriveStatus, type RuntimeFact } from "./status.ts";

/**
 * Derives the view of `rec` from a runtime fact, reading the exit file and recording it. A
 * record still being created asks whether its creator is alive: in `liveCreators` (the
 * `ownerKey`s of live creators, when the caller asked for many at once) or with one `ps` call.
 */
export async function viewOf(
  engine: Engine,
  rec: ContainerRecord,
  runtime: RuntimeFact,
  liveCreators?: ReadonlySet<string>,
  exitedIds?: ReadonlySet<string>,
): Promise<ContainerView> {
  let exit: ExitInfo | undefined;
  // `exitedIds` (one read of the exit directory, taken after the runtime's answer) says which
  // containers have an exit file: the others are not read.
  if (rec.exitCode === undefined && (exitedIds === undefined || exitedIds.has(rec.id))) {
    exit = await engine.monitor.readExit(engine.paths.exitDir, rec.id);
    if (exit) {
      updateContainer(engine.db, rec.id, { exitCode: exit.code, finishedAt: exit.finishedAt });
      rec.exitCode = exit.code;
      rec.finishedAt = exit.finishedAt;
    }
  }
  const creator = rec.creator;
  const creatorGone = creator !== undefined && exit === undefined && rec.exitCode === undefined &&
    !(liveCreators ? liveCreators.has(ownerKey(creator)) : await ownerAlive(creator));
  return deriveStatus(rec, runtime, exit, { creatorGone });
}

/** The view of a record, asking the runtime for its state (one runtime call). */
export async function inspectRecord(
  engine: Engine,
  rec: ContainerRecord,
): Promise<ContainerView> {
  if (rec.exitCode !== undefined) return deriveStatus(rec, "missing", undefined);
  const exit = await engine.monitor.readExit(engine.paths.exitDir, rec.id);
  if (exit) return await viewOf(engine, rec, "missing");
  const state = await engine.runtime.state(rec.id);
  return await viewOf(engine, rec, state ?? "missing");
}

/**
 * Status of the container named or identified by `ref` (id, name or unique id prefix), as
 * CRI's ContainerStatus.
 *
 * @example
 * ```ts ignore
 * import { containerStatus } from "./inspect.ts";
 * const view = await containerStatus(engine, "web");
 * console.log(view.status, view.pid, view.exitCode);
 * ```
 */
export async function containerStatus(engine: Engine, ref: string): Promise<ContainerView> {
  return await inspectRecord(engine, findContainer(engine.db, ref));
}
