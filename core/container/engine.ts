/**
 * The container engine: the state database, the OCI runtime, the monitor and (optionally) the
 * network provider, opened once and passed to every container operation.
 *
 * @module
 */
import { fsErrorReason, RkError } from "../errors.ts";
import { lazyImport } from "../lazy_import.ts";
import { join } from "../path.ts";
import type { NetworkProvider } from "../network.ts";
import { parseNofileHardLimit } from "../oci/nofile_limit.ts";
import type { RklPaths } from "../paths.ts";
import { type ProcStat, readProcStats } from "./init_liveness.ts";
import type { RootfsManager } from "../rootfs.ts";
import type {
  ContainerMonitor,
  ExitInfo,
  MonitoredContainer,
  MonitorRequest,
} from "../runtime/conmon.ts";
import { exitFileIds, readExitFile } from "../runtime/exit_files.ts";
import type { OciRuntime } from "../runtime/oci_runtime.ts";
import type { UndoStack } from "../undo.ts";
import { type Database, openDatabase } from "../store/db.ts";

/** Points in `createContainer` where a test can inject a failure. */
export type CreateStep =
  | "after-record"
  | "after-rootfs"
  | "after-network"
  | "before-runtime-create"
  | "after-runtime-create"
  | "before-start";

/** Test hook: throw from it to make the operation fail at that step. */
export type FaultHook = (step: CreateStep, containerId: string) => void | Promise<void>;

/** Everything container operations need. */
export interface Engine {
  /** State locations. */
  readonly paths: RklPaths;
  /** The OCI runtime. */
  readonly runtime: OciRuntime;
  /** The container monitor. */
  readonly monitor: ContainerMonitor;
  /** Root filesystem preparation (overlayfs). */
  readonly rootfs: RootfsManager;
  /** The state database. */
  readonly db: Database;
  /** Network provider for single containers; undefined: loopback-only namespaces. */
  readonly network: NetworkProvider | undefined;
  /** The caller's hard RLIMIT_NOFILE (generated rlimits never exceed it), read on first use. */
  readonly nofileHardLimit: number | undefined;
  /** Failure injection for tests. */
  faults: FaultHook | undefined;
  /** Closes the database. */
  close(): void;
}

/** Options of {@linkcode openEngine}. */
export interface EngineOptions {
  /** State locations (from `rklPaths(root)`). */
  paths: RklPaths;
  /** The OCI runtime (root must be `paths.runtimeRoot`). */
  runtime: OciRuntime;
  /** Monitor; default conmon. */
  monitor?: ContainerMonitor;
  /** Root filesystem preparation; default overlayfs. */
  rootfs?: RootfsManager;
  /** Network provider (from net/), wired by the CLI or daemon. */
  network?: NetworkProvider;
  /** Failure injection for tests. */
  faults?: FaultHook;
  /** Override the detected RLIMIT_NOFILE hard limit. */
  nofileHardLimit?: number;
}

/**
 * Conmon, imported on first use: commands that only read state (`rkl c list` on an empty root,
 * `rkl pod list`) do not load the monitor's module.
 */
class LazyConmon implements ContainerMonitor {
  #monitor: Promise<ContainerMonitor> | undefined;
  #get(): Promise<ContainerMonitor> {
    return this.#monitor ??= lazyImport<typeof import("../runtime/conmon.ts")>(
      new URL("../runtime/conmon.ts", import.meta.url),
    ).then((m) => new m.Conmon());
  }
  async create(runtime: OciRuntime, req: MonitorRequest): Promise<MonitoredContainer> {
    return await (await this.#get()).create(runtime, req);
  }
  // What Conmon does for these, without loading it.
  readExit(exitDir: string, id: string): Promise<ExitInfo | undefined> {
    return readExitFile(join(exitDir, id));
  }
  exitedIds(exitDir: string): Promise<ReadonlySet<string>> {
    return exitFileIds(exitDir);
  }
  procStats(pids: readonly number[]): Promise<ReadonlyMap<number, ProcStat>> {
    return readProcStats(pids);
  }
}

/** The overlayfs root filesystems, imported on first use (as {@linkcode LazyConmon}). */
class LazyOverlayRootfs implements RootfsManager {
  #rootfs: Promise<RootfsManager> | undefined;
  #get(): Promise<RootfsManager> {
    return this.#rootfs ??= lazyImport<typeof import("../rootfs.ts")>(
      new URL("../rootfs.ts", import.meta.url),
    ).then((m) => m.overlayRootfs);
  }
  async mount(imageDir: string, stateDir: string, undo: UndoStack): Promise<string> {
    return await (await this.#get()).mount(imageDir, stateDir, undo);
  }
  async unmount(imageDir: string, stateDir: string): Promise<void> {
    return await (await this.#get()).unmount(imageDir, stateDir);
  }
}

/**
 * The hard RLIMIT_NOFILE from /proc/self/limits, or undefined when it cannot be read (Deno
 * allows /proc only with --allow-all, so under rkl's permission set it never can): containers
 * then inherit the caller's limits. Read when a container's spec is first built, not when the
 * engine opens: the failed read builds the process's first error (≈ 0.5–1 ms), which commands
 * that create nothing (`rkl c list`, `rkl pod list`) need not pay.
 */
function readNofileSync(): number | undefined {
  try {
    return parseNofileHardLimit(Deno.readTextFileSync("/proc/self/limits"));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotCapable) return undefined;
    throw e;
  }
}

/**
 * Opens the engine: creates the state directories, opens (and migrates) the database.
 *
 * @example
 * ```ts ignore
 * import { openEngine } from "./engine.ts";
 * import { rklPaths } from "../paths.ts";
 * import { CliRuntime } from "../runtime/oci_runtime.ts";
 * const paths = rklPaths("/tmp/rkl-x");
 * const engine = await openEngine({
 *   paths, runtime: new CliRuntime({ binary: "/usr/sbin/runc", root: paths.runtimeRoot }),
 * });
 * engine.close();
 * ```
 */
export async function openEngine(opts: EngineOptions): Promise<Engine> {
  const { paths } = opts;
  for (const d of [paths.containersDir, paths.runtimeRoot, paths.exitDir, paths.socketDir]) {
    try {
      // Synchronous: these exist after the first command, and an existing directory is one
      // quick system call, not a trip through Deno's blocking thread pool.
      Deno.mkdirSync(d, { recursive: true });
    } catch (e) {
      throw new RkError(`Cannot create state directory ${d}: ${fsErrorReason(e)}`, { cause: e });
    }
  }
  const db = await openDatabase(paths.database);
  let nofile: { limit: number | undefined } | undefined = opts.nofileHardLimit !== undefined
    ? { limit: opts.nofileHardLimit }
    : undefined;
  return {
    paths,
    runtime: opts.runtime,
    monitor: opts.monitor ?? new LazyConmon(),
    rootfs: opts.rootfs ?? new LazyOverlayRootfs(),
    db,
    network: opts.network,
    get nofileHardLimit(): number | undefined {
      return (nofile ??= { limit: readNofileSync() }).limit;
    },
    faults: opts.faults,
    close: () => db.close(),
  };
}

/** Calls the engine's fault hook, if any. */
export async function faultPoint(
  engine: Engine,
  step: CreateStep,
  containerId: string,
): Promise<void> {
  if (engine.faults) await engine.faults(step, containerId);
}
