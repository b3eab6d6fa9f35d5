/**
 * A compact way to write OpenAPI v3 schemas as kube-apiserver publishes them: every builder
 * returns the plain JSON schema object, with references written as `#/components/schemas/<name>`
 * and the Kubernetes extensions (`x-kubernetes-patch-strategy`, `x-kubernetes-list-type`, …).
 *
 * @module
 */

/** One OpenAPI v3 schema object (plain JSON). */
export type Schema = Record<string, unknown>;

/** Schema-name prefixes as upstream spells them. */
export const CORE = "io.k8s.api.core.v1.";
/** meta/v1 types. */
export const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";
/** apps/v1 types. */
export const APPS = "io.k8s.api.apps.v1.";

/** `#/components/schemas/<name>`. */
export function refPath(name: string): string {
  return `#/components/schemas/${name}`;
}

/** A string field. */
export function s(description: string, extra: Schema = {}): Schema {
  return { type: "string", description, ...extra };
}

/** A string field restricted to `values` (upstream publishes enums for Go enum types). */
export function e(description: string, values: string[]): Schema {
  return { type: "string", description, enum: values };
}

/** An int32 field. */
export function i32(description: string): Schema {
  return { type: "integer", format: "int32", description };
}

/** An int64 field. */
export function i64(description: string): Schema {
  return { type: "integer", format: "int64", description };
}

/** A boolean field. */
export function b(description: string): Schema {
  return { type: "boolean", description };
}

/** A field holding another schema (`allOf` keeps the description next to the reference). */
export function r(name: string, description: string, extra: Schema = {}): Schema {
  return { allOf: [{ $ref: refPath(name) }], description, ...extra };
}

/** A bare reference, for array items and map values. */
export function ref(name: string): Schema {
  return { $ref: refPath(name) };
}

/** Options of a list field (strategic merge patch and server-side apply semantics). */
export interface ListOptions {
  /** `x-kubernetes-patch-merge-key`. */
  mergeKey?: string;
  /** `x-kubernetes-patch-strategy` (`merge`, `merge,retainKeys`, `replace`). */
  strategy?: string;
  /** `x-kubernetes-list-type`: `atomic`, `set` or `map`. */
  listType?: "atomic" | "set" | "map";
  /** `x-kubernetes-list-map-keys` for `listType: "map"`. */
  mapKeys?: string[];
}

/** An array field. */
export function arr(items: Schema, description: string, opts: ListOptions = {}): Schema {
  const out: Schema = { type: "array", items, description };
  if (opts.listType) out["x-kubernetes-list-type"] = opts.listType;
  if (opts.mapKeys) out["x-kubernetes-list-map-keys"] = opts.mapKeys;
  if (opts.mergeKey) out["x-kubernetes-patch-merge-key"] = opts.mergeKey;
  if (opts.strategy) out["x-kubernetes-patch-strategy"] = opts.strategy;
  return out;
}

/** An atomic array of strings (`command`, `args`, …). */
export function strings(description: string): Schema {
  return arr({ type: "string" }, description, { listType: "atomic" });
}

/** A list merged by `key` (`containers` by `name`, …), listType map on `keys` (default `[key]`). */
export function keyed(
  item: string,
  key: string,
  description: string,
  keys = [key],
  strategy = "merge",
): Schema {
  return arr(ref(item), description, { listType: "map", mapKeys: keys, mergeKey: key, strategy });
}

/** An atomic list of `item` objects. */
export function atomic(item: string, description: string): Schema {
  return arr(ref(item), description, { listType: "atomic" });
}

/** A `map[string]<values>` field. */
export function map(values: Schema, description: string, extra: Schema = {}): Schema {
  return { type: "object", additionalProperties: values, description, ...extra };
}

/** A `map[string]string` field. */
export function stringMap(description: string, extra: Schema = {}): Schema {
  return map({ type: "string" }, description, extra);
}

/** A `map[string]Quantity` field (resources, capacity). */
export function quantities(description: string): Schema {
  return map(ref("io.k8s.apimachinery.pkg.api.resource.Quantity"), description);
}

/** A `Time` field (RFC 3339). */
export function time(description: string): Schema {
  return r(`${META}Time`, description);
}

/** A `MicroTime` field (RFC 3339 with microseconds). */
export function microTime(description: string): Schema {
  return r(`${META}MicroTime`, description);
}

/**
 * An object described only in prose, whose fields are not listed here: unknown-field checks
 * accept anything below it (`x-kubernetes-preserve-unknown-fields`). Used for the rarely used
 * parts of the API (cloud volume sources, affinity terms) so that valid manifests pass.
 */
export function opaque(description: string): Schema {
  return { type: "object", description, "x-kubernetes-preserve-unknown-fields": true };
}

/** A struct type: properties, required fields, extra keys (`x-kubernetes-map-type`…). */
export function struct(
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
  extra: Schema = {},
): Schema {
  const out: Schema = { description, type: "object", properties };
  if (required.length > 0) out["required"] = required;
  return { ...out, ...extra };
}

/** The `apiVersion`/`kind`/`metadata` trio of every top-level kind. */
export function objectHeader(): Record<string, Schema> {
  return {
    apiVersion: s(
      "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
    ),
    kind: s(
      "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
    ),
    metadata: r(
      `${META}ObjectMeta`,
      "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    ),
  };
}

/**
 * A top-level kind: the header fields plus `properties`, tagged with
 * `x-kubernetes-group-version-kind` (what `kubectl explain` looks for).
 */
export function kind(
  gvk: { group: string; version: string; kind: string },
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
): Schema {
  return {
    ...struct(description, { ...objectHeader(), ...properties }, required),
    "x-kubernetes-group-version-kind": [{ group: gvk.group, kind: gvk.kind, version: gvk.version }],
  };
}

/** The `<Kind>List` of a kind. */
export function list(
  gvk: { group: string; version: string; kind: string },
  itemSchema: string,
  description: string,
): Schema {
  const header = objectHeader();
  return {
    description,
    type: "object",
    properties: {
      apiVersion: header["apiVersion"]!,
      items: arr(ref(itemSchema), `List of ${gvk.kind.toLowerCase()}s.`),
      kind: header["kind"]!,
      metadata: r(
        `${META}ListMeta`,
        "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
      ),
    },
    required: ["items"],
    "x-kubernetes-group-version-kind": [{
      group: gvk.group,
      kind: `${gvk.kind}List`,
      version: gvk.version,
    }],
  };
}

/**
 * A kind and its `<Kind>List`, named `<prefix><Kind>` and `<prefix><Kind>List`
 * (`io.k8s.api.core.v1.` + `Pod`).
 */
export function kindWithList(
  prefix: string,
  group: string,
  k: string,
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
): Record<string, Schema> {
  const gvk = { group, version: "v1", kind: k };
  return {
    [`${prefix}${k}`]: kind(gvk, description, properties, required),
    [`${prefix}${k}List`]: list(gvk, `${prefix}${k}`, `${k}List is a list of ${k} objects.`),
  };
}
