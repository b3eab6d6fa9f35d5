/**
 * Starting a compose pod again from its stored manifest (`rkl compose start`/`restart`, and the
 * dependents `up` restarts for `depends_on.<service>.restart`): the old sandbox is torn down and
 * the same manifest runs again, with ephemeral host ports picked anew as docker does.
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import { ConflictError, RkError } from "../errors.ts";
import { runPod } from "../pod/pod_runner.ts";
import type { SandboxRecord } from "../pod/pod_store.ts";
import { teardownSandbox } from "../pod/sandbox_remove.ts";
import {
  ANNOTATION_EPHEMERAL_PORTS,
  pickEphemeralPort,
  type PortPicker,
  withNewEphemeralPorts,
} from "./ephemeral_ports.ts";

/**
 * Tears down `record`'s sandbox and runs its manifest again. Ephemeral host ports are allocated
 * anew on each start (docker frees them on stop, moby#35102); another process may take the picked
 * one first, then another is picked (at most 3 tries). Returns false for a pod without a stored
 * manifest (nothing to start from); throws {@linkcode RkError} when the pod fails to start.
 */
export async function startPodAgain(
  engine: Engine,
  record: SandboxRecord,
  pickPort: PortPicker = pickEphemeralPort,
): Promise<boolean> {
  const manifest = record.manifest;
  if (!manifest) return false;
  await teardownSandbox(engine, record);
  for (let attempt = 1;; attempt++) {
    try {
      const r = await runPod(engine, await withNewEphemeralPorts(manifest, pickPort));
      if (r.failure) throw new RkError(r.failure.reason);
      return true;
    } catch (err) {
      const retry = err instanceof ConflictError && attempt < 3 &&
        manifest.annotations[ANNOTATION_EPHEMERAL_PORTS] !== undefined;
      if (!retry) throw err;
    }
  }
}
