/**
 * {@linkcode NodeDaemon}: the node's one reconcile loop. Every sync (at most `syncIntervalMs`
 * apart, sooner when a manifest file or an exit file changes) reads the static pod directory,
 * relists the node (store + one runtime `list` + exit files), plans with
 * {@linkcode planPodSync} and applies the actions, one pod at a time per pod and pods in
 * parallel. It keeps no state that could drift from the store: a daemon killed with `kill -9`
 * and started again adopts what runs, restarts nothing healthy and keeps restart counts.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../container/mod.ts";
import { collectNetworkGarbage } from "../network_gc.ts";
import type { BackoffOptions } from "../pod/pod_planner.ts";
import { acquireDaemonLock, type DaemonLock } from "./daemon_lock.ts";
import { type NewEvent, type NodeEvent, recordEvent } from "./events.ts";
import { type NodeObservation, observeNode } from "./observe.ts";
import { applyPodActions } from "./pod_sync_executor.ts";
import { type DesiredPod, planPodSync, type PodSyncAction } from "./pod_sync_planner.ts";
import { type ProbeJob, Prober } from "./prober.ts";
import { type ManifestProblem, StaticPodSource } from "./static_pods.ts";

/** Options of {@linkcode NodeDaemon}. */
export interface DaemonOptions extends BackoffOptions {
  /** The engine (the daemon does not close it). */
  engine: Engine;
  /** Static pod directory (created when missing). */
  manifestDir: string;
  /** Node name: static pod name suffix and `spec.nodeName`. */
  nodeName: string;
  /**
   * The loop's tick, ms (default 1000): each tick checks, cheaply, whether anything changed (a
   * write to the store by another process, conmon's exit-file directory, a back-off or retry
   * that came due) and relists only then. Exits and manifest changes wake the loop at once.
   */
  syncIntervalMs?: number;
  /**
   * Longest time between two full relists (store, runtime, exit files), ms (default 10000):
   * the safety net for what no exit file reports (a killed monitor).
   */
  relistIntervalMs?: number;
  /** Wait before retrying a pod whose creation failed, ms (default 10 s). */
  createRetryMs?: number;
  /** Supervise pods started by the CLI only once they are this old, ms (default 5 s). */
  adoptAfterMs?: number;
  /**
   * How often the manifest directory's own mtime is checked, ms (default 100): a file created,
   * removed or renamed there (how editors save) starts a sync at once; an edit in place is seen
   * by the next relist.
   */
  manifestPollMs?: number;
  /** Control socket path (default `<runDir>/daemon.sock`). */
  controlSocket?: string;
  /** Run network garbage collection at start (default true when the engine has a network). */
  networkGc?: boolean;
  /** Receives every event as it is recorded (the CLI logs them). */
  onEvent?: (ev: NodeEvent) => void;
  /**
   * Sources of desired pods besides the manifest directory (the cluster's pods bound to this
   * node). Each sync asks each source once; a source calls {@linkcode NodeDaemon.wake} when
   * its pods changed.
   */
  sources?: readonly DesiredPodSource[];
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

/** The node's reconcile loop. `start()`, then `stop()` (containers keep running). */
export class NodeDaemon {
  readonly #o: DaemonOptions;
  readonly #source: StaticPodSource;
  readonly #prober: Prober;
  readonly #busy = new Map<string, Promise<void>>();
  readonly #retryAt = new Map<string, number>();
  readonly #reportedBackoff = new Set<string>();
  #lock: DaemonLock | undefined;
  #listener: Deno.Listener | undefined;
  #watcher: Deno.FsWatcher | undefined;
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
    this.#source = new StaticPodSource(opts.manifestDir, opts.nodeName);
    this.#prober = new Prober(opts.engine, (ev) => this.#event(ev), () => this.#wakeUp());
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
      if (engine.network && this.#o.networkGc !== false) {
        try {
          const report = await collectNetworkGarbage(engine);
          if (report.released.length > 0) {
            this.#event({
              type: "Normal",
              reason: "NetworkGC",
              object: "node",
              message: report.details.join("; ") || `released ${report.released.length}`,
            });
          }
        } catch (e) {
          this.#event({
            type: "Warning",
            reason: "NetworkGC",
            object: "node",
            message: errorText(e),
          });
        }
      }
      await this.#listen();
      this.#watch();
    } catch (e) {
      await this.#cleanup();
      throw e;
    }
    this.#loop = this.#run();
  }

  /** Resolves when the loop ended (after {@linkcode NodeDaemon.stop}). */
  get done(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** Stops supervision: in-flight actions finish, containers keep running. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopping) return await this.done;
    this.#stopping = true;
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
    if (now >= this.#nextDue) return true;
    if (now - this.#lastRelistAt >= (this.#o.relistIntervalMs ?? 10_000)) return true;
    const version = this.#o.engine.db.get("PRAGMA data_version")?.data_version;
    const exitDir = this.#stampOf(this.#o.engine.paths.exitDir);
    return version !== this.#dataVersion || exitDir !== this.#exitDirStamp ||
      this.#manifestStampNow() !== this.#manifestStamp;
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

  #watch(): void {
    const { engine } = this.#o;
    // Only conmon's exit-file directory is watched with Deno.watchFs. Deno's watcher opens the
    // files it reports, so a FIFO dropped into a watched directory blocks its thread for good
    // (the process then cannot exit): the manifest directory, where users put files, is polled
    // by #pollManifestDir instead.
    try {
      this.#watcher = Deno.watchFs(engine.paths.exitDir, { recursive: false });
    } catch (e) {
      this.#event({
        type: "Warning",
        reason: "WatchFailed",
        object: "node",
        message: `${errorText(e)}; relisting only`,
      });
      return;
    }
    const watcher = this.#watcher;
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
    this.#pollDone = this.#pollManifestDir();
  }

  /** Wakes the loop when the manifest directory's mtime, ctime or inode changes. */
  async #pollManifestDir(): Promise<void> {
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
      if (last !== "" && stamp !== last) this.#wakeUp();
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
          this.#exitDirStamp = this.#stampOf(this.#o.engine.paths.exitDir);
          this.#manifestStamp = this.#manifestStampNow();
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
    this.#stopPoll();
    await this.#pollDone;
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

  /** Notes that something comes due at `at` (a relist is needed then). */
  #due(at: number): void {
    if (at < this.#nextDue) this.#nextDue = at;
  }

  async #sync(): Promise<void> {
    const { engine } = this.#o;
    this.#nextDue = Infinity;
    const scan = await this.#source.scan();
    this.#problems = scan.problems;
    for (const p of scan.newProblems) {
      this.#event({ type: "Warning", reason: p.reason, object: p.file, message: p.message });
    }
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
    const now = Date.now();
    const desired = [
      ...scan.desired,
      ...this.#storePods(obs, now),
      ...(this.#o.sources ?? []).flatMap((src) => src.desired(obs, now)),
    ];
    const byKey = new Map(desired.map((d) => [d.key, d]));
    this.#pods = desired.map((d) => d.key);
    const actions = planPodSync(desired, [...obs.pods.values()].map((d) => d.pod), now, this.#o);
    const groups = new Map<string, PodSyncAction[]>();
    for (const a of actions) {
      if (this.#busy.has(a.pod)) continue;
      if (a.kind === "wait") {
        if (a.untilMs !== undefined) this.#due(a.untilMs);
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
    for (const [key, list] of groups) {
      const task = (async () => {
        const ok = await applyPodActions(
          { engine, nodeName: this.#o.nodeName, event: (ev) => this.#event(ev) },
          list,
          byKey,
          obs,
        );
        if (ok) this.#retryAt.delete(key);
        else this.#retryAt.set(key, Date.now() + (this.#o.createRetryMs ?? 10_000));
      })().finally(() => {
        this.#busy.delete(key);
        this.#wakeUp();
      });
      this.#busy.set(key, task);
    }
    this.#prober.sync(this.#probeJobs(obs));
    this.#o.onSync?.(obs);
    this.#syncs++;
    this.#lastSyncAt = Date.now();
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
        });
      }
    }
    return jobs;
  }
}
