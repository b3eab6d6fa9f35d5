/**
 * The unknown-field walk behind `fieldValidation=Strict|Warn`: which field paths of an object
 * are not fields of its kind's API type.
 *
 * The walk follows the kind's OpenAPI schema ({@link ./openapi/field_schema.ts}, the same
 * documents `/openapi/v3` serves and `kubectl explain` reads): declared properties, map
 * values, list items; `x-kubernetes-preserve-unknown-fields` and objects without declared
 * properties (free-form) are not walked.
 *
 * Source: https://kubernetes.io/docs/reference/kubernetes-api/ (type pages) and
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { type FieldSchema, fieldSchema } from "./openapi/field_schema.ts";

function walk(v: unknown, schema: FieldSchema | undefined, path: string, out: string[]): void {
  if (schema === undefined || schema.preserveUnknownFields === true) return;
  if (Array.isArray(v)) {
    v.forEach((item, i) => walk(item, schema.items, `${path}[${i}]`, out));
    return;
  }
  if (!isRecord(v)) return;
  const props = schema.properties;
  if (props !== undefined) {
    for (const [k, item] of Object.entries(v)) {
      const p = path === "" ? k : `${path}.${k}`;
      const child = Object.hasOwn(props, k) ? props[k] : undefined;
      if (child !== undefined) walk(item, child, p, out);
      else if (schema.additionalProperties !== undefined) {
        walk(item, schema.additionalProperties, p, out);
      } else out.push(p);
    }
  } else if (schema.additionalProperties !== undefined) {
    for (const [k, item] of Object.entries(v)) {
      walk(item, schema.additionalProperties, `${path}[${k}]`, out);
    }
  }
}

/**
 * The paths of fields in `obj` that its kind's API type does not have, in document order,
 * e.g. `["spec.containers[0].imagee"]`. kube-apiserver answers `fieldValidation=Strict` with
 * `400 BadRequest` `strict decoding error: unknown field "spec.containers[0].imagee"` (one
 * `unknown field "..."` per path, joined by `, `), and `Warn` with one `Warning` header per
 * path. Kinds rks does not know yield `[]`. An `Event` whose `apiVersion` is
 * `events.k8s.io/v1` is checked against that group's Event type.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
 *
 * @example
 * ```ts
 * import { unknownFields } from "./unknown_fields.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   unknownFields("Pod", {
 *     apiVersion: "v1", kind: "Pod", metadata: { name: "web", labelz: {} },
 *     spec: { containers: [{ name: "a", image: "nginx", imagee: "x" }] },
 *   }),
 *   ["metadata.labelz", "spec.containers[0].imagee"],
 * );
 * ```
 */
export function unknownFields(kind: string, obj: unknown): string[] {
  const apiVersion = isRecord(obj) && typeof obj.apiVersion === "string"
    ? obj.apiVersion
    : undefined;
  const schema = fieldSchema(kind, apiVersion) ??
    (apiVersion === undefined ? undefined : fieldSchema(kind));
  const out: string[] = [];
  walk(obj, schema, "", out);
  return out;
}
