/**
 * `rkl container` flags → typed options: pure parsers, unit-tested, shared with `rkl pod`.
 *
 * @module
 */
import { UsageError } from "../core/errors.ts";
import { normalizeSignal } from "../core/container/kill.ts";

/** Typed options of `rkl container exec`. */
export interface ExecCliOptions {
  /** Container name or id. */
  container: string;
  /** The command. */
  argv: string[];
  /** `-e KEY=VALUE`. */
  env: Record<string, string>;
  /** `-w DIR`. */
  workingDir?: string;
  /** `-u UID[:GID]`. */
  user?: string;
  /** `-i`. */
  interactive: boolean;
  /** `-t`. */
  tty: boolean;
}

/**
 * Turns raw `exec` flags into {@linkcode ExecCliOptions}.
 *
 * @example
 * ```ts
 * import { parseExecOptions } from "./container_options.ts";
 * import assert from "node:assert/strict";
 * const o = parseExecOptions("web", ["ls", "-l"], { env: ["A=1"], user: "1000:1000" });
 * assert.deepEqual(o.env, { A: "1" });
 * assert.throws(() => parseExecOptions("web", [], {}), /command/);
 * ```
 */
export function parseExecOptions(
  container: string,
  argv: readonly string[],
  raw: {
    env?: readonly string[];
    workdir?: string;
    user?: string;
    interactive?: boolean;
    tty?: boolean;
  },
): ExecCliOptions {
  if (argv.length === 0) {
    throw new UsageError("exec needs a command: rkl container exec NAME -- CMD [ARG...]");
  }
  const env: Record<string, string> = {};
  for (const e of raw.env ?? []) {
    const i = e.indexOf("=");
    if (i <= 0) throw new UsageError(`Invalid -e "${e}": expected KEY=VALUE`);
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  if (raw.workdir !== undefined && !raw.workdir.startsWith("/")) {
    throw new UsageError(`Invalid -w "${raw.workdir}": expected an absolute path`);
  }
  if (raw.user !== undefined && !/^\d+(:\d+)?$/.test(raw.user)) {
    throw new UsageError(`Invalid -u "${raw.user}": expected UID or UID:GID`);
  }
  const out: ExecCliOptions = {
    container,
    argv: [...argv],
    env,
    interactive: raw.interactive ?? false,
    tty: raw.tty ?? false,
  };
  if (raw.workdir !== undefined) out.workingDir = raw.workdir;
  if (raw.user !== undefined) out.user = raw.user;
  return out;
}

/** Typed options of `rkl container logs`. */
export interface LogsCliOptions {
  /** Container name or id. */
  container: string;
  /** `-f`. */
  follow: boolean;
  /** `--tail N`. */
  tail?: number;
  /** `--timestamps`. */
  timestamps: boolean;
}

/**
 * Turns raw `logs` flags into {@linkcode LogsCliOptions}; `--tail` must be a count ≥ 0 (or
 * `all`).
 *
 * @example
 * ```ts
 * import { parseLogsOptions } from "./container_options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseLogsOptions("web", { tail: "5" }).tail, 5);
 * assert.equal(parseLogsOptions("web", { tail: "all" }).tail, undefined);
 * assert.throws(() => parseLogsOptions("web", { tail: "-1" }), /--tail/);
 * ```
 */
export function parseLogsOptions(
  container: string,
  raw: { follow?: boolean; tail?: string; timestamps?: boolean },
): LogsCliOptions {
  const out: LogsCliOptions = {
    container,
    follow: raw.follow ?? false,
    timestamps: raw.timestamps ?? false,
  };
  if (raw.tail !== undefined && raw.tail !== "all") {
    if (!/^\d+$/.test(raw.tail)) {
      throw new UsageError(`Invalid --tail "${raw.tail}": expected a number of lines or "all"`);
    }
    out.tail = Number(raw.tail);
  }
  return out;
}

/**
 * Parses `stop -t SECONDS` (a non-negative integer).
 *
 * @example
 * ```ts
 * import { parseGraceSeconds } from "./container_options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseGraceSeconds(undefined), 10);
 * assert.equal(parseGraceSeconds("0"), 0);
 * assert.throws(() => parseGraceSeconds("soon"), /--time/);
 * ```
 */
export function parseGraceSeconds(raw: string | undefined): number {
  if (raw === undefined) return 10;
  if (!/^\d+$/.test(raw)) throw new UsageError(`Invalid --time "${raw}": expected whole seconds`);
  return Number(raw);
}

/**
 * Parses `kill -s` (name with or without `SIG`, or number); default SIGKILL.
 *
 * @example
 * ```ts
 * import { parseSignal } from "./container_options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseSignal("term"), "SIGTERM");
 * assert.equal(parseSignal(undefined), "SIGKILL");
 * assert.throws(() => parseSignal("SIG"), /Invalid signal/);
 * ```
 */
export function parseSignal(raw: string | undefined): string {
  try {
    return normalizeSignal(raw ?? "SIGKILL");
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}
