/**
 * {@linkcode PodRuntimeService}: the CRI RuntimeService on one host, over the container engine.
 * The daemon, compose and the cluster node agent drive pods through this one interface; a CRI
 * gRPC endpoint can be put on top of it later.
 *
 * @module
 */
import type { Engine } from "../container/engine.ts";
import { UndoStack } from "../undo.ts";
import type {
  ContainerFilter,
  CriContainer,
  CriContainerConfig,
  CriContainerStatus,
  ExecSyncResult,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatus,
  RuntimeService,
} from "./cri_types.ts";
import {
  createPodContainer,
  execInPodContainer,
  listPodContainers,
  podContainerStatus,
  removePodContainer,
  startPodContainer,
  stopPodContainer,
} from "./pod_containers.ts";
import type { PodFaultHook } from "./sandbox.ts";
import { listPodSandbox } from "./sandbox_list.ts";
import { removePodSandbox } from "./sandbox_remove.ts";
import { runPodSandbox } from "./sandbox_run.ts";
import { podSandboxStatus } from "./sandbox_status.ts";
import { stopPodSandbox } from "./sandbox_stop.ts";

/** Options of {@linkcode PodRuntimeService}. */
export interface PodRuntimeServiceOptions {
  /** cgroup root of pod cgroups (default `/rkl`). */
  cgroupRoot?: string;
  /** Failure injection for tests. */
  faults?: PodFaultHook;
}

/**
 * The CRI RuntimeService implemented on the container engine. Sandbox ids and container ids are
 * the ids in rkl's state database.
 *
 * @example
 * ```ts ignore
 * import { PodRuntimeService } from "./runtime_service.ts";
 * const cri = new PodRuntimeService(engine);
 * const id = await cri.runPodSandbox(sandboxConfig(pod, crypto.randomUUID()));
 * const cid = await cri.createContainer(id, containerCfg, sandboxCfg);
 * await cri.startContainer(cid);
 * ```
 */
export class PodRuntimeService implements RuntimeService {
  readonly #engine: Engine;
  readonly #opts: PodRuntimeServiceOptions;

  /** Wraps an open engine (the caller closes it). */
  constructor(engine: Engine, opts: PodRuntimeServiceOptions = {}) {
    this.#engine = engine;
    this.#opts = opts;
  }

  /** Creates and starts a sandbox; a failure undoes everything it acquired. */
  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const undo = new UndoStack();
    const rec = await undo.guard(() =>
      runPodSandbox(this.#engine, config, undo, {
        ...(this.#opts.faults ? { faults: this.#opts.faults } : {}),
        ...(this.#opts.cgroupRoot ? { cgroupRoot: this.#opts.cgroupRoot } : {}),
      })
    );
    return rec.id;
  }

  /** Stops the sandbox's containers and pause process and releases its network. */
  async stopPodSandbox(id: string): Promise<void> {
    await stopPodSandbox(this.#engine, id);
  }

  /** Removes the sandbox and everything it owns. Idempotent. */
  async removePodSandbox(id: string): Promise<void> {
    await removePodSandbox(this.#engine, id);
  }

  /** Status of one sandbox. */
  podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    return podSandboxStatus(this.#engine, id);
  }

  /** Lists sandboxes. */
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return listPodSandbox(this.#engine, filter);
  }

  /** Creates a container in a ready sandbox. */
  createContainer(
    podSandboxId: string,
    config: CriContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    return createPodContainer(this.#engine, podSandboxId, config, sandboxConfig);
  }

  /** Starts a created container. */
  startContainer(id: string): Promise<void> {
    return startPodContainer(this.#engine, id);
  }

  /** Stops a container (SIGTERM, SIGKILL after `timeoutSeconds`). */
  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return stopPodContainer(this.#engine, id, timeoutSeconds);
  }

  /** Removes a container. */
  removeContainer(id: string): Promise<void> {
    return removePodContainer(this.#engine, id);
  }

  /** Lists pod containers. */
  listContainers(filter?: ContainerFilter): Promise<CriContainer[]> {
    return listPodContainers(this.#engine, filter);
  }

  /** Status of a pod container. */
  containerStatus(id: string): Promise<CriContainerStatus> {
    return podContainerStatus(this.#engine, id);
  }

  /** Runs a command in a running pod container. */
  execSync(id: string, cmd: string[], timeoutSeconds?: number): Promise<ExecSyncResult> {
    return execInPodContainer(this.#engine, id, cmd, timeoutSeconds);
  }
}
