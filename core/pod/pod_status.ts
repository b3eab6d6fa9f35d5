/**
 * The pod status model: closed unions for sandbox and container states, guard functions for each
 * transition, and the kubectl-style summary (READY n/m, STATUS, RESTARTS) derived from facts.
 *
 * @module
 */
import { exitReason } from "../container/status.ts";
import type { PodManifest, RestartPolicy } from "./pod_types.ts";

/** State of a pod sandbox (the pause process and its namespaces). */
export type SandboxState = "ready" | "notready" | "unknown";

/** Every {@linkcode SandboxState}. */
export const sandboxStates: readonly SandboxState[] = ["ready", "notready", "unknown"];

/** State of one container of a pod, as CRI reports it. */
export type PodContainerState = "created" | "running" | "exited" | "unknown";

/** Every {@linkcode PodContainerState}. */
export const podContainerStates: readonly PodContainerState[] = [
  "created",
  "running",
  "exited",
  "unknown",
];

/** Pod phase, as in Kubernetes. */
export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

/**
 * True when `s` is a {@linkcode SandboxState}.
 *
 * @example
 * ```ts
 * import { isSandboxState } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isSandboxState("ready"));
 * assert.ok(!isSandboxState("running"));
 * ```
 */
export function isSandboxState(s: unknown): s is SandboxState {
  return typeof s === "string" && (sandboxStates as readonly string[]).includes(s);
}

/**
 * True when `s` is a {@linkcode PodContainerState}.
 *
 * @example
 * ```ts
 * import { isPodContainerState } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isPodContainerState("exited"));
 * assert.ok(!isPodContainerState("stopped"));
 * ```
 */
export function isPodContainerState(s: unknown): s is PodContainerState {
  return typeof s === "string" && (podContainerStates as readonly string[]).includes(s);
}

/**
 * A container can be started only when it was created and never ran.
 *
 * @example
 * ```ts
 * import { canStartContainer } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(canStartContainer("created"));
 * assert.ok(!canStartContainer("exited"));
 * ```
 */
export function canStartContainer(s: PodContainerState): boolean {
  return s === "created";
}

/**
 * A container can be stopped when it may have a live process.
 *
 * @example
 * ```ts
 * import { canStopContainer } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(canStopContainer("running"));
 * assert.ok(!canStopContainer("exited"));
 * ```
 */
export function canStopContainer(s: PodContainerState): boolean {
  return s === "running" || s === "created" || s === "unknown";
}

/**
 * A container can be removed without force when it has no live process.
 *
 * @example
 * ```ts
 * import { canRemoveContainer } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(canRemoveContainer("exited"));
 * assert.ok(!canRemoveContainer("running"));
 * ```
 */
export function canRemoveContainer(s: PodContainerState): boolean {
  return s === "exited" || s === "created";
}

/**
 * Containers can be added to a sandbox only while it is ready.
 *
 * @example
 * ```ts
 * import { canAddContainer } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(canAddContainer("ready"));
 * assert.ok(!canAddContainer("notready"));
 * ```
 */
export function canAddContainer(s: SandboxState): boolean {
  return s === "ready";
}

/**
 * A sandbox can be removed without force once it is stopped.
 *
 * @example
 * ```ts
 * import { canRemoveSandbox } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(canRemoveSandbox("notready"));
 * assert.ok(!canRemoveSandbox("ready"));
 * ```
 */
export function canRemoveSandbox(s: SandboxState): boolean {
  return s === "notready";
}

/**
 * A pod can be removed without force unless its sandbox is ready and one of its app containers
 * may still run (`running`, `created` or `unknown`, see {@linkcode canStopContainer}). A
 * finished pod (every app container exited, only the pause process left) or a stopped one is
 * removed as `kubectl delete` removes it; `waiting` is an app container not created yet.
 *
 * @example
 * ```ts
 * import { canRemovePod } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.ok(!canRemovePod("ready", ["running", "exited"]));
 * assert.ok(canRemovePod("ready", ["exited", "waiting"]));
 * assert.ok(canRemovePod("notready", ["running"]));
 * ```
 */
export function canRemovePod(
  sandbox: SandboxState,
  apps: readonly (PodContainerState | "waiting")[],
): boolean {
  return sandbox !== "ready" || !apps.some((s) => s !== "waiting" && canStopContainer(s));
}

/** What is known about one container of a pod. */
export interface ContainerObservation {
  /** Its state. */
  state: PodContainerState;
  /** Exit code once exited. */
  exitCode?: number;
  /** A reason such as `OOMKilled`; derived from the exit code when absent. */
  reason?: string;
  /** The termination message of a `StartError` (the runtime's reason it could not start). */
  message?: string;
  /** How often it was restarted. */
  restartCount: number;
  /** When it exited (ms since the epoch). */
  finishedAt?: number;
  /** When it started (ms since the epoch). */
  startedAt?: number;
  /**
   * Consecutive restarts after short runs that led to this container (drives the restart
   * back-off; reset when a container ran long enough). Default: `restartCount`.
   */
  backoffSteps?: number;
  /**
   * Probe verdicts a supervisor fills in: `started` is false until the startup probe passed,
   * `ready` is the readiness probe's verdict, `unhealthy` names why the liveness or startup
   * probe failed `failureThreshold` times in a row. Absent: no probe says otherwise.
   */
  probes?: { started?: boolean; ready?: boolean; unhealthy?: string };
}

/** Everything the summary and the planner need to know about a pod. */
export interface PodObservation {
  /** The sandbox, or `absent` before it exists. */
  sandbox: SandboxState | "absent";
  /** Containers by name; missing when not created yet. */
  containers: Readonly<Record<string, ContainerObservation | undefined>>;
}

/** The container names and policy of a pod (the part of the spec the status depends on). */
export interface PodShape {
  /** Init container names in order. */
  initContainers: readonly string[];
  /** App container names in order. */
  containers: readonly string[];
  /** Restart policy. */
  restartPolicy: RestartPolicy;
}

/** The part of a manifest the planner needs: container names and the restart policy. */
export function podShape(pod: PodManifest): PodShape {
  return {
    initContainers: pod.initContainers.map((c) => c.name),
    containers: pod.containers.map((c) => c.name),
    restartPolicy: pod.restartPolicy,
  };
}

/** A kubectl-style one-line summary of a pod. */
export interface PodSummary {
  /** Phase. */
  phase: PodPhase;
  /** The STATUS column (`Running`, `Init:0/2`, `Init:Error`, `Completed`, ...). */
  status: string;
  /** Running app containers. */
  ready: number;
  /** App containers. */
  total: number;
  /** Restarts summed over every container. */
  restarts: number;
}

/**
 * The reason of a container state, as the kubelet reports it: `Completed`/`Error` once exited,
 * `ContainerCreating` before it runs.
 *
 * @example
 * ```ts
 * import { containerReason } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(containerReason({ state: "exited", exitCode: 3, restartCount: 0 }), "Error");
 * assert.equal(containerReason({ state: "exited", exitCode: 0, restartCount: 0 }), "Completed");
 * ```
 */
export function containerReason(c: ContainerObservation | undefined): string {
  if (c === undefined) return "ContainerCreating";
  if (c.reason) return c.reason;
  switch (c.state) {
    case "created":
      return "ContainerCreating";
    case "running":
      return "Running";
    case "exited":
      return exitReason(c.exitCode);
    case "unknown":
      return "Unknown";
  }
}

/**
 * True when an exited container waits for its restart back-off: the policy restarts it and it
 * already crashed after a short run before (the kubelet's `CrashLoopBackOff` waiting reason).
 *
 * @example
 * ```ts
 * import { inCrashLoop } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * const c = { state: "exited", exitCode: 1, restartCount: 2 } as const;
 * assert.ok(inCrashLoop("Always", c));
 * assert.ok(!inCrashLoop("Never", c));
 * assert.ok(!inCrashLoop("OnFailure", { ...c, exitCode: 0 }));
 * ```
 */
export function inCrashLoop(
  policy: RestartPolicy,
  c: ContainerObservation | undefined,
): boolean {
  if (c?.state !== "exited") return false;
  return restartsAfterExit(policy, c) && (c.backoffSteps ?? c.restartCount) > 0;
}

/**
 * True when the restart policy restarts this exited container: `Always`; `OnFailure` after a
 * non-zero exit; and, whenever the policy is not `Never`, a container killed because its liveness
 * or startup probe failed (`probes.unhealthy`), whatever its exit code: the kubelet puts such a
 * container in both "to kill" and "to start" (`computePodActions`, `shouldRestartOnFailure`), so
 * a program that exits 0 on SIGTERM is still restarted.
 * Source: kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes.
 *
 * @example
 * ```ts
 * import { restartsAfterExit } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * const done = { state: "exited", exitCode: 0, restartCount: 0 } as const;
 * assert.ok(!restartsAfterExit("OnFailure", done));
 * const killed = { ...done, probes: { unhealthy: "liveness probe failed: x" } };
 * assert.ok(restartsAfterExit("OnFailure", killed));
 * assert.ok(!restartsAfterExit("Never", killed));
 * ```
 */
export function restartsAfterExit(policy: RestartPolicy, c: ContainerObservation): boolean {
  if (policy === "Always") return true;
  if (policy === "Never") return false;
  return c.exitCode !== 0 || c.probes?.unhealthy !== undefined;
}

/**
 * Derives phase, STATUS, READY and RESTARTS like `kubectl get pods` does.
 *
 * @example
 * ```ts
 * import { summarizePod } from "./pod_status.ts";
 * import assert from "node:assert/strict";
 * const s = summarizePod(
 *   { initContainers: ["init"], containers: ["app"], restartPolicy: "Always" },
 *   { sandbox: "ready", containers: { init: { state: "running", restartCount: 0 } } },
 * );
 * assert.equal(s.status, "Init:0/1");
 * assert.equal(s.phase, "Pending");
 * ```
 */
export function summarizePod(shape: PodShape, obs: PodObservation): PodSummary {
  const all = [...shape.initContainers, ...shape.containers];
  const restarts = all.reduce((n, name) => n + (obs.containers[name]?.restartCount ?? 0), 0);
  const apps = shape.containers.map((n) => obs.containers[n]);
  const ready = obs.sandbox === "ready"
    ? apps.filter((c) =>
      c?.state === "running" && c.probes?.ready !== false && c.probes?.started !== false
    ).length
    : 0;
  const total = shape.containers.length;
  const base = { ready, total, restarts };

  if (obs.sandbox === "unknown") return { ...base, phase: "Unknown", status: "Unknown" };

  // Init containers, in order: the first one not completed decides.
  for (const [i, name] of shape.initContainers.entries()) {
    const c = obs.containers[name];
    if (c?.state === "exited" && c.exitCode === 0) continue;
    if (c?.state === "exited") {
      const restarting = shape.restartPolicy !== "Never";
      return {
        ...base,
        phase: restarting ? "Pending" : "Failed",
        status: `Init:${
          c.reason ?? (c.restartCount > 0 && restarting ? "CrashLoopBackOff" : "Error")
        }`,
      };
    }
    if (obs.sandbox === "notready") return { ...base, phase: "Failed", status: "NotReady" };
    if (obs.sandbox === "absent" && i === 0 && c === undefined) {
      return { ...base, phase: "Pending", status: "Pending" };
    }
    return { ...base, phase: "Pending", status: `Init:${i}/${shape.initContainers.length}` };
  }

  if (apps.every((c) => c === undefined || c.state === "created")) {
    if (obs.sandbox === "notready") return { ...base, phase: "Failed", status: "NotReady" };
    const status = obs.sandbox === "absent"
      ? "Pending"
      : shape.initContainers.length > 0
      ? "PodInitializing"
      : "ContainerCreating";
    return { ...base, phase: "Pending", status };
  }

  // Like kubectl: the last container with a non-running reason names the status, unless some
  // container still runs and that reason is just "Completed".
  let status = "Running";
  let hasRunning = false;
  for (let i = apps.length - 1; i >= 0; i--) {
    const c = apps[i];
    if (c?.state === "running") {
      hasRunning = true;
      continue;
    }
    status = inCrashLoop(shape.restartPolicy, c) ? "CrashLoopBackOff" : containerReason(c);
  }
  if (status === "Completed" && hasRunning) status = "Running";
  if (status === "Running" && ready < total) status = "NotReady";
  if (obs.sandbox === "notready" && hasRunning) status = "NotReady";

  const exited = apps.filter((c) => c?.state === "exited");
  let phase: PodPhase = "Pending";
  if (hasRunning) phase = "Running";
  else if (exited.length === apps.length) {
    const failed = exited.some((c) => c!.exitCode !== 0);
    if (shape.restartPolicy === "Always") phase = "Running";
    else if (shape.restartPolicy === "OnFailure") {
      phase = exited.some((c) => restartsAfterExit("OnFailure", c!)) ? "Running" : "Succeeded";
    } else phase = failed ? "Failed" : "Succeeded";
    if (obs.sandbox === "notready") phase = failed ? "Failed" : "Succeeded";
  }
  return { ...base, phase, status };
}
