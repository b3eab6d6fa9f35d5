/**
 * `convertEvent`: the two Event APIs over one storage, as kube-apiserver serves them: core
 * `v1` Events and `events.k8s.io/v1` Events are the same objects under `/registry/events/`,
 * each read in the version the request asks for (field mapping of
 * k8s.io/kubernetes pkg/apis/events/v1 conversion). Pure.
 *
 * @module
 */

type Obj = Record<string, unknown>;

/** core v1 field → events.k8s.io/v1 field (the rest keep their names). */
const coreToEvents: readonly [string, string][] = [
  ["involvedObject", "regarding"],
  ["message", "note"],
  ["source", "deprecatedSource"],
  ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"],
  ["count", "deprecatedCount"],
  ["reportingComponent", "reportingController"],
];

/**
 * Returns the Event `obj` in `apiVersion` (`v1` or `events.k8s.io/v1`); other objects and
 * Events already in that version are returned as they are.
 *
 * @example
 * ```ts
 * import { convertEvent } from "./event_conversion.ts";
 * import assert from "node:assert/strict";
 * const core: Record<string, unknown> = { apiVersion: "v1", kind: "Event", metadata: { name: "e" },
 *   involvedObject: { kind: "Pod", name: "web" }, message: "Pulled", reason: "Pulled", count: 2 };
 * const ev = convertEvent(core, "events.k8s.io/v1");
 * assert.deepEqual(ev.regarding, { kind: "Pod", name: "web" });
 * assert.equal(ev.note, "Pulled");
 * assert.equal(ev.deprecatedCount, 2);
 * assert.deepEqual(convertEvent(ev, "v1"), core);
 * ```
 */
export function convertEvent<T extends Obj>(obj: T, apiVersion: string): T {
  if (obj.kind !== "Event" || obj.apiVersion === apiVersion) return obj;
  const pairs = apiVersion === "events.k8s.io/v1"
    ? coreToEvents
    : apiVersion === "v1"
    ? coreToEvents.map(([a, b]) => [b, a] as [string, string])
    : undefined;
  if (!pairs) return obj;
  const out: Obj = { ...obj, apiVersion };
  for (const [from, to] of pairs) {
    if (from in out) {
      out[to] = out[from];
      delete out[from];
    }
  }
  return out as T;
}
