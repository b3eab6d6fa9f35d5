/**
 * A kind's schema as one resolved tree, for code that walks objects field by field: unknown
 * fields for `fieldValidation=Strict|Warn`, merge keys and strategies for strategic merge patch,
 * list types for server-side apply.
 *
 * @module
 */
import { findResourceByKind } from "../resources.ts";
import { allSchemas, schemaName } from "./schemas.ts";

/**
 * One node of a resolved schema. References are replaced by the schema they name, and the
 * extensions of the field (`x-kubernetes-patch-*`, `x-kubernetes-list-*`) are kept on it.
 */
export interface FieldSchema {
  /** OpenAPI type: `"object"`, `"array"`, `"string"`, `"integer"`, `"boolean"`, `"number"`. */
  type?: string;
  /** OpenAPI format: `"int32"`, `"int64"`, `"byte"`, `"date-time"`, `"int-or-string"`. */
  format?: string;
  /**
   * The schema name this node was resolved from (`io.k8s.api.core.v1.Container`): set on a
   * kind's root and on every field that refers to a named schema; inline schemas have none.
   */
  typeName?: string;
  /** Known fields of an object. */
  properties?: Readonly<Record<string, FieldSchema>>;
  /** Values of a map (`labels`, `resources.limits`). */
  additionalProperties?: FieldSchema;
  /** Elements of an array. */
  items?: FieldSchema;
  /** `x-kubernetes-preserve-unknown-fields`: any field is accepted below this node. */
  preserveUnknownFields?: boolean;
  /** `x-kubernetes-int-or-string`: an integer or a string. */
  intOrString?: boolean;
  /** `x-kubernetes-patch-strategy`: `"merge"`, `"merge,retainKeys"`, `"retainKeys"`, `"replace"`. */
  patchStrategy?: string;
  /** `x-kubernetes-patch-merge-key`: the key merging a list of objects (`"name"`). */
  patchMergeKey?: string;
  /** `x-kubernetes-list-type`: `"atomic"`, `"set"` or `"map"`. */
  listType?: string;
  /** `x-kubernetes-list-map-keys` of a `map` list. */
  listMapKeys?: readonly string[];
  /** `x-kubernetes-map-type`: `"atomic"` or `"granular"`. */
  mapType?: string;
  /** Required fields of an object. */
  required?: readonly string[];
}

type Json = Record<string, unknown>;

const resolved = new Map<string, FieldSchema>();

function bySchemaName(name: string): FieldSchema | undefined {
  const hit = resolved.get(name);
  if (hit) return hit;
  const schema = allSchemas[name];
  if (!schema) return undefined;
  const out = resolve(schema);
  out.typeName = name;
  resolved.set(name, out);
  return out;
}

function resolve(node: Json): FieldSchema {
  let out: FieldSchema = {};
  const refs: unknown[] = Array.isArray(node["allOf"]) ? node["allOf"] : [];
  if (typeof node["$ref"] === "string") refs.push({ $ref: node["$ref"] });
  for (const ref of refs) {
    const target = (ref as Json)["$ref"];
    if (typeof target === "string") {
      out = { ...bySchemaName(target.slice(target.lastIndexOf("/") + 1)) };
    }
  }
  if (typeof node["type"] === "string") out.type = node["type"];
  if (typeof node["format"] === "string") out.format = node["format"];
  const props = node["properties"];
  if (typeof props === "object" && props !== null) {
    out.properties = Object.fromEntries(
      Object.entries(props as Record<string, Json>).map(([k, v]) => [k, resolve(v)]),
    );
  }
  if (typeof node["items"] === "object" && node["items"] !== null) {
    out.items = resolve(node["items"] as Json);
  }
  if (typeof node["additionalProperties"] === "object" && node["additionalProperties"] !== null) {
    out.additionalProperties = resolve(node["additionalProperties"] as Json);
  }
  if (node["x-kubernetes-preserve-unknown-fields"] === true) out.preserveUnknownFields = true;
  if (node["x-kubernetes-int-or-string"] === true) out.intOrString = true;
  const text = (k: string) => typeof node[k] === "string" ? node[k] as string : undefined;
  const strategy = text("x-kubernetes-patch-strategy");
  if (strategy) out.patchStrategy = strategy;
  const mergeKey = text("x-kubernetes-patch-merge-key");
  if (mergeKey) out.patchMergeKey = mergeKey;
  const listType = text("x-kubernetes-list-type");
  if (listType) out.listType = listType;
  if (Array.isArray(node["x-kubernetes-list-map-keys"])) {
    out.listMapKeys = node["x-kubernetes-list-map-keys"] as string[];
  }
  const mapType = text("x-kubernetes-map-type");
  if (mapType) out.mapType = mapType;
  if (Array.isArray(node["required"])) out.required = node["required"] as string[];
  return out;
}

/**
 * The resolved schema of a kind, or `undefined` for a kind rks does not publish.
 *
 * Kinds are looked up in the served group-versions; `Scale` (autoscaling/v1), `Binding` and
 * the `<Kind>List` kinds are known too. Without `apiVersion`, a kind served by several groups
 * (`Event`) resolves to the core/v1 one.
 *
 * @param kind e.g. `"Pod"`, `"Deployment"`, `"PodList"`.
 * @param apiVersion e.g. `"v1"`, `"events.k8s.io/v1"`; optional.
 *
 * @example
 * ```ts
 * import { fieldSchema } from "./field_schema.ts";
 * import assert from "node:assert/strict";
 * const pod = fieldSchema("Pod")!;
 * const containers = pod.properties!["spec"]!.properties!["containers"]!;
 * assert.equal(containers.patchMergeKey, "name");
 * assert.equal(containers.items!.properties!["image"]!.type, "string");
 * assert.equal(fieldSchema("Event", "events.k8s.io/v1")!.properties!["note"]!.type, "string");
 * assert.equal(fieldSchema("Widget"), undefined);
 * ```
 */
export function fieldSchema(kind: string, apiVersion?: string): FieldSchema | undefined {
  const candidates: string[] = [];
  if (apiVersion !== undefined) {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    candidates.push(schemaName(group, version, kind));
  } else {
    const base = kind.endsWith("List") ? kind.slice(0, -4) : kind;
    const r = findResourceByKind("v1", base) ??
      [..."apps coordination.k8s.io discovery.k8s.io events.k8s.io scheduling.k8s.io".split(" ")]
        .map((g) => findResourceByKind(`${g}/v1`, base))
        .find((x) => x !== undefined);
    if (r) candidates.push(schemaName(r.group, r.version, kind));
    candidates.push(schemaName("", "v1", kind), schemaName("autoscaling", "v1", kind));
  }
  for (const name of candidates) {
    const schema = allSchemas[name];
    if (schema && Array.isArray(schema["x-kubernetes-group-version-kind"])) {
      return bySchemaName(name);
    }
  }
  return undefined;
}
