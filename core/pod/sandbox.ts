/**
 * Pod sandboxes (CRI RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus,
 * ListPodSandbox): a record, the pod's state dir and volumes, the pod cgroup, the network
 * (attached once per pod through the engine's provider), and the pause container holding the
 * network, IPC and UTS namespaces (and PID with `shareProcessNamespace`).
 *
 * @module
 */
import { join } from "node:path";
import { applyPodLimits, removeCgroup } from "../cgroup/mod.ts";
import {
  type ContainerConfig,
  containerStatus as engineContainerStatus,
  type ContainerView,
  createContainer,
  type Engine,
  listContainers as engineListContainers,
  startCreated,
  stopRecord,
  teardownRecord,
} from "../container/mod.ts";
import { CleanupError, NotFoundError } from "../errors.ts";
import type { NetworkAttachment } from "../network.ts";
import type { NamespaceChoice } from "../oci/spec.ts";
import { type ContainerRecord, getContainer } from "../store/containers.ts";
import type { UndoStack } from "../undo.ts";
import type {
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatus,
} from "./cri_types.ts";
import { ensurePauseBundle, pauseArgs } from "./pause_image.ts";
import type { PodManifest } from "./pod_manifest.ts";
import type { SandboxState } from "./pod_status.ts";
import {
  deleteSandboxRecord,
  findSandbox,
  getSandboxRecord,
  insertSandbox,
  listSandboxRecords,
  type SandboxRecord,
  updateSandbox,
} from "./pod_store.ts";
import { planVolumes } from "./pod_translate.ts";
import { prepareVolumes, releaseVolumes } from "./pod_volumes.ts";

/** Steps of a pod operation where a test can inject a failure. */
export type PodStep =
  | "after-record"
  | "after-volumes"
  | "after-network"
  | "after-pause"
  | "after-cgroup"
  | "after-init"
  | "after-container";

/** Test hook: throw from it to make a pod operation fail at that step. */
export type PodFaultHook = (step: PodStep, id: string) => void | Promise<void>;

/** Options of the sandbox operations. */
export interface SandboxOptions {
  /** The manifest the pod came from (kept in the record for `rkl pod`). */
  manifest?: PodManifest;
  /** Failure injection for tests. */
  faults?: PodFaultHook;
  /** cgroup root under which pod cgroups are created (default `/rkl`). */
  cgroupRoot?: string;
}

/** Label set on the pause container. */
export const LABEL_SANDBOX_ROLE = "io.rk8s.sandbox.role";

/** A new random sandbox id (32 hex digits, like container ids). */
export function newSandboxId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Name of a pod's pause container (cannot collide with `ns_pod_container` names). */
export function pauseContainerName(sandboxId: string): string {
  return `pause_${sandboxId}`;
}

/** The pod's state dir. */
export function podStateDir(engine: Engine, id: string): string {
  return join(engine.paths.dataDir, "pods", id);
}

async function fault(opts: SandboxOptions, step: PodStep, id: string): Promise<void> {
  if (opts.faults) await opts.faults(step, id);
}

async function removeIfExists(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

function renderHosts(hostname: string, ips: readonly string[]): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  lines.push(`${ips[0] ?? "127.0.1.1"}\t${hostname}`);
  return `${lines.join("\n")}\n`;
}

async function hostResolvConf(): Promise<string> {
  try {
    return await Deno.readTextFile("/etc/resolv.conf");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "";
    throw e;
  }
}

/**
 * Creates and starts a sandbox; every acquired resource registers its undo on `undo` (the
 * caller rolls back, so a pod run that fails later also removes the sandbox).
 */
export async function runPodSandbox(
  engine: Engine,
  config: PodSandboxConfig,
  undo: UndoStack,
  opts: SandboxOptions = {},
): Promise<SandboxRecord> {
  const { sandbox, pause } = await createPodSandbox(engine, config, undo, opts);
  await startCreated(engine, pause);
  return sandbox;
}

/** A sandbox whose pause container is created but not started yet. */
export interface CreatedSandbox {
  /** The sandbox record. */
  sandbox: SandboxRecord;
  /**
   * The pause container (created: its process already holds the pod's namespaces, so app
   * containers can join them while it is being started).
   */
  pause: ContainerRecord;
}

/**
 * Like {@linkcode runPodSandbox} but leaves the pause container created, not started, so the
 * caller can start it while creating the app containers (the pod run hot path).
 */
export async function createPodSandbox(
  engine: Engine,
  config: PodSandboxConfig,
  undo: UndoStack,
  opts: SandboxOptions = {},
): Promise<CreatedSandbox> {
  const id = newSandboxId();
  const stateDir = podStateDir(engine, id);
  const cgroupParent = `${(opts.cgroupRoot ?? "/rkl").replace(/\/+$/, "")}/pod-${id}`;
  const rec: SandboxRecord = {
    id,
    name: config.metadata.name,
    namespace: config.metadata.namespace,
    uid: config.metadata.uid,
    config,
    stateDir,
    cgroupParent,
    netnsPath: "",
    ips: [],
    stopped: false,
    createdAt: Date.now(),
  };
  if (opts.manifest) rec.manifest = opts.manifest;

  // 1. The record reserves the pod name (ConflictError before anything is acquired).
  insertSandbox(engine.db, rec);
  undo.push(`delete pod record ${rec.name}`, () => deleteSandboxRecord(engine.db, id));
  await fault(opts, "after-record", id);

  // 2. State dir and volumes.
  await Deno.mkdir(join(stateDir, "volumes"), { recursive: true });
  undo.push(`remove ${stateDir}`, () => removeIfExists(stateDir));
  const volumes = planVolumes(opts.manifest?.volumes ?? [], join(stateDir, "volumes"));
  await prepareVolumes(volumes, undo);
  await fault(opts, "after-volumes", id);

  // 3. The pod cgroup: created by the runtime with the pause container (step 5), removed here.
  undo.push(`remove pod cgroup ${cgroupParent}`, () => removeCgroup(cgroupParent));

  // 4. Network, once per pod.
  const ns = config.linux.namespaceOptions;
  let network: NamespaceChoice;
  let attachment: NetworkAttachment | undefined;
  if (ns.network === "node") {
    network = "host";
    rec.hostsFile = "/etc/hosts";
    rec.resolvConfFile = "/etc/resolv.conf";
  } else if (engine.network) {
    attachment = await engine.network.attach({
      id,
      name: config.metadata.name,
      hostname: config.hostname,
      namespace: config.metadata.namespace,
      ports: config.portMappings,
      ...(config.networks ? { networks: config.networks } : {}),
      ...(config.extraHosts ? { extraHosts: config.extraHosts } : {}),
    }, undo);
    network = { path: attachment.netnsPath };
    rec.netnsPath = attachment.netnsPath;
    rec.ips = attachment.ips;
    rec.hostsFile = attachment.hostsFile;
    rec.resolvConfFile = attachment.resolvConfFile;
  } else {
    // No provider: a loopback-only namespace created by the runtime for the pause process.
    network = "new";
    rec.hostsFile = join(stateDir, "hosts");
    rec.resolvConfFile = join(stateDir, "resolv.conf");
    await Deno.writeTextFile(rec.hostsFile, renderHosts(config.hostname, []));
    await Deno.writeTextFile(rec.resolvConfFile, await hostResolvConf());
  }
  updateSandbox(engine.db, id, {
    netnsPath: rec.netnsPath,
    ips: rec.ips,
    ...(rec.hostsFile ? { hostsFile: rec.hostsFile } : {}),
    ...(rec.resolvConfFile ? { resolvConfFile: rec.resolvConfFile } : {}),
  });
  await fault(opts, "after-network", id);

  // 5. The pause container holds the namespaces.
  const bundle = config.pauseBundle ?? await ensurePauseBundle(engine.paths.dataDir);
  const pauseConfig: ContainerConfig = {
    name: pauseContainerName(id),
    image: bundle,
    args: await pauseArgs(bundle),
    hostname: config.hostname,
    namespaces: {
      network,
      ipc: ns.ipc === "node" ? "host" : "new",
      uts: ns.network === "node" ? "host" : "new",
      pid: ns.pid === "node" ? "host" : "new",
    },
    cgroupParent,
    labels: { ...config.labels, [LABEL_SANDBOX_ROLE]: "pause" },
    owner: id,
  };
  if (rec.hostsFile) pauseConfig.hostsFile = rec.hostsFile;
  if (rec.resolvConfFile) pauseConfig.resolvConfFile = rec.resolvConfFile;
  const pause = await createContainer(engine, pauseConfig, undo);
  rec.pauseContainerId = pause.id;
  if (network === "new") rec.netnsPath = `/proc/${pause.pid}/ns/net`;
  updateSandbox(engine.db, id, { pauseContainerId: pause.id, netnsPath: rec.netnsPath });
  await fault(opts, "after-pause", id);

  // 6. Pod-level limits on the pod cgroup, before any app container joins it.
  await applyPodLimits(cgroupParent, config.linux.resources ?? {});
  await fault(opts, "after-cgroup", id);
  return { sandbox: rec, pause };
}

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

/** Lists sandboxes with their state (one runtime `list` call for every pause container). */
export async function listPodSandbox(
  engine: Engine,
  filter: PodSandboxFilter = {},
): Promise<PodSandbox[]> {
  const recs = listSandboxRecords(engine.db).filter((r) =>
    (filter.id === undefined || r.id.startsWith(filter.id)) &&
    Object.entries(filter.labelSelector ?? {}).every(([k, v]) => r.config.labels[k] === v)
  );
  if (recs.length === 0) return [];
  const pauses = new Map(
    (await engineListContainers(engine, { labels: { [LABEL_SANDBOX_ROLE]: "pause" } })).map((
      v,
    ) => [v.record.id, v]),
  );
  const out: PodSandbox[] = [];
  for (const r of recs) {
    const state = sandboxState(r, r.pauseContainerId ? pauses.get(r.pauseContainerId) : undefined);
    if (filter.state !== undefined && filter.state !== state) continue;
    out.push({
      id: r.id,
      metadata: r.config.metadata,
      state,
      createdAt: r.createdAt,
      labels: r.config.labels,
    });
  }
  return out;
}

/**
 * Stops every container of the sandbox (app containers with `graceSeconds`, then the pause
 * process) and releases its network (CRI StopPodSandbox). Idempotent.
 */
export async function stopPodSandbox(
  engine: Engine,
  ref: string,
  graceSeconds?: number,
  namespace = "default",
): Promise<SandboxRecord> {
  const rec = findSandbox(engine.db, ref, namespace);
  const grace = graceSeconds ?? rec.manifest?.terminationGracePeriodSeconds ?? 10;
  updateSandbox(engine.db, rec.id, { stopped: true });
  rec.stopped = true;
  const views = await engineListContainers(engine, { owner: rec.id });
  const apps = views.filter((v) => v.record.id !== rec.pauseContainerId);
  const failures: { step: string; error: unknown }[] = [];
  await Promise.all(apps.map(async (v) => {
    try {
      await stopRecord(engine, v.record, v, grace);
    } catch (error) {
      failures.push({ step: `stop container ${v.record.name}`, error });
    }
  }));
  const pause = views.find((v) => v.record.id === rec.pauseContainerId);
  if (pause) {
    try {
      await stopRecord(engine, pause.record, pause, 0);
    } catch (error) {
      failures.push({ step: "stop pause container", error });
    }
  }
  if (rec.netnsPath && !rec.netnsPath.startsWith("/proc/") && engine.network) {
    try {
      await engine.network.detach(rec.id);
      // The addresses are free again: a stopped pod shows no IP.
      rec.ips = [];
      updateSandbox(engine.db, rec.id, { ips: [] });
    } catch (error) {
      failures.push({ step: "detach network", error });
    }
  }
  if (failures.length > 0) throw new CleanupError(failures);
  return rec;
}

/**
 * Removes a sandbox: stops it, removes every container, the network attachment, volumes, the
 * pod cgroup, the state dir and finally the record (CRI RemovePodSandbox). Every step runs even
 * when one fails; on failure the record is kept so removal can be retried. Idempotent: a sandbox
 * that does not exist is not an error.
 */
export async function removePodSandbox(
  engine: Engine,
  ref: string,
  namespace = "default",
): Promise<void> {
  let rec: SandboxRecord;
  try {
    rec = findSandbox(engine.db, ref, namespace);
  } catch (e) {
    if (e instanceof NotFoundError) return;
    throw e;
  }
  await teardownSandbox(engine, rec);
}

/** Tears down everything of a sandbox record (see {@linkcode removePodSandbox}). */
export async function teardownSandbox(engine: Engine, rec: SandboxRecord): Promise<void> {
  const failures: { step: string; error: unknown }[] = [];
  const step = async (name: string, fn: () => Promise<unknown> | unknown) => {
    try {
      await fn();
    } catch (error) {
      failures.push({ step: name, error });
    }
  };
  // Containers (app and pause) are killed and removed, and the network detached, all at once:
  // nothing is left to protect once the pod goes, and CNI DEL does not need the processes.
  const views = await engineListContainers(engine, { owner: rec.id });
  const remove = async (v: ContainerView) => {
    if (v.status === "running" || v.status === "created") await stopRecord(engine, v.record, v, 0);
    await teardownRecord(engine, v.record);
  };
  const provider = engine.network;
  const detach = rec.netnsPath !== "" && !rec.netnsPath.startsWith("/proc/") && provider;
  await Promise.all([
    ...views.map((v) =>
      step(
        v.record.id === rec.pauseContainerId
          ? "remove pause container"
          : `remove container ${v.record.name}`,
        () => remove(v),
      )
    ),
    ...(detach ? [step("detach network", () => provider.detach(rec.id))] : []),
  ]);
  const volumes = planVolumes(rec.manifest?.volumes ?? [], join(rec.stateDir, "volumes"));
  await step("release volumes", () => releaseVolumes(volumes));
  await step("remove pod cgroup", () => removeCgroup(rec.cgroupParent));
  if (failures.length === 0) {
    await step("remove pod state dir", () => removeIfExists(rec.stateDir));
    await step("delete pod record", () => deleteSandboxRecord(engine.db, rec.id));
  }
  if (failures.length > 0) throw new CleanupError(failures);
}

/** The sandbox record with this exact id, or a {@linkcode NotFoundError}. */
export function sandboxById(engine: Engine, id: string): SandboxRecord {
  const rec = getSandboxRecord(engine.db, id);
  if (!rec) throw new NotFoundError("pod sandbox", id);
  return rec;
}
