/**
 * One daemon per state root: a pid file created exclusively under the root's run directory.
 * A second daemon is refused with the other's pid; a pid file left by a daemon that died
 * (`kill -9`, reboot) is taken over.
 *
 * @module
 */
import { join } from "node:path";
import { RkError } from "../errors.ts";
import { processAlive } from "../runtime/conmon.ts";

/** Another daemon holds the root. */
export class DaemonRunningError extends RkError {
  /** Its pid. */
  readonly pid: number;
  /** The lock file. */
  readonly lockFile: string;
  /** Creates the error. */
  constructor(pid: number, lockFile: string) {
    super(
      `Another rkl daemon (pid ${pid}) is already running on this root (lock file ${lockFile})`,
    );
    this.name = "DaemonRunningError";
    this.pid = pid;
    this.lockFile = lockFile;
  }
}

/** A held lock. */
export interface DaemonLock {
  /** The lock file. */
  path: string;
  /** Releases it (removes the file if it is still ours). */
  release(): Promise<void>;
}

/** The daemon's lock file for run directory `runDir`. */
export function daemonLockPath(runDir: string): string {
  return join(runDir, "daemon.pid");
}

async function readPid(path: string): Promise<number | undefined> {
  try {
    const n = Number((await Deno.readTextFile(path)).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Takes the daemon lock of `runDir` for process `pid`. Throws {@linkcode DaemonRunningError}
 * while another live process holds it.
 *
 * @example
 * ```ts ignore
 * const lock = await acquireDaemonLock("/run/rkl", Deno.pid);
 * try { ... } finally { await lock.release(); }
 * ```
 */
export async function acquireDaemonLock(
  runDir: string,
  pid: number,
  alive: (pid: number) => Promise<boolean> = processAlive,
): Promise<DaemonLock> {
  await Deno.mkdir(runDir, { recursive: true });
  const path = daemonLockPath(runDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await Deno.writeTextFile(path, `${pid}\n`, { createNew: true });
      return {
        path,
        release: async () => {
          if (await readPid(path) !== pid) return;
          try {
            await Deno.remove(path);
          } catch (e) {
            if (!(e instanceof Deno.errors.NotFound)) throw e;
          }
        },
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const other = await readPid(path);
    if (other !== undefined && other !== pid && await alive(other)) {
      throw new DaemonRunningError(other, path);
    }
    // A stale lock (its daemon died): take it over.
    try {
      await Deno.remove(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  throw new RkError(`Cannot take the daemon lock ${path}: it keeps changing`);
}

/**
 * The pid of the daemon that holds `runDir`'s lock and still runs; undefined when none does (no
 * lock file, or one left by a daemon that died). `rkl compose ps` says restart policies are not
 * applied when this is undefined.
 *
 * @example
 * ```ts
 * import { runningDaemon } from "./daemon_lock.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await runningDaemon(dir), undefined);
 * await Deno.writeTextFile(`${dir}/daemon.pid`, "4242\n");
 * assert.equal(await runningDaemon(dir, () => Promise.resolve(true)), 4242);
 * assert.equal(await runningDaemon(dir, () => Promise.resolve(false)), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runningDaemon(
  runDir: string,
  alive: (pid: number) => Promise<boolean> = processAlive,
): Promise<number | undefined> {
  const pid = await readPid(daemonLockPath(runDir));
  return pid !== undefined && await alive(pid) ? pid : undefined;
}
