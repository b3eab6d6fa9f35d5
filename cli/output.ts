/**
 * Generic output formatting for every command group: aligned tables, `-o table|json|yaml|wide`,
 * relative ages and timestamps, and the writers the groups share (manifest warnings, the result
 * of an `exec`).
 *
 * @module
 */
import { formatWarning, type ManifestWarning, toYaml } from "../core/manifest_reader.ts";
import type { ExecResult } from "../core/runtime/oci_runtime.ts";
import type { CliIo } from "./context.ts";
import { parseOutputFormat } from "./table.ts";

export {
  formatAge,
  formatTable,
  formatTime,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseOutputFormat,
} from "./table.ts";

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
