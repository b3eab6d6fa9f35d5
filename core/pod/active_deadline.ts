/**
 * `spec.activeDeadlineSeconds`, as the kubelet's active deadline handler applies it: once a pod
 * has been active on the node for `activeDeadlineSeconds` since its start time, the node kills
 * its containers and never restarts them; the pod's phase is `Failed` with reason
 * `DeadlineExceeded` and message `Pod was active on the node longer than the specified
 * deadline`, and a `DeadlineExceeded` event is recorded.
 * Source: kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/ and the kubelet's
 * `pkg/kubelet/active_deadline.go`.
 *
 * @module
 */
import { type PodObservation, type PodShape, restartsAfterExit } from "./pod_status.ts";

/** The pod status `reason` (and event reason) of a pod killed at its active deadline. */
export const DEADLINE_EXCEEDED_REASON = "DeadlineExceeded";

/** The pod status `message` (and event message) of a pod killed at its active deadline. */
export const DEADLINE_EXCEEDED_MESSAGE =
  "Pod was active on the node longer than the specified deadline";

/**
 * When a pod's active deadline passes, ms since the epoch: `startTime` (ms) plus
 * `activeDeadlineSeconds`; undefined when either is unset.
 *
 * @example
 * ```ts
 * import { activeDeadlineAt } from "./active_deadline.ts";
 * import assert from "node:assert/strict";
 * assert.equal(activeDeadlineAt(8, 1_000), 9_000);
 * assert.equal(activeDeadlineAt(undefined, 1_000), undefined);
 * ```
 */
export function activeDeadlineAt(
  activeDeadlineSeconds: number | undefined,
  startTime: number | undefined,
): number | undefined {
  if (activeDeadlineSeconds === undefined || startTime === undefined) return undefined;
  return startTime + activeDeadlineSeconds * 1000;
}

/**
 * True when the pod is past its active deadline (`now >= deadlineAt`, the kubelet's
 * `pastActiveDeadline`) and did not finish on its own before it: a pod whose app containers all
 * exited before the deadline, none to be restarted, keeps the phase it reached.
 *
 * @example
 * ```ts
 * import { exceededActiveDeadline } from "./active_deadline.ts";
 * import assert from "node:assert/strict";
 * const shape = { initContainers: [], containers: ["c"], restartPolicy: "Never" } as const;
 * const running = { sandbox: "ready", containers: { c: { state: "running", restartCount: 0 } } } as const;
 * assert.ok(exceededActiveDeadline(5_000, shape, running, 5_000));
 * assert.ok(!exceededActiveDeadline(5_000, shape, running, 4_999));
 * const done = { sandbox: "notready", containers: { c: { state: "exited", exitCode: 0, restartCount: 0, finishedAt: 3_000 } } } as const;
 * assert.ok(!exceededActiveDeadline(5_000, shape, done, 9_000));
 * ```
 */
export function exceededActiveDeadline(
  deadlineAt: number | undefined,
  shape: PodShape,
  obs: PodObservation,
  now: number,
): boolean {
  if (deadlineAt === undefined || now < deadlineAt) return false;
  const apps = shape.containers.map((n) => obs.containers[n]);
  const finishedBefore = apps.length > 0 &&
    apps.every((c) =>
      c?.state === "exited" && c.finishedAt !== undefined && c.finishedAt < deadlineAt &&
      !restartsAfterExit(shape.restartPolicy, c)
    );
  return !finishedBefore;
}
