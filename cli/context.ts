/**
 * What every command group receives: output sinks, environment, the user's directory and the
 * global options (`--root`, `--runtime`).
 *
 * @module
 */
import { isAbsolute, join, resolve } from "../core/path.ts";
import { rklPaths } from "../core/paths.ts";

/** Output and environment of one CLI invocation (real process or in-process test). */
export interface CliIo {
  /** Writes to standard output (a newline is not added). */
  stdout(text: string): void;
  /** Writes to standard error (a newline is not added). */
  stderr(text: string): void;
  /** Environment variables. */
  env: Readonly<Record<string, string | undefined>>;
  /** The directory the user typed the command in (relative paths resolve against it). */
  cwd: string;
  /**
   * Exit code a command wants when it succeeds as a command but reports a non-zero status
   * (e.g. `exec` returns the process's code). Unset means 0.
   */
  exitCode?: number;
  /** True when standard output is a terminal (progress marks and colours). */
  terminal?: boolean;
}

/** Global options shared by every command. */
export interface GlobalOptions {
  /** State root (`--root` / `RKL_ROOT`); undefined for the system locations. */
  root: string | undefined;
  /** Runtime name or path (`--runtime` / `RKL_RUNTIME`); undefined to auto-detect. */
  runtime: string | undefined;
  /**
   * Where image references (`image: busybox`) are looked up (`RKL_IMAGE_DIR`); undefined for
   * `<data dir>/images`, the default of `rkl daemon --image-dir` (see {@linkcode imageDirOf}).
   */
  imageDir?: string;
}

/**
 * The image directory of `globals`: `RKL_IMAGE_DIR` when set, else `images` in rkl's data
 * directory (`/var/lib/rkl/images`, or `<root>/lib/images` with `--root`), as the daemon's
 * `--image-dir` default.
 *
 * @example
 * ```ts
 * import { imageDirOf } from "./context.ts";
 * import assert from "node:assert/strict";
 * assert.equal(imageDirOf({ root: undefined, runtime: undefined }), "/var/lib/rkl/images");
 * assert.equal(imageDirOf({ root: "/r", runtime: undefined, imageDir: "/img" }), "/img");
 * ```
 */
export function imageDirOf(globals: GlobalOptions): string {
  return globals.imageDir ?? join(rklPaths(globals.root).dataDir, "images");
}

/**
 * The real process's I/O. `deno task` runs in the project directory, so the user's directory
 * comes from `INIT_CWD` when set.
 *
 * @example
 * ```ts
 * import { processIo } from "./context.ts";
 * import assert from "node:assert/strict";
 * const io = processIo();
 * assert.equal(io.cwd, Deno.env.get("INIT_CWD") ?? Deno.cwd());
 * io.stdout("hello\n");
 * ```
 */
export function processIo(): CliIo {
  const enc = new TextEncoder();
  const env = readEnv();
  return {
    stdout: (t) => writeStdout(enc.encode(t)),
    stderr: (t) => void Deno.stderr.writeSync(enc.encode(t)),
    env,
    cwd: env.INIT_CWD ?? Deno.cwd(),
    terminal: Deno.stdout.isTerminal(),
  };
}

/**
 * Standard output was closed by its reader (`rkl pod list | head -1`): the command stops, and
 * `rkl` exits quietly with status 141, what a shell reports for a process that SIGPIPE ended (Go
 * programs such as docker die of that signal; Deno ignores it and returns EPIPE instead).
 *
 * @example
 * ```ts
 * import { StdoutClosedError } from "./context.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new StdoutClosedError().exitCode, 141);
 * ```
 */
export class StdoutClosedError extends Error {
  /** The status `rkl` exits with: 128 + SIGPIPE (13). */
  readonly exitCode: number = 141;
  /** Creates the error. */
  constructor(options?: ErrorOptions) {
    super("standard output was closed", options);
    this.name = "StdoutClosedError";
  }
}

/**
 * True when `error` or an error in its cause chain is a {@linkcode StdoutClosedError}.
 *
 * @example
 * ```ts
 * import { isStdoutClosed, StdoutClosedError } from "./context.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isStdoutClosed(new Error("wrapped", { cause: new StdoutClosedError() })));
 * assert.ok(!isStdoutClosed(new Deno.errors.BrokenPipe("a child's stdin")));
 * ```
 */
export function isStdoutClosed(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof StdoutClosedError) return true;
  }
  return false;
}

/** Writes all of `bytes` to standard output; a closed reader becomes a StdoutClosedError. */
function writeStdout(bytes: Uint8Array): void {
  try {
    let done = 0;
    while (done < bytes.length) done += Deno.stdout.writeSync(bytes.subarray(done));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) throw new StdoutClosedError({ cause: e });
    throw e;
  }
}

/** Environment variables rkl reads (the `rkl` task grants exactly these). */
export const RKL_ENV_VARS: readonly string[] = [
  "RKL_ROOT",
  "RKL_RUNTIME",
  "RKL_IMAGE_DIR",
  "RKL_CONFIG_DIR",
  "RKL_DEBUG",
  "RKS_ADDRESS",
  "RKS_DATA_DIR",
  "KUBECONFIG",
  "PATH",
  "CNI_PATH",
  "INIT_CWD",
  "HOME",
  "TERM",
  "NO_COLOR",
];

/** The whole environment when allowed, else the granted variables of {@linkcode RKL_ENV_VARS}. */
function readEnv(): Record<string, string> {
  if (Deno.permissions.querySync({ name: "env" }).state === "granted") return Deno.env.toObject();
  const env: Record<string, string> = {};
  for (const variable of RKL_ENV_VARS) {
    if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") continue;
    const v = Deno.env.get(variable);
    if (v !== undefined) env[variable] = v;
  }
  return env;
}

/**
 * Resolves a user-supplied path against the user's directory.
 *
 * @example
 * ```ts
 * import { userPath } from "./context.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/home/u" };
 * assert.equal(userPath(io, "pod.yaml"), "/home/u/pod.yaml");
 * assert.equal(userPath(io, "/etc/x"), "/etc/x");
 * ```
 */
export function userPath(io: CliIo, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}

/**
 * Resolves global options: flags first, then environment.
 *
 * @example
 * ```ts
 * import { resolveGlobals } from "./context.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: { RKL_ROOT: "r" }, cwd: "/w" };
 * assert.deepEqual(resolveGlobals(io, {}), { root: "/w/r", runtime: undefined });
 * ```
 */
export function resolveGlobals(
  io: CliIo,
  flags: { root?: string | undefined; runtime?: string | undefined },
): GlobalOptions {
  const root = flags.root ?? io.env.RKL_ROOT;
  const imageDir = io.env.RKL_IMAGE_DIR;
  return {
    root: root ? userPath(io, root) : undefined,
    runtime: flags.runtime ?? io.env.RKL_RUNTIME,
    ...(imageDir ? { imageDir: userPath(io, imageDir) } : {}),
  };
}
