/**
 * `runContainer`: create and start in one operation (`rkl container run`). A failed start
 * undoes the creation. No runtime state query on this path: it is the hot path.
 *
 * @module
 */
import type { ContainerRecord } from "../store/containers.ts";
import { UndoStack } from "../undo.ts";
import type { ContainerConfig } from "./config.ts";
import { createContainer } from "./create.ts";
import { type Engine, faultPoint } from "./engine.ts";
import { startCreated } from "./start.ts";

/**
 * Creates and starts a container; returns once the runtime reports it started (conmon keeps
 * watching it).
 *
 * @example
 * ```ts ignore
 * import { runContainer } from "./run.ts";
 * const rec = await runContainer(engine, { name: "web", image: "/abs/busybox", args: ["sleep", "100"] });
 * ```
 */
export async function runContainer(
  engine: Engine,
  config: ContainerConfig,
): Promise<ContainerRecord> {
  const undo = new UndoStack();
  return await undo.guard(async () => {
    const rec = await createContainer(engine, config, undo);
    await faultPoint(engine, "before-start", rec.id);
    await startCreated(engine, rec);
    return rec;
  });
}
