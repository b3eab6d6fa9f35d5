/**
 * Tolerant readers for fields of stored objects (`Record<string, unknown>`): a printer must
 * never throw on an object that lacks a field or carries the wrong type, it prints the Go zero
 * value instead, as the upstream printers do after decoding.
 *
 * @module
 */
import { isRecord } from "../../../core/is_record.ts";

/** The object at `obj[key]`, or an empty object. */
export function rec(obj: unknown, key: string): Record<string, unknown> {
  if (!isRecord(obj)) return {};
  const v = obj[key];
  return isRecord(v) ? v : {};
}

/** The object at `obj[key]`, or `undefined` when absent (a nil pointer in Go). */
export function optRec(obj: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(obj)) return undefined;
  const v = obj[key];
  return isRecord(v) ? v : undefined;
}

/** The string at `obj[key]`, or `""`. */
export function str(obj: unknown, key: string): string {
  if (!isRecord(obj)) return "";
  const v = obj[key];
  return typeof v === "string" ? v : "";
}

/** The number at `obj[key]`, or `fallback` (0). */
export function num(obj: unknown, key: string, fallback = 0): number {
  if (!isRecord(obj)) return fallback;
  const v = obj[key];
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** The boolean at `obj[key]`, or `false`. */
export function bool(obj: unknown, key: string): boolean {
  return isRecord(obj) && obj[key] === true;
}

/** The objects of the array at `obj[key]` (non-objects skipped), or `[]`. */
export function recs(obj: unknown, key: string): Record<string, unknown>[] {
  if (!isRecord(obj)) return [];
  const v = obj[key];
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** The strings of the array at `obj[key]` (non-strings skipped), or `[]`. */
export function strs(obj: unknown, key: string): string[] {
  if (!isRecord(obj)) return [];
  const v = obj[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The string map at `obj[key]` (`labels`, `selector`), or `{}`. */
export function strMap(obj: unknown, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(obj, key))) {
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** Number of keys of the object at `obj[key]` (`len(map)` in Go). */
export function mapSize(obj: unknown, key: string): number {
  return Object.keys(rec(obj, key)).length;
}
