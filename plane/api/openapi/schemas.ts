/**
 * Every OpenAPI v3 schema rks publishes, by upstream name, and the name of a kind's schema.
 *
 * @module
 */
import { metaSchemas } from "./schemas_meta.ts";
import { podSchemas } from "./schemas_pod.ts";
import { coreSchemas } from "./schemas_core.ts";
import { groupSchemas } from "./schemas_groups.ts";
import { schedulingSchemas } from "./schemas_scheduling.ts";
import type { Schema } from "./_dsl.ts";

/**
 * All schemas, keyed by upstream name (`io.k8s.api.core.v1.Pod`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`, …).
 *
 * @example
 * ```ts
 * import { allSchemas } from "./schemas.ts";
 * import assert from "node:assert/strict";
 * const pod = allSchemas["io.k8s.api.core.v1.Pod"]!;
 * assert.deepEqual(pod["x-kubernetes-group-version-kind"], [{ group: "", kind: "Pod", version: "v1" }]);
 * ```
 */
export const allSchemas: Readonly<Record<string, Schema>> = {
  ...metaSchemas,
  ...podSchemas,
  ...schedulingSchemas,
  ...coreSchemas,
  ...groupSchemas,
};

/**
 * The upstream schema name of a kind: `io.k8s.api.<first label of the group, or core>.<version>.<Kind>`.
 *
 * @param group the API group (`""` for core, `"events.k8s.io"`).
 * @param version e.g. `"v1"`.
 * @param kind e.g. `"Event"`.
 *
 * @example
 * ```ts
 * import { schemaName } from "./schemas.ts";
 * import assert from "node:assert/strict";
 * assert.equal(schemaName("", "v1", "Pod"), "io.k8s.api.core.v1.Pod");
 * assert.equal(schemaName("events.k8s.io", "v1", "Event"), "io.k8s.api.events.v1.Event");
 * ```
 */
export function schemaName(group: string, version: string, kind: string): string {
  const pkg = group === "" ? "core" : group.split(".")[0]!;
  return `io.k8s.api.${pkg}.${version}.${kind}`;
}

/**
 * The names of `roots` and of every schema they reference, directly or not, sorted.
 *
 * @example
 * ```ts
 * import { schemaClosure } from "./schemas.ts";
 * import assert from "node:assert/strict";
 * const names = schemaClosure(["io.k8s.api.coordination.v1.Lease"]);
 * assert.ok(names.includes("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
 * assert.ok(!names.includes("io.k8s.api.core.v1.Pod"));
 * ```
 */
export function schemaClosure(roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || !(name in allSchemas)) continue;
    seen.add(name);
    collectRefs(allSchemas[name], queue);
  }
  return [...seen].sort();
}

function collectRefs(node: unknown, out: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, out);
  } else if (typeof node === "object" && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v.slice(v.lastIndexOf("/") + 1));
      else collectRefs(v, out);
    }
  }
}
