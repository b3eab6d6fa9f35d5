/**
 * The pod executor: applies {@linkcode planPod}'s actions through the CRI-shaped operations until
 * the pod is where it should be. `runPod` (create the sandbox, run init containers one at a time,
 * start the app containers) is one operation: if any step fails, everything acquired so far is
 * undone in reverse order. A failing init container is not an operation failure: the pod is kept,
 * marked failed with the container's exit code, and its logs stay available. A supervisor that
 * must drop the pod while `runPod` runs (it may wait for an init container for as long as that
 * runs) aborts it through `PodRunOptions.signal`: the containers started get the abort's grace
 * period after SIGTERM, then everything is undone as after a failure.
 *
 * @module
 */
import { join } from "../path.ts";
import { containerStatus as engineContainerStatus, inspectRecord } from "../container/inspect.ts";
import type { Engine } from "../container/engine.ts";
import { startCreated } from "../container/start.ts";
import { CleanupError, RkError } from "../errors.ts";
import { findContainer, getContainer } from "../store/containers.ts";
import { UndoStack } from "../undo.ts";
import {
  containerObservation,
  ContainerStartError,
  createPodContainer,
  podContainerName,
  podContainerViews,
  START_ERROR_EXIT_CODE,
  START_ERROR_REASON,
} from "./pod_containers.ts";
import type { PodManifest } from "./pod_manifest.ts";
import { planPod, type PodAction } from "./pod_planner.ts";
import { type ContainerObservation, type PodObservation, podShape } from "./pod_status.ts";
import { findSandbox, type SandboxRecord, updateSandbox } from "./pod_store.ts";
import {
  containerConfig,
  LABEL_CONTAINER_NAME,
  planVolumes,
  type PodFieldValues,
  sandboxConfig,
} from "./pod_translate.ts";
import type { PodFaultHook } from "./sandbox.ts";
import { createPodSandbox, finishCreation, runPodSandbox } from "./sandbox_run.ts";
import { sandboxNamespaces, sandboxState } from "./sandbox_status.ts";
import { resolveSubPathMounts } from "./pod_volumes.ts";
import { traced } from "../trace.ts";
import type { PinnedNamespaces } from "./pod_namespaces.ts";
import { abortGraceSeconds, PodRunAborted } from "./pod_run_aborted.ts";
import { listContainers as engineListContainers } from "../container/list.ts";
import { stopRecord } from "../container/stop.ts";

/** True when the container's environment refers to the pod's addresses (`status.podIP(s)`). */
function refersToPodIps(c: PodManifest["containers"][number]): boolean {
  return c.env.some((e) => "fieldRef" in e && e.fieldRef.startsWith("status.podIP"));
}

/** Options of {@linkcode runPod}, {@linkcode createPod} and {@linkcode startPod}. */
export interface PodRunOptions {
  /** Failure injection for tests. */
  faults?: PodFaultHook;
  /** cgroup root of pod cgroups (default `/rkl`). */
  cgroupRoot?: string;
  /** Pod uid (default: a random UUID). */
  uid?: string;
  /** Node name for `spec.nodeName` references (default: the host name). */
  nodeName?: string;
  /** Give up waiting for init containers after this many ms (default: no limit). */
  timeoutMs?: number;
  /**
   * Restart counts of the containers by name (a supervisor recreating a dead sandbox keeps
   * counting; default 0).
   */
  attempts?: Readonly<Record<string, number>>;
  /**
   * Aborts {@linkcode runPod} (the pod must go): the wait for init containers ends at once and
   * no further container starts; the containers already running get the grace period of the
   * signal's reason (a `PodRunAborted`'s `graceSeconds`, else 0) after SIGTERM, then SIGKILL;
   * everything acquired is undone and `runPod` rejects with the reason. An abort after every
   * app container started changes nothing (the caller removes the pod as any other).
   */
  signal?: AbortSignal;
  /**
   * Stops {@linkcode runPod}'s wait for init containers without undoing anything (the
   * supervisor stops, as a kubelet that exits leaves its containers): what was created and
   * started stays, the pod's creation is finished, and `runPod` returns with `detached` set; the
   * next supervisor adopts the pod and starts the rest.
   */
  detach?: AbortSignal;
  /**
   * A container whose process the runtime cannot start is kept as exited (`StartError`, exit
   * code 128; see `ContainerStartError`) and the pod runs on: a supervisor restarts it per
   * the restart policy, as the kubelet does. Default: the runtime's error fails the run.
   */
  keepStartErrors?: boolean;
  /** Told of each container step (for the kubelet's `Created`, `Started`, `Failed` events). */
  onContainer?: (ev: PodContainerEvent) => void;
}

/** A step of one container during {@linkcode runPod}. */
export interface PodContainerEvent {
  /** The container's name in the pod. */
  container: string;
  /** `created`, `started`, or `startFailed` (the runtime could not start its process). */
  step: "created" | "started" | "startFailed";
  /** The runtime's message of a `startFailed`. */
  message?: string;
}

/**
 * A container of the pod could not be created (its configuration, its mounts, the runtime):
 * the kubelet's `CreateContainerError`, not a sandbox failure. {@linkcode runPod} with
 * `keepStartErrors` (a supervisor) throws it with the cause as `cause` and the cause's message
 * as its own.
 *
 * @example
 * ```ts
 * import { ContainerCreateError } from "./pod_runner.ts";
 * import assert from "node:assert/strict";
 * const e = new ContainerCreateError("app", new Error("neither command nor args"));
 * assert.equal(e.container, "app");
 * assert.equal(e.message, "neither command nor args");
 * ```
 */
export class ContainerCreateError extends RkError {
  /** The container's name in the pod. */
  readonly container: string;
  /** Creates the error. */
  constructor(container: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "ContainerCreateError";
    this.container = container;
  }
}

/** How a pod failed (a failing init container, a sandbox that stopped). */
export interface PodFailure {
  /** Why. */
  reason: string;
  /** The container that failed. */
  container?: string;
  /** Its exit code. */
  exitCode?: number;
}

/** Result of {@linkcode runPod} and {@linkcode startPod}. */
export interface PodRunResult {
  /** The sandbox. */
  sandbox: SandboxRecord;
  /** Set when the pod failed. */
  failure?: PodFailure;
  /**
   * True when `PodRunOptions.detach` ended the run while it waited for an init container: the
   * app containers have not started.
   */
  detached?: boolean;
}

function manifestOf(rec: SandboxRecord): PodManifest {
  if (!rec.manifest) {
    throw new RkError(`Pod "${rec.name}" was created through the CRI API without a manifest`);
  }
  return rec.manifest;
}

/**
 * Observes a pod: the sandbox state and each container (by its name in the pod), from the
 * records, the runtime (one `list` call) and the monitors' exit files.
 */
export async function observePod(engine: Engine, rec: SandboxRecord): Promise<PodObservation> {
  const pauseRec = rec.pauseContainerId ? getContainer(engine.db, rec.pauseContainerId) : undefined;
  const pause = pauseRec ? await inspectRecord(engine, pauseRec) : undefined;
  const containers: Record<string, ContainerObservation> = {};
  for (const v of await podContainerViews(engine, { podSandboxId: rec.id })) {
    const name = v.record.labels[LABEL_CONTAINER_NAME];
    if (name === undefined) continue;
    containers[name] = containerObservation(v);
  }
  return { sandbox: sandboxState(rec, pause), containers };
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return "localhost";
    }
    throw e;
  }
}

/**
 * Applies the planner's actions until nothing is left to do, the pod fails, or (with
 * `knownObs`) only waiting remains. Containers created here register their undo on `undo`.
 */
async function reconcile(
  engine: Engine,
  rec: SandboxRecord,
  undo: UndoStack,
  opts: PodRunOptions,
  knownObs?: PodObservation,
  known?: { pausePid?: number; pinned?: PinnedNamespaces },
  networkReady: Promise<void> = Promise.resolve(),
  startGate: Promise<unknown> = networkReady,
): Promise<PodFailure | "detached" | undefined> {
  const pod = manifestOf(rec);
  const shape = podShape(pod);
  const fields: PodFieldValues = {
    name: pod.name,
    namespace: pod.namespace,
    uid: rec.uid,
    nodeName: opts.nodeName ?? hostName(),
    podIPs: rec.ips,
  };
  const volumes = planVolumes(pod.volumes, join(rec.stateDir, "volumes"));
  const specs = new Map<string, { c: PodManifest["containers"][number]; init: boolean }>();
  for (const c of pod.initContainers) specs.set(c.name, { c, init: true });
  for (const c of pod.containers) specs.set(c.name, { c, init: false });
  let obs = knownObs ?? await observePod(engine, rec);
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Infinity;
  let delay = 5;

  const createAndStart = async (name: string): Promise<void> => {
    const entry = specs.get(name)!;
    const existing = obs.containers[name];
    let id: string;
    if (existing?.state === "created") {
      id = findContainer(engine.db, podContainerName(rec, name)).id;
    } else {
      const attempt = opts.attempts?.[name] ?? 0;
      // The pod's addresses are known once its network is set up.
      if (refersToPodIps(entry.c)) await networkReady;
      try {
        const cfg = await resolveSubPathMounts(
          containerConfig(pod, entry.c, {
            volumes,
            fields: { ...fields, podIPs: rec.ips },
            init: entry.init,
            attempt,
          }),
          entry.c,
          volumes,
        );
        id = await createPodContainer(
          engine,
          rec.id,
          cfg,
          rec.config,
          undo,
          known,
          opts.keepStartErrors ? { keepStartError: true } : {},
        );
      } catch (e) {
        if (!(e instanceof ContainerStartError)) {
          throw opts.keepStartErrors && e instanceof RkError && !(e instanceof CleanupError)
            ? new ContainerCreateError(name, e)
            : e;
        }
        // Created, then its start failed: exited with StartError; the supervisor restarts it.
        opts.onContainer?.({ container: name, step: "created" });
        opts.onContainer?.({ container: name, step: "startFailed", message: e.runtimeMessage });
        obs = {
          ...obs,
          containers: {
            ...obs.containers,
            [name]: {
              state: "exited",
              exitCode: START_ERROR_EXIT_CODE,
              reason: START_ERROR_REASON,
              message: e.runtimeMessage,
              restartCount: attempt,
              finishedAt: Date.now(),
            },
          },
        };
        return;
      }
      opts.onContainer?.({ container: name, step: "created" });
    }
    const crec = findContainer(engine.db, id);
    // Created while CNI ADD (and the pause container's creation) may still run; nothing starts
    // before the network is ready and the pause container exists.
    await startGate;
    // A pod that must go starts nothing more (its init container may have run for long).
    opts.signal?.throwIfAborted();
    await traced(`pod: start container ${name}`, () => startCreated(engine, crec));
    opts.onContainer?.({ container: name, step: "started" });
    if (opts.faults) await opts.faults(entry.init ? "after-init" : "after-container", rec.id);
    obs = {
      ...obs,
      containers: { ...obs.containers, [name]: { state: "running", restartCount: 0 } },
    };
  };

  for (;;) {
    opts.signal?.throwIfAborted();
    const actions: PodAction[] = planPod(shape, obs, { restarts: false, now: Date.now() });
    if (actions.length === 0) return undefined;
    const failed = actions.find((a) => a.kind === "failPod");
    if (failed?.kind === "failPod") {
      const failure: PodFailure = { reason: failed.reason };
      if (failed.container !== undefined) failure.container = failed.container;
      if (failed.exitCode !== undefined) failure.exitCode = failed.exitCode;
      updateSandbox(engine.db, rec.id, { failure: failed.reason });
      rec.failure = failed.reason;
      return failure;
    }
    const waiting = actions.filter((a) => a.kind === "wait");
    if (waiting.length > 0) {
      if (Date.now() > deadline) {
        throw new RkError(`Pod "${rec.name}": timed out waiting: ${waiting[0]!.reason}`);
      }
      if (opts.detach?.aborted) return "detached";
      await sleepUnlessAborted(
        delay,
        opts.detach && opts.signal
          ? AbortSignal.any([opts.signal, opts.detach])
          : opts.signal ?? opts.detach,
      );
      opts.signal?.throwIfAborted();
      if (opts.detach?.aborted) return "detached";
      delay = Math.min(delay * 2, 100);
      obs = await observeWaiting(engine, rec, obs, waiting);
      continue;
    }
    delay = 5;
    // allSettled, not all: every concurrent create must have registered its undo steps before
    // the caller rolls back, or a container still being created would leak.
    const results = await Promise.allSettled(actions.map(async (a) => {
      switch (a.kind) {
        case "runInit":
        case "startContainer":
          return await createAndStart(a.container);
        case "runSandbox":
        case "recreateSandbox":
        case "restartContainer":
        case "killContainer":
          throw new RkError(`Pod "${rec.name}": cannot ${a.kind} in a one-shot run (${a.reason})`);
      }
    }));
    const rejected = results.find((r) => r.status === "rejected");
    if (rejected) throw rejected.reason;
  }
}

function resultOf(rec: SandboxRecord, outcome: PodFailure | "detached" | undefined): PodRunResult {
  if (outcome === "detached") return { sandbox: rec, detached: true };
  return outcome ? { sandbox: rec, failure: outcome } : { sandbox: rec };
}

/** Waits `ms`, or less when `signal` aborts (the caller checks it). */
function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * An aborted run: the pod's running app and init containers get the abort's grace period after
 * SIGTERM (the kubelet's killPod, in any phase of the pod), all at once, or less when the
 * reason's `killNow()` is called meanwhile (SIGKILL then). With no grace period nothing is done
 * here: the rollback that follows kills them. A stop that fails is left to that rollback too,
 * which removes every container it created, running or not, and reports what it could not
 * remove.
 */
async function stopStarted(engine: Engine, rec: SandboxRecord, reason: unknown): Promise<void> {
  const grace = abortGraceSeconds(reason);
  if (grace <= 0) return;
  const killed = reason instanceof PodRunAborted ? reason.killed : undefined;
  const views = await engineListContainers(engine, { owner: rec.id });
  await Promise.allSettled(
    views.filter((v) => v.record.id !== rec.pauseContainerId && v.status === "running")
      .map(async (v) => {
        const graceful = stopRecord(engine, v.record, v, grace);
        const first = await Promise.race([
          graceful.then(() => "stopped" as const, () => "stopped" as const),
          ...(killed ? [killed.then(() => "kill" as const)] : []),
        ]);
        if (first === "kill") {
          await Promise.allSettled([stopRecord(engine, v.record, v, 0), graceful]);
        }
      }),
  );
}

/**
 * Refreshes only what the waiting actions are about: a waited-for container's exit file (cheap)
 * or, when the wait is about the sandbox, a full observation.
 */
async function observeWaiting(
  engine: Engine,
  rec: SandboxRecord,
  obs: PodObservation,
  waiting: readonly PodAction[],
): Promise<PodObservation> {
  const names = waiting.flatMap((a) => ("container" in a && a.container ? [a.container] : []));
  if (names.length !== waiting.length) return await observePod(engine, rec);
  const containers = { ...obs.containers };
  for (const name of names) {
    const crec = findContainer(engine.db, podContainerName(rec, name));
    const exit = await engine.monitor.readExit(engine.paths.exitDir, crec.id);
    if (exit) {
      containers[name] = {
        state: "exited",
        exitCode: exit.code,
        finishedAt: exit.finishedAt,
        restartCount: containers[name]?.restartCount ?? 0,
      };
    } else if (containers[name]?.state === "unknown") {
      const view = await engineContainerStatus(engine, crec.id);
      containers[name] = {
        state: view.status === "stopped" ? "exited" : view.status,
        restartCount: 0,
        ...(view.exitCode !== undefined ? { exitCode: view.exitCode } : {}),
      };
    }
  }
  return { ...obs, containers };
}

/**
 * Creates a pod's sandbox (pause container, network, cgroup, volumes) without starting its
 * containers (`rkl pod create`). A failure undoes everything.
 */
export async function createPod(
  engine: Engine,
  pod: PodManifest,
  opts: PodRunOptions = {},
): Promise<SandboxRecord> {
  const undo = new UndoStack();
  return await undo.guard(() =>
    runPodSandbox(engine, sandboxConfig(pod, opts.uid ?? crypto.randomUUID()), undo, {
      manifest: pod,
      ...(opts.faults ? { faults: opts.faults } : {}),
      ...(opts.cgroupRoot ? { cgroupRoot: opts.cgroupRoot } : {}),
    })
  );
}

/**
 * Runs a pod's init containers (one at a time) and starts its app containers (`rkl pod start`).
 * A failure undoes the containers this call created; the sandbox stays.
 */
export async function startPod(
  engine: Engine,
  ref: string,
  opts: PodRunOptions & { namespace?: string } = {},
): Promise<PodRunResult> {
  const rec = findSandbox(engine.db, ref, opts.namespace);
  if (rec.stopped) throw new RkError(`Pod "${rec.name}" was stopped; remove it and run it again`);
  if (await sandboxNamespaces(engine, rec) === undefined) {
    throw new RkError(
      `Pod "${rec.name}": the sandbox is not ready (its pause process or its namespaces are gone)`,
    );
  }
  const undo = new UndoStack();
  const failure = await undo.guard(() => reconcile(engine, rec, undo, opts));
  return resultOf(rec, failure);
}

/**
 * Creates and starts a pod in one operation (`rkl pod run`): returns once every app container
 * runs, or the pod failed (a failing init container). Any other failure undoes everything.
 */
export async function runPod(
  engine: Engine,
  pod: PodManifest,
  opts: PodRunOptions = {},
): Promise<PodRunResult> {
  opts.signal?.throwIfAborted();
  const undo = new UndoStack();
  return await undo.guard(async () => {
    const created = await createPodSandbox(
      engine,
      sandboxConfig(pod, opts.uid ?? crypto.randomUUID()),
      undo,
      {
        manifest: pod,
        ...(opts.faults ? { faults: opts.faults } : {}),
        ...(opts.cgroupRoot ? { cgroupRoot: opts.cgroupRoot } : {}),
      },
    );
    const { sandbox: rec, pause, networkReady } = created;
    // The app containers are created while CNI ADD runs, and while the pause container is
    // created (pinned namespaces) or started (its created process already holds them); they
    // start once the network is ready and the pause container exists. Everything settles
    // before a failure rolls back.
    const known = {
      ...(created.pausePid !== undefined ? { pausePid: created.pausePid } : {}),
      ...(created.pinned ? { pinned: created.pinned } : {}),
    };
    const gate = Promise.all([networkReady, pause]);
    // Observed through the results below; never an unhandled rejection.
    gate.catch(() => {});
    const [started, networked, reconciled] = await Promise.allSettled([
      pause.then((p) => p && traced("pod: start pause", () => startCreated(engine, p))),
      networkReady,
      reconcile(
        engine,
        rec,
        undo,
        opts,
        { sandbox: "ready", containers: {} },
        known,
        networkReady,
        gate,
      ),
    ]);
    const signal = opts.signal;
    if (signal?.aborted && reconciled.status === "rejected") {
      // The pod must go: its containers get the grace period, then the rollback removes all.
      await stopStarted(engine, rec, signal.reason);
      throw signal.reason;
    }
    if (started.status === "rejected") throw started.reason;
    if (networked.status === "rejected") throw networked.reason;
    if (reconciled.status === "rejected") throw reconciled.reason;
    finishCreation(engine, rec);
    return resultOf(rec, reconciled.value);
  });
}
