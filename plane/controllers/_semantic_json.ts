/**
 * Canonical JSON for semantic comparison of API objects, as `apiequality.Semantic.DeepEqual`
 * compares Go structs: object keys sorted; `null`, `{}` and `[]` values are the same as an
 * absent field (a Go zero value), so `creationTimestamp: null` and `resources: {}` do not count.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/** The canonical text of `v` (`undefined` when `v` is null/empty). */
export function semanticJson(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return `[${v.map((x) => semanticJson(x) ?? "null").join(",")}]`;
  }
  if (isRecord(v)) {
    const parts: string[] = [];
    for (const k of Object.keys(v).sort()) {
      const s = semanticJson(v[k]);
      if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
    }
    return parts.length === 0 ? undefined : `{${parts.join(",")}}`;
  }
  return JSON.stringify(v);
}
