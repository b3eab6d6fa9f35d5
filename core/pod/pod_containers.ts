/**
 * Containers in a pod sandbox (CRI CreateContainer, StartContainer, StopContainer,
 * RemoveContainer, ListContainers, ContainerStatus, ExecSync) on top of the container engine:
 * each container joins the pause process's namespaces by path and lives under the pod cgroup.
 *
 * @module
 */
import type { ContainerConfig } from "../container/config.ts";
import type { ContainerRecord } from "../store/containers.ts";
import { type ContainerView, exitReason } from "../container/status.ts";
import { createContainer, newContainerId } from "../container/create.ts";
import { MonitorError } from "../runtime/conmon.ts";
import { recordTermination } from "./container_facts.ts";
import { join } from "../path.ts";
import type { Engine } from "../container/engine.ts";
import { execSync as engineExecSync } from "../container/exec.ts";
import { inspectRecord } from "../container/inspect.ts";
import { listContainers as engineListContainers } from "../container/list.ts";
import { removeContainer as engineRemoveContainer } from "../container/remove.ts";
import { startContainer as engineStartContainer } from "../container/start.ts";
import { stopContainer as engineStopContainer } from "../container/stop.ts";
import { RkError, StateError } from "../errors.ts";
import type { NamespaceChoice } from "../oci/spec.ts";
import {
  deleteContainerRecord,
  findContainer,
  insertContainer,
  updateContainer,
} from "../store/containers.ts";
import { UndoStack } from "../undo.ts";
import type {
  ContainerFilter,
  CriContainer,
  CriContainerConfig,
  CriContainerStatus,
  ExecSyncResult,
  PodSandboxConfig,
} from "./cri_types.ts";
import { canAddContainer } from "./pod_status.ts";
import type { SandboxRecord } from "./pod_store.ts";
import { attemptOf, criState, LABEL_ATTEMPT } from "./container_observation.ts";

export { containerObservation, criState, LABEL_ATTEMPT } from "./container_observation.ts";
import { LABEL_CONTAINER_NAME } from "./pod_labels.ts";
import { runtimeContainerName } from "./_names.ts";
import { LABEL_SANDBOX_ROLE, sandboxById } from "./sandbox.ts";
import { sandboxNamespaces } from "./sandbox_status.ts";
import type { PinnedNamespaces } from "./pod_namespaces.ts";

/** Label holding the owning sandbox id. */
export const LABEL_SANDBOX_ID = "io.rk8s.sandbox.id";

/**
 * Engine name of a pod container: `namespace_pod_container` (unique on the node), with the pod
 * part hashed when the pod name is too long for a runtime name (see `runtimeContainerName`).
 */
export function podContainerName(
  sandbox: Pick<SandboxRecord, "name" | "namespace">,
  name: string,
): string {
  return runtimeContainerName(sandbox.namespace, sandbox.name, name);
}

/**
 * The engine config of a container joining `sandbox`: the namespaces in `pinned` by their
 * paths, the others of its pause process `pid`.
 *
 * @throws {RkError} When a namespace is neither pinned nor has a pause process to join.
 */
export function engineConfig(
  sandbox: SandboxRecord,
  pid: number | undefined,
  cfg: CriContainerConfig,
  pinned: PinnedNamespaces = {},
): ContainerConfig {
  const ns = sandbox.config.linux.namespaceOptions;
  const join = (kind: string): NamespaceChoice => {
    const path = kind === "ipc" || kind === "uts" ? pinned[kind] : undefined;
    if (path !== undefined) return { path };
    if (pid === undefined) {
      throw new RkError(`Pod "${sandbox.name}": no pause process whose ${kind} namespace to join`);
    }
    return { path: `/proc/${pid}/ns/${kind}` };
  };
  const network: NamespaceChoice = ns.network === "node"
    ? "host"
    : sandbox.netnsPath && !sandbox.netnsPath.startsWith("/proc/")
    ? { path: sandbox.netnsPath }
    : join("net");
  const sc = cfg.linux.securityContext;
  const out: ContainerConfig = {
    name: podContainerName(sandbox, cfg.metadata.name),
    image: cfg.image,
    env: cfg.envs.map((e) => ({ name: e.key, value: e.value })),
    mounts: cfg.mounts.map((m) => ({
      hostPath: m.hostPath,
      containerPath: m.containerPath,
      readOnly: m.readonly,
    })),
    resources: cfg.linux.resources,
    hostname: sandbox.config.hostname,
    namespaces: {
      network,
      ipc: ns.ipc === "node" ? "host" : join("ipc"),
      uts: ns.network === "node" ? "host" : join("uts"),
      pid: ns.pid === "pod" ? join("pid") : ns.pid === "node" ? "host" : "new",
    },
    cgroupParent: sandbox.cgroupParent,
    ports: [],
    labels: {
      ...cfg.labels,
      [LABEL_CONTAINER_NAME]: cfg.metadata.name,
      [LABEL_ATTEMPT]: String(cfg.metadata.attempt),
      [LABEL_SANDBOX_ID]: sandbox.id,
    },
    owner: sandbox.id,
  };
  if (cfg.command !== undefined) out.command = cfg.command;
  if (cfg.args !== undefined) out.args = cfg.args;
  if (cfg.workingDir !== undefined) out.workingDir = cfg.workingDir;
  if (cfg.stopSignal !== undefined) out.stopSignal = cfg.stopSignal;
  const groups = sc.supplementalGroups ?? [];
  if (sc.runAsUser !== undefined || sc.runAsGroup !== undefined || groups.length > 0) {
    out.user = { uid: sc.runAsUser ?? 0, gid: sc.runAsGroup ?? 0 };
    if (groups.length > 0) out.user.additionalGids = [...groups];
  }
  // The pod's sysctls are set by every container's runtime in the namespaces they share.
  const sysctls = sandbox.config.linux.sysctls;
  if (sysctls && Object.keys(sysctls).length > 0) out.sysctls = { ...sysctls };
  if (sc.readonlyRootfs !== undefined) out.readOnlyRootFilesystem = sc.readonlyRootfs;
  if (sc.privileged !== undefined) out.privileged = sc.privileged;
  if (sc.noNewPrivs !== undefined) out.noNewPrivileges = sc.noNewPrivs;
  if (sc.capabilities !== undefined) {
    out.capabilities = {
      add: [...sc.capabilities.addCapabilities],
      drop: [...sc.capabilities.dropCapabilities],
    };
  }
  if (sandbox.hostsFile) out.hostsFile = sandbox.hostsFile;
  if (sandbox.resolvConfFile) out.resolvConfFile = sandbox.resolvConfFile;
  return out;
}

/** Exit code of a container whose process the runtime could not start (containerd's). */
export const START_ERROR_EXIT_CODE = 128;

/** Termination reason of a container whose process the runtime could not start. */
export const START_ERROR_REASON = "StartError";

/**
 * The runtime could not start container `container`'s process (a missing binary, a working
 * directory that is a file): the container is kept as exited with exit code 128 and reason
 * `StartError`, the runtime's message as its termination message, as containerd reports a
 * failed StartContainer to the kubelet (which then restarts it per the restart policy, with
 * back-off). Thrown by {@linkcode createPodContainer} with `keepStartError`.
 *
 * @example
 * ```ts
 * import { ContainerStartError } from "./pod_containers.ts";
 * import assert from "node:assert/strict";
 * const e = new ContainerStartError("c", "id1", 'exec: "/x": stat /x: no such file or directory');
 * assert.equal(e.message, 'Container "c" could not be started: exec: "/x": stat /x: no such file or directory');
 * ```
 */
export class ContainerStartError extends RkError {
  /** The container's name in its pod. */
  readonly container: string;
  /** The id of the record kept for it (exited, exit code 128). */
  readonly containerId: string;
  /** The runtime's message. */
  readonly runtimeMessage: string;
  /** Creates the error. */
  constructor(container: string, containerId: string, runtimeMessage: string) {
    super(`Container "${container}" could not be started: ${runtimeMessage}`);
    this.name = "ContainerStartError";
    this.container = container;
    this.containerId = containerId;
    this.runtimeMessage = runtimeMessage;
  }
}

/** The runtime's own message when `e` is a failure to set up the container's process. */
function startFailureOf(e: unknown): string | undefined {
  return e instanceof MonitorError ? e.runtimeMessage : undefined;
}

/** Options of {@linkcode createPodContainer}. */
export interface CreatePodContainerOptions {
  /**
   * When the runtime cannot start the process, keep an exited record for it and throw
   * {@linkcode ContainerStartError} (a supervisor restarts it); otherwise the runtime's error
   * is thrown and nothing is kept.
   */
  keepStartError?: boolean;
}

/**
 * Creates a container in a ready sandbox (CRI CreateContainer). With `undo`, cleanup steps are
 * registered there for the caller to roll back. The pod runner, creating the sandbox, passes
 * what it knows in `known` (the pause process, or the pinned namespaces while the pause
 * container is still being created), which skips asking the runtime for the pause process.
 * With `opts.keepStartError`, a process the runtime cannot start leaves an exited record
 * (see {@linkcode ContainerStartError}); its removal is registered on `undo`.
 */
export async function createPodContainer(
  engine: Engine,
  podSandboxId: string,
  cfg: CriContainerConfig,
  _sandboxConfig?: PodSandboxConfig,
  undo?: UndoStack,
  known?: { pausePid?: number; pinned?: PinnedNamespaces },
  opts: CreatePodContainerOptions = {},
): Promise<string> {
  const sandbox = sandboxById(engine, podSandboxId);
  const joins = known ?? await sandboxNamespaces(engine, sandbox);
  const state = sandbox.stopped || (joins?.pausePid === undefined && !joins?.pinned)
    ? "notready"
    : "ready";
  if (!canAddContainer(state)) {
    throw new StateError("add a container to", "pod", sandbox.name, state);
  }
  const config = engineConfig(sandbox, joins?.pausePid, cfg, joins?.pinned);
  if (!opts.keepStartError) return (await createContainer(engine, config, undo)).id;
  // This container's steps on a stack of its own: a start failure undoes them alone.
  const own = new UndoStack();
  let rec;
  try {
    rec = await createContainer(engine, config, own);
  } catch (e) {
    const why = startFailureOf(e);
    // Rolls back; rethrows `e` (or what the rollback left behind).
    if (why === undefined) return await own.guard(() => Promise.reject(e));
    const rolledBack = await own.guard(() => Promise.reject(e)).catch((err: unknown) => err);
    if (rolledBack !== e) throw rolledBack;
    const id = await keepStartFailure(engine, config, why);
    undo?.push(`delete record of ${config.name}`, () => deleteContainerRecord(engine.db, id));
    throw new ContainerStartError(cfg.metadata.name, id, why);
  }
  if (undo) undo.push(`remove container ${config.name}`, () => own.rollback());
  else {
    own.commit();
    updateContainer(engine.db, rec.id, { creator: undefined });
  }
  return rec.id;
}

/**
 * Records a container whose process could not start: exited now with exit code 128, its
 * termination `StartError` with the runtime's message, an empty log. Nothing of it exists in
 * the runtime.
 */
async function keepStartFailure(
  engine: Engine,
  config: ContainerConfig,
  message: string,
): Promise<string> {
  const id = newContainerId();
  const now = Date.now();
  const stateDir = join(engine.paths.containersDir, id);
  // An empty log: the container never wrote anything (`kubectl logs` shows nothing).
  await Deno.mkdir(stateDir, { recursive: true });
  await Deno.writeTextFile(join(stateDir, "ctr.log"), "");
  const record: ContainerRecord = {
    id,
    name: config.name,
    image: config.image,
    config,
    labels: config.labels ?? {},
    runtime: engine.runtime.binary,
    stateDir,
    createdAt: now,
    finishedAt: now,
    exitCode: START_ERROR_EXIT_CODE,
    ips: [],
    ports: [],
  };
  if (config.owner !== undefined) record.owner = config.owner;
  insertContainer(engine.db, record);
  recordTermination(engine.db, id, { reason: START_ERROR_REASON, message });
  return id;
}

function isPodContainer(v: ContainerView): boolean {
  return v.record.owner !== undefined && v.record.labels[LABEL_SANDBOX_ROLE] !== "pause";
}

/** The CRI status of an engine container view. */
export function criStatus(v: ContainerView): CriContainerStatus {
  const r = v.record;
  const s: CriContainerStatus = {
    id: r.id,
    podSandboxId: r.owner ?? "",
    metadata: { name: r.labels[LABEL_CONTAINER_NAME] ?? r.name, attempt: attemptOf(r.labels) },
    state: criState(v),
    createdAt: v.createdAt,
    startedAt: v.startedAt ?? 0,
    finishedAt: v.finishedAt ?? 0,
    reason: v.status === "stopped" ? exitReason(v.exitCode) : v.reason,
    message: v.status === "stopped" ? v.reason : "",
    image: r.image,
    logPath: `${r.stateDir}/ctr.log`,
    labels: r.labels,
  };
  if (v.exitCode !== undefined) s.exitCode = v.exitCode;
  if (v.pid !== undefined && v.status === "running") s.pid = v.pid;
  return s;
}

function requirePodContainer(engine: Engine, id: string): void {
  const rec = findContainer(engine.db, id);
  if (rec.owner === undefined || rec.labels[LABEL_SANDBOX_ROLE] === "pause") {
    throw new RkError(`Container "${rec.name}" is not an app container of a pod`);
  }
}

/** Starts a created pod container (CRI StartContainer). */
export async function startPodContainer(engine: Engine, id: string): Promise<void> {
  requirePodContainer(engine, id);
  await engineStartContainer(engine, id);
}

/** Stops a pod container: SIGTERM, then SIGKILL after `timeoutSeconds` (CRI StopContainer). */
export async function stopPodContainer(
  engine: Engine,
  id: string,
  timeoutSeconds: number,
): Promise<void> {
  requirePodContainer(engine, id);
  await engineStopContainer(engine, id, timeoutSeconds);
}

/** Removes a pod container, killing it when it runs (CRI RemoveContainer). */
export async function removePodContainer(engine: Engine, id: string): Promise<void> {
  requirePodContainer(engine, id);
  await engineRemoveContainer(engine, id, { force: true });
}

/** Status of a pod container (CRI ContainerStatus). */
export async function podContainerStatus(engine: Engine, id: string): Promise<CriContainerStatus> {
  requirePodContainer(engine, id);
  return criStatus(await inspectRecord(engine, findContainer(engine.db, id)));
}

/** Views of the app containers of pods (pause containers excluded). */
export async function podContainerViews(
  engine: Engine,
  filter: ContainerFilter = {},
): Promise<ContainerView[]> {
  const views = await engineListContainers(engine, {
    ...(filter.podSandboxId !== undefined ? { owner: filter.podSandboxId } : {}),
    ...(filter.labelSelector ? { labels: filter.labelSelector } : {}),
  });
  return views.filter((v) =>
    isPodContainer(v) && (filter.id === undefined || v.record.id.startsWith(filter.id)) &&
    (filter.state === undefined || criState(v) === filter.state)
  );
}

/** Lists pod containers (CRI ListContainers). */
export async function listPodContainers(
  engine: Engine,
  filter: ContainerFilter = {},
): Promise<CriContainer[]> {
  return (await podContainerViews(engine, filter)).map((v) => ({
    id: v.record.id,
    podSandboxId: v.record.owner ?? "",
    metadata: {
      name: v.record.labels[LABEL_CONTAINER_NAME] ?? v.record.name,
      attempt: attemptOf(v.record.labels),
    },
    image: v.record.image,
    state: criState(v),
    createdAt: v.createdAt,
    labels: v.record.labels,
  }));
}

/** Runs a command in a running pod container and collects its output (CRI ExecSync). */
export async function execInPodContainer(
  engine: Engine,
  id: string,
  cmd: readonly string[],
  timeoutSeconds?: number,
): Promise<ExecSyncResult> {
  requirePodContainer(engine, id);
  const r = await engineExecSync(engine, id, cmd, {
    stdio: "piped",
    ...(timeoutSeconds ? { timeoutMs: timeoutSeconds * 1000 } : {}),
  });
  return { stdout: r.stdout ?? "", stderr: r.stderr ?? "", exitCode: r.exitCode };
}
