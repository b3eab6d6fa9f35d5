/**
 * Facts about `scheduling.k8s.io/v1` PriorityClasses that the API server and the scheduler
 * share: the two system classes kube-apiserver creates at start-up, the highest value a
 * user-defined class may have, and how a pod's priority is resolved from its
 * `priorityClassName` (the `Priority` admission plugin).
 *
 * Source: kubernetes pkg/apis/scheduling/{types.go,v1/helpers.go},
 * plugin/pkg/admission/priority/admission.go.
 *
 * @module
 */

/** The highest `value` of a user-defined PriorityClass (`HighestUserDefinablePriority`). */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** `SystemCriticalPriority`: twice the highest user-definable priority. */
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;

/** Names starting with this are reserved for the system classes. */
export const SYSTEM_PRIORITY_CLASS_PREFIX = "system-";

/** The preemption policies a PriorityClass or pod may name. */
export const PREEMPTION_POLICIES: readonly string[] = ["Never", "PreemptLowerPriority"];

/** A system PriorityClass as kube-apiserver bootstraps it. */
export interface SystemPriorityClass {
  /** Name. */
  name: string;
  /** Priority value. */
  value: number;
  /** Description. */
  description: string;
}

/**
 * `system-node-critical` (2000001000) and `system-cluster-critical` (2000000000), created by
 * kube-apiserver's `scheduling/bootstrap-system-priority-classes` hook.
 *
 * @example
 * ```ts
 * import { systemPriorityClasses } from "./priority_classes.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(systemPriorityClasses.map((c) => [c.name, c.value]),
 *   [["system-node-critical", 2000001000], ["system-cluster-critical", 2000000000]]);
 * ```
 */
export const systemPriorityClasses: readonly SystemPriorityClass[] = Object.freeze([
  {
    name: "system-node-critical",
    value: SYSTEM_CRITICAL_PRIORITY + 1000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    name: "system-cluster-critical",
    value: SYSTEM_CRITICAL_PRIORITY,
    description:
      "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
]);

/**
 * Why `name`/`value`/`globalDefault` is not a known system class (`IsKnownSystemPriorityClass`),
 * or undefined when it is one.
 *
 * @example
 * ```ts
 * import { unknownSystemClass } from "./priority_classes.ts";
 * import assert from "node:assert/strict";
 * assert.equal(unknownSystemClass("system-node-critical", 2000001000, false), undefined);
 * assert.equal(unknownSystemClass("system-x", 1, false), "system-x is not a known system priority class");
 * assert.equal(unknownSystemClass("system-cluster-critical", 5, false),
 *   "value of system-cluster-critical PriorityClass must be 2000000000");
 * ```
 */
export function unknownSystemClass(
  name: string,
  value: unknown,
  globalDefault: unknown,
): string | undefined {
  const known = systemPriorityClasses.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (value !== known.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault === true) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}
