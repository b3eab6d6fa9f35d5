/**
 * JSON merge patch (`application/merge-patch+json`, RFC 7386).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { setOwn } from "./_set_own.ts";
import { cloneJson } from "./clone_json.ts";

/**
 * Applies an RFC 7386 merge patch: objects merge key by key, `null` removes a key, anything
 * else (lists included) replaces the target value. Neither argument is modified.
 *
 * Source: https://www.rfc-editor.org/rfc/rfc7386#section-2
 *
 * @example
 * ```ts
 * import { jsonMergePatch } from "./merge_patch.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   jsonMergePatch({ a: "b", c: { d: "e", f: "g" } }, { a: "z", c: { f: null } }),
 *   { a: "z", c: { d: "e" } },
 * );
 * ```
 */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneJson(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, jsonMergePatch(out[k], v));
  }
  return out;
}
