/**
 * CRI RemovePodSandbox: kills and removes every container of the sandbox, detaches its network,
 * releases its volumes and pod cgroup, then deletes its state dir and record. Every step runs
 * even when one fails; the record is kept on failure so removal can be retried.
 *
 * @module
 */
import { join } from "../path.ts";
import { removeCgroups } from "../cgroup/mod.ts";
import { cgroupPathOf } from "../container/_files.ts";
import type { Engine } from "../container/engine.ts";
import { teardownRecord } from "../container/remove.ts";
import { listContainerRecords } from "../store/containers.ts";
import { NotFoundError } from "../errors.ts";
import { StepRunner } from "../step_runner.ts";
import { deleteSandboxRecord, findSandbox, type SandboxRecord } from "./pod_store.ts";
import { planVolumes } from "./pod_translate.ts";
import { releaseVolumes } from "./pod_volumes.ts";
import { unpinNamespaces } from "./pod_namespaces.ts";
import { mayHaveAttachment } from "./sandbox.ts";
import { removeIfExists } from "../fs.ts";

/**
 * Removes a sandbox: stops it, removes every container, the network attachment, volumes, the
 * pod cgroup, the state dir and finally the record (CRI RemovePodSandbox). Every step runs even
 * when one fails; on failure the record is kept so removal can be retried. Idempotent: a sandbox
 * that does not exist is not an error.
 */
export async function removePodSandbox(
  engine: Engine,
  ref: string,
  namespace = "default",
): Promise<void> {
  let rec: SandboxRecord;
  try {
    rec = findSandbox(engine.db, ref, namespace);
  } catch (e) {
    if (e instanceof NotFoundError) return;
    throw e;
  }
  await teardownSandbox(engine, rec);
}

/** Tears down everything of a sandbox record (see {@linkcode removePodSandbox}). */
export async function teardownSandbox(engine: Engine, rec: SandboxRecord): Promise<void> {
  const steps = new StepRunner();
  // Containers (app and pause) are killed and removed, and the network detached, all at once:
  // nothing is left to protect once the pod goes, and CNI DEL does not need the processes.
  // The runtime's forced delete kills a running or created container (SIGKILL) and removes it
  // in one process; the teardown waits for its monitor's exit file.
  // The records are enough (no runtime list first).
  const records = listContainerRecords(engine.db, { owner: rec.id });
  const provider = engine.network;
  await steps.runAll([
    ...records.map((c) => ({
      name: c.id === rec.pauseContainerId
        ? `remove pause container of ${rec.name}`
        : `remove container ${c.name}`,
      // Its cgroup goes with the pod's below (one `rmdir` per pod, not one per container).
      run: () => teardownRecord(engine, c, { keepCgroup: true }),
    })),
    ...(mayHaveAttachment(rec) && provider
      ? [{ name: `detach network of ${rec.name}`, run: () => provider.detach(rec.id) }]
      : []),
    // The namespaces live on while a process is in them: unpinning can go with the rest.
    { name: `unpin the namespaces of ${rec.name}`, run: () => unpinNamespaces(rec.stateDir) },
  ]);
  const volumes = planVolumes(rec.manifest?.volumes ?? [], join(rec.stateDir, "volumes"));
  await steps.run(`release volumes of ${rec.name}`, () => releaseVolumes(volumes));
  await steps.run(
    `remove the cgroups of ${rec.name} (${rec.cgroupParent})`,
    () =>
      removeCgroups([
        ...records.map((c) => cgroupPathOf(c.id, c.config.cgroupParent)),
        rec.cgroupParent,
      ]),
  );
  // The record is kept when anything failed, so the removal can be retried.
  await steps.runIfClean(
    `remove pod state dir ${rec.stateDir}`,
    () => removeIfExists(rec.stateDir),
  );
  await steps.runIfClean(
    `delete pod record ${rec.name}`,
    () => deleteSandboxRecord(engine.db, rec.id),
  );
  steps.throwIfFailed();
}
