/**
 * What `rkl pod list` and the planners observe of a pod's container in the engine: its CRI state
 * and restart attempt. Apart from `pod_containers.ts` (which creates containers) so that listing
 * pods loads none of the creation path.
 *
 * @module
 */
import type { ContainerView } from "../container/status.ts";
import type { ContainerObservation, PodContainerState } from "./pod_status.ts";
import { backoffStepsOf, type TerminationFact } from "./container_facts.ts";

/** Label holding a pod container's restart attempt. */
export const LABEL_ATTEMPT = "io.rk8s.container.attempt";

/** Maps the engine's status to the CRI container state. */
export function criState(v: ContainerView): PodContainerState {
  switch (v.status) {
    case "created":
      return "created";
    case "running":
      return "running";
    case "stopped":
      return "exited";
    case "unknown":
      return "unknown";
  }
}

/**
 * What the pod planner and status need to know about an engine container view, plus what a
 * supervisor recorded about it (termination reason such as `OOMKilled`, probe verdicts).
 */
export function containerObservation(
  v: ContainerView,
  facts: { termination?: TerminationFact; probes?: ContainerObservation["probes"] } = {},
): ContainerObservation {
  const obs: ContainerObservation = {
    state: criState(v),
    restartCount: attemptOf(v.record.labels),
  };
  if (v.exitCode !== undefined) obs.exitCode = v.exitCode;
  if (v.finishedAt !== undefined) obs.finishedAt = v.finishedAt;
  if (v.startedAt !== undefined) obs.startedAt = v.startedAt;
  const steps = backoffStepsOf(v.record.labels);
  if (steps !== undefined) obs.backoffSteps = steps;
  if (obs.state === "exited" && facts.termination) {
    obs.reason = facts.termination.reason;
    if (facts.termination.reason === "StartError") obs.message = facts.termination.message;
  }
  if (obs.state === "running" && facts.probes) obs.probes = facts.probes;
  // An exited container keeps why its probe had it killed: the restart policy then restarts it
  // whatever its exit code (see `restartsAfterExit`).
  if (obs.state === "exited" && facts.probes?.unhealthy !== undefined) {
    obs.probes = { unhealthy: facts.probes.unhealthy };
  }
  return obs;
}

/** The restart attempt a container's labels record (0 when absent or malformed). */
export function attemptOf(labels: Record<string, string>): number {
  const n = Number(labels[LABEL_ATTEMPT] ?? "0");
  return Number.isInteger(n) && n >= 0 ? n : 0;
}
