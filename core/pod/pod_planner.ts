/**
 * The pure pod planner: `planPod(shape, observed, options) → actions`. The one-shot runner
 * (`rkl pod run`), the daemon and the cluster node agent all decide what to do next here.
 *
 * @module
 */
import {
  type ContainerObservation,
  type PodObservation,
  type PodShape,
  restartsAfterExit,
} from "./pod_status.ts";

/** One step the executor should take, with the reason it is needed. */
export type PodAction =
  | { kind: "runSandbox"; reason: string }
  | { kind: "recreateSandbox"; reason: string }
  | { kind: "runInit"; container: string; reason: string }
  | { kind: "startContainer"; container: string; reason: string }
  | {
    kind: "restartContainer";
    container: string;
    reason: string;
    /** Restart count of the new container (the old one's plus one). */
    attempt: number;
    /** Back-off steps of the new container (see `ContainerObservation.backoffSteps`). */
    backoffSteps: number;
  }
  | { kind: "killContainer"; container: string; reason: string }
  | { kind: "wait"; reason: string; container?: string; untilMs?: number }
  | { kind: "failPod"; reason: string; container?: string; exitCode?: number };

/** The kinds of {@linkcode PodAction}. */
export type PodActionKind = PodAction["kind"];

/** The kubelet's restart back-off: first delay, cap and how long a run resets it. */
export interface BackoffOptions {
  /** First back-off delay, ms; doubles per crash up to `maxBackoffMs`. Default 10 s. */
  baseBackoffMs?: number;
  /** Longest back-off, ms. Default 300 s (5 min). */
  maxBackoffMs?: number;
  /** A container that ran at least this long (ms) restarts at once and resets its back-off. Default 600 s (10 min). */
  backoffResetMs?: number;
}

/** Options of {@linkcode planPod}. */
export interface PlanOptions extends BackoffOptions {
  /**
   * Apply the restart policy. The one-shot `rkl pod run` does not (a failing init container
   * fails the pod); a supervisor (daemon, node agent) does.
   */
  restarts: boolean;
  /** Current time (ms since the epoch), for restart back-off. */
  now: number;
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

/** What {@linkcode restartDecision} says about an exited container. */
export interface RestartDecision {
  /** Earliest restart time, ms since the epoch (the exit time when no back-off applies). */
  notBefore: number;
  /** Back-off steps of the container that replaces it. */
  nextBackoffSteps: number;
}

/**
 * When an exited container may restart, as the kubelet decides it: the first crash restarts at
 * once, then 10 s, 20 s, 40 s ... capped at 5 min after each exit; a container that ran for
 * `backoffResetMs` (10 min) or longer resets the back-off and restarts at once.
 * Source: kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts.
 *
 * @example
 * ```ts
 * import { restartDecision } from "./pod_planner.ts";
 * import assert from "node:assert/strict";
 * const exited = { state: "exited", exitCode: 1, restartCount: 3, startedAt: 0, finishedAt: 1_000 } as const;
 * assert.deepEqual(restartDecision(exited), { notBefore: 41_000, nextBackoffSteps: 4 });
 * const ranLong = { ...exited, finishedAt: 600_000 };
 * assert.deepEqual(restartDecision(ranLong), { notBefore: 600_000, nextBackoffSteps: 1 });
 * ```
 */
export function restartDecision(
  c: ContainerObservation,
  opts: BackoffOptions = {},
): RestartDecision {
  const finished = c.finishedAt ?? 0;
  const ran = c.startedAt !== undefined && c.finishedAt !== undefined
    ? c.finishedAt - c.startedAt
    : 0;
  const steps = ran >= (opts.backoffResetMs ?? 600_000) ? 0 : (c.backoffSteps ?? c.restartCount);
  const delay = steps === 0
    ? 0
    : restartBackoffMs(steps - 1, opts.baseBackoffMs, opts.maxBackoffMs);
  return { notBefore: finished + delay, nextBackoffSteps: steps + 1 };
}

function restartOrWait(
  name: string,
  c: ContainerObservation,
  opts: PlanOptions,
  what: string,
): PodAction {
  const d = restartDecision(c, opts);
  if (d.notBefore > opts.now) {
    return { kind: "wait", container: name, untilMs: d.notBefore, reason: "CrashLoopBackOff" };
  }
  const how = c.reason === "OOMKilled"
    ? "was OOMKilled"
    : `exited with code ${c.exitCode ?? "unknown"}`;
  return {
    kind: "restartContainer",
    container: name,
    reason: `${what} "${name}" ${how}`,
    attempt: c.restartCount + 1,
    backoffSteps: d.nextBackoffSteps,
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
      apps.every((c) => c?.state === "exited" && !restartsAfterExit(shape.restartPolicy, c));
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
    if (c?.state === "running" && c.probes?.unhealthy !== undefined && opts.restarts) {
      actions.push({
        kind: "killContainer",
        container: name,
        reason: `container "${name}" is unhealthy: ${c.probes.unhealthy}`,
      });
    } else if (c === undefined || c.state === "created") {
      actions.push({
        kind: "startContainer",
        container: name,
        reason: c === undefined
          ? `container "${name}" is not created`
          : `container "${name}" was created`,
      });
    } else if (
      c.state === "exited" && opts.restarts && restartsAfterExit(shape.restartPolicy, c)
    ) {
      actions.push(restartOrWait(name, c, opts, "container"));
    }
  }
  return actions;
}
