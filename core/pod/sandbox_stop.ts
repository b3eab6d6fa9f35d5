/**
 * CRI StopPodSandbox: stops the app containers (with the grace period), then the pause process,
 * and releases the pod's network. Idempotent; every step runs even when one fails.
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import { listContainers as engineListContainers } from "../container/list.ts";
import { stopRecord } from "../container/stop.ts";
import { StepRunner } from "../step_runner.ts";
import { findSandbox, type SandboxRecord, updateSandbox } from "./pod_store.ts";
import { mayHaveAttachment } from "./sandbox.ts";

/**
 * Stops every container of the sandbox (app containers with `graceSeconds`, then the pause
 * process) and releases its network (CRI StopPodSandbox). Idempotent.
 */
export async function stopPodSandbox(
  engine: Engine,
  ref: string,
  graceSeconds?: number,
  namespace = "default",
): Promise<SandboxRecord> {
  const rec = findSandbox(engine.db, ref, namespace);
  const grace = graceSeconds ?? rec.manifest?.terminationGracePeriodSeconds ?? 10;
  updateSandbox(engine.db, rec.id, { stopped: true });
  rec.stopped = true;
  const views = await engineListContainers(engine, { owner: rec.id });
  const apps = views.filter((v) => v.record.id !== rec.pauseContainerId);
  const steps = new StepRunner();
  await steps.runAll(apps.map((v) => ({
    name: `stop container ${v.record.name}`,
    run: () => stopRecord(engine, v.record, v, grace),
  })));
  const pause = views.find((v) => v.record.id === rec.pauseContainerId);
  if (pause) {
    await steps.run(
      `stop pause container of ${rec.name}`,
      () => stopRecord(engine, pause.record, pause, 0),
    );
  }
  const provider = engine.network;
  if (mayHaveAttachment(rec) && provider) {
    await steps.run(`detach network of ${rec.name}`, async () => {
      await provider.detach(rec.id);
      // The addresses are free again: a stopped pod shows no IP.
      rec.ips = [];
      updateSandbox(engine.db, rec.id, { ips: [] });
    });
  }
  steps.throwIfFailed();
  return rec;
}
