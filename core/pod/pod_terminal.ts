/**
 * Terminal pods release what they hold, as the kubelet does: once a pod's phase is `Succeeded`
 * or `Failed` (every app container finished under `restartPolicy: Never` or `OnFailure`, or an
 * init container failed under `Never`), its sandbox is stopped so the pause process ends and
 * the pod IP and host ports are free again. Container statuses, exit codes and logs stay
 * readable until the pod is removed.
 *
 * {@linkcode planTerminalPod} is the pure decision (the daemon calls it on every sync);
 * {@linkcode releaseTerminalPods} applies it to every pod of an engine (`rkl pod run|start`,
 * `rkl pod list|state` and `rkl gc` call it).
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import type { ContainerObservation, PodObservation, PodShape } from "./pod_status.ts";
import { summarizePod } from "./pod_status.ts";
import { podShape } from "./pod_status.ts";
import { listSandboxRecords, type SandboxRecord } from "./pod_store.ts";
import { listPods, type PodView } from "./pod_view.ts";
import { lazyImport } from "../lazy_import.ts";

/** What to do with a terminal pod whose sandbox still runs. */
export interface TerminalPodAction {
  /** Stop the sandbox: end the pause process, release the IP and host ports. */
  kind: "stop-sandbox";
  /** The terminal phase. */
  phase: "Succeeded" | "Failed";
  /** Why, for messages: `all containers completed`, `init container "x" failed`, ... */
  reason: string;
}

/**
 * Decides whether a pod is terminal while its sandbox is still ready. Returns the action, or
 * undefined when the pod still runs, will be restarted (`Always`, or `OnFailure` after a
 * failure), or its sandbox is already stopped.
 *
 * @example
 * ```ts
 * import { planTerminalPod } from "./pod_terminal.ts";
 * import assert from "node:assert/strict";
 * const shape = { initContainers: [], containers: ["job"], restartPolicy: "Never" as const };
 * const done = { state: "exited" as const, exitCode: 0, restartCount: 0 };
 * assert.deepEqual(planTerminalPod(shape, { sandbox: "ready", containers: { job: done } }), {
 *   kind: "stop-sandbox", phase: "Succeeded", reason: "all containers completed",
 * });
 * assert.equal(
 *   planTerminalPod({ ...shape, restartPolicy: "Always" }, { sandbox: "ready", containers: { job: done } }),
 *   undefined,
 * );
 * ```
 */
export function planTerminalPod(
  shape: PodShape,
  obs: PodObservation,
): TerminalPodAction | undefined {
  if (obs.sandbox !== "ready") return undefined;
  const { phase } = summarizePod(shape, obs);
  if (phase !== "Succeeded" && phase !== "Failed") return undefined;
  const failedInit = shape.initContainers.find((n) => {
    const c = obs.containers[n];
    return c?.state === "exited" && c.exitCode !== 0;
  });
  let reason: string;
  if (failedInit !== undefined) {
    reason = `init container "${failedInit}" failed with exit code ${
      obs.containers[failedInit]!.exitCode
    }`;
  } else {
    const failed = shape.containers.filter((n) => obs.containers[n]?.exitCode !== 0);
    reason = failed.length === 0
      ? "all containers completed"
      : `container${failed.length > 1 ? "s" : ""} ${failed.map((n) => `"${n}"`).join(", ")} failed`;
  }
  return { kind: "stop-sandbox", phase, reason };
}

/** The observation of a pod as its view shows it. */
function observationOf(view: PodView): PodObservation {
  const containers: Record<string, ContainerObservation> = {};
  for (const c of view.containers) {
    if (c.state === "waiting") continue;
    const o: ContainerObservation = { state: c.state, restartCount: c.restartCount };
    if (c.exitCode !== undefined) o.exitCode = c.exitCode;
    if (c.finishedAt !== undefined) o.finishedAt = c.finishedAt;
    containers[c.name] = o;
  }
  return { sandbox: view.sandbox, containers };
}

/** A pod whose sandbox {@linkcode releaseTerminalPods} stopped. */
export interface ReleasedPod {
  /** Pod name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Sandbox id. */
  id: string;
  /** The terminal phase. */
  phase: "Succeeded" | "Failed";
  /** Why it is terminal. */
  reason: string;
  /** The IPs it held (free again). */
  ips: string[];
}

/**
 * Stops the sandbox of every terminal pod (optionally of one namespace, or the pods `only`
 * names by sandbox id). Statuses, exit codes and logs stay; the IP and host ports are released.
 * `views`: the pods as the caller just listed them with `listPods` (same namespace), so they are
 * not listed again; `records`: the sandbox records the caller just read (`listSandboxRecords`),
 * so that they are not read and parsed again. A pod whose stop fails is skipped and the error
 * rethrown after the others were handled.
 *
 * @example
 * ```ts ignore
 * import { releaseTerminalPods } from "./pod_terminal.ts";
 * for (const p of await releaseTerminalPods(engine)) console.log(`${p.name}: ${p.phase}`);
 * ```
 */
export async function releaseTerminalPods(
  engine: Engine,
  opts: {
    namespace?: string;
    only?: readonly string[];
    views?: readonly PodView[];
    records?: readonly SandboxRecord[];
  } = {},
): Promise<ReleasedPod[]> {
  const released: ReleasedPod[] = [];
  const errors: unknown[] = [];
  const views = opts.views ??
    await listPods(engine, opts.namespace ? { namespace: opts.namespace } : {});
  const recs = new Map((opts.records ?? listSandboxRecords(engine.db)).map((r) => [r.id, r]));
  for (const view of views) {
    if (opts.only !== undefined && !opts.only.includes(view.id)) continue;
    const manifest = recs.get(view.id)?.manifest;
    if (manifest === undefined) continue;
    const action = planTerminalPod(podShape(manifest), observationOf(view));
    if (action === undefined) continue;
    try {
      // Loaded only when a pod is terminal: listing pods does not load the stop path.
      const { stopPodSandbox } = await lazyImport<typeof import("./sandbox_stop.ts")>(
        new URL("./sandbox_stop.ts", import.meta.url),
      );
      await stopPodSandbox(engine, view.id, 0, view.namespace);
      released.push({
        name: view.name,
        namespace: view.namespace,
        id: view.id,
        phase: action.phase,
        reason: action.reason,
        ips: view.ips,
      });
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, "Could not stop terminal pods");
  return released;
}
