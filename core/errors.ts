/**
 * Typed errors shared by every part of rk8s. Each carries the data a caller needs to
 * report it well (file, line, column, field path, exit code, the failed command).
 *
 * @module
 */

/**
 * Base class of every error rk8s throws on purpose. `exitCode` is what the CLI exits with.
 *
 * @example
 * ```ts
 * import { RkError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new RkError("boom").exitCode, 1);
 * ```
 */
export class RkError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RkError";
  }
}

/**
 * Bad command-line usage (unknown flag, missing argument). The CLI exits with 2.
 *
 * @example
 * ```ts
 * import { UsageError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new UsageError("missing NAME").exitCode, 2);
 * ```
 */
export class UsageError extends RkError {
  /** Usage errors exit with 2. */
  override readonly exitCode: number = 2;
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** Where in a manifest a problem was found. */
export interface SourcePosition {
  /** The manifest file (or `<stdin>`). */
  file: string;
  /** 1-based line, 0 when unknown. */
  line: number;
  /** 1-based column, 0 when unknown. */
  column: number;
}

/**
 * An invalid manifest: malformed YAML or a field with a bad value. The message starts with
 * `file:line:column` and names the field path and what was expected.
 *
 * @example
 * ```ts
 * import { ManifestError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new ManifestError("must be a DNS-1123 label", {
 *   file: "a.yaml", line: 1, column: 7, path: "name",
 * });
 * assert.equal(e.message, 'a.yaml:1:7: name: must be a DNS-1123 label');
 * ```
 */
export class ManifestError extends RkError {
  /** The manifest file. */
  readonly file: string;
  /** 1-based line, 0 when unknown. */
  readonly line: number;
  /** 1-based column, 0 when unknown. */
  readonly column: number;
  /** Field path such as `spec.containers[0].name`; empty for the document itself. */
  readonly path: string;
  /** The reason without the location prefix. */
  readonly reason: string;
  /** Creates the error. */
  constructor(
    reason: string,
    where: SourcePosition & { path: string },
    options?: ErrorOptions,
  ) {
    const loc = where.line > 0 ? `${where.file}:${where.line}:${where.column}` : where.file;
    super(`${loc}: ${where.path ? `${where.path}: ` : ""}${reason}`, options);
    this.name = "ManifestError";
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.path = where.path;
    this.reason = reason;
  }
}

/**
 * Several {@linkcode ManifestError}s found in one pass over a file (docker compose's schema
 * validation lists every violation at once). The message holds one error per line; the position
 * fields are the first error's. Throw it only for two or more errors (one is thrown as itself).
 *
 * @example
 * ```ts
 * import { ManifestError, ManifestErrors } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new ManifestErrors([
 *   new ManifestError("bad port", { file: "c.yaml", line: 4, column: 9, path: "services.web.ports[0]" }),
 *   new ManifestError("bad restart", { file: "c.yaml", line: 7, column: 14, path: "services.db.restart" }),
 * ]);
 * assert.equal(e.message, "c.yaml:4:9: services.web.ports[0]: bad port\nc.yaml:7:14: services.db.restart: bad restart");
 * assert.ok(e instanceof ManifestError);
 * assert.equal(e.errors.length, 2);
 * ```
 */
export class ManifestErrors extends ManifestError {
  /** Every error, in the order of the file(s). */
  readonly errors: readonly ManifestError[];
  /** Creates the error from at least one error. */
  constructor(errors: readonly ManifestError[]) {
    const first = errors[0];
    if (!first) throw new RangeError("ManifestErrors needs at least one error");
    super(first.reason, first);
    this.name = "ManifestErrors";
    this.errors = errors;
    this.message = errors.map((e) => e.message).join("\n");
  }
}

/**
 * A named object does not exist.
 *
 * @example
 * ```ts
 * import { NotFoundError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new NotFoundError("container", "web").message, 'Container "web" not found');
 * ```
 */
export class NotFoundError extends RkError {
  /** Kind of object, e.g. `container`. */
  readonly kind: string;
  /** Name or id that was looked up. */
  readonly id: string;
  /** Creates the error. */
  constructor(kind: string, id: string, options?: ErrorOptions) {
    super(`${kind[0]?.toUpperCase()}${kind.slice(1)} "${id}" not found`, options);
    this.name = "NotFoundError";
    this.kind = kind;
    this.id = id;
  }
}

/**
 * An object with that name already exists, or a resource (port, address) is taken.
 *
 * @example
 * ```ts
 * import { ConflictError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.match(new ConflictError('Container "web" already exists').message, /already exists/);
 * ```
 */
export class ConflictError extends RkError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConflictError";
  }
}

/**
 * An operation that is not allowed in the object's current status.
 *
 * @example
 * ```ts
 * import { StateError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new StateError("start", "container", "web", "stopped");
 * assert.equal(e.message, 'Cannot start container "web": status is "stopped"');
 * ```
 */
export class StateError extends RkError {
  /** The status the object was in. */
  readonly status: string;
  /** Creates the error. */
  constructor(action: string, kind: string, id: string, status: string, options?: ErrorOptions) {
    super(`Cannot ${action} ${kind} "${id}": status is "${status}"`, options);
    this.name = "StateError";
    this.status = status;
  }
}

/**
 * An external program (runtime, conmon, CNI plugin, mount, ...) failed.
 *
 * @example
 * ```ts
 * import { CommandError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new CommandError(["runc", "start", "x"], 1, "container not found\n");
 * assert.equal(e.message, '"runc start x" failed with exit code 1: container not found');
 * ```
 */
export class CommandError extends RkError {
  /** The argv that was run. */
  readonly argv: readonly string[];
  /** The program's exit code. */
  readonly code: number;
  /** What it wrote to stderr. */
  readonly stderr: string;
  /** Creates the error. */
  constructor(argv: readonly string[], code: number, stderr: string, options?: ErrorOptions) {
    super(
      `"${shorten(argv.join(" "), 300)}" failed with exit code ${code}${
        stderr.trim() ? `: ${shorten(stderr.trim(), 1000)}` : ""
      }`,
      options,
    );
    this.name = "CommandError";
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
  }
}

/** One cleanup step that failed: what it should have released, and why it could not. */
export interface StepFailure {
  /** The step's name, naming what it releases (`umount /run/rkl/...`, `detach network`). */
  readonly step: string;
  /** What the step threw. */
  readonly error: unknown;
}

/** Options of {@linkcode CleanupError}. */
export interface CleanupErrorOptions extends ErrorOptions {
  /**
   * Steps that were not attempted because an earlier one failed (a record kept so removal can
   * be retried): they are left behind too.
   */
  skipped?: readonly string[];
  /**
   * The failure that made the operation roll back, when the cleanup was a rollback. It becomes
   * the `cause` (unless one is given) and its message leads this error's message; an
   * {@linkcode RkError}'s `exitCode` is kept.
   */
  original?: unknown;
}

function describe(error: unknown): string {
  // A nested teardown's failures read as part of this one's: `step (inner step (reason))`.
  if (error instanceof CleanupError && error.original === undefined) return error.detail;
  return error instanceof Error ? error.message : String(error);
}

/**
 * An external program did not finish in time and was killed (SIGKILL). Exit code 137.
 *
 * @example
 * ```ts
 * import { CommandTimeoutError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new CommandTimeoutError(["runc", "state", "x"], 5000, "");
 * assert.equal(e.message, '"runc state x" did not finish within 5000 ms and was killed');
 * assert.equal(e.timeoutMs, 5000);
 * ```
 */
export class CommandTimeoutError extends CommandError {
  /** The time limit, ms. */
  readonly timeoutMs: number;
  /** Creates the error. */
  constructor(argv: readonly string[], timeoutMs: number, output: string, options?: ErrorOptions) {
    super(argv, 137, output, options);
    const said = output.trim() ? `: ${shorten(output.trim(), 1000)}` : "";
    this.message = `"${shorten(argv.join(" "), 300)}" did not finish within ${timeoutMs} ms and ` +
      `was killed${said}`;
    this.name = "CommandTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Cleanup steps failed (a teardown, or the rollback of a failed operation): every failure is
 * kept with its step, together with the steps skipped after it, so nothing that was left behind
 * goes unreported. Built by `StepRunner` and `UndoStack`; the CLI prints it
 * whole, also when it is only the `cause` of another error.
 *
 * Message: `Cleanup failed, left behind: STEP (ERROR); STEP (not attempted)`, or for a
 * rollback `ORIGINAL MESSAGE; rollback failed, left behind: ...`.
 *
 * @example
 * ```ts
 * import { CleanupError, ConflictError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new CleanupError([{ step: "umount /m", error: new Error("busy") }], {
 *   skipped: ["delete record"],
 * });
 * assert.equal(e.message, "Cleanup failed, left behind: umount /m (busy); delete record (not attempted)");
 * assert.deepEqual(e.leftBehind, ["umount /m", "delete record"]);
 *
 * const r = new CleanupError([{ step: "remove /d", error: new Error("EBUSY") }], {
 *   original: new ConflictError('Port 80 is taken'),
 * });
 * assert.equal(r.message, "Port 80 is taken; rollback failed, left behind: remove /d (EBUSY)");
 * assert.ok(r.cause instanceof ConflictError);
 * ```
 */
export class CleanupError extends RkError {
  /** The failed steps, in the order they failed. */
  readonly failures: readonly StepFailure[];
  /** Steps not attempted because an earlier one failed. */
  readonly skipped: readonly string[];
  /** What was left behind and why: `STEP (ERROR); STEP (not attempted)`. */
  readonly detail: string;
  /** The error that caused the rollback; undefined for a teardown. */
  readonly original: unknown;
  /** The original error's exit code (when it is an {@linkcode RkError}), else 1. */
  override readonly exitCode: number;
  /** Creates the error. */
  constructor(failures: readonly StepFailure[], options: CleanupErrorOptions = {}) {
    const { skipped = [], original, ...errorOptions } = options;
    const detail = [
      ...failures.map((f) => `${f.step} (${describe(f.error)})`),
      ...skipped.map((s) => `${s} (not attempted)`),
    ].join("; ");
    const rollback = "original" in options;
    super(
      rollback
        ? `${describe(original)}; rollback failed, left behind: ${detail}`
        : `Cleanup failed, left behind: ${detail}`,
      rollback && errorOptions.cause === undefined
        ? { ...errorOptions, cause: original }
        : errorOptions,
    );
    this.name = "CleanupError";
    this.failures = failures;
    this.skipped = skipped;
    this.detail = detail;
    this.original = original;
    this.exitCode = original instanceof RkError ? original.exitCode : 1;
  }

  /** Everything left behind: the failed steps, then the skipped ones. */
  get leftBehind(): string[] {
    return [...this.failures.map((f) => f.step), ...this.skipped];
  }

  /**
   * The rollback failure of an operation that failed with `original`. When `original` is itself
   * a rollback failure (nested operations), both lists of failures are kept in one error.
   *
   * @example
   * ```ts
   * import { CleanupError } from "./errors.ts";
   * import assert from "node:assert/strict";
   * const inner = CleanupError.afterFailure(new Error("boom"), [{ step: "a", error: "x" }]);
   * const outer = CleanupError.afterFailure(inner, [{ step: "b", error: "y" }]);
   * assert.deepEqual(outer.leftBehind, ["a", "b"]);
   * assert.equal(outer.message, "boom; rollback failed, left behind: a (x); b (y)");
   * ```
   */
  static afterFailure(original: unknown, failures: readonly StepFailure[]): CleanupError {
    if (original instanceof CleanupError && original.original !== undefined) {
      return new CleanupError([...original.failures, ...failures], {
        skipped: original.skipped,
        original: original.original,
      });
    }
    return new CleanupError(failures, { original });
  }
}

/**
 * The first {@linkcode CleanupError} in `error`'s `cause` chain (itself included), or undefined.
 * The CLI prints it whatever wraps it.
 *
 * @example
 * ```ts
 * import { CleanupError, findCleanupError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const c = new CleanupError([{ step: "s", error: "e" }]);
 * assert.equal(findCleanupError(new Error("x", { cause: c })), c);
 * assert.equal(findCleanupError(new Error("x")), undefined);
 * ```
 */
export function findCleanupError(error: unknown): CleanupError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof CleanupError) return e;
  }
  return undefined;
}

/**
 * Shortens a value quoted in a message: at most `max` characters, the middle replaced by
 * `…(N chars)…`, control characters (NUL, newlines) escaped so a message stays one line.
 *
 * @example
 * ```ts
 * import { shorten } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shorten("short"), "short");
 * assert.equal(shorten("a\0b\nc"), "a\\0b\\nc");
 * const long = shorten("x".repeat(300), 40);
 * assert.ok(long.length <= 60);
 * assert.match(long, /…\(300 chars\)…/);
 * ```
 */
export function shorten(value: string, max = 120): string {
  const escaped = value.replace(
    // deno-lint-ignore no-control-regex
    /[\0-\x1f\x7f]/g,
    (c) =>
      c === "\0"
        ? "\\0"
        : c === "\n"
        ? "\\n"
        : c === "\t"
        ? "\\t"
        : c === "\r"
        ? "\\r"
        : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  if (escaped.length <= max) return escaped;
  const keep = Math.max(8, Math.floor((max - 16) / 2));
  return `${escaped.slice(0, keep)}…(${value.length} chars)…${escaped.slice(-keep)}`;
}

/**
 * The reason of a file-system error in a few words, without Deno's `(os error N)` and the
 * operation suffix: `"not found"`, `"is a directory"`, `"too many levels of symbolic links"`,
 * `"permission denied"`, ... Unknown errors give their first line.
 *
 * @example
 * ```ts
 * import { fsErrorReason } from "./errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fsErrorReason(new Deno.errors.NotFound("No such file or directory (os error 2): stat '/x'")), "not found");
 * assert.equal(fsErrorReason(new Error("Read-only file system (os error 30): open '/x'")), "read-only file system");
 * ```
 */
export function fsErrorReason(error: unknown): string {
  const e = Deno.errors;
  if (error instanceof e.NotFound) return "not found";
  if (error instanceof e.NotADirectory) return "a path component is not a directory";
  if (error instanceof e.IsADirectory) return "is a directory";
  if (error instanceof e.FilesystemLoop) return "too many levels of symbolic links";
  if (error instanceof e.NotCapable) return "outside what rkl may access";
  if (error instanceof e.PermissionDenied) return "permission denied";
  if (error instanceof Error) {
    const first = (error.message.split("\n")[0] ?? "").replace(/ \(os error \d+\).*$/, "");
    return first ? first[0]!.toLowerCase() + first.slice(1) : error.name;
  }
  return String(error);
}
