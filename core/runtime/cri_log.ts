/**
 * The CRI container log format written by conmon's `k8s-file` driver:
 * `TIMESTAMP STREAM TAG CONTENT`, where TAG `P` marks a partial line continued by the next
 * entry and `F` a full line.
 *
 * @module
 */

/** One logical log line (partial entries joined). */
export interface LogLine {
  /** RFC 3339 timestamp of the first entry of the line. */
  time: string;
  /** `stdout` or `stderr`. */
  stream: "stdout" | "stderr";
  /** The text without the trailing newline. */
  text: string;
}

/**
 * Parses CRI log text into lines. Partial entries (`P`) are joined with the next entry of the
 * same stream; a trailing partial line is returned as is. Malformed lines are skipped.
 *
 * @example
 * ```ts
 * import { parseCriLog } from "./cri_log.ts";
 * import assert from "node:assert/strict";
 * const text = "2024-01-01T00:00:00Z stdout P hel\n2024-01-01T00:00:01Z stdout F lo\n" +
 *   "2024-01-01T00:00:02Z stderr F oops\n";
 * assert.deepEqual(parseCriLog(text).map((l) => l.text), ["hello", "oops"]);
 * ```
 */
export function parseCriLog(text: string): LogLine[] {
  const out: LogLine[] = [];
  const pending = new Map<string, LogLine>();
  for (const raw of text.split("\n")) {
    if (raw === "") continue;
    const a = raw.indexOf(" ");
    const b = raw.indexOf(" ", a + 1);
    const c = raw.indexOf(" ", b + 1);
    if (a < 0 || b < 0) continue;
    const time = raw.slice(0, a);
    const stream = raw.slice(a + 1, b);
    if (stream !== "stdout" && stream !== "stderr") continue;
    const tag = c < 0 ? raw.slice(b + 1) : raw.slice(b + 1, c);
    const content = c < 0 ? "" : raw.slice(c + 1);
    const prev = pending.get(stream);
    const line: LogLine = prev
      ? { ...prev, text: prev.text + content }
      : { time, stream, text: content };
    if (tag.split(":").includes("P")) {
      pending.set(stream, line);
    } else {
      pending.delete(stream);
      out.push(line);
    }
  }
  out.push(...pending.values());
  return out;
}

/** Options of {@linkcode formatLogLines}. */
export interface FormatLogOptions {
  /** Only the last N lines. */
  tail?: number;
  /** Prefix each line with its timestamp. */
  timestamps?: boolean;
}

/**
 * Formats lines for output, newline-terminated, applying `tail` and `timestamps`.
 *
 * @example
 * ```ts
 * import { formatLogLines } from "./cri_log.ts";
 * import assert from "node:assert/strict";
 * const lines = [
 *   { time: "t1", stream: "stdout" as const, text: "a" },
 *   { time: "t2", stream: "stdout" as const, text: "b" },
 * ];
 * assert.equal(formatLogLines(lines, { tail: 1, timestamps: true }), "t2 b\n");
 * ```
 */
export function formatLogLines(lines: readonly LogLine[], opts: FormatLogOptions = {}): string {
  const picked = opts.tail !== undefined
    ? lines.slice(Math.max(0, lines.length - opts.tail))
    : lines;
  return picked.map((l) => `${opts.timestamps ? `${l.time} ` : ""}${l.text}\n`).join("");
}
