/**
 * How `rkl` prints an error: one line `Error: ...` (long values shortened, never a stack
 * trace unless `RKL_DEBUG` is set), followed by what a failed rollback left behind and how to
 * remove it.
 *
 * @module
 */
import { CleanupError, ManifestErrors, RkError, shorten } from "../core/errors.ts";

/** Longest error line printed, in characters (the middle of longer messages is elided). */
export const MAX_ERROR_LINE = 2000;

function oneLine(text: string): string {
  const joined = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).join("; ");
  // Keep the text readable: only NULs and other control characters are escaped.
  return shorten(joined, MAX_ERROR_LINE);
}

/** The first {@linkcode CleanupError} in `error`'s cause chain (the error itself included). */
function cleanupFailure(error: unknown): CleanupError | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof CleanupError) return e;
  }
  return undefined;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Formats `error` for standard error. Errors rk8s throws on purpose ({@linkcode RkError}) print
 * their message; anything else prints its message too (file-system errors name the path),
 * marked as unexpected. With `debug` (the `RKL_DEBUG` variable) the stack and every cause
 * follow. A failed rollback anywhere in the cause chain is listed step by step, with the
 * commands that remove what is left, whether or not `debug` is set.
 *
 * @example
 * ```ts
 * import { formatError } from "./format_error.ts";
 * import { CleanupError, RkError } from "../core/errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatError(new RkError("boom"), false), "Error: boom\n");
 * const stack = formatError(new RangeError("Maximum call stack size exceeded"), false);
 * assert.equal(stack.split("\n").length, 2);
 * assert.doesNotMatch(stack, /\bat /);
 * const rollback = new RkError("create failed", {
 *   cause: new CleanupError([{ step: "umount /s/rootfs", error: new Error("busy") }]),
 * });
 * assert.match(formatError(rollback, false), /left behind.*\n.*umount \/s\/rootfs: busy/);
 * ```
 */
export function formatError(error: unknown, debug: boolean): string {
  let out: string;
  if (error instanceof ManifestErrors) {
    // Every error of the file, one line each.
    out = error.errors.map((e) => `Error: ${oneLine(e.message)}\n`).join("");
  } else if (error instanceof RkError) {
    out = `Error: ${oneLine(error.message)}\n`;
  } else if (error instanceof Error) {
    const hint = debug ? "" : " (unexpected; run with RKL_DEBUG=1 for details)";
    out = `Error: ${oneLine(error.message || error.name)}${hint}\n`;
  } else {
    out = `Error: ${oneLine(String(error))}\n`;
  }
  const cleanup = cleanupFailure(error);
  if (cleanup !== undefined && cleanup !== error) {
    out += "The rollback did not finish; left behind:\n";
    for (const f of cleanup.failures) out += `  - ${oneLine(`${f.step}: ${reasonOf(f.error)}`)}\n`;
    out += "Remove it with `rkl pod rm -f NAME` or `rkl container rm -f NAME` (whichever was " +
      "being created), then `rkl gc`.\n";
  }
  if (debug) {
    if (error instanceof Error && error.stack) out += `${error.stack}\n`;
    const seen = new Set<unknown>([error]);
    for (
      let c: unknown = error instanceof Error ? error.cause : undefined;
      c !== undefined && !seen.has(c);
      c = c instanceof Error ? c.cause : undefined
    ) {
      seen.add(c);
      out += `Caused by: ${c instanceof Error ? (c.stack ?? c.message) : String(c)}\n`;
    }
  }
  return out;
}
