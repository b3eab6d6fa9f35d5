/**
 * The patch and list strategies of the served kinds, read from their OpenAPI schemas
 * ({@link ./openapi/field_schema.ts}): `x-kubernetes-patch-strategy` /
 * `x-kubernetes-patch-merge-key` for strategic merge patch (`containers` merge by `name`,
 * container `ports` by `containerPort`, `finalizers` merge as a set, `strategy` retains keys,
 * lists without a strategy are replaced) and `x-kubernetes-list-type` /
 * `x-kubernetes-list-map-keys` / `x-kubernetes-map-type` for server-side apply.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy and
 * https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#notes-on-the-strategic-merge-patch
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { type FieldSchema, fieldSchema } from "./openapi/field_schema.ts";

export type { FieldSchema } from "./openapi/field_schema.ts";

/**
 * The schema of a kind's root object (`apiVersion` picks the group for kinds served by
 * several, such as `Event`). A kind rks does not publish gets a schema that only knows its
 * `metadata` (an `ObjectMeta`), so patches of it use the defaults: maps merge, lists replace.
 *
 * @example
 * ```ts
 * import { patchSchemaOf } from "./patch_strategies.ts";
 * import assert from "node:assert/strict";
 * const pod = patchSchemaOf("Pod");
 * assert.equal(pod.properties?.spec?.properties?.containers?.patchMergeKey, "name");
 * assert.equal(patchSchemaOf("Widget").properties?.metadata?.properties?.finalizers?.listType, "set");
 * ```
 */
export function patchSchemaOf(kind: string, apiVersion?: string): FieldSchema {
  const known = fieldSchema(kind, apiVersion) ??
    (apiVersion === undefined ? undefined : fieldSchema(kind));
  if (known !== undefined) return known;
  const meta = fieldSchema("Namespace")?.properties?.["metadata"];
  return { type: "object", properties: meta === undefined ? {} : { metadata: meta } };
}

/**
 * The schema of field `field` in a value described by `schema`: a declared property, else the
 * map's value schema; `undefined` when unknown (then the defaults apply).
 *
 * @example
 * ```ts
 * import { childSchema, patchSchemaOf } from "./patch_strategies.ts";
 * import assert from "node:assert/strict";
 * const spec = childSchema(patchSchemaOf("Pod"), "spec");
 * assert.equal(childSchema(spec, "tolerations")?.patchStrategy, undefined);
 * assert.equal(childSchema(childSchema(patchSchemaOf("Pod"), "metadata"), "labels")?.type, "object");
 * ```
 */
export function childSchema(
  schema: FieldSchema | undefined,
  field: string,
): FieldSchema | undefined {
  if (schema === undefined) return undefined;
  const props = schema.properties;
  if (props !== undefined && Object.hasOwn(props, field)) return props[field];
  return schema.additionalProperties;
}

/** True when SMP merges the list item by item (`merge` or `merge,retainKeys`). */
export function isMergeList(schema: FieldSchema | undefined): boolean {
  const s = schema?.patchStrategy;
  return s === "merge" || s === "merge,retainKeys";
}

/** How server-side apply treats a list: keyed items, a set of scalars, or one atomic value. */
export type ApplyListKind =
  | { kind: "map"; keys: readonly string[] }
  | { kind: "set" }
  | { kind: "atomic" };

/**
 * The server-side apply kind of a list field: `x-kubernetes-list-type` (`map` with its
 * `list-map-keys`, `set`, `atomic`); without it, a merge strategy with a merge key is a map,
 * a merge strategy without one is a set, anything else atomic.
 *
 * @example
 * ```ts
 * import { applyListKind, childSchema, patchSchemaOf } from "./patch_strategies.ts";
 * import assert from "node:assert/strict";
 * const container = childSchema(childSchema(patchSchemaOf("Pod"), "spec"), "containers")?.items;
 * assert.deepEqual(applyListKind(childSchema(container, "ports")), {
 *   kind: "map", keys: ["containerPort", "protocol"],
 * });
 * assert.deepEqual(applyListKind(childSchema(container, "args")), { kind: "atomic" });
 * ```
 */
export function applyListKind(schema: FieldSchema | undefined): ApplyListKind {
  switch (schema?.listType) {
    case "map": {
      const keys = schema.listMapKeys ??
        (schema.patchMergeKey === undefined ? [] : [schema.patchMergeKey]);
      return keys.length > 0 ? { kind: "map", keys } : { kind: "atomic" };
    }
    case "set":
      return { kind: "set" };
    case "atomic":
      return { kind: "atomic" };
  }
  if (isMergeList(schema)) {
    return schema?.patchMergeKey === undefined
      ? { kind: "set" }
      : { kind: "map", keys: [schema.patchMergeKey] };
  }
  return { kind: "atomic" };
}

/** Key fields that the API defaults, so items that omit them still have a full key. */
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: "TCP" };

/**
 * The key of a map-list item: its values of `keys` (a defaulted key such as a port's
 * `protocol: TCP` is filled in), `undefined` when the item is not an object or lacks a key
 * field without a default.
 *
 * @example
 * ```ts
 * import { itemKey } from "./patch_strategies.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(itemKey({ containerPort: 80 }, ["containerPort", "protocol"]), {
 *   containerPort: 80, protocol: "TCP",
 * });
 * assert.equal(itemKey({ image: "x" }, ["name"]), undefined);
 * ```
 */
export function itemKey(
  item: unknown,
  keys: readonly string[],
): Record<string, unknown> | undefined {
  if (!isRecord(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = Object.hasOwn(item, k) ? item[k] : KEY_DEFAULTS[k];
    if (v === undefined) return undefined;
    out[k] = v;
  }
  return out;
}
