/**
 * Table output shared by the command groups, with no YAML in its imports (so that `rkl c list`
 * and `rkl pod list` load no YAML library unless `-o yaml` asks for it): the `-o` formats,
 * kubectl-style aligned tables, relative ages and timestamps. `output.ts` re-exports all of it.
 *
 * @module
 */
import { UsageError } from "../core/errors.ts";

/** Output formats accepted by `-o`. */
export const OUTPUT_FORMATS = ["table", "wide", "json", "yaml"] as const;

/** An output format. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/**
 * Parses `-o`; throws {@linkcode UsageError} for anything else.
 *
 * @example
 * ```ts
 * import { parseOutputFormat } from "./table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseOutputFormat(undefined), "table");
 * assert.equal(parseOutputFormat("json"), "json");
 * assert.throws(() => parseOutputFormat("xml"), /table, wide, json, yaml/);
 * ```
 */
export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return "table";
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(
    `Invalid output format "${value}": expected one of ${OUTPUT_FORMATS.join(", ")}`,
  );
}

/**
 * Formats rows as a left-aligned table with an upper-case header, columns separated by three
 * spaces (like kubectl), newline-terminated.
 *
 * @example
 * ```ts
 * import { formatTable } from "./table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   formatTable(["name", "status"], [["web", "running"], ["db-1", "stopped"]]),
 *   "NAME   STATUS\nweb    running\ndb-1   stopped\n",
 * );
 * ```
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("   ").trimEnd() + "\n"
  ).join("");
}

/**
 * A short human duration such as `5s`, `3m`, `2h`, `4d` (like kubectl's AGE column).
 *
 * @example
 * ```ts
 * import { formatAge } from "./table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatAge(0, 65_000), "65s");
 * assert.equal(formatAge(0, 3 * 3600_000), "3h");
 * ```
 */
export function formatAge(since: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.floor((now - since) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/**
 * An ISO 8601 timestamp, or `""`/the fallback when undefined.
 *
 * @example
 * ```ts
 * import { formatTime } from "./table.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatTime(0), "1970-01-01T00:00:00.000Z");
 * assert.equal(formatTime(undefined, "-"), "-");
 * ```
 */
export function formatTime(ms: number | undefined, fallback = ""): string {
  return ms === undefined ? fallback : new Date(ms).toISOString();
}
