/**
 * conmon as the per-container monitor: it creates the container through the runtime, keeps its
 * stdio, writes CRI-format logs and records the exit code in an exit file. rkl returns as soon
 * as the container is created (then started), and reads exit files later.
 *
 * @module
 */
import { join } from "../path.ts";
import { RkError, shorten } from "../errors.ts";
import { pathExists, readTextIfExists } from "../fs.ts";
import { run } from "../exec.ts";
import { type ProcStat, readProcStats } from "../container/init_liveness.ts";
import { exitFileIds, readExitFile } from "./exit_files.ts";
import type { OciRuntime } from "./oci_runtime.ts";
import { traced } from "../trace.ts";

/** Files and directories of one monitored container. */
export interface MonitorRequest {
  /** Container id (also the runtime's id). */
  id: string;
  /** Human name (passed to conmon as `-n`). */
  name: string;
  /** Bundle directory holding `config.json`. */
  bundle: string;
  /** Where the runtime writes the container's init pid. */
  pidFile: string;
  /** Where conmon writes its own pid. */
  monitorPidFile: string;
  /** CRI-format log file. */
  logPath: string;
  /** Where the runtime writes its own error log (read when create fails). */
  runtimeLogPath: string;
  /** Directory where conmon writes `ID` holding the exit code. */
  exitDir: string;
  /** Directory for conmon's attach sockets. */
  socketDir: string;
}

/** A container created by the monitor. */
export interface MonitoredContainer {
  /** Container init pid. */
  pid: number;
  /** Monitor pid. */
  monitorPid: number;
}

/** What an exit file says. */
export interface ExitInfo {
  /** Exit code (128 + signal for a signal). */
  code: number;
  /** When the exit file was written (ms since epoch). */
  finishedAt: number;
}

/** A container monitor. */
export interface ContainerMonitor {
  /** Creates (not starts) the container under a new monitor process. */
  create(runtime: OciRuntime, req: MonitorRequest): Promise<MonitoredContainer>;
  /** Reads the exit file of `id`, or undefined when the container has not exited. */
  readExit(exitDir: string, id: string): Promise<ExitInfo | undefined>;
  /**
   * The ids that have an exit file in `exitDir` (one directory read), so that a listing reads
   * exit files only for those instead of trying one per container. Optional: without it,
   * callers use {@linkcode ContainerMonitor.readExit} for each container.
   */
  exitedIds?(exitDir: string): Promise<ReadonlySet<string>>;
  /**
   * `/proc/PID/stat` of `pids` (gone ones are missing), for a monitor whose containers' init
   * processes are its children (conmon is their subreaper): a listing then tells running from
   * exited without the runtime (see `core/container/init_liveness.ts`). Optional: without it,
   * the runtime is asked.
   */
  procStats?(pids: readonly number[]): Promise<ReadonlyMap<number, ProcStat>>;
}

/** Candidate conmon locations. */
export const CONMON_PATHS: readonly string[] = [
  "/usr/bin/conmon",
  "/usr/libexec/podman/conmon",
  "/usr/local/bin/conmon",
];

/**
 * The conmon command line for `req` (API version 1, k8s-file log driver, no syslog).
 *
 * @example
 * ```ts
 * import { conmonArgs } from "./conmon.ts";
 * import assert from "node:assert/strict";
 * const argv = conmonArgs("/usr/bin/conmon", { binary: "/usr/sbin/runc", globalArgs: () => ["--root", "/r"] }, {
 *   id: "c1", name: "web", bundle: "/b", pidFile: "/b/pid", monitorPidFile: "/b/conmon.pid",
 *   logPath: "/b/ctr.log", runtimeLogPath: "/b/runtime.log", exitDir: "/x", socketDir: "/s",
 * });
 * assert.deepEqual(argv.slice(0, 5), ["/usr/bin/conmon", "--api-version", "1", "-c", "c1"]);
 * assert.ok(argv.includes("--root=/r"));
 * ```
 */
export function conmonArgs(
  conmon: string,
  runtime: Pick<OciRuntime, "binary" | "globalArgs">,
  req: MonitorRequest,
): string[] {
  const argv = [
    conmon,
    "--api-version",
    "1",
    "-c",
    req.id,
    "-u",
    req.id,
    "-n",
    req.name,
    "-r",
    runtime.binary,
    "-b",
    req.bundle,
    "-p",
    req.pidFile,
    "--conmon-pidfile",
    req.monitorPidFile,
    "-l",
    `k8s-file:${req.logPath}`,
    "--exit-dir",
    req.exitDir,
    "--socket-dir-path",
    req.socketDir,
    "--syslog=false",
  ];
  // Global runtime options as `--opt=value` pairs so conmon passes each as one argument.
  const g = runtime.globalArgs();
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!;
    const next = g[i + 1];
    if (a.startsWith("--") && !a.includes("=") && next !== undefined && !next.startsWith("-")) {
      argv.push("--runtime-arg", `${a}=${next}`);
      i++;
    } else {
      argv.push("--runtime-arg", a);
    }
  }
  argv.push("--runtime-arg", `--log=${req.runtimeLogPath}`, "--runtime-arg", "--log-format=json");
  return argv;
}

/**
 * conmon or the runtime failed to create the container. When the runtime itself logged why
 * (its process could not be set up: `exec: "/x": stat /x: no such file or directory`), that
 * text is {@linkcode MonitorError.runtimeMessage}: the failure a CRI runtime reports as the
 * container's `StartError`.
 *
 * @example
 * ```ts
 * import { MonitorError } from "./conmon.ts";
 * import assert from "node:assert/strict";
 * const e = new MonitorError("c1", "Runtime runc failed to create container", { runtimeMessage: "exec: x" });
 * assert.equal(e.runtimeMessage, "exec: x");
 * ```
 */
export class MonitorError extends RkError {
  /** Container id. */
  readonly id: string;
  /** The runtime's own error message, when it logged one. */
  readonly runtimeMessage?: string;
  /** Creates the error. */
  constructor(
    id: string,
    message: string,
    options?: ErrorOptions & { runtimeMessage?: string },
  ) {
    super(message, options);
    this.name = "MonitorError";
    this.id = id;
    if (options?.runtimeMessage) this.runtimeMessage = options.runtimeMessage;
  }
}

/**
 * Extracts the error messages from a runtime's JSON log (`--log-format=json`), falling back
 * to the raw text. With `partial` (the runtime may still be writing), a last line without its
 * newline that is not JSON yet is left out: a long error line is written in more than one
 * piece, and its first 64 KiB are not the message.
 *
 * @example
 * ```ts
 * import { runtimeLogErrors } from "./conmon.ts";
 * import assert from "node:assert/strict";
 * const log = '{"level":"info","msg":"x"}\n{"level":"error","msg":"exec: \\"nope\\": not found"}\n';
 * assert.equal(runtimeLogErrors(log), 'exec: "nope": not found');
 * // Still being written: the unfinished last line waits for the rest.
 * assert.equal(runtimeLogErrors('{"level":"error","msg":"exec: \\"xx', { partial: true }), "");
 * ```
 */
export function runtimeLogErrors(text: string, opts: { partial?: boolean } = {}): string {
  const msgs: string[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    const unfinished = opts.partial === true && i === lines.length - 1;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === "object" && v !== null) {
        const r = v as Record<string, unknown>;
        if ((r.level === "error" || r.level === "fatal") && typeof r.msg === "string") {
          msgs.push(r.msg);
        }
      }
    } catch {
      if (!unfinished) msgs.push(line.trim());
    }
  }
  return msgs.join("; ");
}

/** Options of {@linkcode Conmon}. */
export interface ConmonOptions {
  /** conmon binary; default: first of {@linkcode CONMON_PATHS} that exists. */
  binary?: string;
  /** How long to wait for the runtime to create the container. */
  createTimeoutMs?: number;
}

/** The conmon monitor. */
export class Conmon implements ContainerMonitor {
  #binary: string | undefined;
  readonly #timeoutMs: number;

  /** Creates the monitor. */
  constructor(opts: ConmonOptions = {}) {
    this.#binary = opts.binary;
    this.#timeoutMs = opts.createTimeoutMs ?? 30_000;
  }

  /** The conmon binary in use (found on first use). */
  async binary(): Promise<string> {
    if (this.#binary) return this.#binary;
    for (const p of CONMON_PATHS) {
      if (await pathExists(p)) {
        this.#binary = p;
        return p;
      }
    }
    throw new RkError(
      `conmon not found (looked in ${
        CONMON_PATHS.join(", ")
      }); install it: apt-get install -y conmon`,
    );
  }

  /**
   * Launches conmon, which daemonizes and runs `runtime create`. Waits until the runtime has
   * written the pid file (created) or conmon has died (failure; the runtime's log explains).
   */
  async create(runtime: OciRuntime, req: MonitorRequest): Promise<MonitoredContainer> {
    const [cmd, ...args] = conmonArgs(await this.binary(), runtime, req);
    const status = await traced("conmon spawn (until it daemonizes)", () =>
      new Deno.Command(cmd!, {
        args,
        // conmon writes an `oom` file into its working directory when the container is OOM-killed
        // (Podman reads it from the bundle): the bundle, not whatever directory rkl runs in.
        cwd: req.bundle,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output());
    if (status.code !== 0) {
      throw new MonitorError(req.id, `conmon exited with code ${status.code} for "${req.name}"`);
    }
    try {
      return await traced(
        `conmon: wait for ${runtime.name} create`,
        () => this.#waitCreated(runtime, req),
      );
    } catch (error) {
      // A failed create leaves nothing running: the monitor and the runtime under it may be
      // blocked (e.g. runc writing an oversized error into conmon's pipe) and would never exit.
      const monitorPid = Number((await readTextIfExists(req.monitorPidFile))?.trim() ?? 0);
      if (monitorPid > 0) await killProcessTree(monitorPid);
      throw error;
    }
  }

  async #waitCreated(runtime: OciRuntime, req: MonitorRequest): Promise<MonitoredContainer> {
    const started = Date.now();
    const deadline = started + this.#timeoutMs;
    // The first liveness check (a `cat` process) comes after a normal create has finished
    // (100–300 ms on this VM), so that a batch of creates (`rkl compose up` of 12 services:
    // 24 at once) spawns none; a runtime that dies silently is still found within ~1 s. Then
    // once a second: on a loaded node (creates of 1–3 s) every check is one more process
    // competing with the runtimes (checks at 0.5, 0.75, 1.25, 2.25 s cost ~4 per pod there).
    let nextLivenessCheck = 1000;
    // Poll every 3 ms at first (runtimes create in 25–150 ms), then back off in proportion to
    // the time waited (an eighth of it, at most 50 ms: at most ~12% added to the create):
    // many creates in flight on a loaded node (24 for 12 services, a cluster node's burst of
    // pods, each create taking seconds) must not take the CPU the runtimes need; each poll
    // reads files that are usually missing, which costs an exception. A create of 1 s polls
    // ~40 times (a fixed 3/10/25 ms schedule polled ~150 times), one of 2 s ~60 times.
    const pollDelay = (elapsed: number) => Math.min(50, Math.max(3, Math.floor(elapsed / 8)));
    // The runtime's log (its failure) is read at most every 50 ms, not on every poll.
    let nextLogRead = 0;
    for (let delay = 3;; delay = pollDelay(Date.now() - started)) {
      const pidText = await readTextIfExists(req.pidFile);
      if (pidText !== undefined && pidText.trim() !== "") {
        const pid = Number(pidText.trim());
        const monitorPid = Number((await readTextIfExists(req.monitorPidFile))?.trim() ?? 0);
        return { pid, monitorPid };
      }
      // The runtime logs its failure (JSON, level "error") before conmon gives up.
      let why = "";
      if (Date.now() - started >= nextLogRead) {
        nextLogRead = Date.now() - started + 50;
        why = runtimeLogErrors((await readTextIfExists(req.runtimeLogPath)) ?? "", {
          partial: true,
        });
      }
      if (why) {
        throw new MonitorError(
          req.id,
          `Runtime ${runtime.name} failed to create container "${req.name}": ${shorten(why, 1000)}`,
          { runtimeMessage: shorten(why, 1000) },
        );
      }
      if (Date.now() > deadline) {
        throw new MonitorError(
          req.id,
          `Timed out after ${this.#timeoutMs} ms waiting for ${runtime.name} to create ` +
            `"${req.name}"; the monitor and the runtime were killed`,
        );
      }
      // A runtime that dies without logging leaves only one trace: conmon exits. Look for that
      // on the slow path (after 1 s, then every second: each look spawns a process, which on a
      // loaded host costs as much as a poll of every create in flight), not on every poll.
      if (Date.now() - started >= nextLivenessCheck) {
        nextLivenessCheck += 1000;
        const monitorPid = Number((await readTextIfExists(req.monitorPidFile))?.trim() ?? 0);
        if (monitorPid > 0 && !(await monitorAlive(monitorPid))) {
          // The runtime may have finished, or logged its error, right before conmon exited (the
          // log was read before the liveness check): look at both once more.
          if (!(await readTextIfExists(req.pidFile))?.trim()) {
            const late = runtimeLogErrors((await readTextIfExists(req.runtimeLogPath)) ?? "");
            throw new MonitorError(
              req.id,
              `Runtime ${runtime.name} failed to create container "${req.name}": ${
                shorten(late, 1000) ||
                "conmon exited before the container was created and the runtime logged no error"
              }`,
              late ? { runtimeMessage: shorten(late, 1000) } : {},
            );
          }
          continue;
        }
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Reads `exitDir/id`. */
  async readExit(exitDir: string, id: string): Promise<ExitInfo | undefined> {
    return await readExitFile(join(exitDir, id));
  }

  /** `/proc/PID/stat` of `pids`: one `cat` (see {@linkcode ContainerMonitor.procStats}). */
  procStats(pids: readonly number[]): Promise<ReadonlyMap<number, ProcStat>> {
    return readProcStats(pids);
  }

  /** The names of the files in `exitDir` (none when it does not exist yet). */
  exitedIds(exitDir: string): Promise<ReadonlySet<string>> {
    return exitFileIds(exitDir);
  }
}

/** One line of the process table. */
export interface ProcessEntry {
  /** Process id. */
  pid: number;
  /** Parent process id. */
  ppid: number;
  /** Command line (arguments joined by spaces, as `ps` shows them). */
  args: string;
}

/**
 * The host's process table (`ps -e -o pid=,ppid=,stat=,args=`), zombies left out. Deno may
 * not read `/proc`; `ps` may.
 */
export async function processTable(): Promise<ProcessEntry[]> {
  const r = await run(["ps", "-e", "-ww", "-o", "pid=,ppid=,stat=,args="], { timeoutMs: 30_000 });
  const out: ProcessEntry[] = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m || m[3]!.startsWith("Z")) continue;
    out.push({ pid: Number(m[1]), ppid: Number(m[2]), args: m[4]! });
  }
  return out;
}

/**
 * `root` and every descendant of it in `table`, parents before children.
 *
 * @example
 * ```ts
 * import { processTree } from "./conmon.ts";
 * import assert from "node:assert/strict";
 * const table = [
 *   { pid: 10, ppid: 1, args: "conmon" }, { pid: 11, ppid: 10, args: "runc create" },
 *   { pid: 12, ppid: 11, args: "runc init" }, { pid: 20, ppid: 1, args: "other" },
 * ];
 * assert.deepEqual(processTree(table, 10), [10, 11, 12]);
 * ```
 */
export function processTree(table: readonly ProcessEntry[], root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const p of table) if (p.ppid === out[i] && !out.includes(p.pid)) out.push(p.pid);
  }
  return out;
}

/**
 * Kills (SIGKILL) process `pid` and all its descendants that are alive; returns the pids
 * killed (empty when `pid` was already gone). Uses the `kill` program: Deno's own `Deno.kill`
 * needs permission to run every program.
 */
export async function killProcessTree(pid: number): Promise<number[]> {
  const table = await processTable();
  if (!table.some((p) => p.pid === pid)) return [];
  const victims = processTree(table, pid);
  await run(["kill", "-KILL", ...victims.map(String)], { allowFailure: true, timeoutMs: 10_000 });
  return victims;
}

/** The state letter of a `/proc/PID/stat` line ("PID (COMM) STATE ..."; COMM may hold ")"). */
function statState(stat: string): string | undefined {
  return stat.slice(stat.lastIndexOf(")") + 1).trim()[0];
}

/** Liveness checks asked for within the same few milliseconds, answered by one `cat`. */
const pendingChecks = new Map<number, ((alive: boolean) => void)[]>();
let checkScheduled = false;

/**
 * {@linkcode processAlive} for the monitors of creates in flight, batched: the checks asked for
 * within 20 ms share one `cat /proc/A/stat /proc/B/stat ...` (twelve pods created together
 * check 24 monitors with one process instead of 24). When `cat` cannot tell (it failed for
 * another reason than a missing process), each pid is checked on its own.
 */
function monitorAlive(pid: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const waiters = pendingChecks.get(pid) ?? [];
    waiters.push(resolve);
    pendingChecks.set(pid, waiters);
    if (checkScheduled) return;
    checkScheduled = true;
    setTimeout(() => {
      checkScheduled = false;
      const batch = new Map(pendingChecks);
      pendingChecks.clear();
      checkBatch(batch).catch(reject);
    }, 20);
  });
}

async function checkBatch(batch: Map<number, ((alive: boolean) => void)[]>): Promise<void> {
  const pids = [...batch.keys()];
  const answer = (pid: number, alive: boolean) => {
    for (const w of batch.get(pid) ?? []) w(alive);
  };
  const r = await run(["cat", ...pids.map((p) => `/proc/${p}/stat`)], {
    allowFailure: true,
    timeoutMs: 30_000,
  }).catch(() => undefined);
  const unexplained = r === undefined ||
    r.stderr.split("\n").some((l) => l.trim() !== "" && !/No such file or directory/.test(l));
  if (unexplained) {
    await Promise.all(pids.map(async (p) => answer(p, await processAlive(p))));
    return;
  }
  const states = new Map<number, string | undefined>();
  for (const line of r.stdout.split("\n")) {
    const pid = Number(/^(\d+) /.exec(line)?.[1]);
    if (pid > 0) states.set(pid, statState(line));
  }
  for (const p of pids) {
    const state = states.get(p);
    answer(p, state !== undefined && state !== "Z" && state !== "X");
  }
}

/**
 * True when process `pid` exists and is not a zombie (`kill -0` succeeds on zombies, which an
 * init that does not reap leaves behind). Reads the state field of `/proc/PID/stat` (polled
 * while a runtime creates a container); Deno reads `/proc` only with `--allow-all`, so otherwise
 * `cat` reads that one file (`ps` scans every process: on a loaded host with hundreds of
 * processes each call cost as much as the container's create), and `ps` is the last resort.
 *
 * @example
 * ```ts
 * import { processAlive } from "./conmon.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await processAlive(1), true); // init
 * assert.equal(await processAlive(2 ** 22 + 1), false); // above Linux's pid_max limit
 * ```
 */
export async function processAlive(pid: number): Promise<boolean> {
  const alive = (state: string | undefined) =>
    state !== undefined && state !== "Z" && state !== "X";
  const denied = (e: unknown) =>
    e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable;
  try {
    return alive(statState(await Deno.readTextFile(`/proc/${pid}/stat`)));
  } catch (e) {
    // Gone (ENOENT, or ESRCH while it exits) unless Deno was not allowed to look.
    if (!denied(e)) return false;
  }
  try {
    const r = await run(["cat", `/proc/${pid}/stat`], { allowFailure: true, timeoutMs: 30_000 });
    return r.code === 0 && alive(statState(r.stdout));
  } catch (e) {
    if (!denied(e)) throw e;
  }
  const r = await run(["ps", "-o", "stat=", "-p", String(pid)], {
    allowFailure: true,
    timeoutMs: 30_000,
  });
  const stat = r.stdout.trim();
  return r.code === 0 && stat !== "" && !stat.startsWith("Z");
}

// In its own module (with the exit directory's listing), so that reading state does not load
// the monitor.
export { readExitFile } from "./exit_files.ts";
