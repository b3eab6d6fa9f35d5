/**
 * CRI RunPodSandbox: a record, the pod's state dir and volumes, the pod cgroup, the network
 * (attached once per pod through the engine's provider), and the pause container holding the
 * network, IPC and UTS namespaces (and PID with `shareProcessNamespace`) — or, when the pod
 * needs no pause process (`pauseNeed`), its IPC and UTS namespaces pinned as files and no pause
 * container at all. Every acquired resource registers its undo on the caller's stack.
 *
 * @module
 */
import { join } from "../path.ts";
import { applyPodLimits, podCgroupWrites, removeCgroup } from "../cgroup/mod.ts";
import type { ContainerConfig } from "../container/config.ts";
import { createContainer } from "../container/create.ts";
import type { Engine } from "../container/engine.ts";
import { startCreated } from "../container/start.ts";
import type { NetworkAttachment, NetworkAttachRequest } from "../network.ts";
import type { NamespaceChoice } from "../oci/spec.ts";
import type { ContainerRecord } from "../store/containers.ts";
import type { UndoStack } from "../undo.ts";
import type { PodSandboxConfig } from "./cri_types.ts";
import { ensurePauseBundle, pauseArgs } from "./pause_image.ts";
import {
  deleteSandboxRecord,
  insertSandbox,
  type SandboxRecord,
  updateSandbox,
} from "./pod_store.ts";
import { planVolumes } from "./pod_translate.ts";
import { renderPodResolvConf } from "./pod_dns.ts";
import { prepareVolumes } from "./pod_volumes.ts";
import {
  mountPins,
  type PinnedKind,
  type PinnedNamespaces,
  preparePins,
} from "./pod_namespaces.ts";
import {
  LABEL_SANDBOX_ROLE,
  newSandboxId,
  pauseContainerName,
  pauseNeed,
  podStateDir,
  type PodStep,
  type SandboxOptions,
} from "./sandbox.ts";
import { readTextIfExists, removeIfExists } from "../fs.ts";
import { currentOwner } from "../owner_process.ts";
import { traced, tracedSync } from "../trace.ts";

async function fault(opts: SandboxOptions, step: PodStep, id: string): Promise<void> {
  if (opts.faults) await opts.faults(step, id);
}

function renderHosts(
  hostname: string,
  ips: readonly string[],
  extraHosts: PodSandboxConfig["extraHosts"] = [],
  domain?: string,
): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  // The kubelet's "IP\tFQDN\tHOSTNAME" line when the pod has a subdomain.
  const short = domain !== undefined && hostname.endsWith(`.${domain}`)
    ? hostname.slice(0, -domain.length - 1)
    : hostname;
  lines.push(
    `${ips[0] ?? "127.0.1.1"}\t${domain !== undefined ? `${short}.${domain}\t` : ""}${short}`,
  );
  // hostAliases (and compose services), as the kubelet appends them.
  for (const e of extraHosts) if (e.names.length > 0) lines.push(`${e.ip}\t${e.names.join(" ")}`);
  return `${lines.join("\n")}\n`;
}

async function hostResolvConf(): Promise<string> {
  return await readTextIfExists("/etc/resolv.conf") ?? "";
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
  const { sandbox, pause, networkReady } = await createPodSandbox(engine, config, undo, opts);
  const [started, networked] = await Promise.allSettled([
    pause.then((p) => p && startCreated(engine, p)),
    networkReady,
  ]);
  if (started.status === "rejected") throw started.reason;
  if (networked.status === "rejected") throw networked.reason;
  finishCreation(engine, sandbox);
  return sandbox;
}

/**
 * The pod's creation finished (whatever its outcome): forget who was creating it, so its
 * process exiting later does not make the pod look interrupted.
 */
export function finishCreation(engine: Engine, sandbox: SandboxRecord): void {
  delete sandbox.creator;
  updateSandbox(engine.db, sandbox.id, { creator: undefined });
}

/** A sandbox whose pause container is created (or being created) but not started yet. */
export interface CreatedSandbox {
  /** The sandbox record. */
  sandbox: SandboxRecord;
  /**
   * The pause container (created: its process already holds the pod's namespaces, so app
   * containers can join them while it is being started); `undefined` for a sandbox without
   * one (`isPauseless`).
   */
  pause: Promise<ContainerRecord | undefined>;
  /**
   * The pause process, when the app containers join its namespaces (`/proc/PID/ns/...`): the
   * pause container was created before this returned.
   */
  pausePid?: number;
  /**
   * The pinned IPC and UTS namespaces the app containers join instead: `pause` is then still
   * being created, and the app containers may be created meanwhile.
   */
  pinned?: PinnedNamespaces;
  /**
   * Settles when the pod's network is set up (`sandbox.ips` filled in); rejects when CNI ADD
   * failed (the network is released then). No app container may start before it resolved.
   */
  networkReady: Promise<void>;
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
  // Whether a pause container is needed is known before anything is acquired (the record says
  // so from the start: see `isPauseless`).
  const ns = config.linux.namespaceOptions;
  const podLimits = podCgroupWrites(1, config.linux.resources ?? {}).length > 0;
  const pauseWhy = pauseNeed({
    namespaces: ns,
    provider: engine.network !== undefined,
    podLimits,
    pauseBundle: config.pauseBundle,
  });
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
    // Write-ahead: who creates it, so a crash at any later step is recognised at once.
    creator: await currentOwner(),
  };
  if (opts.manifest) rec.manifest = opts.manifest;
  if (pauseWhy === undefined) rec.pauseContainerId = "";

  // 1. The record reserves the pod name (ConflictError before anything is acquired).
  tracedSync("pod: insert record (SQLite)", () => insertSandbox(engine.db, rec));
  undo.push(`delete pod record ${rec.name}`, () => deleteSandboxRecord(engine.db, id));
  await fault(opts, "after-record", id);

  // 2. State dir and volumes.
  await traced("pod: state dir and volumes", async () => {
    await Deno.mkdir(join(stateDir, "volumes"), { recursive: true });
    undo.push(`remove ${stateDir}`, () => removeIfExists(stateDir));
    const volumes = planVolumes(
      opts.manifest?.volumes ?? [],
      join(stateDir, "volumes"),
      opts.manifest?.securityContext?.fsGroup,
    );
    await prepareVolumes(volumes, undo);
  });
  await fault(opts, "after-volumes", id);

  // 3. The pod cgroup: created by the runtime with the pause container (step 5), or with the
  // first app container of a pod without one; removed here.
  undo.push(`remove pod cgroup ${cgroupParent}`, () => removeCgroup(cgroupParent));

  // 4. Network, once per pod. When the app containers need nothing of the pause process
  // (network namespace from the provider or the host's, no shared PID namespace, no pod-level
  // limits to write before they join the pod cgroup), its IPC and UTS namespaces are pinned
  // meanwhile, and everyone joins them by path; then no pause container is created at all
  // (CRI-O's `drop_infra_ctr`): the pinned files and the provider's namespace hold everything
  // (see `pauseNeed`).
  const parallel = (ns.network === "node" || engine.network !== undefined) &&
    ns.pid !== "pod" && !podLimits;
  const kinds: PinnedKind[] = [];
  if (parallel && ns.ipc !== "node") kinds.push("ipc");
  if (parallel && ns.network !== "node") kinds.push("uts");
  // The files first (local, fast); the namespaces are made by the network provider's `unshare`
  // with the network namespace when it can (one process for the three), else by our own.
  const pins = parallel ? await preparePins(stateDir, kinds, undo) : undefined;
  const pinWithNetwork = pins !== undefined && kinds.length > 0 && ns.network !== "node" &&
    engine.network?.attachInBackground !== undefined;
  let pinnedByNetwork = false;
  const pinning = pins && !pinWithNetwork
    ? traced("pod: pin IPC and UTS namespaces", () => mountPins(pins))
    : undefined;
  // Settled before a failure below rolls back.
  pinning?.catch(() => {});
  let network = "new" as NamespaceChoice;
  let networkReady: Promise<void> = Promise.resolve();
  const attachNetwork = async () => {
    if (ns.network === "node") {
      network = "host";
      rec.hostsFile = "/etc/hosts";
      rec.resolvConfFile = "/etc/resolv.conf";
    } else if (engine.network) {
      const provider = engine.network;
      const request: NetworkAttachRequest = {
        id,
        name: config.metadata.name,
        hostname: config.hostname,
        namespace: config.metadata.namespace,
        ports: config.portMappings,
        ...(config.networks ? { networks: config.networks } : {}),
        ...(config.extraHosts ? { extraHosts: config.extraHosts } : {}),
        ...(config.domain !== undefined ? { domain: config.domain } : {}),
        ...(config.staticIps !== undefined ? { staticIps: config.staticIps } : {}),
        ...(pinWithNetwork ? { alsoPin: pins } : {}),
      };
      let files: Omit<NetworkAttachment, "ips">;
      if (provider.attachInBackground) {
        // The namespace now, CNI ADD while the pause and app containers are created.
        const pending = await traced(
          "pod: network namespace (CNI ADD goes on in the background)",
          () => provider.attachInBackground!(request, undo),
        );
        files = pending;
        pinnedByNetwork = pending.pinned === true;
        networkReady = traced("pod: network (netns + CNI ADD, until ready)", () => pending.ready)
          .then((a) => {
            rec.ips = a.ips;
            updateSandbox(engine.db, id, { ips: a.ips });
          });
        // Observed by the caller; never an unhandled rejection when the caller failed first.
        networkReady.catch(() => {});
      } else {
        const attachment = await traced(
          "pod: network attach",
          () => provider.attach(request, undo),
        );
        files = attachment;
        rec.ips = attachment.ips;
      }
      network = { path: files.netnsPath };
      rec.netnsPath = files.netnsPath;
      rec.hostsFile = files.hostsFile;
      rec.resolvConfFile = files.resolvConfFile;
    } else {
      // No provider: a loopback-only namespace created by the runtime for the pause process.
      network = "new";
      rec.hostsFile = join(stateDir, "hosts");
      rec.resolvConfFile = join(stateDir, "resolv.conf");
      await Deno.writeTextFile(
        rec.hostsFile,
        renderHosts(config.hostname, [], config.extraHosts, config.domain),
      );
      await Deno.writeTextFile(rec.resolvConfFile, await hostResolvConf());
    }
  };
  const [attached, pinned] = await Promise.allSettled([attachNetwork(), pinning]);
  if (attached.status === "rejected") throw attached.reason;
  if (pinned.status === "rejected") throw pinned.reason;
  // A provider that does not pin (or the attach path without a background phase): our own.
  if (pinWithNetwork && !pinnedByNetwork) {
    await traced("pod: pin IPC and UTS namespaces", () => mountPins(pins));
  }
  if (config.dns !== undefined) {
    // dnsPolicy/dnsConfig: the pod's own resolv.conf, built on the one the sandbox would get.
    const base = config.dns.replace || rec.resolvConfFile === undefined
      ? ""
      : await readTextIfExists(rec.resolvConfFile) ?? "";
    rec.resolvConfFile = join(stateDir, "resolv.conf");
    await Deno.writeTextFile(rec.resolvConfFile, renderPodResolvConf(base, config.dns));
  }
  updateSandbox(engine.db, id, {
    netnsPath: rec.netnsPath,
    ips: rec.ips,
    ...(rec.hostsFile ? { hostsFile: rec.hostsFile } : {}),
    ...(rec.resolvConfFile ? { resolvConfFile: rec.resolvConfFile } : {}),
  });
  await fault(opts, "after-network", id);

  // 5. The pause container holds the namespaces (or joins the pinned ones), unless none is
  // needed: the pinned namespaces are then the sandbox's (the fault steps stay the same).
  if (pauseWhy === undefined) {
    await fault(opts, "after-pause", id);
    await fault(opts, "after-cgroup", id);
    return { sandbox: rec, pause: Promise.resolve(undefined), pinned: pins ?? {}, networkReady };
  }
  const bundle = config.pauseBundle ?? await ensurePauseBundle(engine.paths.dataDir);
  const pauseConfig: ContainerConfig = {
    name: pauseContainerName(id),
    image: bundle,
    args: await pauseArgs(bundle),
    hostname: config.hostname,
    namespaces: {
      network,
      ipc: ns.ipc === "node" ? "host" : pins?.ipc ? { path: pins.ipc } : "new",
      uts: ns.network === "node" ? "host" : pins?.uts ? { path: pins.uts } : "new",
      pid: ns.pid === "node" ? "host" : "new",
    },
    cgroupParent,
    labels: { ...config.labels, [LABEL_SANDBOX_ROLE]: "pause" },
    owner: id,
  };
  if (rec.hostsFile) pauseConfig.hostsFile = rec.hostsFile;
  if (rec.resolvConfFile) pauseConfig.resolvConfFile = rec.resolvConfFile;
  const createPause = async (): Promise<ContainerRecord> => {
    const pause = await traced(
      "pod: pause container create",
      () => createContainer(engine, pauseConfig, undo),
    );
    rec.pauseContainerId = pause.id;
    if (network === "new") rec.netnsPath = `/proc/${pause.pid}/ns/net`;
    updateSandbox(engine.db, id, { pauseContainerId: pause.id, netnsPath: rec.netnsPath });
    await fault(opts, "after-pause", id);

    // 6. Pod-level limits on the pod cgroup, before any app container joins it.
    await traced(
      "pod: pod cgroup limits",
      () => applyPodLimits(cgroupParent, config.linux.resources ?? {}),
    );
    await fault(opts, "after-cgroup", id);
    return pause;
  };
  if (!pins) {
    const pause = await createPause();
    return {
      sandbox: rec,
      pause: Promise.resolve(pause),
      ...(pause.pid !== undefined ? { pausePid: pause.pid } : {}),
      networkReady,
    };
  }
  const pause = createPause();
  // Observed by the caller; never an unhandled rejection when the caller failed first.
  pause.catch(() => {});
  return { sandbox: rec, pause, pinned: pins ?? {}, networkReady };
}
