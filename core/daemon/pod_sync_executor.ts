/**
 * The daemon's executor: applies {@linkcode planPodSync}'s actions through the pod runtime
 * (sandbox and container operations of `core/pod`) and records each result as an event. Each
 * action is one operation: a failed create undoes what it acquired (the pod layer's undo stack)
 * and is retried by a later sync. A creation aborted because the pod must go (see
 * {@linkcode ExecutorContext.signal}) is not a failure: it undid everything and the pod's
 * removal is done.
 *
 * @module
 */
import { join } from "node:path";
import { type ContainerView, type Engine, startCreated, teardownRecord } from "../container/mod.ts";
import { findContainer } from "../store/containers.ts";
import { keepPreviousLog } from "../container/logs.ts";
import {
  LABEL_BACKOFF_STEPS,
  LABEL_LAST_STATE,
  terminationFacts,
  type TerminationState,
} from "../pod/container_facts.ts";
import {
  ContainerStartError,
  createPodContainer,
  podContainerName,
  START_ERROR_REASON,
  stopPodContainer,
} from "../pod/pod_containers.ts";
import type { PodContainerSpec, PodManifest } from "../pod/pod_manifest.ts";
import { ContainerCreateError, type PodContainerEvent, runPod } from "../pod/pod_runner.ts";
import { CleanupError } from "../errors.ts";
import { type SandboxRecord, updateSandbox } from "../pod/pod_store.ts";
import { resolveSubPathMounts } from "../pod/pod_volumes.ts";
import { containerConfig, planVolumes, type PodFieldValues } from "../pod/pod_translate.ts";
import { stopPodSandbox } from "../pod/sandbox_stop.ts";
import { DEADLINE_EXCEEDED_REASON } from "../pod/active_deadline.ts";
import { teardownSandbox } from "../pod/sandbox_remove.ts";
import { KillDeadline } from "./kill_deadline.ts";
import type { ProbeHandler } from "../pod/pod_types.ts";
import type { NewEvent } from "./events.ts";
import type { NodeObservation, ObservedPodDetail } from "./observe.ts";
import type { DesiredPod, PodSyncAction } from "./pod_sync_planner.ts";
import { runProbeHandler } from "./probe_handler.ts";

/** What the executor needs. */
export interface ExecutorContext {
  /** The engine. */
  engine: Engine;
  /** Node name (`spec.nodeName` references). */
  nodeName: string;
  /** Records an event (store + log). */
  event: (ev: NewEvent) => void;
  /**
   * Aborts a pod creation in flight (`createPod`, `recreateSandbox`) when the pod must go: the
   * reason, a `PodRunAborted`, carries the grace period its running containers get.
   */
  signal?: AbortSignal;
  /**
   * Ends a pod creation's wait for its init containers without undoing anything (the daemon
   * stops; the next one adopts the pod).
   */
  detach?: AbortSignal;
  /**
   * The SIGKILL deadline of a graceful `removePod` (its grace period, shortened when the pod is
   * deleted again with a shorter one): running containers and their preStop hooks are cut short
   * there.
   */
  deadline?: KillDeadline;
  /**
   * Told when a container's process could not start (`StartError`): it exited without an exit
   * file or event, so the caller relists to restart it.
   */
  startFailed?: () => void;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function specOf(pod: PodManifest, name: string): { c: PodContainerSpec; init: boolean } {
  const init = pod.initContainers.find((c) => c.name === name);
  if (init) return { c: init, init: true };
  const app = pod.containers.find((c) => c.name === name);
  if (!app) throw new Error(`Pod "${pod.name}" has no container "${name}"`);
  return { c: app, init: false };
}

/**
 * The kubelet's events of one container's start (kuberuntime_container.go `startContainer`):
 * `Pulled` (`Container image "x" already present on machine`: images are local) and `Created`
 * (`Created container: c`) once it is created, `Started` (`Started container c`), or `Failed`
 * (`Error: <runtime message>`) when the runtime could not start it.
 */
function containerEvents(
  ctx: ExecutorContext,
  key: string,
  pod: PodManifest,
): (ev: PodContainerEvent) => void {
  return (ev) => {
    const c = ev.container;
    if (ev.step === "created") {
      const image = [...pod.initContainers, ...pod.containers].find((x) => x.name === c)?.image;
      ctx.event({
        type: "Normal",
        reason: "Pulled",
        object: key,
        container: c,
        message: `Container image "${image ?? ""}" already present on machine`,
      });
      ctx.event({
        type: "Normal",
        reason: "Created",
        object: key,
        container: c,
        message: `Created container: ${c}`,
      });
    } else if (ev.step === "started") {
      ctx.event({
        type: "Normal",
        reason: "Started",
        object: key,
        container: c,
        message: `Started container ${c}`,
      });
    } else {
      ctx.startFailed?.();
      ctx.event({
        type: "Warning",
        reason: "Failed",
        object: key,
        container: c,
        message: `Error: ${ev.message ?? "the runtime could not start the container"}`,
      });
    }
  };
}

/** The last termination state of an exited container (for the replacing container's label). */
export function terminationState(
  v: ContainerView,
  reason: string | undefined,
  message?: string,
): TerminationState {
  const code = v.exitCode ?? 137;
  const s: TerminationState = {
    exitCode: code,
    reason: reason ?? (code === 0 ? "Completed" : "Error"),
    containerId: v.record.id,
  };
  if (code > 128) s.signal = code - 128;
  if (message) s.message = message;
  if (v.startedAt !== undefined) s.startedAt = v.startedAt;
  if (v.finishedAt !== undefined) s.finishedAt = v.finishedAt;
  return s;
}

/** The pod a hook runs in: its key, manifest and IPs. */
type HookPod = { key: string; record: Pick<SandboxRecord, "manifest" | "ips"> };

function hookPod(detail: ObservedPodDetail): HookPod {
  return { key: detail.pod.key, record: detail.record };
}

async function runHook(
  ctx: ExecutorContext,
  pod: HookPod,
  name: string,
  hook: "postStart" | "preStop",
  handler: ProbeHandler | undefined,
  containerId: string,
  timeoutMs: number,
): Promise<boolean> {
  if (!handler) return true;
  const { c } = specOf(pod.record.manifest!, name);
  const out = handler.kind === "tcpSocket"
    ? { ok: false, output: "TCPSocket is not supported as a lifecycle handler" }
    : await runProbeHandler(ctx.engine, handler, {
      containerId,
      podIP: pod.record.ips[0] ?? "",
      ports: c.ports,
    }, timeoutMs);
  ctx.event(
    out.ok
      ? {
        type: "Normal",
        reason: hook === "postStart" ? "PostStartHook" : "PreStopHook",
        object: pod.key,
        container: name,
        message: `${hook} hook of container ${name} succeeded${
          out.output ? `: ${out.output}` : ""
        }`,
      }
      : {
        type: "Warning",
        reason: hook === "postStart" ? "FailedPostStartHook" : "FailedPreStopHook",
        object: pod.key,
        container: name,
        message: out.output,
      },
  );
  return out.ok;
}

/**
 * Runs container `name`'s postStart hook (if any) right after it started; a failed hook kills
 * the container, which is then restarted per the pod's restart policy (the kubelet's rule).
 */
async function postStart(
  ctx: ExecutorContext,
  pod: HookPod,
  name: string,
  containerId: string,
): Promise<void> {
  const manifest = pod.record.manifest!;
  const hook = specOf(manifest, name).c.lifecycle?.postStart;
  if (!hook) return;
  const grace = manifest.terminationGracePeriodSeconds;
  if (!await runHook(ctx, pod, name, "postStart", hook, containerId, Math.max(1, grace) * 1000)) {
    await stopPodContainer(ctx.engine, containerId, grace);
  }
}

/** postStart hooks of the app containers of a pod that `runPod` just started, in order. */
async function postStartAll(ctx: ExecutorContext, key: string, rec: SandboxRecord): Promise<void> {
  for (const c of rec.manifest?.containers ?? []) {
    if (!c.lifecycle?.postStart) continue;
    const id = findContainer(ctx.engine.db, podContainerName(rec, c.name)).id;
    await postStart(ctx, { key, record: rec }, c.name, id);
  }
}

/**
 * The environment container `name` of a running pod gets when it is (re)started: the desired
 * pod's, when the desired pod is this very pod (same uid: a cluster pod, whose ConfigMap,
 * Secret and Service variables are resolved again as the kubelet resolves them at each
 * container start); otherwise the one it was created with.
 */
function currentEnv(
  detail: ObservedPodDetail,
  desired: DesiredPod | undefined,
  c: PodContainerSpec,
): PodContainerSpec {
  if (desired?.uid === undefined || desired.uid !== detail.record.uid) return c;
  const m = desired.manifest;
  const fresh = [...m.initContainers, ...m.containers].find((x) => x.name === c.name);
  return fresh ? { ...c, env: fresh.env } : c;
}

/** Creates (when needed) and starts container `name` of an observed pod. */
async function startContainer(
  ctx: ExecutorContext,
  detail: ObservedPodDetail,
  name: string,
  attempt: number,
  labels: Record<string, string>,
  desired: DesiredPod | undefined,
): Promise<void> {
  const rec = detail.record;
  const pod = rec.manifest!;
  const existing = detail.containers.get(name);
  let id: string;
  if (existing?.status === "created") {
    id = existing.record.id;
  } else {
    const spec = specOf(pod, name);
    const init = spec.init;
    const c = currentEnv(detail, desired, spec.c);
    const fields: PodFieldValues = {
      name: pod.name,
      namespace: pod.namespace,
      uid: rec.uid,
      nodeName: ctx.nodeName,
      podIPs: rec.ips,
    };
    const volumes = planVolumes(pod.volumes, join(rec.stateDir, "volumes"));
    // subPath mounts are resolved inside their volume, as `runPod` does (no escape by symlink).
    const cfg = await resolveSubPathMounts(
      containerConfig(pod, c, { volumes, fields, init, attempt }),
      c,
      volumes,
    );
    cfg.labels = { ...cfg.labels, ...labels };
    const report = containerEvents(ctx, detail.pod.key, pod);
    try {
      id = await createPodContainer(ctx.engine, rec.id, cfg, rec.config, undefined, undefined, {
        keepStartError: true,
      });
    } catch (e) {
      if (!(e instanceof ContainerStartError)) throw e;
      // Exited with StartError; the next sync restarts it after its back-off.
      report({ container: name, step: "created" });
      report({ container: name, step: "startFailed", message: e.runtimeMessage });
      return;
    }
    report({ container: name, step: "created" });
  }
  await startCreated(ctx.engine, findContainer(ctx.engine.db, id));
  containerEvents(ctx, detail.pod.key, pod)({ container: name, step: "started" });
  if (!specOf(pod, name).init) await postStart(ctx, hookPod(detail), name, id);
}

/**
 * The kubelet's killPod: a `Killing` event (`message(name)`) for each running container of the
 * pod `pod`, then all of them stopped at once, each after its preStop hook, within `graceSeconds`.
 */
async function killRunning(
  ctx: ExecutorContext,
  detail: ObservedPodDetail,
  pod: string,
  graceSeconds: number,
  message: (container: string) => string,
): Promise<void> {
  const running = [...detail.containers].filter(([, v]) => v.status === "running");
  for (const [name] of running) {
    ctx.event({
      type: "Normal",
      reason: "Killing",
      object: pod,
      container: name,
      message: message(name),
    });
  }
  await Promise.all(running.map(([name]) => killContainer(ctx, detail, name, graceSeconds)));
}

/** Stops a running container after its preStop hook, within the grace period. */
async function killContainer(
  ctx: ExecutorContext,
  detail: ObservedPodDetail,
  name: string,
  graceSeconds: number,
): Promise<void> {
  const v = detail.containers.get(name);
  if (!v) return;
  const { c } = specOf(detail.record.manifest!, name);
  const started = Date.now();
  const hook = runHook(
    ctx,
    hookPod(detail),
    name,
    "preStop",
    c.lifecycle?.preStop,
    v.record.id,
    graceSeconds * 1000,
  );
  // The removal's deadline (it may move earlier: SIGKILL then), else this kill's own.
  const own = ctx.deadline ? undefined : new KillDeadline(graceSeconds, started);
  const deadline = ctx.deadline ?? own!;
  try {
    const cut = deadline.expired.then(() => "cut" as const);
    if (await Promise.race([hook.then(() => "done" as const), cut]) === "cut") {
      await stopPodContainer(ctx.engine, v.record.id, 0);
      return;
    }
    const left = Math.max(0, Math.ceil((deadline.at - Date.now()) / 1000));
    const graceful = stopPodContainer(ctx.engine, v.record.id, left);
    const first = await Promise.race([
      graceful.then(() => "stopped" as const, () => "stopped" as const),
      // Its own deadline ends with the graceful stop's SIGKILL: nothing to cut short.
      ...(own ? [] : [cut]),
    ]);
    if (first === "cut") {
      const [kill] = await Promise.allSettled([
        stopPodContainer(ctx.engine, v.record.id, 0),
        graceful,
      ]);
      if (kill.status === "rejected") throw kill.reason;
      return;
    }
    await graceful;
  } finally {
    own?.dispose();
  }
}

/**
 * `run`'s result, or `undefined` when it was aborted through {@linkcode ExecutorContext.signal}
 * (the pod must go; `runPod` undid everything it acquired): recorded as the pod's `Killing`.
 */
async function abortable<T>(
  ctx: ExecutorContext,
  pod: string,
  run: Promise<T>,
): Promise<T | undefined> {
  try {
    return await run;
  } catch (e) {
    const signal = ctx.signal;
    if (!signal?.aborted || e !== signal.reason) throw e;
    ctx.event({
      type: "Normal",
      reason: "Killing",
      object: pod,
      message: `Stopped the pod while it was being created: ${errorText(e)}`,
    });
    return undefined;
  }
}

/**
 * Applies one pod's actions in order. Returns normally when every action was applied; an action
 * that fails is recorded as a Warning event and stops the remaining actions of this pod.
 */
export async function applyPodActions(
  ctx: ExecutorContext,
  actions: readonly PodSyncAction[],
  desired: ReadonlyMap<string, DesiredPod>,
  observed: NodeObservation,
): Promise<boolean> {
  for (const a of actions) {
    try {
      await applyAction(ctx, a, desired, observed);
    } catch (e) {
      // A container that could not be created: the kubelet's `Failed` `Error: ...` on it (its
      // status CreateContainerError); anything else of a creation is the sandbox's.
      const created = e instanceof CleanupError ? e.original : e;
      if (created instanceof ContainerCreateError) {
        ctx.event({
          type: "Warning",
          reason: "Failed",
          object: a.pod,
          container: created.container,
          message: `Error: ${errorText(e)}`,
        });
        return false;
      }
      ctx.event({
        type: "Warning",
        reason: a.kind === "createPod" || a.kind === "recreateSandbox"
          ? "FailedCreatePodSandBox"
          : "FailedSync",
        object: a.pod,
        ...("container" in a && a.container ? { container: a.container } : {}),
        message: `${a.kind} failed: ${errorText(e)}`,
      });
      return false;
    }
  }
  return true;
}

async function applyAction(
  ctx: ExecutorContext,
  a: PodSyncAction,
  desired: ReadonlyMap<string, DesiredPod>,
  observed: NodeObservation,
): Promise<void> {
  const { engine } = ctx;
  if (a.kind === "createPod") {
    const d = desired.get(a.pod);
    if (!d) return;
    const run = await abortable(
      ctx,
      a.pod,
      runPod(engine, d.manifest, {
        nodeName: ctx.nodeName,
        ...(d.uid ? { uid: d.uid } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.detach ? { detach: ctx.detach } : {}),
        keepStartErrors: true,
        onContainer: containerEvents(ctx, a.pod, d.manifest),
      }),
    );
    if (!run) return;
    const { sandbox, failure, detached } = run;
    const id = sandbox.id.slice(0, 12);
    ctx.event({
      type: failure ? "Warning" : "Normal",
      reason: failure ? "Failed" : "Created",
      object: a.pod,
      message: failure
        ? failure.reason
        : detached
        ? `Created pod sandbox ${id}; supervision stopped while its init containers run (${a.reason})`
        : `Created pod sandbox ${id} and started its containers (${a.reason})`,
    });
    if (!failure && !detached && !ctx.signal?.aborted) await postStartAll(ctx, a.pod, sandbox);
    return;
  }
  const detail = observed.pods.get(a.pod);
  if (!detail) return;
  switch (a.kind) {
    case "removePod": {
      if (a.graceSeconds !== undefined) {
        // A graceful deletion: every running container gets its preStop hook and SIGTERM, all at
        // once, within the deletion's grace period (the kubelet's killPod).
        await killRunning(
          ctx,
          detail,
          a.pod,
          a.graceSeconds,
          (name) => `Stopping container ${name} (grace period ${a.graceSeconds}s)`,
        );
      }
      for (const name of detail.containers.keys()) {
        const v = detail.containers.get(name)!;
        const spec = detail.record.manifest?.containers.find((c) => c.name === name);
        if (a.graceSeconds === undefined && v.status === "running" && spec?.lifecycle?.preStop) {
          await killContainer(
            ctx,
            detail,
            name,
            detail.record.manifest!.terminationGracePeriodSeconds,
          );
        }
      }
      await teardownSandbox(engine, detail.record);
      ctx.event({
        type: "Normal",
        reason: "Killing",
        object: a.pod,
        message: `Removed pod: ${a.reason}`,
      });
      return;
    }
    case "killPod": {
      // The kubelet's active deadline handler: a `DeadlineExceeded` event, then killPod with the
      // pod's grace period (preStop hooks, SIGTERM, SIGKILL); the stopped sandbox is kept and
      // nothing is restarted.
      ctx.event({
        type: "Normal",
        reason: DEADLINE_EXCEEDED_REASON,
        object: a.pod,
        message: a.reason,
      });
      await killRunning(ctx, detail, a.pod, a.graceSeconds, (name) => `Stopping container ${name}`);
      await stopPodSandbox(engine, detail.record.id, 0);
      return;
    }
    case "stopPod":
      await stopPodSandbox(engine, detail.record.id, 0);
      ctx.event({ type: "Normal", reason: "Completed", object: a.pod, message: a.reason });
      return;
    case "failPod":
      updateSandbox(engine.db, detail.record.id, { failure: a.reason });
      await stopPodSandbox(engine, detail.record.id, 0);
      ctx.event({
        type: "Warning",
        reason: "Failed",
        object: a.pod,
        ...(a.container ? { container: a.container } : {}),
        message: a.reason,
      });
      return;
    case "recreateSandbox": {
      const rec = detail.record;
      ctx.event({
        type: "Normal",
        reason: "SandboxChanged",
        object: a.pod,
        message: `Pod sandbox changed (${a.reason}), it will be killed and re-created`,
      });
      // The containers are created again: each restart count goes on from the old one.
      const attempts: Record<string, number> = {};
      for (const [name, c] of Object.entries(detail.pod.observation.containers)) {
        if (c) attempts[name] = c.restartCount + 1;
      }
      await teardownSandbox(engine, rec);
      const run = await abortable(
        ctx,
        a.pod,
        runPod(engine, rec.manifest!, {
          nodeName: ctx.nodeName,
          uid: rec.uid,
          attempts,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(ctx.detach ? { detach: ctx.detach } : {}),
          keepStartErrors: true,
          onContainer: containerEvents(ctx, a.pod, rec.manifest!),
        }),
      );
      if (!run) return;
      const { sandbox, failure, detached } = run;
      if (!failure && !detached && !ctx.signal?.aborted) await postStartAll(ctx, a.pod, sandbox);
      if (failure) {
        ctx.event({ type: "Warning", reason: "Failed", object: a.pod, message: failure.reason });
      }
      return;
    }
    case "runInit":
    case "startContainer":
      await startContainer(
        ctx,
        detail,
        a.container,
        detail.pod.observation.containers[a.container]?.restartCount ?? 0,
        {},
        desired.get(a.pod),
      );
      return;
    case "restartContainer": {
      const old = detail.containers.get(a.container);
      const labels: Record<string, string> = { [LABEL_BACKOFF_STEPS]: String(a.backoffSteps) };
      if (old) {
        const fact = terminationFacts(engine.db).get(old.record.id);
        labels[LABEL_LAST_STATE] = JSON.stringify(
          terminationState(
            old,
            fact?.reason,
            fact?.reason === START_ERROR_REASON ? fact.message : undefined,
          ),
        );
        // `kubectl logs --previous` reads the replaced instance's log.
        await keepPreviousLog(detail.record.stateDir, a.container, old.record).catch(() => {});
        await teardownRecord(engine, old.record);
        detail.containers.delete(a.container);
      }
      ctx.event({
        type: "Normal",
        reason: "Restarting",
        object: a.pod,
        container: a.container,
        message: a.reason,
      });
      await startContainer(ctx, detail, a.container, a.attempt, labels, desired.get(a.pod));
      return;
    }
    case "killContainer": {
      const { c } = specOf(detail.record.manifest!, a.container);
      const grace = c.livenessProbe?.terminationGracePeriodSeconds ??
        detail.record.manifest!.terminationGracePeriodSeconds;
      ctx.event({
        type: "Warning",
        reason: "Unhealthy",
        object: a.pod,
        container: a.container,
        message: `${a.reason}; container will be killed and restarted per policy`,
      });
      await killContainer(ctx, detail, a.container, grace);
      return;
    }
    case "wait":
      return;
  }
}
