/**
 * `removePod` (`rkl pod rm`): removes a pod and everything it owns, refusing a pod that may
 * still be running unless forced. The decision is {@linkcode canRemovePod}; the work is
 * {@linkcode teardownSandbox} (CRI RemovePodSandbox).
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import { StateError } from "../errors.ts";
import { canRemovePod } from "./pod_status.ts";
import { findSandbox, type SandboxRecord } from "./pod_store.ts";
import { buildPodView } from "./pod_view.ts";
import { listContainers } from "../container/list.ts";
import { teardownSandbox } from "./sandbox_remove.ts";

/** Options of {@linkcode removePod}. */
export interface RemovePodOptions {
  /** Remove the pod even while its containers run (they are killed). */
  force?: boolean;
  /** Namespace of a pod named by name (default `default`). */
  namespace?: string;
}

/**
 * Removes the pod `ref` (name in `opts.namespace`, id, or unique id prefix): every container,
 * the network, volumes, the pod cgroup, the state dir and the record. Without `force` a pod
 * whose sandbox is ready and whose app containers may still run is refused with a
 * {@linkcode StateError} (`Cannot remove pod "web": status is "Running"`); a finished or
 * stopped pod is removed. Throws `NotFoundError` for an unknown pod and `CleanupError` naming
 * what was left behind when a step fails (the record is then kept, so removal can be retried).
 *
 * @example
 * ```ts ignore
 * import { removePod } from "./pod_remove.ts";
 * const rec = await removePod(engine, "web", { force: true });
 * console.log(`removed ${rec.name}`);
 * ```
 */
export async function removePod(
  engine: Engine,
  ref: string,
  opts: RemovePodOptions = {},
): Promise<SandboxRecord> {
  const rec = findSandbox(engine.db, ref, opts.namespace);
  if (!opts.force) {
    const view = buildPodView(rec, await listContainers(engine, { owner: rec.id }));
    const apps = view.containers.filter((c) => !c.init).map((c) => c.state);
    if (!canRemovePod(view.sandbox, apps)) {
      throw new StateError("remove", "pod", rec.name, view.status);
    }
  }
  await teardownSandbox(engine, rec);
  return rec;
}
