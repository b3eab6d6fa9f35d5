/**
 * `stopContainer`: SIGTERM (or the container's `stopSignal`), wait up to the grace period for conmon's exit file, then SIGKILL
 * (CRI StopContainer). Stopping a stopped container is a no-op.
 *
 * @module
 */
import { RkError } from "../errors.ts";
import { RuntimeError } from "../runtime/oci_runtime.ts";
import { type ContainerRecord, findContainer, updateContainer } from "../store/containers.ts";
import { waitForExit } from "./_files.ts";
import type { Engine } from "./engine.ts";
import { inspectRecord } from "./inspect.ts";
import { canStop, type ContainerView, requireStatus } from "./status.ts";

/** How long to wait for the exit file after SIGKILL. */
const KILL_WAIT_MS = 10_000;

/** Sends `signal`, tolerating a container that exited meanwhile. */
export async function signalContainer(
  engine: Engine,
  rec: ContainerRecord,
  signal: string,
): Promise<void> {
  const sharedPid = rec.config.namespaces?.pid !== undefined && rec.config.namespaces.pid !== "new";
  try {
    await engine.runtime.kill(rec.id, signal, { all: sharedPid && signal === "SIGKILL" });
  } catch (e) {
    if (e instanceof RuntimeError && e.failure === "not-running") return;
    throw e;
  }
}

/** Stops the container of `rec` whose current view is `view`. */
export async function stopRecord(
  engine: Engine,
  rec: ContainerRecord,
  view: ContainerView,
  graceSeconds: number,
): Promise<ContainerView> {
  if (view.status === "stopped") return view;
  requireStatus("stop", rec.name, view.status, canStop);
  let exit = undefined;
  if (view.status === "running" && graceSeconds > 0) {
    await signalContainer(engine, rec, rec.config.stopSignal ?? "SIGTERM");
    exit = await waitForExit(engine, rec.id, graceSeconds * 1000);
  }
  if (!exit) {
    await signalContainer(engine, rec, "SIGKILL");
    exit = await waitForExit(engine, rec.id, KILL_WAIT_MS);
  }
  if (!exit) {
    throw new RkError(
      `Container "${rec.name}" did not exit within ${KILL_WAIT_MS} ms of SIGKILL`,
    );
  }
  updateContainer(engine.db, rec.id, { exitCode: exit.code, finishedAt: exit.finishedAt });
  rec.exitCode = exit.code;
  rec.finishedAt = exit.finishedAt;
  return await inspectRecord(engine, rec);
}

/**
 * Stops the container `ref`, giving it `graceSeconds` to exit after SIGTERM.
 *
 * @example
 * ```ts ignore
 * import { stopContainer } from "./stop.ts";
 * const view = await stopContainer(engine, "web", 2);
 * console.log(view.exitCode); // 137 when SIGKILL was needed
 * ```
 */
export async function stopContainer(
  engine: Engine,
  ref: string,
  graceSeconds = 10,
): Promise<ContainerView> {
  const rec = findContainer(engine.db, ref);
  return await stopRecord(engine, rec, await inspectRecord(engine, rec), graceSeconds);
}
