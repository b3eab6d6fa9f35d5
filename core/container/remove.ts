/**
 * `removeContainer`: deletes the runtime container, its cgroup, network attachment, writable
 * layer, state dir, exit file and record (CRI RemoveContainer). A running container needs
 * `force` (it is killed first). Every step runs even when one fails; on failure the record is
 * kept so the removal can be retried, and the failures are reported together.
 *
 * @module
 */
import { StepRunner } from "../step_runner.ts";
import { type ContainerRecord, deleteContainerRecord, findContainer } from "../store/containers.ts";
import { cgroupPathOf, destroyRuntimeContainer, removeIfExists } from "./_files.ts";
import type { Engine } from "./engine.ts";
import { inspectRecord } from "./inspect.ts";
import { canDelete, requireStatus } from "./status.ts";
import { stopRecord } from "./stop.ts";

/** Options of {@linkcode removeContainer}. */
export interface RemoveOptions {
  /** Kill a running container first. */
  force?: boolean;
}

/** Options of {@linkcode teardownRecord}. */
export interface TeardownOptions {
  /**
   * Leave the container's cgroup directory to the caller, which removes it with others in one
   * `rmdir` (a pod's teardown: its containers' cgroups, then the pod's).
   */
  keepCgroup?: boolean;
}

/** Tears down everything of `rec` (the runtime container must not be running, or be forced). */
export async function teardownRecord(
  engine: Engine,
  rec: ContainerRecord,
  opts: TeardownOptions = {},
): Promise<void> {
  const steps = new StepRunner();
  await steps.run(
    `delete runtime container ${rec.name}`,
    () =>
      destroyRuntimeContainer(
        engine,
        rec.id,
        cgroupPathOf(rec.id, rec.config.cgroupParent),
        rec.pid !== undefined,
        !opts.keepCgroup,
      ),
  );
  // Write-ahead: a create killed during CNI ADD leaves an attachment its record does not name
  // yet, so detach whenever the engine could have attached one (detach is idempotent).
  const mayBeAttached = rec.netnsPath !== undefined ||
    (engine.network !== undefined && !rec.config.hostNetwork &&
      rec.config.namespaces?.network === undefined);
  if (mayBeAttached) {
    const provider = engine.network;
    await steps.run(`detach network of ${rec.name}`, () => {
      if (!provider) throw new Error("no network provider configured to detach it");
      return provider.detach(rec.id);
    });
  }
  await steps.run(
    `release rootfs ${rec.stateDir}`,
    () => engine.rootfs.unmount(rec.image, rec.stateDir),
  );
  // The record is kept when anything failed, so the removal can be retried.
  await steps.runIfClean(`remove state dir ${rec.stateDir}`, () => removeIfExists(rec.stateDir));
  await steps.runIfClean(
    `delete record ${rec.name}`,
    () => deleteContainerRecord(engine.db, rec.id),
  );
  steps.throwIfFailed();
}

/**
 * Removes the container `ref`.
 *
 * @example
 * ```ts ignore
 * import { removeContainer } from "./remove.ts";
 * await removeContainer(engine, "web", { force: true });
 * ```
 */
export async function removeContainer(
  engine: Engine,
  ref: string,
  opts: RemoveOptions = {},
): Promise<ContainerRecord> {
  const rec = findContainer(engine.db, ref);
  const view = await inspectRecord(engine, rec);
  if (!opts.force) requireStatus("remove", rec.name, view.status, canDelete);
  else if (view.status === "running" || view.status === "created") {
    await stopRecord(engine, rec, view, 0);
  }
  await teardownRecord(engine, rec);
  return rec;
}
