/**
 * The pure pod planner: `planPod(shape, observed, options) → actions`. The one-shot runner
 * (`rkl pod run`), the daemon and the cluster node agent all decide what to do next here.
 *
 * @module
 */
import type { ContainerObservation, PodObservation, PodShape } from "./pod_status.ts";

/** One step the executor should take, with the reason it is needed. */
export type PodAction =
  | { kind: "runSandbox"; reason: string }
  | { kind: "recreateSandbox"; reason: string }
  | { kind: "runInit"; container: string; reason: string }
  | { kind: "startContainer"; container: string; reason: string }
  | { kind: "restartContainer"; container: string; reason: string }
  | { kind: "wait"; reason: string; container?: string; untilMs?: number }
  | { kind: "failPod"; reason: string; container?: string; exitCode?: number };

/** The kinds of {@linkcode PodAction}. */
export type PodActionKind = PodAction["kind"];

/** Options of {@linkcode planPod}. */
export interface PlanOptions {
  /**
   * Apply the restart policy. The one-shot `rkl pod run` does not (a failing init container
   * fails the pod); a supervisor (daemon, node agent) does.
   */
  restarts: boolean;
  /** Current time (ms since the epoch), for restart back-off. */
  now: number;
  /** First back-off delay; doubles per restart up to `maxBackoffMs`. Default 10 s. */
  baseBackoffMs?: number;
  /** Longest back-off. Default 300 s. */
  maxBackoffMs?: number;
}

/**
 * Delay before restarting a container that has restarted `restartCount` times (kubelet style:
 * 10 s, 20 s, 40 s, ... up to 5 min).
 *
 * @example
 * ```ts
 * import { restartBackoffMs } from "./pod_planner.ts";
 * import assert from "node:assert/strict";
 * assert.equal(restartBackoffMs(0), 10_000);
 * assert.equal(restartBackoffMs(3), 80_000);
 * assert.equal(restartBackoffMs(20), 300_000);
 * ```
 */
export function restartBackoffMs(restartCount: number, base = 10_000, max = 300_000): number {
  return Math.min(max, base * 2 ** Math.min(restartCount, 30));
}

function wantsRestart(policy: PodShape["restartPolicy"], exitCode: number | undefined): boolean {
  if (policy === "Always") return true;
  if (policy === "OnFailure") return exitCode !== 0;
  return false;
}

function restartOrWait(
  name: string,
  c: ContainerObservation,
  opts: PlanOptions,
  what: string,
): PodAction {
  const delay = restartBackoffMs(c.restartCount, opts.baseBackoffMs, opts.maxBackoffMs);
  const until = (c.finishedAt ?? 0) + delay;
  if (c.restartCount > 0 && until > opts.now) {
    return { kind: "wait", container: name, untilMs: until, reason: "CrashLoopBackOff" };
  }
  return {
    kind: "restartContainer",
    container: name,
    reason: `${what} "${name}" exited with code ${c.exitCode ?? "unknown"}`,
  };
}

/**
 * Decides the next steps for a pod. An empty list means the pod is where it should be.
 * Init containers run one at a time in order; app containers start together once every init
 * container has completed; a failing init container fails the pod unless restarts apply.
 *
 * @example
 * ```ts
 * import { planPod } from "./pod_planner.ts";
 * import assert from "node:assert/strict";
 * const shape = { initContainers: ["init"], containers: ["app"], restartPolicy: "Never" } as const;
 * const actions = planPod(shape, {
 *   sandbox: "ready",
 *   containers: { init: { state: "exited", exitCode: 3, restartCount: 0 } },
 * }, { restarts: false, now: 0 });
 * assert.deepEqual(actions.map((a) => a.kind), ["failPod"]);
 * ```
 */
export function planPod(shape: PodShape, obs: PodObservation, opts: PlanOptions): PodAction[] {
  if (obs.sandbox === "absent") return [{ kind: "runSandbox", reason: "pod has no sandbox" }];
  if (obs.sandbox === "unknown") return [{ kind: "wait", reason: "sandbox state is unknown" }];
  const anyExisting = [...shape.initContainers, ...shape.containers].some((n) =>
    obs.containers[n] !== undefined
  );
  if (obs.sandbox === "notready") {
    const apps = shape.containers.map((n) => obs.containers[n]);
    const finished = apps.length > 0 &&
      apps.every((c) => c?.state === "exited" && !wantsRestart(shape.restartPolicy, c.exitCode));
    if (finished) return [];
    if (opts.restarts) {
      return [{ kind: "recreateSandbox", reason: "sandbox is not ready (pause process exited)" }];
    }
    return [{
      kind: "failPod",
      reason: anyExisting ? "sandbox stopped while the pod ran" : "sandbox is not ready",
    }];
  }

  for (const name of shape.initContainers) {
    const c = obs.containers[name];
    if (c === undefined) {
      return [{ kind: "runInit", container: name, reason: `init container "${name}" is next` }];
    }
    if (c.state === "created") {
      return [{ kind: "runInit", container: name, reason: `init container "${name}" was created` }];
    }
    if (c.state === "running" || c.state === "unknown") {
      return [{ kind: "wait", container: name, reason: `init container "${name}" is ${c.state}` }];
    }
    if (c.exitCode === 0) continue;
    if (opts.restarts && shape.restartPolicy !== "Never") {
      return [restartOrWait(name, c, opts, "init container")];
    }
    const action: PodAction = {
      kind: "failPod",
      container: name,
      reason: `init container "${name}" failed with exit code ${c.exitCode ?? "unknown"}`,
    };
    if (c.exitCode !== undefined) action.exitCode = c.exitCode;
    return [action];
  }

  const actions: PodAction[] = [];
  for (const name of shape.containers) {
    const c = obs.containers[name];
    if (c === undefined || c.state === "created") {
      actions.push({
        kind: "startContainer",
        container: name,
        reason: c === undefined
          ? `container "${name}" is not created`
          : `container "${name}" was created`,
      });
    } else if (
      c.state === "exited" && opts.restarts && wantsRestart(shape.restartPolicy, c.exitCode)
    ) {
      actions.push(restartOrWait(name, c, opts, "container"));
    }
  }
  return actions;
}
