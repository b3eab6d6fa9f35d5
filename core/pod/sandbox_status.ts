/**
 * CRI PodSandboxStatus: a sandbox's state (`ready`, `notready`, `unknown`) derived from its
 * record and its pause container, and the pause process's pid. A sandbox without a pause
 * container (`isPauseless`) is ready while its namespaces are still pinned: they are gone after
 * a reboot (mounts under `/run` and the state dir do not survive it), as a pause process is.
 *
 * @module
 */
import { containerStatus as engineContainerStatus } from "../container/inspect.ts";
import type { ContainerView } from "../container/status.ts";
import type { Engine } from "../container/engine.ts";
import { getContainer } from "../store/containers.ts";
import type { PodSandboxStatus } from "./cri_types.ts";
import type { SandboxState } from "./pod_status.ts";
import { findSandbox, type SandboxRecord } from "./pod_store.ts";
import { isPauseless } from "./sandbox.ts";
import {
  namespacesPinned,
  type PinnedKind,
  pinnedNamespacePath,
  type PinnedNamespaces,
} from "./pod_namespaces.ts";

/** The namespaces a sandbox pins (IPC unless the host's, UTS unless host network). */
export function pinnedKindsOf(rec: Pick<SandboxRecord, "config">): PinnedKind[] {
  const ns = rec.config.linux.namespaceOptions;
  const kinds: PinnedKind[] = [];
  if (ns.ipc !== "node") kinds.push("ipc");
  if (ns.network !== "node") kinds.push("uts");
  return kinds;
}

/**
 * True while a sandbox without a pause container still has its namespaces: the pinned ones are
 * mount points (synchronous stats). A reboot unmounts them, as it ends a pause process; the
 * network namespace is the provider's to keep (it goes with them at a reboot). A sandbox that
 * pins nothing (host network and IPC) has nothing to lose.
 */
export function namespacesHeld(rec: SandboxRecord): boolean {
  return namespacesPinned(rec.stateDir, pinnedKindsOf(rec));
}

/**
 * What a new container of the sandbox joins: the pause process (`/proc/PID/ns/...`) or the
 * pinned namespaces of a sandbox without one; `undefined` when the sandbox is not ready.
 */
export async function sandboxNamespaces(
  engine: Engine,
  rec: SandboxRecord,
): Promise<{ pausePid?: number; pinned?: PinnedNamespaces } | undefined> {
  if (rec.stopped) return undefined;
  if (isPauseless(rec)) {
    if (!namespacesHeld(rec)) return undefined;
    const pinned: PinnedNamespaces = {};
    for (const kind of pinnedKindsOf(rec)) pinned[kind] = pinnedNamespacePath(rec.stateDir, kind);
    return { pinned };
  }
  const pid = await pausePid(engine, rec);
  return pid === undefined ? undefined : { pausePid: pid };
}

/** The pause process's pid, when the pause container is created or running. */
export async function pausePid(engine: Engine, rec: SandboxRecord): Promise<number | undefined> {
  if (!rec.pauseContainerId) return undefined;
  if (!getContainer(engine.db, rec.pauseContainerId)) return undefined;
  const view = await engineContainerStatus(engine, rec.pauseContainerId);
  return view.status === "running" ? view.pid : undefined;
}

/**
 * State of a sandbox from its record and its pause container's view (a sandbox without one:
 * from its namespaces, see {@linkcode namespacesHeld}).
 */
export function sandboxState(rec: SandboxRecord, pause: ContainerView | undefined): SandboxState {
  if (rec.stopped) return "notready";
  if (isPauseless(rec)) {
    if (namespacesHeld(rec)) return "ready";
    // Still being created (its creator recorded): its namespaces are not pinned yet. Not
    // `notready`, which reads as a dead sandbox (phase Failed: a ReplicaSet replaces the pod).
    return rec.creator !== undefined ? "unknown" : "notready";
  }
  if (pause === undefined) return rec.pauseContainerId ? "notready" : "unknown";
  switch (pause.status) {
    case "running":
      return "ready";
    case "stopped":
    case "created":
      return "notready";
    case "unknown":
      return "unknown";
  }
}

async function pauseView(engine: Engine, rec: SandboxRecord): Promise<ContainerView | undefined> {
  if (!rec.pauseContainerId || !getContainer(engine.db, rec.pauseContainerId)) return undefined;
  return await engineContainerStatus(engine, rec.pauseContainerId);
}

/** Status of the sandbox `ref` (pod name in `namespace`, id, or unique id prefix). */
export async function podSandboxStatus(
  engine: Engine,
  ref: string,
  namespace = "default",
): Promise<PodSandboxStatus> {
  const rec = findSandbox(engine.db, ref, namespace);
  const pause = await pauseView(engine, rec);
  const status: PodSandboxStatus = {
    id: rec.id,
    metadata: rec.config.metadata,
    state: sandboxState(rec, pause),
    createdAt: rec.createdAt,
    ips: rec.ips,
    netnsPath: rec.netnsPath,
    cgroupParent: rec.cgroupParent,
    labels: rec.config.labels,
    annotations: rec.config.annotations,
    config: rec.config,
  };
  if (pause?.status === "running" && pause.pid !== undefined) status.pausePid = pause.pid;
  return status;
}
