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
      `"${argv.join(" ")}" failed with exit code ${code}${
        stderr.trim() ? `: ${stderr.trim()}` : ""
      }`,
      options,
    );
    this.name = "CommandError";
    this.argv = argv;
    this.code = code;
    this.stderr = stderr;
  }
}

/**
 * Several cleanup steps failed; each underlying error is kept.
 *
 * @example
 * ```ts
 * import { CleanupError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const e = new CleanupError([{ step: "umount", error: new Error("busy") }]);
 * assert.match(e.message, /umount: busy/);
 * ```
 */
export class CleanupError extends RkError {
  /** The failed steps. */
  readonly failures: readonly { step: string; error: unknown }[];
  /** Creates the error. */
  constructor(failures: readonly { step: string; error: unknown }[], options?: ErrorOptions) {
    super(
      `Cleanup failed: ${
        failures.map((f) => `${f.step}: ${f.error instanceof Error ? f.error.message : f.error}`)
          .join("; ")
      }`,
      options,
    );
    this.name = "CleanupError";
    this.failures = failures;
  }
}
