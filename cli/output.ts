/**
 * Generic output formatting for every command group: aligned tables, `-o table|json|yaml|wide`,
 * relative ages and timestamps, and the writers the groups share (manifest warnings, the result
 * of an `exec`).
 *
 * @module
 */
import { UsageError } from "../core/errors.ts";
import { formatWarning, type ManifestWarning, toYaml } from "../core/manifest_reader.ts";
import type { ExecResult } from "../core/runtime/oci_runtime.ts";
import type { CliIo } from "./context.ts";

/** Output formats accepted by `-o`. */
export const OUTPUT_FORMATS = ["table", "wide", "json", "yaml"] as const;

/** An output format. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/**
 * Parses `-o`; throws {@linkcode UsageError} for anything else.
 *
 * @example
 * ```ts
 * import { parseOutputFormat } from "./output.ts";
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
 * import { formatTable } from "./output.ts";
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
 * Formats structured data as JSON (2-space indent) or YAML, newline-terminated.
 *
 * @example
 * ```ts
 * import { formatData } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatData({ a: 1 }, "json"), '{\n  "a": 1\n}\n');
 * assert.equal(formatData({ a: 1 }, "yaml"), "a: 1\n");
 * ```
 */
export function formatData(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value);
}

/**
 * A short human duration such as `5s`, `3m`, `2h`, `4d` (like kubectl's AGE column).
 *
 * @example
 * ```ts
 * import { formatAge } from "./output.ts";
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
 * import { formatTime } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatTime(0), "1970-01-01T00:00:00.000Z");
 * assert.equal(formatTime(undefined, "-"), "-");
 * ```
 */
export function formatTime(ms: number | undefined, fallback = ""): string {
  return ms === undefined ? fallback : new Date(ms).toISOString();
}

/**
 * The format of a command that prints one object (`state`, `inspect`): JSON unless `-o yaml`.
 * Other valid `-o` values fall back to JSON; invalid ones throw {@linkcode UsageError}.
 *
 * @example
 * ```ts
 * import { parseDataFormat } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDataFormat(undefined), "json");
 * assert.equal(parseDataFormat("yaml"), "yaml");
 * assert.equal(parseDataFormat("table"), "json");
 * assert.throws(() => parseDataFormat("xml"), /Invalid output format/);
 * ```
 */
export function parseDataFormat(value: string | undefined): "json" | "yaml" {
  return parseOutputFormat(value ?? "json") === "yaml" ? "yaml" : "json";
}

/**
 * Writes manifest warnings to stderr, one `Warning: file:line:column: path: message` line each.
 *
 * @example
 * ```ts
 * import { printWarnings } from "./output.ts";
 * import assert from "node:assert/strict";
 * let err = "";
 * const io = { stdout() {}, stderr: (t: string) => void (err += t), env: {}, cwd: "/" };
 * printWarnings(io, [{ file: "a.yaml", line: 2, column: 1, path: "foo", message: "unknown field" }]);
 * assert.equal(err, "Warning: a.yaml:2:1: foo: unknown field\n");
 * ```
 */
export function printWarnings(io: CliIo, warnings: readonly ManifestWarning[]): void {
  for (const w of warnings) io.stderr(`Warning: ${formatWarning(w)}\n`);
}

/**
 * Passes on what an `exec` produced: its stdout and stderr, and its exit code as the command's.
 *
 * @example
 * ```ts
 * import { printExecResult } from "./output.ts";
 * import assert from "node:assert/strict";
 * let out = "";
 * const io: { stdout(t: string): void; stderr(): void; env: {}; cwd: string; exitCode?: number } =
 *   { stdout: (t) => void (out += t), stderr() {}, env: {}, cwd: "/" };
 * printExecResult(io, { stdout: "hi\n", stderr: "", exitCode: 3 });
 * assert.equal(out, "hi\n");
 * assert.equal(io.exitCode, 3);
 * ```
 */
export function printExecResult(io: CliIo, result: ExecResult): void {
  if (result.stdout) io.stdout(result.stdout);
  if (result.stderr) io.stderr(result.stderr);
  io.exitCode = result.exitCode;
}
