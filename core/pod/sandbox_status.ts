/**
 * CRI PodSandboxStatus: a sandbox's state (`ready`, `notready`, `unknown`) derived from its
 * record and its pause container, and the pause process's pid.
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

/** The pause process's pid, when the pause container is created or running. */
export async function pausePid(engine: Engine, rec: SandboxRecord): Promise<number | undefined> {
  if (!rec.pauseContainerId) return undefined;
  if (!getContainer(engine.db, rec.pauseContainerId)) return undefined;
  const view = await engineContainerStatus(engine, rec.pauseContainerId);
  return view.status === "running" ? view.pid : undefined;
}

/** State of a sandbox from its record and its pause container's view. */
export function sandboxState(rec: SandboxRecord, pause: ContainerView | undefined): SandboxState {
  if (rec.stopped) return "notready";
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
