/**
 * JSON patch (`application/json-patch+json`, RFC 6902) through `fast-json-patch`, with its
 * errors turned into {@linkcode PatchError}s worded like kube-apiserver's.
 *
 * @module
 */

import jsonpatch from "fast-json-patch";
import { isRecord } from "../../core/is_record.ts";
import { PatchError } from "./patch_error.ts";

/** kube-apiserver's limit on operations in one JSON patch (`maxJSONPatchOperations`). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

function describe(e: InstanceType<typeof jsonpatch.JsonPatchError>): string {
  const op = isRecord(e.operation) ? e.operation : {};
  const name = String(op.op ?? "");
  const path = String(op.path ?? "");
  switch (e.name) {
    case "TEST_OPERATION_FAILED":
      return `testing value ${path} failed: test failed`;
    case "OPERATION_PATH_UNRESOLVABLE":
    case "OPERATION_PATH_CANNOT_ADD":
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
    case "OPERATION_VALUE_OUT_OF_BOUNDS":
      return `${name} operation does not apply: doc is missing path: ${JSON.stringify(path)}: ` +
        "missing value";
    case "OPERATION_FROM_UNRESOLVABLE":
      return `${name} operation does not apply: doc is missing from path: ` +
        `${JSON.stringify(String(op.from ?? ""))}: missing value`;
    case "OPERATION_OP_INVALID":
      return `Unexpected kind: ${name}`;
    default:
      return `${e.message} (operation ${e.index ?? 0}: ${JSON.stringify(e.operation)})`;
  }
}

/**
 * Applies an RFC 6902 JSON patch (a list of `{op, path, value?, from?}` operations) to a copy
 * of `doc`. Operations apply in order and all-or-nothing.
 *
 * @throws {PatchError} `400` when the patch is not a list or has more than
 *   {@linkcode MAX_JSON_PATCH_OPERATIONS} operations; `422` when an operation fails
 *   (`testing value /a failed: test failed`, `remove operation does not apply: doc is missing
 *   path: "/x": missing value`, an invalid operation).
 *
 * Source: https://www.rfc-editor.org/rfc/rfc6902#section-4
 *
 * @example
 * ```ts
 * import { applyJsonPatch } from "./json_patch.ts";
 * import assert from "node:assert/strict";
 * const out = applyJsonPatch({ spec: { replicas: 1 } }, [
 *   { op: "test", path: "/spec/replicas", value: 1 },
 *   { op: "replace", path: "/spec/replicas", value: 3 },
 * ]);
 * assert.deepEqual(out, { spec: { replicas: 3 } });
 * ```
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw new PatchError(
      400,
      "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    );
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      400,
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  try {
    return jsonpatch.applyPatch(structuredClone(doc), structuredClone(patch), true, true, true)
      .newDocument;
  } catch (e) {
    if (e instanceof jsonpatch.JsonPatchError) throw new PatchError(422, describe(e), { cause: e });
    throw e;
  }
}
