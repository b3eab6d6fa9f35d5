/**
 * Pod readiness and availability as the Kubernetes workload controllers read them
 * (`podutil.IsPodReady` / `podutil.IsPodAvailable` in k8s.io/kubernetes/pkg/api/v1/pod).
 *
 * @module
 */
import { type Pod, timeOf } from "./_objects.ts";

/**
 * Whether the pod's `Ready` condition is `True`.
 *
 * @example
 * ```ts
 * import { isPodReady } from "./pod_availability.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isPodReady({ metadata: {}, status: { conditions: [{ type: "Ready", status: "True" }] } }), true);
 * assert.equal(isPodReady({ metadata: {} }), false);
 * ```
 */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === "True";
}

/**
 * Whether the pod is available: ready, and ready for at least `minReadySeconds` (seconds)
 * before `now` (the Ready condition's `lastTransitionTime`). With `minReadySeconds` 0 a ready pod
 * is available at once.
 *
 * @example
 * ```ts
 * import { isPodAvailable } from "./pod_availability.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: {}, status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2024-01-01T00:00:00Z" }] } };
 * assert.equal(isPodAvailable(pod, 10, new Date("2024-01-01T00:00:05Z")), false);
 * assert.equal(isPodAvailable(pod, 10, new Date("2024-01-01T00:00:10Z")), true);
 * ```
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  const c = readyCondition(pod);
  if (c?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const since = timeOf(c.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 <= now.getTime();
}

/** When the pod became ready (the Ready condition's `lastTransitionTime`), in ms, if ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  return c?.status === "True" ? timeOf(c.lastTransitionTime) : undefined;
}

/** Whether the pod still counts for its controller: not Succeeded/Failed, not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" &&
    pod.metadata.deletionTimestamp === undefined;
}

function readyCondition(pod: Pod) {
  return (pod.status?.conditions ?? []).find((c) => c.type === "Ready");
}
