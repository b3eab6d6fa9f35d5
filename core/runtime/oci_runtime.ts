/**
 * The OCI runtime as rk8s sees it, and an adapter for any runtime that speaks the runc command
 * line (youki, runc, crun). Commands are argv arrays built from typed options.
 *
 * @module
 */
import { isAbsolute, join } from "../path.ts";
import { CommandError, RkError } from "../errors.ts";
import { run, type RunResult } from "../exec.ts";
import { traced } from "../trace.ts";

/** Status reported by the runtime (`runc state`). */
export type RuntimeStatus = "creating" | "created" | "running" | "stopped" | "paused";

/** What the runtime knows about one container. */
export interface RuntimeState {
  /** Container id. */
  id: string;
  /** Runtime status. */
  status: RuntimeStatus;
  /** Init process pid (0 when stopped). */
  pid: number;
  /** Bundle directory. */
  bundle: string;
  /** Creation time (ISO 8601) when reported. */
  created?: string;
}

/** A process to run inside a container with {@linkcode OciRuntime.exec}. */
export interface ExecProcess {
  /** argv. */
  args: readonly string[];
  /** Extra environment, `KEY=value`. */
  env?: readonly string[];
  /** Working directory inside the container. */
  cwd?: string;
  /** `uid[:gid]`. */
  user?: string;
  /** Allocate a terminal (interactive use; stdio must be inherited). */
  tty?: boolean;
}

/** Where an exec'd process's stdio goes. */
export type ExecStdio = "piped" | "inherit";

/** Result of {@linkcode OciRuntime.exec} with piped stdio. */
export interface ExecResult {
  /** Exit code of the process. */
  exitCode: number;
  /** Standard output (empty when inherited). */
  stdout: string;
  /** Standard error (empty when inherited). */
  stderr: string;
}

/**
 * A runc-compatible OCI runtime. Containers are created through the monitor
 * (see `conmon.ts`), which receives {@linkcode OciRuntime.binary} and
 * {@linkcode OciRuntime.globalArgs}; every other operation goes through this interface.
 */
export interface OciRuntime {
  /** Short name (`runc`, `youki`, `crun`, or the binary's base name). */
  readonly name: string;
  /** Absolute path of the binary. */
  readonly binary: string;
  /** State directory of the runtime (`--root`). */
  readonly root: string;
  /** Global arguments that precede every subcommand (e.g. `--root DIR`). */
  globalArgs(): string[];
  /** Starts a created container. */
  start(id: string): Promise<void>;
  /** Sends a signal (name like `SIGTERM` or number) to the container's init (or all processes). */
  kill(id: string, signal: string | number, opts?: { all?: boolean }): Promise<void>;
  /** Deletes the container; `force` kills it first. Missing containers are not an error. */
  delete(id: string, opts?: { force?: boolean }): Promise<void>;
  /** State of one container, or undefined when the runtime does not know it. */
  state(id: string): Promise<RuntimeState | undefined>;
  /** Every container under this runtime root. */
  list(): Promise<RuntimeState[]>;
  /** Runs a process in a running container. */
  exec(
    id: string,
    process: ExecProcess,
    opts?: { stdio?: ExecStdio; timeoutMs?: number },
  ): Promise<ExecResult>;
}

const STATUSES: readonly RuntimeStatus[] = ["creating", "created", "running", "stopped", "paused"];

/**
 * Parses one runtime state object (from `state` or `list --format json`) from unknown JSON.
 *
 * @example
 * ```ts
 * import { parseRuntimeState } from "./oci_runtime.ts";
 * import assert from "node:assert/strict";
 * const s = parseRuntimeState({ id: "a", status: "running", pid: 7, bundle: "/b" });
 * assert.equal(s.pid, 7);
 * assert.throws(() => parseRuntimeState({ id: "a", status: "weird" }));
 * ```
 */
export function parseRuntimeState(value: unknown): RuntimeState {
  if (typeof value !== "object" || value === null) {
    throw new RkError(`Runtime state is not an object: ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  const status = v.status;
  if (typeof v.id !== "string" || !STATUSES.includes(status as RuntimeStatus)) {
    throw new RkError(`Unexpected runtime state: ${JSON.stringify(value)}`);
  }
  const state: RuntimeState = {
    id: v.id,
    status: status as RuntimeStatus,
    pid: typeof v.pid === "number" ? v.pid : 0,
    bundle: typeof v.bundle === "string" ? v.bundle : "",
  };
  if (typeof v.created === "string") state.created = v.created;
  return state;
}

/**
 * What a failed runtime command meant: the runtime does not know the container (`not-found`),
 * its process has already exited (`not-running`), or anything else (`failed`).
 */
export type RuntimeFailure = "not-found" | "not-running" | "failed";

// runc, crun and youki word these differently; this is the one place that reads their words.
const NOT_RUNNING = /not running|no such process|process already finished/i;
const NOT_FOUND = /does not exist|not found|No such file|not exist/i;

/**
 * Classifies a runtime's error message (stderr of `runc kill|delete|state|start ...`).
 *
 * @example
 * ```ts
 * import { classifyRuntimeFailure } from "./oci_runtime.ts";
 * import assert from "node:assert/strict";
 * assert.equal(classifyRuntimeFailure("container not running"), "not-running");
 * assert.equal(classifyRuntimeFailure('container "x" does not exist'), "not-found");
 * assert.equal(classifyRuntimeFailure("permission denied"), "failed");
 * ```
 */
export function classifyRuntimeFailure(stderr: string): RuntimeFailure {
  if (NOT_RUNNING.test(stderr)) return "not-running";
  if (NOT_FOUND.test(stderr)) return "not-found";
  return "failed";
}

/**
 * A runtime command failed; {@linkcode RuntimeError.failure} says what it meant, so callers
 * decide on a typed value instead of the runtime's wording.
 *
 * @example
 * ```ts
 * import { RuntimeError } from "./oci_runtime.ts";
 * import assert from "node:assert/strict";
 * const e = new RuntimeError(["runc", "kill", "c1", "SIGTERM"], 1, "container not running");
 * assert.equal(e.failure, "not-running");
 * assert.match(e.message, /runc kill c1 SIGTERM/);
 * ```
 */
export class RuntimeError extends CommandError {
  /** What the failure meant. */
  readonly failure: RuntimeFailure;
  /** Creates the error, classifying `stderr` unless `failure` is given. */
  constructor(
    argv: readonly string[],
    code: number,
    stderr: string,
    failure: RuntimeFailure = classifyRuntimeFailure(stderr),
    options?: ErrorOptions,
  ) {
    super(argv, code, stderr, options);
    this.name = "RuntimeError";
    this.failure = failure;
  }
}

/** Options for {@linkcode CliRuntime}. */
export interface CliRuntimeOptions {
  /** Absolute path of the binary. */
  binary: string;
  /** `--root` directory. */
  root: string;
  /** Short name; defaults to the binary's base name. */
  name?: string;
  /**
   * Longest wait for one runtime command (state, list, start, kill, delete), ms; the runtime
   * is killed after it (default {@linkcode RUNTIME_TIMEOUT_MS}).
   */
  timeoutMs?: number;
}

/** Default bound on one runtime command: 60 s. */
export const RUNTIME_TIMEOUT_MS = 60_000;

/** Adapter for any runtime with the runc command line. */
export class CliRuntime implements OciRuntime {
  /** Short name. */
  readonly name: string;
  /** Absolute path of the binary. */
  readonly binary: string;
  /** `--root` directory. */
  readonly root: string;
  readonly #timeoutMs: number;

  /** Creates the adapter. */
  constructor(opts: CliRuntimeOptions) {
    this.binary = opts.binary;
    this.root = opts.root;
    this.name = opts.name ?? opts.binary.split("/").pop() ?? opts.binary;
    this.#timeoutMs = opts.timeoutMs ?? RUNTIME_TIMEOUT_MS;
  }

  /** `["--root", root]`. */
  globalArgs(): string[] {
    return ["--root", this.root];
  }

  /** Builds the argv of a subcommand. */
  argv(...args: string[]): string[] {
    return [this.binary, ...this.globalArgs(), ...args];
  }

  /** Runs a subcommand; a failure is a {@linkcode RuntimeError} (reported as `reportArgv`). */
  async #run(
    args: string[],
    reportArgv: readonly string[] = this.argv(...args),
  ): Promise<RunResult> {
    const r = await traced(
      `${this.name} ${args[0]}`,
      () => run(this.argv(...args), { allowFailure: true, timeoutMs: this.#timeoutMs }),
    );
    if (r.code !== 0) throw new RuntimeError(reportArgv, r.code, r.stderr || r.stdout);
    return r;
  }

  /** Starts a created container; a failure is a {@linkcode RuntimeError}. */
  async start(id: string): Promise<void> {
    await this.#run(["start", id]);
  }

  /**
   * Sends a signal to the container; a failure is a {@linkcode RuntimeError} whose `failure` is
   * `not-running` when the process has already exited.
   */
  async kill(id: string, signal: string | number, opts: { all?: boolean } = {}): Promise<void> {
    await this.#run(["kill", ...(opts.all ? ["--all"] : []), id, String(signal)]);
  }

  /** Deletes the container; tolerates a container the runtime does not know. */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    try {
      await this.#run(["delete", ...(opts.force ? ["--force"] : []), id], this.argv("delete", id));
    } catch (e) {
      if (!(e instanceof RuntimeError && e.failure === "not-found")) throw e;
    }
  }

  /** State of one container, or undefined when the runtime does not know it. */
  async state(id: string): Promise<RuntimeState | undefined> {
    try {
      return parseRuntimeState(parseJson(await this.#run(["state", id]), "state"));
    } catch (e) {
      if (e instanceof RuntimeError && e.failure === "not-found") return undefined;
      throw e;
    }
  }

  /**
   * Every container under the root. A container that another process removes while the
   * runtime lists (runc: `stat …/<id>: no such file or directory`) is gone, not an error: the
   * listing is retried, and after a few tries each remaining container is asked for alone.
   */
  async list(): Promise<RuntimeState[]> {
    let r: RunResult | undefined;
    for (let attempt = 0; r === undefined; attempt++) {
      try {
        r = await this.#run(["list", "--format", "json"]);
      } catch (e) {
        if (!(e instanceof RuntimeError && e.failure === "not-found")) throw e;
        // A container removed while it was listed is gone: retry, then ask one by one.
        if (attempt >= 2) return await this.#listOneByOne();
      }
    }
    const v = parseJson(r, "list");
    if (v === null) return [];
    if (!Array.isArray(v)) throw new RkError(`Runtime list is not an array: ${r.stdout.trim()}`);
    return v.map(parseRuntimeState);
  }

  async #listOneByOne(): Promise<RuntimeState[]> {
    const ids: string[] = [];
    try {
      for await (const e of Deno.readDir(this.root)) if (e.isDirectory) ids.push(e.name);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    const states = await Promise.all(ids.map((id) => this.state(id)));
    return states.filter((s): s is RuntimeState => s !== undefined);
  }

  /** Runs a process in the container. */
  async exec(
    id: string,
    process: ExecProcess,
    opts: { stdio?: ExecStdio; timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    const argv = this.argv(...execArgs(id, process));
    if (opts.stdio === "inherit") {
      const [cmd, ...args] = argv;
      const child = new Deno.Command(cmd!, {
        args,
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
      const status = await child.status;
      return { exitCode: status.code, stdout: "", stderr: "" };
    }
    const r = await run(argv, {
      allowFailure: true,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
  }
}

/**
 * The arguments of `exec` after the global ones.
 *
 * @example
 * ```ts
 * import { execArgs } from "./oci_runtime.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   execArgs("c1", { args: ["ls", "-l"], env: ["A=1"], cwd: "/tmp", user: "1000:1000" }),
 *   ["exec", "--env", "A=1", "--cwd", "/tmp", "--user", "1000:1000", "c1", "ls", "-l"],
 * );
 * ```
 */
export function execArgs(id: string, p: ExecProcess): string[] {
  const out = ["exec"];
  if (p.tty) out.push("--tty");
  for (const e of p.env ?? []) out.push("--env", e);
  if (p.cwd) out.push("--cwd", p.cwd);
  if (p.user) out.push("--user", p.user);
  out.push(id, ...p.args);
  return out;
}

function parseJson(r: RunResult, what: string): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch (cause) {
    throw new RkError(`Runtime ${what} printed invalid JSON: ${r.stdout.slice(0, 200)}`, {
      cause,
    });
  }
}

/** Runtimes tried in order when none is named. */
export const RUNTIME_CANDIDATES: readonly string[] = ["youki", "runc", "crun"];

/** No usable runtime was found. */
export class RuntimeNotFoundError extends RkError {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "RuntimeNotFoundError";
  }
}

/**
 * True when `path` is an executable file. Synchronous on purpose: every `rkl` command resolves
 * its runtime, and most candidates do not exist; a failed async `stat` costs a round trip
 * through Deno's blocking thread pool each (≈ 0.5 ms), a failed `statSync` ≈ 30 µs.
 */
function isExecutable(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/** Directories searched besides `PATH` (runc lives in /usr/sbin on Debian). */
const EXTRA_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  // Each directory once (PATH often repeats itself and the extra directories).
  const dirs = new Set([...(pathEnv ?? "").split(":").filter(Boolean), ...EXTRA_DIRS]);
  for (const dir of dirs) {
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

/** How {@linkcode resolveRuntime} picked the runtime. */
export interface ResolvedRuntime {
  /** Short name. */
  name: string;
  /** Absolute path. */
  binary: string;
  /** `flag`, `env` or `auto`. */
  source: "flag" | "env" | "auto";
}

/**
 * Picks the runtime binary: `flag` (`--runtime NAME|PATH`), then `env.RKL_RUNTIME`, then the
 * first of youki, runc, crun found on `PATH` (plus the sbin directories). Throws a
 * {@linkcode RuntimeNotFoundError} naming what to install when nothing is found.
 *
 * @example
 * ```ts
 * import { resolveRuntime } from "./oci_runtime.ts";
 * import assert from "node:assert/strict";
 * const r = await resolveRuntime(undefined, { PATH: "/usr/sbin:/usr/bin" });
 * assert.equal(r.source, "auto"); // runc here (youki and crun are not installed)
 * assert.match(r.binary, /\/(youki|runc|crun)$/);
 * ```
 */
export function resolveRuntime(
  flag?: string,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<ResolvedRuntime> {
  // The executor's throw becomes the rejection.
  return new Promise((resolve) => resolve(resolveRuntimeSync(flag, env)));
}

/**
 * {@linkcode resolveRuntime}, synchronously (it only looks at files): for a runtime resolved
 * when first used. Throws {@linkcode RuntimeNotFoundError}.
 *
 * @example
 * ```ts
 * import { resolveRuntimeSync } from "./oci_runtime.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resolveRuntimeSync("runc", { PATH: "/usr/sbin:/usr/bin" }).source, "flag");
 * assert.throws(() => resolveRuntimeSync("relative/runc", {}), /must be absolute/);
 * ```
 */
export function resolveRuntimeSync(
  flag?: string,
  env: Readonly<Record<string, string | undefined>> = {},
): ResolvedRuntime {
  const wanted = flag ?? env.RKL_RUNTIME;
  const source = flag !== undefined ? "flag" : "env";
  if (wanted !== undefined && wanted !== "") {
    const name = wanted.split("/").pop() ?? wanted;
    if (wanted.includes("/")) {
      if (!isAbsolute(wanted)) {
        throw new RuntimeNotFoundError(`OCI runtime path "${wanted}" must be absolute`);
      }
      if (!isExecutable(wanted)) {
        throw new RuntimeNotFoundError(`OCI runtime "${wanted}" is not an executable file`);
      }
      return { name, binary: wanted, source };
    }
    const found = findOnPath(wanted, env.PATH);
    if (!found) {
      throw new RuntimeNotFoundError(
        `OCI runtime "${wanted}" not found on PATH; install it (e.g. apt-get install -y ${wanted}) or pass --runtime /path/to/${wanted}`,
      );
    }
    return { name, binary: found, source };
  }
  for (const name of RUNTIME_CANDIDATES) {
    const found = findOnPath(name, env.PATH);
    if (found) return { name, binary: found, source: "auto" };
  }
  throw new RuntimeNotFoundError(
    "No OCI runtime found (looked for youki, runc, crun on PATH); install one, e.g. `apt-get install -y runc`, or pass --runtime PATH",
  );
}
