/**
 * Garbage collection of creations whose process died (`kill -9`, a crash, a reboot) before
 * they finished: a container (not part of a pod) or a pod sandbox whose record still names a
 * creator that is gone. Each is removed as its own rollback would have removed it — container,
 * network attachment, rootfs, cgroups, state dir, record — so one `rkl gc` recovers from a
 * crash at any point. A pure planner ({@linkcode planInterruptedGc}) and an executor
 * ({@linkcode collectInterrupted}).
 *
 * @module
 */
import type { Engine } from "./container/engine.ts";
import { listContainers } from "./container/list.ts";
import { removeContainer } from "./container/remove.ts";
import { liveOwners, ownerKey, type OwnerProcess } from "./owner_process.ts";
import { listSandboxRecords } from "./pod/pod_store.ts";
import { teardownSandbox } from "./pod/sandbox_remove.ts";
import { StepRunner } from "./step_runner.ts";

/** One interrupted creation to remove. */
export interface InterruptedAction {
  /** What it is. */
  kind: "container" | "pod";
  /** Record id. */
  id: string;
  /** Name (`namespace/name` for a pod). */
  name: string;
  /** The creator that is gone. */
  creator: OwnerProcess;
}

/** What {@linkcode planInterruptedGc} looks at. */
export interface InterruptedFacts {
  /** Containers without owner: their creator and whether their view says `interrupted`. */
  containers: readonly { id: string; name: string; creator?: OwnerProcess; interrupted: boolean }[];
  /** Pod sandboxes with their creator. */
  pods: readonly { id: string; name: string; namespace: string; creator?: OwnerProcess }[];
  /** `ownerKey`s of the creators that are alive. */
  liveCreators: ReadonlySet<string>;
}

/**
 * Decides which creations were interrupted: a container whose view says so (its creator is
 * gone and it never finished), and a pod whose creator is set and not alive. A creation whose
 * creator runs is never touched.
 *
 * @example
 * ```ts
 * import { planInterruptedGc } from "./interrupted_gc.ts";
 * import assert from "node:assert/strict";
 * const gone = { pid: 7, startedAt: 1000 };
 * const alive = { pid: 8, startedAt: 1000 };
 * const actions = planInterruptedGc({
 *   containers: [
 *     { id: "c1", name: "cut", creator: gone, interrupted: true },
 *     { id: "c2", name: "done", interrupted: false },
 *   ],
 *   pods: [
 *     { id: "p1", name: "cut", namespace: "default", creator: gone },
 *     { id: "p2", name: "busy", namespace: "default", creator: alive },
 *     { id: "p3", name: "done", namespace: "default" },
 *   ],
 *   liveCreators: new Set(["8@1000"]),
 * });
 * assert.deepEqual(actions.map((a) => `${a.kind} ${a.name}`), ["container cut", "pod default/cut"]);
 * ```
 */
export function planInterruptedGc(facts: InterruptedFacts): InterruptedAction[] {
  const actions: InterruptedAction[] = [];
  for (const c of facts.containers) {
    if (c.interrupted && c.creator !== undefined) {
      actions.push({ kind: "container", id: c.id, name: c.name, creator: c.creator });
    }
  }
  for (const p of facts.pods) {
    if (p.creator !== undefined && !facts.liveCreators.has(ownerKey(p.creator))) {
      actions.push({ kind: "pod", id: p.id, name: `${p.namespace}/${p.name}`, creator: p.creator });
    }
  }
  return actions;
}

/** What {@linkcode collectInterrupted} removed, one line each. */
export interface InterruptedGcReport {
  /** Human-readable lines, e.g. `removed pod default/web: its creation was interrupted ...`. */
  details: string[];
}

/**
 * Plans ({@linkcode planInterruptedGc}) and removes every interrupted creation: containers with
 * `removeContainer(…, { force: true })`, pods with `teardownSandbox`. Every removal runs even
 * when one fails; the failures are thrown together afterwards (`CleanupError`).
 *
 * @example
 * ```ts ignore
 * import { collectInterrupted } from "./interrupted_gc.ts";
 * console.log((await collectInterrupted(engine)).details.join("\n"));
 * ```
 */
export async function collectInterrupted(engine: Engine): Promise<InterruptedGcReport> {
  const containers = await listContainers(engine, { owner: null });
  const pods = listSandboxRecords(engine.db);
  const liveCreators = await liveOwners(pods.flatMap((p) => p.creator ? [p.creator] : []));
  const actions = planInterruptedGc({
    containers: containers.map((v) => ({
      id: v.record.id,
      name: v.record.name,
      ...(v.record.creator ? { creator: v.record.creator } : {}),
      interrupted: v.interrupted === true,
    })),
    pods,
    liveCreators,
  });
  const details: string[] = [];
  const steps = new StepRunner();
  for (const a of actions) {
    await steps.run(`remove interrupted ${a.kind} ${a.name}`, async () => {
      if (a.kind === "container") await removeContainer(engine, a.id, { force: true });
      else {
        const rec = pods.find((p) => p.id === a.id);
        if (rec) await teardownSandbox(engine, rec);
      }
      details.push(
        `removed ${a.kind} ${a.name}: its creation was interrupted (pid ${a.creator.pid} is gone)`,
      );
    });
  }
  steps.throwIfFailed();
  return { details };
}
