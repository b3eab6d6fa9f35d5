/**
 * JSON patch (`application/json-patch+json`, RFC 6902) through `fast-json-patch`, with its
 * errors turned into {@linkcode PatchError}s worded like kube-apiserver's.
 *
 * @module
 */

import jsonpatch from "fast-json-patch";
import { isRecord } from "../../core/is_record.ts";
import { PatchError } from "./patch_error.ts";
import { cloneJson } from "./clone_json.ts";

/** kube-apiserver's limit on operations in one JSON patch (`maxJSONPatchOperations`). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/** Whether the JSON pointer's parent exists in `doc` (evanphx's `findObject`). */
function parentExists(doc: unknown, pointer: string): boolean {
  const parts = pointer.split("/").slice(1, -1).map((p) =>
    p.replaceAll("~1", "/").replaceAll("~0", "~")
  );
  let cur = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(p) || Number(p) >= cur.length) return false;
      cur = cur[Number(p)];
    } else if (isRecord(cur) && Object.hasOwn(cur, p)) {
      cur = cur[p];
    } else return false;
  }
  return Array.isArray(cur) || isRecord(cur);
}

/**
 * kube-apiserver's wording (`evanphx/json-patch`) of a failed operation; `doc` is the document
 * as the failing operation saw it.
 */
function describe(e: InstanceType<typeof jsonpatch.JsonPatchError>, doc: unknown): string {
  const op = isRecord(e.operation) ? e.operation : {};
  const name = String(op.op ?? "");
  const path = String(op.path ?? "");
  const from = String(op.from ?? "");
  const last = path.slice(path.lastIndexOf("/") + 1).replaceAll("~1", "/").replaceAll("~0", "~");
  switch (e.name) {
    case "TEST_OPERATION_FAILED":
      return `testing value ${path} failed: test failed`;
    case "OPERATION_FROM_UNRESOLVABLE":
      return `${name} operation does not apply: doc is missing from path: ${from}: missing value`;
    case "OPERATION_OP_INVALID":
      return `Unexpected kind: ${name}`;
    case "OPERATION_PATH_UNRESOLVABLE":
    case "OPERATION_PATH_CANNOT_ADD":
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
    case "OPERATION_VALUE_OUT_OF_BOUNDS": {
      const parent = parentExists(doc, path);
      switch (name) {
        case "add":
          return parent
            ? `error in add for path: '${path}': Unable to access invalid index: ${last}: ` +
              "invalid index referenced"
            : `add operation does not apply: doc is missing path: ${JSON.stringify(path)}: ` +
              "missing value";
        case "remove":
          return parent
            ? `error in remove for path: '${path}': Unable to remove nonexistent key: ${last}: ` +
              "missing value"
            : `remove operation does not apply: doc is missing path: ${JSON.stringify(path)}: ` +
              "missing value";
        case "replace":
          return `replace operation does not apply: doc is missing ${parent ? "key" : "path"}: ` +
            `${path}: missing value`;
        case "test":
          return `test operation does not apply: is missing path: ${path}: missing value`;
        default:
          return `${name} operation does not apply: doc is missing path: ${path}: missing value`;
      }
    }
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
 *   path: "/x/y": missing value`, `error in remove for path: '/spec/x': Unable to remove
 *   nonexistent key: x: missing value`, `Unexpected kind: frob`), worded as
 *   `evanphx/json-patch` (which kube-apiserver uses) words them.
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
    return jsonpatch.applyPatch(cloneJson(doc), cloneJson(patch), true, true, true)
      .newDocument;
  } catch (e) {
    if (e instanceof TypeError && /banned for security reasons/.test(e.message)) {
      throw new PatchError(422, `unsupported path in JSON patch: ${e.message}`, { cause: e });
    }
    if (!(e instanceof jsonpatch.JsonPatchError)) throw e;
    // `tree` is the document as the failing operation saw it.
    const seen: unknown = e.tree ?? doc;
    throw new PatchError(422, describe(e, seen), { cause: e });
  }
}
