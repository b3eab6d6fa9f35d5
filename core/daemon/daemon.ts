/**
 * {@linkcode NodeDaemon}: the node's one reconcile loop. A sync reads the static pod directory,
 * relists the node (store + one runtime `list` + exit files), plans with
 * {@linkcode planPodSync} and applies the actions, one pod at a time per pod and pods in
 * parallel. It keeps no state that could drift from the store: a daemon killed with `kill -9`
 * and started again adopts what runs, restarts nothing healthy and keeps restart counts.
 *
 * The loop sleeps between changes. inotify ({@linkcode NodeWatcher}) reports manifest files,
 * conmon's exit files and conmon's own exit (its container log closed) as they happen; a 1 s
 * tick checks what no file reports (another process writing to the store, a back-off or retry
 * coming due, containers whose conmon died); a full relist runs only on such a change and at
 * least every `relistIntervalMs` as a safety net. A new static pod file skips the relist: the
 * store says the pod does not exist, so it is created at once.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../container/mod.ts";
import { collectNetworkGarbage } from "../network_gc.ts";
import { collectInterrupted } from "../interrupted_gc.ts";
import { collectOrphans } from "../orphan_gc.ts";
import type { BackoffOptions } from "../pod/pod_planner.ts";
import { acquireDaemonLock, type DaemonLock } from "./daemon_lock.ts";
import { type NewEvent, type NodeEvent, recordEvent } from "./events.ts";
import { type NodeObservation, observeNode } from "./observe.ts";
import { containerLogPath, NodeWatcher, type WatchChange, type WatchSet } from "./node_watcher.ts";
import { sandboxKeys } from "../pod/pod_store.ts";
import { PodRunAborted } from "../pod/pod_run_aborted.ts";
import type { PodManifest } from "../pod/pod_manifest.ts";
import { run } from "../exec.ts";
import { LABEL_CONTAINER_NAME } from "../pod/pod_labels.ts";
import { listContainerRecords } from "../store/containers.ts";
import { applyPodActions } from "./pod_sync_executor.ts";
import { KillDeadline } from "./kill_deadline.ts";
import { type DesiredPod, planPodSync, type PodSyncAction } from "./pod_sync_planner.ts";
import { type ProbeJob, Prober } from "./prober.ts";
import { type ManifestProblem, type StaticPodScan, StaticPodSource } from "./static_pods.ts";

/** Options of {@linkcode NodeDaemon}. */
export interface DaemonOptions extends BackoffOptions {
  /** The engine (the daemon does not close it). */
  engine: Engine;
  /** Static pod directory (created when missing). */
  manifestDir: string;
  /** Where static pods' image references are looked up (see `resolveImage`; none: paths only). */
  imageDir?: string;
  /** Node name: static pod name suffix and `spec.nodeName`. */
  nodeName: string;
  /**
   * The loop's tick, ms (default 1000): each tick checks, cheaply, whether anything changed that
   * no file reports (a write to the store by another process, a back-off or retry that came
   * due, a container whose conmon died) and relists only then. Exits, conmon exits and manifest
   * changes wake the loop at once.
   */
  syncIntervalMs?: number;
  /**
   * Longest time between two full relists (store, runtime, exit files), ms (default 60000, the
   * kubelet's pod resync period): the safety net for what no event reports.
   */
  relistIntervalMs?: number;
  /** Wait before retrying a pod whose creation failed, ms (default 10 s). */
  createRetryMs?: number;
  /** Supervise pods started by the CLI only once they are this old, ms (default 5 s). */
  adoptAfterMs?: number;
  /**
   * Without inotify (`inotifywait` missing or failed): how often the manifest directory's own
   * mtime is checked, ms (default 100); each tick then also compares every manifest file's size,
   * mtime and inode, and conmon's exit-file directory.
   */
  manifestPollMs?: number;
  /** The `inotifywait` binary (default `inotifywait` on PATH; a missing one means polling). */
  inotifywait?: string;
  /** `inotify` (default; polling when `inotifywait` is missing) or `poll` (never inotify). */
  watch?: "inotify" | "poll";
  /** Control socket path (default `<runDir>/daemon.sock`). */
  controlSocket?: string;
  /**
   * Run `rkl gc`'s collections once at start (default true): creations whose process died,
   * processes, runtime containers and state dirs that belong to no record, and (with a network)
   * network garbage.
   */
  gc?: boolean;
  /** Receives every event as it is recorded (the CLI logs them). */
  onEvent?: (ev: NodeEvent) => void;
  /**
   * Sources of desired pods besides the manifest directory (the cluster's pods bound to this
   * node). Each sync asks each source once; a source calls {@linkcode NodeDaemon.wake} when
   * its pods changed.
   */
  sources?: readonly DesiredPodSource[];
  /**
   * Adjusts each static pod before it is planned, with the latest relist (a cluster node puts
   * them on its cluster network, as the kubelet runs static pods on the pod network);
   * `undefined` holds the pod back for now (not created; one that runs and is held back is
   * stopped, so return it as it runs to keep it). Must not throw.
   */
  staticPod?: (pod: DesiredPod, obs: NodeObservation) => DesiredPod | undefined;
  /** Called after every sync with what the relist observed (the cluster's status writer). */
  onSync?: (obs: NodeObservation) => void;
}

/**
 * A source of desired pods for the daemon's loop (the static manifest directory is built in).
 * `desired` gets the current relist, so a source that cannot reach its origin (rks down) can
 * keep the pods it created as they run.
 */
export interface DesiredPodSource {
  /** The pods this source wants on the node now. Must not throw. */
  desired(obs: NodeObservation, now: number): DesiredPod[];
}

/** What `rkl daemon status` prints. */
export interface DaemonStatus {
  /** Daemon pid. */
  pid: number;
  /** Node name. */
  nodeName: string;
  /** Start time, ms since the epoch. */
  startedAt: number;
  /** Uptime, ms. */
  uptimeMs: number;
  /** Static pod directory. */
  manifestDir: string;
  /** Supervised pods (`namespace/name`). */
  pods: string[];
  /** Containers being probed. */
  probing: number;
  /** Completed syncs. */
  syncs: number;
  /** End of the last sync, ms since the epoch (0 before the first). */
  lastSyncAt: number;
  /** Current manifest problems (`file:line:column: path: reason`). */
  manifestErrors: string[];
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An observation of nothing (a pod the store does not have). */
const EMPTY_OBSERVATION: NodeObservation = {
  pods: new Map(),
  newTerminations: [],
  running: new Set(),
};

function hasProbes(m: PodManifest | undefined): boolean {
  return (m?.containers ?? []).some((c) =>
    c.startupProbe !== undefined || c.livenessProbe !== undefined ||
    c.readinessProbe !== undefined
  );
}

/** The pids among `pids` that are alive and not zombies (one `ps` call). */
async function livePids(pids: readonly number[]): Promise<Set<number>> {
  if (pids.length === 0) return new Set();
  const r = await run(["ps", "-o", "pid=,stat=", "-p", [...new Set(pids)].join(",")], {
    allowFailure: true, // exit 1 when none of them exists
    timeoutMs: 30_000,
  });
  const alive = new Set<number>();
  for (const line of r.stdout.split("\n")) {
    const m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m && !m[2]!.startsWith("Z")) alive.add(Number(m[1]));
  }
  return alive;
}

async function readTextOrEmpty(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** The node's reconcile loop. `start()`, then `stop()` (containers keep running). */
export class NodeDaemon {
  readonly #o: DaemonOptions;
  readonly #source: StaticPodSource;
  readonly #prober: Prober;
  readonly #busy = new Map<string, Promise<void>>();
  /** The SIGKILL deadlines of graceful removals in flight, by pod. */
  readonly #killing = new Map<string, KillDeadline>();
  /**
   * Per pod whose task creates it (`createPod`, `recreateSandbox`): `abort` undoes that creation
   * (the pod must go), `detach` ends its wait for init containers and keeps what runs (stop).
   */
  readonly #creating = new Map<string, { abort: AbortController; detach: AbortController }>();
  readonly #retryAt = new Map<string, number>();
  readonly #reportedBackoff = new Set<string>();
  /** Pods an action was held back for while a task ran on them: synced again when it ends. */
  readonly #deferred = new Set<string>();
  /** Per pod, the {@linkcode NodeDaemon.#clock} when a task on it last started or ended. */
  readonly #touched = new Map<string, number>();
  #clock = 0;
  /** Containers whose log conmon closed (conmon exited): checked by the next relist. */
  readonly #suspects = new Set<string>();
  /** Running containers whose conmon is gone: relisted every tick until they stop. */
  readonly #unmonitored = new Set<string>();
  /** Spec hash by pod of the last manifest scan (to tell a new file from an edit). */
  #lastScan = new Map<string, string>();
  #scanning: Promise<unknown> = Promise.resolve();
  #watchUpdate: Promise<void> = Promise.resolve();
  #watchStale = false;
  #createTimer: ReturnType<typeof setTimeout> | undefined;
  #rewatchTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #inotify: NodeWatcher;
  #lock: DaemonLock | undefined;
  #listener: Deno.Listener | undefined;
  #watcher: Deno.FsWatcher | undefined;
  #polling = false;
  #pollDone: Promise<void> = Promise.resolve();
  #stopPoll: () => void = () => {};
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #woken = false;
  /** When the next back-off, retry or adoption comes due (ms since the epoch). */
  #nextDue = Infinity;
  #lastRelistAt = 0;
  #dataVersion: unknown;
  #exitDirStamp = "";
  #manifestStamp = "";
  #startedAt = 0;
  #syncs = 0;
  #lastSyncAt = 0;
  #pods: string[] = [];
  #problems: ManifestProblem[] = [];

  /** Creates the daemon (nothing happens until {@linkcode NodeDaemon.start}). */
  constructor(opts: DaemonOptions) {
    this.#o = opts;
    this.#source = new StaticPodSource(
      opts.manifestDir,
      opts.nodeName,
      opts.imageDir !== undefined ? { imageDir: opts.imageDir } : {},
    );
    this.#prober = new Prober(opts.engine, (ev) => this.#event(ev), () => this.#wakeUp());
    this.#inotify = new NodeWatcher(
      (c) => this.#onWatch(c),
      (why) => this.#watchLost(why),
      opts.inotifywait,
    );
  }

  /** The control socket path. */
  get controlSocket(): string {
    return this.#o.controlSocket ?? join(this.#o.engine.paths.runDir, "daemon.sock");
  }

  #event(ev: NewEvent): void {
    let rec: NodeEvent;
    try {
      rec = recordEvent(this.#o.engine.db, ev);
    } catch (e) {
      rec = {
        ...ev,
        id: 0,
        at: ev.at ?? Date.now(),
        message: `${ev.message} (not stored: ${errorText(e)})`,
      };
    }
    this.#o.onEvent?.(rec);
  }

  /**
   * Takes the root's lock (refusing a second daemon), collects network garbage, opens the
   * control socket and starts the loop. Throws `DaemonRunningError` when another daemon runs.
   */
  async start(): Promise<void> {
    const { engine } = this.#o;
    this.#lock = await acquireDaemonLock(engine.paths.runDir, Deno.pid);
    try {
      this.#startedAt = Date.now();
      await Deno.mkdir(this.#o.manifestDir, { recursive: true });
      this.#event({
        type: "Normal",
        reason: "Starting",
        object: "node",
        message:
          `rkl daemon (pid ${Deno.pid}) on node ${this.#o.nodeName}, manifests in ${this.#o.manifestDir}`,
      });
      if (this.#o.gc !== false) await this.#collectGarbage();
      await this.#listen();
      await this.#watch();
    } catch (e) {
      await this.#cleanup();
      throw e;
    }
    this.#loop = this.#run();
  }

  /** `rkl gc`'s collections, each reported as a `GarbageCollected` or `GCFailed` event. */
  async #collectGarbage(): Promise<void> {
    const { engine } = this.#o;
    const steps: [string, () => Promise<{ details: string[] }>][] = [
      ["interrupted creations", () => collectInterrupted(engine)],
      ["orphans", () => collectOrphans(engine)],
    ];
    if (engine.network) {
      steps.push(["network", async () => {
        const r = await collectNetworkGarbage(engine);
        return {
          details: r.details.length > 0 || r.released.length === 0
            ? r.details
            : [`released ${r.released.length}`],
        };
      }]);
    }
    for (const [what, step] of steps) {
      try {
        const { details } = await step();
        if (details.length > 0) {
          this.#event({
            type: "Normal",
            reason: "GarbageCollected",
            object: "node",
            message: `${what}: ${details.join("; ")}`,
          });
        }
      } catch (e) {
        this.#event({
          type: "Warning",
          reason: "GCFailed",
          object: "node",
          message: `${what}: ${errorText(e)}`,
        });
      }
    }
  }

  /** Resolves when the loop ended (after {@linkcode NodeDaemon.stop}). */
  get done(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /**
   * Stops supervision: in-flight actions finish, containers keep running; a pod being created
   * stops waiting for its init containers (they keep running, and the next daemon adopts the
   * pod and starts the rest). Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return await this.done;
    this.#stopping = true;
    for (const c of this.#creating.values()) c.detach.abort();
    this.#wakeUp();
    await this.done;
  }

  /** The daemon's status. */
  status(): DaemonStatus {
    return {
      pid: Deno.pid,
      nodeName: this.#o.nodeName,
      startedAt: this.#startedAt,
      uptimeMs: Date.now() - this.#startedAt,
      manifestDir: this.#o.manifestDir,
      pods: this.#pods,
      probing: this.#prober.size,
      syncs: this.#syncs,
      lastSyncAt: this.#lastSyncAt,
      manifestErrors: this.#problems.map((p) => p.message),
    };
  }

  /** Starts a sync soon (a source's pods changed). */
  wake(): void {
    this.#wakeUp();
  }

  /**
   * A source has new pods (a cluster pod just bound to this node): those the store does not
   * have are created at once, without a relist — there is nothing of them to observe, as for a
   * new static pod file. When there is no such pod, a sync is started as by
   * {@linkcode NodeDaemon.wake}. The pods' status follows from the relist after their creation.
   */
  createNew(): void {
    if (this.#stopping) return;
    const since = ++this.#clock;
    const existing = sandboxKeys(this.#o.engine.db);
    const now = Date.now();
    const fresh = (this.#o.sources ?? []).flatMap((src) => src.desired(EMPTY_OBSERVATION, now))
      .filter((d) => !existing.has(d.key));
    if (fresh.length === 0) return this.#wakeUp();
    const actions = planPodSync(fresh, [], now, this.#o);
    this.#dispatch(actions, new Map(fresh.map((d) => [d.key, d])), EMPTY_OBSERVATION, since);
    this.#pods = [...new Set([...this.#pods, ...fresh.map((d) => d.key)])];
  }

  #wakeUp(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Waits `ms` or until woken; true when woken (or stopping). */
  async #sleep(ms: number): Promise<boolean> {
    if (this.#woken || this.#stopping) {
      this.#woken = false;
      return true;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
    const woken = this.#woken;
    this.#woken = false;
    return woken;
  }

  /**
   * The cheap check of a tick: did another process write to the store (SQLite's
   * `data_version`), did conmon's exit-file directory or a manifest file change (an edit in
   * place), did a back-off, retry or adoption come due, or is a full relist due anyway?
   */
  #relistDue(now: number): boolean {
    if (now >= this.#nextDue || this.#unmonitored.size > 0 || this.#suspects.size > 0) return true;
    if (now - this.#lastRelistAt >= (this.#o.relistIntervalMs ?? 60_000)) return true;
    const version = this.#o.engine.db.get("PRAGMA data_version")?.data_version;
    if (version !== this.#dataVersion) return true;
    if (this.#watchStale) {
      // The manifest directory was removed or moved: relist (and watch again) once it is back.
      const dir = this.#stampOf(this.#o.manifestDir);
      if (dir !== "missing") return true;
    }
    if (!this.#polling) return false;
    const exitDir = this.#stampOf(this.#o.engine.paths.exitDir);
    return exitDir !== this.#exitDirStamp || this.#manifestStampNow() !== this.#manifestStamp;
  }

  #manifestStampNow(): string {
    try {
      return this.#source.stamp();
    } catch (e) {
      return `error:${errorText(e)}`;
    }
  }

  #stampOf(dir: string): string {
    try {
      const st = Deno.statSync(dir); // a local stat: no thread-pool round trip
      return `${st.ino}:${st.mtime?.getTime()}`;
    } catch (e) {
      return e instanceof Deno.errors.NotFound ? "missing" : `error:${errorText(e)}`;
    }
  }

  /** What inotify should watch now: the directories and the log of every live container. */
  #watchSet(): WatchSet {
    const { engine } = this.#o;
    const logs = new Map<string, string>();
    for (const r of listContainerRecords(engine.db)) {
      if (r.exitCode !== undefined || r.pid === undefined) continue;
      const log = containerLogPath(r.stateDir);
      try {
        if (Deno.statSync(log).isFile) logs.set(log, r.id);
      } catch {
        // not there (yet, or any more)
      }
    }
    const set: WatchSet = { exitDir: engine.paths.exitDir, logs };
    if (this.#stampOf(this.#o.manifestDir) !== "missing") set.manifestDir = this.#o.manifestDir;
    return set;
  }

  /**
   * Starts inotify. Without it (no `inotifywait`), conmon's exit-file directory is watched with
   * `Deno.watchFs` and the manifest directory is polled (see {@linkcode NodeDaemon.#poll}).
   */
  async #watch(): Promise<void> {
    const { engine } = this.#o;
    await Deno.mkdir(engine.paths.exitDir, { recursive: true });
    if (this.#o.watch === "poll") {
      this.#startPolling();
    } else {
      try {
        await this.#inotify.watch(this.#watchSet());
      } catch (e) {
        this.#watchLost(errorText(e));
      }
    }
    // A daemon killed with SIGKILL leaves its inotifywait behind, blocked until its next event;
    // this one makes it write to its closed pipe and exit (SIGPIPE).
    const poke = join(engine.paths.exitDir, `.rkl-daemon-${Deno.pid}`);
    try {
      await Deno.writeTextFile(poke, "");
      await Deno.remove(poke);
    } catch {
      // best effort
    }
  }

  /** Renews inotify's watch set (new containers, containers gone), one renewal at a time. */
  #rewatch(): void {
    if (this.#stopping || this.#polling) return;
    this.#watchUpdate = this.#watchUpdate.then(async () => {
      if (this.#stopping) return;
      try {
        const set = this.#watchSet();
        await this.#inotify.watch(set);
        if (set.manifestDir !== undefined) this.#watchStale = false;
      } catch {
        // A log file removed meanwhile: the previous process keeps watching; the next relist
        // tries again.
      }
    });
  }

  /** {@linkcode NodeDaemon.#rewatch} in a second: tasks that end together renew it once. */
  #rewatchSoon(): void {
    if (this.#rewatchTimer !== undefined || this.#stopping) return;
    this.#rewatchTimer = setTimeout(() => {
      this.#rewatchTimer = undefined;
      this.#rewatch();
    }, 1000);
  }

  #onWatch(c: WatchChange): void {
    if (this.#stopping) return;
    switch (c.kind) {
      case "manifest":
        if (c.settled) {
          clearTimeout(this.#createTimer);
          void this.#manifestChanged();
        } else {
          // A file just created: its writer is probably still writing, and its close_write
          // follows. Created any other way (a FIFO, a hard link), it is read 50 ms later.
          clearTimeout(this.#createTimer);
          this.#createTimer = setTimeout(() => void this.#manifestChanged(), 50);
        }
        return;
      case "exit":
        this.#wakeUp();
        return;
      case "monitor":
        this.#suspects.add(c.containerId);
        this.#wakeUp();
        return;
      case "gone":
        this.#watchStale = true;
        this.#wakeUp();
        return;
    }
  }

  /** inotify is not available (or its process ended): poll instead, as before inotify. */
  #watchLost(why: string): void {
    if (this.#stopping || this.#polling) return;
    this.#event({
      type: "Warning",
      reason: "WatchFailed",
      object: "node",
      message: `inotify: ${why}; polling the manifest directory every ${
        this.#o.manifestPollMs ?? 100
      } ms instead`,
    });
    this.#startPolling();
  }

  /** Polls the manifest directory and watches conmon's exit-file directory with Deno.watchFs. */
  #startPolling(): void {
    if (this.#stopping || this.#polling) return;
    this.#polling = true;
    // Only conmon's exit-file directory is watched with Deno.watchFs. Deno's watcher opens the
    // files it reports, so a FIFO dropped into a watched directory blocks its thread for good
    // (the process then cannot exit): the manifest directory, where users put files, is polled.
    try {
      this.#watcher = Deno.watchFs(this.#o.engine.paths.exitDir, { recursive: false });
    } catch (e) {
      this.#event({
        type: "Warning",
        reason: "WatchFailed",
        object: "node",
        message: `${errorText(e)}; relisting only`,
      });
    }
    const watcher = this.#watcher;
    if (watcher) {
      (async () => {
        try {
          for await (const _ of watcher) this.#wakeUp();
        } catch (e) {
          if (!this.#stopping) {
            this.#event({
              type: "Warning",
              reason: "WatchFailed",
              object: "node",
              message: errorText(e),
            });
          }
        }
      })();
    }
    this.#pollDone = this.#poll();
    this.#wakeUp();
  }

  /**
   * Without inotify: handles a change of the manifest directory's mtime, ctime or inode (a file
   * created, removed or renamed there) as inotify's events are handled.
   */
  async #poll(): Promise<void> {
    const every = this.#o.manifestPollMs ?? 100;
    let last = "";
    while (!this.#stopping) {
      let stamp: string;
      try {
        const st = Deno.statSync(this.#o.manifestDir); // a local stat: no thread-pool round trip
        stamp = `${st.ino}:${st.mtime?.getTime()}:${st.ctime?.getTime()}`;
      } catch (e) {
        stamp = e instanceof Deno.errors.NotFound ? "missing" : `error:${errorText(e)}`;
      }
      if (last !== "" && stamp !== last) void this.#manifestChanged();
      last = stamp;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, every);
        this.#stopPoll = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async #listen(): Promise<void> {
    const path = this.controlSocket;
    try {
      await Deno.remove(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const listener = Deno.listen({ transport: "unix", path });
    this.#listener = listener;
    (async () => {
      for (;;) {
        let conn: Deno.Conn;
        try {
          conn = await listener.accept();
        } catch {
          return; // closed
        }
        void this.#serve(conn);
      }
    })();
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    try {
      const buf = new Uint8Array(1024);
      const n = await conn.read(buf);
      const req = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
      const body = req === "status"
        ? { ok: true, status: this.status() }
        : { ok: false, error: `unknown request "${req.slice(0, 40)}"` };
      const bytes = new TextEncoder().encode(`${JSON.stringify(body)}\n`);
      let off = 0;
      while (off < bytes.length) off += await conn.write(bytes.subarray(off));
    } catch {
      // The client went away; nothing to answer.
    } finally {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  async #run(): Promise<void> {
    const tick = this.#o.syncIntervalMs ?? 1000;
    try {
      let relist = true;
      while (!this.#stopping) {
        if (relist) {
          // What the relist is compared with next tick: read before it, so that a change made
          // while it runs is seen as a change.
          this.#dataVersion = this.#o.engine.db.get("PRAGMA data_version")?.data_version;
          if (this.#polling) {
            this.#exitDirStamp = this.#stampOf(this.#o.engine.paths.exitDir);
            this.#manifestStamp = this.#manifestStampNow();
          }
          this.#lastRelistAt = Date.now();
          try {
            await this.#sync();
          } catch (e) {
            this.#event({
              type: "Warning",
              reason: "SyncFailed",
              object: "node",
              message: errorText(e),
            });
          }
        }
        const woken = await this.#sleep(tick);
        relist = woken || (!this.#stopping && this.#relistDue(Date.now()));
      }
    } finally {
      await Promise.allSettled([...this.#busy.values()]);
      await this.#cleanup();
      this.#event({
        type: "Normal",
        reason: "Stopped",
        object: "node",
        message: "supervision stopped; containers keep running",
      });
    }
  }

  async #cleanup(): Promise<void> {
    clearTimeout(this.#createTimer);
    clearTimeout(this.#rewatchTimer);
    this.#stopPoll();
    await this.#pollDone;
    await this.#watchUpdate;
    await this.#inotify.stop();
    await this.#scanning.catch(() => {});
    await this.#prober.stop();
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    try {
      await Deno.remove(this.controlSocket);
    } catch {
      // not there
    }
    await this.#lock?.release();
  }

  #storePods(obs: NodeObservation, now: number): DesiredPod[] {
    const adoptAfter = this.#o.adoptAfterMs ?? 5000;
    const out: DesiredPod[] = [];
    for (const d of obs.pods.values()) {
      if (d.pod.source !== "store" || d.pod.stopped || !d.record.manifest) continue;
      if (now - d.record.createdAt < adoptAfter) {
        this.#due(d.record.createdAt + adoptAfter);
        continue;
      }
      // Only once the CLI has started every app container: a pod that `rkl pod run` is still
      // creating (a container record in state "created", or none yet) or that `rkl pod create`
      // left unstarted belongs to the CLI, and starting it here would race it.
      const started = d.record.manifest.containers.every((c) => {
        const v = d.containers.get(c.name);
        return v !== undefined && v.status !== "created";
      });
      if (!started) continue;
      out.push({ key: d.pod.key, manifest: d.record.manifest, hash: "", source: "store" });
    }
    return out;
  }

  /** The static pods as {@linkcode DaemonOptions.staticPod} adjusts them. */
  #statics(pods: readonly DesiredPod[], obs: NodeObservation): DesiredPod[] {
    const adjust = this.#o.staticPod;
    if (!adjust) return [...pods];
    return pods.flatMap((d) => adjust(d, obs) ?? []);
  }

  /** Notes that something comes due at `at` (a relist is needed then). */
  #due(at: number): void {
    if (at < this.#nextDue) this.#nextDue = at;
  }

  /**
   * Scans the manifest directory (one scan at a time: the source re-parses only changed files)
   * and records each new problem as an event.
   */
  #scan(): Promise<StaticPodScan> {
    const next = this.#scanning.catch(() => {}).then(async () => {
      const scan = await this.#source.scan();
      this.#problems = scan.problems;
      for (const p of scan.newProblems) {
        this.#event({ type: "Warning", reason: p.reason, object: p.file, message: p.message });
      }
      return scan;
    });
    this.#scanning = next;
    return next;
  }

  /**
   * A manifest file changed (inotify): scans the directory; a pod whose file is new (the store
   * has no such pod) is created at once, without a relist — there is nothing to observe.
   * An edit or a removal needs the relist, which is started.
   */
  async #manifestChanged(): Promise<void> {
    if (this.#stopping) return;
    let scan: StaticPodScan;
    try {
      scan = await this.#scan();
    } catch (e) {
      this.#event({ type: "Warning", reason: "SyncFailed", object: "node", message: errorText(e) });
      return;
    }
    if (this.#stopping) return;
    const since = ++this.#clock;
    const existing = sandboxKeys(this.#o.engine.db);
    const fresh = this.#statics(
      scan.desired.filter((d) => !existing.has(d.key)),
      EMPTY_OBSERVATION,
    );
    const hashes = new Map(scan.desired.map((d) => [d.key, d.hash]));
    const changed =
      scan.desired.some((d) => existing.has(d.key) && this.#lastScan.get(d.key) !== d.hash) ||
      [...this.#lastScan.keys()].some((k) => !hashes.has(k));
    this.#lastScan = hashes;
    if (fresh.length > 0) {
      const actions = planPodSync(fresh, [], Date.now(), this.#o);
      this.#dispatch(actions, new Map(fresh.map((d) => [d.key, d])), EMPTY_OBSERVATION, since);
      this.#pods = [...new Set([...this.#pods, ...fresh.map((d) => d.key)])];
    }
    if (changed) this.#wakeUp();
  }

  /**
   * Runs each pod's actions as one task, pods in parallel. An action is held back when a task
   * runs on its pod, or ran since `since` (the observation the actions were planned from may
   * predate what that task did): the pod is synced again once the task ends.
   */
  #dispatch(
    actions: readonly PodSyncAction[],
    byKey: ReadonlyMap<string, DesiredPod>,
    obs: NodeObservation,
    since: number,
  ): void {
    const now = Date.now();
    const groups = new Map<string, PodSyncAction[]>();
    let stale = false;
    for (const a of actions) {
      // A due time (back-off end, active deadline) is noted even for a pod busy or just touched:
      // with nothing else to wake the loop, the pod would wait for the next full relist.
      if (a.kind === "wait" && a.untilMs !== undefined) this.#due(a.untilMs);
      if (this.#busy.has(a.pod)) {
        if (a.kind !== "wait") this.#deferred.add(a.pod);
        // A pod that must go while it is being created (an init container may run for hours):
        // its creation is aborted, as the kubelet kills a pod in any phase, and the pod is
        // synced again once the creation undid what it acquired.
        if (a.kind === "removePod") {
          this.#abortCreation(a);
          this.#shortenKill(a);
        }
        continue;
      }
      if ((this.#touched.get(a.pod) ?? -1) >= since) {
        if (a.kind !== "wait") stale = true;
        continue;
      }
      if (a.kind === "wait") {
        this.#reportWait(a, obs);
        continue;
      }
      const retry = this.#retryAt.get(a.pod) ?? 0;
      if (retry > now) {
        this.#due(retry);
        continue;
      }
      const list = groups.get(a.pod) ?? [];
      list.push(a);
      groups.set(a.pod, list);
    }
    if (stale) this.#wakeUp();
    const { engine } = this.#o;
    for (const [key, list] of groups) {
      this.#touched.set(key, ++this.#clock);
      const creates = list.some((a) => a.kind === "createPod" || a.kind === "recreateSandbox");
      const ac = creates
        ? { abort: new AbortController(), detach: new AbortController() }
        : undefined;
      if (ac) this.#creating.set(key, ac);
      const removal = list.find((a) => a.kind === "removePod");
      const deadline = removal?.kind === "removePod" && removal.graceSeconds !== undefined
        ? new KillDeadline(removal.graceSeconds)
        : undefined;
      if (deadline) this.#killing.set(key, deadline);
      // A stop that came first: nothing more to wait for.
      if (ac && this.#stopping) ac.detach.abort();
      let startFailed = false;
      const task = (async () => {
        const ok = await applyPodActions(
          {
            engine,
            nodeName: this.#o.nodeName,
            event: (ev) => this.#event(ev),
            startFailed: () => {
              startFailed = true;
            },
            ...(ac ? { signal: ac.abort.signal, detach: ac.detach.signal } : {}),
            ...(deadline ? { deadline } : {}),
          },
          list,
          byKey,
          obs,
        );
        if (ok) {
          this.#retryAt.delete(key);
        } else {
          const at = Date.now() + (this.#o.createRetryMs ?? 10_000);
          this.#retryAt.set(key, at);
          this.#due(at);
        }
        return ok;
      })().then((ok) => {
        this.#busy.delete(key);
        if (ac && this.#creating.get(key) === ac) this.#creating.delete(key);
        if (deadline) {
          deadline.dispose();
          if (this.#killing.get(key) === deadline) this.#killing.delete(key);
        }
        this.#touched.set(key, ++this.#clock);
        // New containers: their logs join inotify's watch set (once for a burst of tasks).
        this.#rewatchSoon();
        // Relisted after what it did, except a static pod just created without probes: nothing
        // waits for that relist (a `runc list` while the next pod may be starting). An action
        // held back meanwhile, probes to start or a restart's outcome do wait for it, and so does
        // a cluster node (`onSync`: the static pod's mirror pod and status).
        // A container that could not start (no exit file tells of it) waits for it too.
        const quiet = ok && !startFailed && !this.#o.onSync && list.every((a) =>
          a.kind === "createPod" && byKey.get(a.pod)?.source === "file"
        ) &&
          !hasProbes(byKey.get(key)?.manifest);
        if (this.#deferred.delete(key) || !quiet) this.#wakeUp();
      }, () => {});
      this.#busy.set(key, task);
    }
  }

  /**
   * Aborts the creation in flight of the pod `a` removes, if any (once): its running containers
   * get `a`'s grace period (none: killed at once), then everything it acquired is undone.
   */
  #abortCreation(a: Extract<PodSyncAction, { kind: "removePod" }>): void {
    const ac = this.#creating.get(a.pod)?.abort;
    if (!ac) return;
    const grace = a.graceSeconds ?? 0;
    if (ac.signal.aborted) {
      // Deleted again without a grace period (`--force --grace-period=0`): kill now.
      const reason = ac.signal.reason;
      if (grace === 0 && reason instanceof PodRunAborted && reason.graceSeconds > 0) {
        reason.killNow();
        this.#event({
          type: "Normal",
          reason: "Killing",
          object: a.pod,
          message: `Killing the pod being created at once: ${a.reason}`,
        });
      }
      return;
    }
    ac.abort(new PodRunAborted(`pod ${a.pod}: ${a.reason}`, grace));
    this.#event({
      type: "Normal",
      reason: "Killing",
      object: a.pod,
      message: `Stopping the pod while it is being created (grace period ${grace}s): ${a.reason}`,
    });
  }

  /**
   * A pod deleted again while its graceful removal runs: a shorter grace period (none: a force
   * deletion, or the API object gone) moves its SIGKILL earlier, as the kubelet's pod worker
   * cuts a kill in flight short; a longer one changes nothing.
   */
  #shortenKill(a: Extract<PodSyncAction, { kind: "removePod" }>): void {
    const deadline = this.#killing.get(a.pod);
    const grace = a.graceSeconds ?? 0;
    if (!deadline?.shorten(grace)) return;
    this.#event({
      type: "Normal",
      reason: "Killing",
      object: a.pod,
      message: `Stopping the pod with a shorter grace period (${grace}s): ${a.reason}`,
    });
  }

  async #sync(): Promise<void> {
    const { engine } = this.#o;
    this.#nextDue = Infinity;
    const since = ++this.#clock;
    const scan = await this.#scan();
    this.#lastScan = new Map(scan.desired.map((d) => [d.key, d.hash]));
    const suspects = [...this.#suspects];
    this.#suspects.clear();
    const obs = await observeNode(engine);
    for (const t of obs.newTerminations) {
      this.#event({
        type: t.fact.reason === "Completed" ? "Normal" : "Warning",
        reason: t.fact.reason === "OOMKilled" ? "OOMKilled" : "Terminated",
        object: t.pod,
        container: t.container,
        message: `${t.fact.reason}${t.fact.signal ? ` (signal ${t.fact.signal})` : ""}${
          t.fact.message ? `: ${t.fact.message}` : ""
        }`,
      });
    }
    await this.#checkMonitors(suspects, obs);
    const now = Date.now();
    const desired = [
      ...this.#statics(scan.desired, obs),
      ...this.#storePods(obs, now),
      ...(this.#o.sources ?? []).flatMap((src) => src.desired(obs, now)),
    ];
    const byKey = new Map(desired.map((d) => [d.key, d]));
    this.#pods = desired.map((d) => d.key);
    const actions = planPodSync(desired, [...obs.pods.values()].map((d) => d.pod), now, this.#o);
    this.#dispatch(actions, byKey, obs, since);
    this.#prober.sync(this.#probeJobs(obs));
    this.#o.onSync?.(obs);
    this.#rewatch();
    this.#syncs++;
    this.#lastSyncAt = Date.now();
  }

  /**
   * Containers whose conmon closed its log: if the container still runs, its conmon was killed
   * and no exit file will report its end, so it is relisted every tick until it stops.
   */
  async #checkMonitors(suspects: readonly string[], obs: NodeObservation): Promise<void> {
    for (const id of this.#unmonitored) if (!obs.running.has(id)) this.#unmonitored.delete(id);
    const { engine } = this.#o;
    const podOf = new Map<string, string>();
    for (const d of obs.pods.values()) {
      if (d.record.pauseContainerId) podOf.set(d.record.pauseContainerId, d.pod.key);
      for (const v of d.containers.values()) podOf.set(v.record.id, d.pod.key);
    }
    const candidates: { id: string; name: string; container?: string; pid: number }[] = [];
    // Only the pods' containers: the daemon supervises no other.
    const wanted = suspects.filter((id) =>
      obs.running.has(id) && !this.#unmonitored.has(id) && podOf.has(id)
    );
    if (wanted.length === 0) return;
    const records = new Map(listContainerRecords(engine.db).map((r) => [r.id, r]));
    for (const id of wanted) {
      const rec = records.get(id);
      if (!rec) continue;
      const pid = rec.monitorPid ??
        Number((await readTextOrEmpty(join(rec.stateDir, "conmon.pid"))).trim());
      const container = rec.labels[LABEL_CONTAINER_NAME];
      candidates.push({ id, name: rec.name, pid, ...(container ? { container } : {}) });
    }
    if (candidates.length === 0) return;
    const alive = await livePids(candidates.map((c) => c.pid).filter((p) => p > 0));
    for (const c of candidates) {
      if (alive.has(c.pid)) continue; // it closed its log, but it runs
      this.#unmonitored.add(c.id);
      this.#event({
        type: "Warning",
        reason: "MonitorLost",
        object: podOf.get(c.id) ?? c.name,
        ...(c.container ? { container: c.container } : {}),
        message: `conmon of container ${
          c.id.slice(0, 12)
        } is gone while the container runs; no exit file will report its end, so the node is relisted every ${
          (this.#o.syncIntervalMs ?? 1000) / 1000
        } s until it stops`,
      });
    }
  }

  #reportWait(a: Extract<PodSyncAction, { kind: "wait" }>, obs: NodeObservation): void {
    if (a.reason !== "CrashLoopBackOff" || a.container === undefined) return;
    const v = obs.pods.get(a.pod)?.containers.get(a.container);
    if (!v || this.#reportedBackoff.has(v.record.id)) return;
    this.#reportedBackoff.add(v.record.id);
    // The back-off itself (from the exit to the earliest restart), as the kubelet reports it.
    const from = v.finishedAt ?? Date.now();
    const secs = a.untilMs !== undefined ? Math.max(0, Math.round((a.untilMs - from) / 1000)) : 0;
    this.#event({
      type: "Warning",
      reason: "BackOff",
      object: a.pod,
      container: a.container,
      message: `Back-off ${secs}s restarting failed container ${a.container}`,
    });
  }

  #probeJobs(obs: NodeObservation): ProbeJob[] {
    const jobs: ProbeJob[] = [];
    for (const d of obs.pods.values()) {
      if (d.pod.observation.sandbox !== "ready" || !d.record.manifest) continue;
      for (const spec of d.record.manifest.containers) {
        const v = d.containers.get(spec.name);
        if (!v || v.status !== "running") continue;
        jobs.push({
          containerId: v.record.id,
          pod: d.pod.key,
          spec,
          podIP: d.record.ips[0] ?? "",
          startedAt: v.startedAt ?? v.createdAt,
          ...(this.#killing.has(d.pod.key) ? { terminating: true } : {}),
        });
      }
    }
    return jobs;
  }
}
