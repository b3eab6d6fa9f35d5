/**
 * `parseNofileHardLimit`: the hard RLIMIT_NOFILE of `/proc/self/limits` text.
 *
 * @module
 */

/**
 * Reads the caller's hard RLIMIT_NOFILE from `/proc/self/limits` (undefined when unlimited
 * or unreadable).
 *
 * @example
 * ```ts
 * import { parseNofileHardLimit } from "./nofile_limit.ts";
 * import assert from "node:assert/strict";
 * const text = "Limit  Soft Limit  Hard Limit  Units\nMax open files  1024  20000  files\n";
 * assert.equal(parseNofileHardLimit(text), 20000);
 * ```
 */
export function parseNofileHardLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (!m || m[2] === "unlimited") return undefined;
  const n = Number(m[2]);
  return Number.isFinite(n) ? n : undefined;
}
