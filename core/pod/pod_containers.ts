/**
 * Containers in a pod sandbox (CRI CreateContainer, StartContainer, StopContainer,
 * RemoveContainer, ListContainers, ContainerStatus, ExecSync) on top of the container engine:
 * each container joins the pause process's namespaces by path and lives under the pod cgroup.
 *
 * @module
 */
import type { ContainerConfig } from "../container/config.ts";
import { type ContainerView, exitReason } from "../container/status.ts";
import { createContainer } from "../container/create.ts";
import type { Engine } from "../container/engine.ts";
import { execSync as engineExecSync } from "../container/exec.ts";
import { inspectRecord } from "../container/inspect.ts";
import { listContainers as engineListContainers } from "../container/list.ts";
import { removeContainer as engineRemoveContainer } from "../container/remove.ts";
import { startContainer as engineStartContainer } from "../container/start.ts";
import { stopContainer as engineStopContainer } from "../container/stop.ts";
import { RkError, StateError } from "../errors.ts";
import type { NamespaceChoice } from "../oci/spec.ts";
import { findContainer } from "../store/containers.ts";
import type { UndoStack } from "../undo.ts";
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

/**
 * Creates a container in a ready sandbox (CRI CreateContainer). With `undo`, cleanup steps are
 * registered there for the caller to roll back. The pod runner, creating the sandbox, passes
 * what it knows in `known` (the pause process, or the pinned namespaces while the pause
 * container is still being created), which skips asking the runtime for the pause process.
 */
export async function createPodContainer(
  engine: Engine,
  podSandboxId: string,
  cfg: CriContainerConfig,
  _sandboxConfig?: PodSandboxConfig,
  undo?: UndoStack,
  known?: { pausePid?: number; pinned?: PinnedNamespaces },
): Promise<string> {
  const sandbox = sandboxById(engine, podSandboxId);
  const joins = known ?? await sandboxNamespaces(engine, sandbox);
  const state = sandbox.stopped || (joins?.pausePid === undefined && !joins?.pinned)
    ? "notready"
    : "ready";
  if (!canAddContainer(state)) {
    throw new StateError("add a container to", "pod", sandbox.name, state);
  }
  const rec = await createContainer(
    engine,
    engineConfig(sandbox, joins?.pausePid, cfg, joins?.pinned),
    undo,
  );
  return rec.id;
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
