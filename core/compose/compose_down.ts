/**
 * The executor of `rkl compose down`: stops and removes every pod of the project (read back from
 * the store, so it works from a fresh process and after a crash half way through `up`), then the
 * networks `up` created, and with `volumes` the named volumes. Each step runs even when another
 * fails; the failures are reported together.
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import { stopPodSandbox } from "../pod/sandbox_stop.ts";
import { teardownSandbox } from "../pod/sandbox_remove.ts";
import { StepRunner } from "../step_runner.ts";
import type { ComposeHost } from "./compose_up.ts";
import {
  composeDirs,
  projectDir,
  projectPods,
  readProjectState,
  writeProjectState,
} from "./project_state.ts";
import { volumePath } from "./translate.ts";

/** Options of {@linkcode composeDown}. */
export interface ComposeDownOptions {
  /** `-v`: remove named volumes too. */
  volumes?: boolean;
  /** `-t`: seconds to wait for containers to stop (default: each service's stop_grace_period). */
  timeoutSeconds?: number;
}

/**
 * Removes the project (see the module doc). Idempotent: a project with nothing left is not an
 * error.
 */
export async function composeDown(
  engine: Engine,
  host: ComposeHost,
  project: string,
  opts: ComposeDownOptions = {},
): Promise<void> {
  const emit = host.onEvent ?? (() => {});
  const dirs = composeDirs(engine.paths.dataDir);
  const steps = new StepRunner();
  const step = (name: string, fn: () => Promise<unknown>) => steps.run(name, fn);
  await Promise.all(
    projectPods(engine, project).map(async (p) => {
      const rec = p.record;
      emit({ kind: "Container", name: rec.name, status: "Stopping" });
      // A graceful stop first (the stop signal, then SIGKILL after the grace period), then
      // removal. With no grace period (`-t 0`) removal alone kills everything at once, as
      // docker's SIGKILL does, without listing and stopping the containers a first time.
      const grace = opts.timeoutSeconds ?? rec.manifest?.terminationGracePeriodSeconds;
      if (!rec.stopped && rec.pauseContainerId !== undefined && grace !== 0) {
        await step(
          `stop ${rec.name}`,
          () => stopPodSandbox(engine, rec.id, opts.timeoutSeconds, rec.namespace),
        );
      }
      const ok = await step(`remove ${rec.name}`, () => teardownSandbox(engine, rec));
      // A crash during CNI ADD leaves an attachment the record does not name yet: release it
      // by the sandbox id (a no-op when there is none).
      if (ok && engine.network) {
        await step(`release network of ${rec.name}`, () => engine.network!.detach(rec.id));
      }
      if (ok) emit({ kind: "Container", name: rec.name, status: "Removed" });
    }),
  );
  const state = await readProjectState(dirs, project);
  const remainingNets: string[] = [];
  for (const net of state?.networks ?? []) {
    const ok = await step(`remove network ${net}`, async () => {
      if (await host.networks.exists(net)) {
        await host.networks.remove(net);
        emit({ kind: "Network", name: net, status: "Removed" });
      }
    });
    if (!ok) remainingNets.push(net);
  }
  const remainingVols: string[] = [];
  for (const vol of state?.volumes ?? []) {
    if (!opts.volumes) {
      remainingVols.push(vol);
      continue;
    }
    const ok = await step(`remove volume ${vol}`, async () => {
      try {
        await Deno.remove(volumePath(dirs.volumesDir, vol), { recursive: true });
        emit({ kind: "Volume", name: vol, status: "Removed" });
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    });
    if (!ok) remainingVols.push(vol);
  }
  if (state) {
    if (remainingNets.length === 0 && remainingVols.length === 0) {
      await step("remove project state", async () => {
        try {
          await Deno.remove(projectDir(dirs, project), { recursive: true });
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      });
    } else {
      // Kept volumes (no -v) and anything that failed stay listed for a later down.
      await step(
        "update project state",
        () =>
          writeProjectState(dirs, { ...state, networks: remainingNets, volumes: remainingVols }),
      );
    }
  }
  steps.throwIfFailed();
}
