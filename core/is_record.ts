/**
 * The one check that an `unknown` value (parsed JSON, YAML, a wire message) is a plain
 * key-value object.
 *
 * @module
 */

/**
 * True when `v` is an object that is neither `null`, an array nor a byte array, so its keys
 * can be read as fields.
 *
 * @example
 * ```ts
 * import { isRecord } from "./is_record.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isRecord({ a: 1 }), true);
 * assert.equal(isRecord([1]), false);
 * assert.equal(isRecord(null), false);
 * assert.equal(isRecord(new Uint8Array(1)), false);
 * ```
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}
