/**
 * `jsonEqual`: whether two JSON values would serialize to the same JSON whatever their key
 * order.
 *
 * @module
 */

/**
 * True when `a` and `b` are the same JSON value: objects with the same keys (in any order)
 * and equal values, arrays equal element by element, equal primitives. A key whose value is
 * `undefined` counts as absent, as `JSON.stringify` drops it. Stops at the first difference and
 * allocates nothing, where comparing canonical (key-sorted) `JSON.stringify` texts builds both
 * texts in full. `skip(path)` may name object keys to ignore (`path` is the keys from the root,
 * e.g. `["metadata", "resourceVersion"]`). Not for values with cycles.
 *
 * @example
 * ```ts
 * import { jsonEqual } from "./json_equal.ts";
 * import assert from "node:assert/strict";
 * assert.equal(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), true);
 * assert.equal(jsonEqual({ a: 1, x: undefined }, { a: 1 }), true);
 * assert.equal(jsonEqual({ a: [1, 2] }, { a: [2, 1] }), false);
 * assert.equal(jsonEqual({ a: 1 }, { a: "1" }), false);
 * const rv = (path: readonly string[]) => path.length === 2 && path[1] === "resourceVersion";
 * assert.equal(jsonEqual({ metadata: { resourceVersion: "1" } }, { metadata: { resourceVersion: "2" } }, rv), true);
 * ```
 */
export function jsonEqual(
  a: unknown,
  b: unknown,
  skip?: (path: readonly string[]) => boolean,
): boolean {
  return equal(a, b, skip, []);
}

function equal(
  a: unknown,
  b: unknown,
  skip: ((path: readonly string[]) => boolean) | undefined,
  path: string[],
): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const arrayA = Array.isArray(a);
  if (arrayA !== Array.isArray(b)) return false;
  if (arrayA) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) {
      // JSON.stringify writes undefined array elements as null.
      const u = x[i] === undefined ? null : x[i];
      const v = y[i] === undefined ? null : y[i];
      if (!equal(u, v, skip, path)) return false;
    }
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    path.push(k);
    const skipped = skip !== undefined && skip(path);
    if (!skipped) {
      count++;
      const same = Object.hasOwn(y, k) && equal(x[k], y[k], skip, path);
      if (!same) {
        path.pop();
        return false;
      }
    }
    path.pop();
  }
  for (const k in y) {
    if (!Object.hasOwn(y, k) || y[k] === undefined) continue;
    if (skip !== undefined) {
      path.push(k);
      const skipped = skip(path);
      path.pop();
      if (skipped) continue;
    }
    count--;
  }
  return count === 0;
}
