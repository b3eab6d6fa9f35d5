/**
 * CRI RunPodSandbox: a record, the pod's state dir and volumes, the pod cgroup, the network
 * (attached once per pod through the engine's provider), and the pause container holding the
 * network, IPC and UTS namespaces (and PID with `shareProcessNamespace`). Every acquired
 * resource registers its undo on the caller's stack.
 *
 * @module
 */
import { join } from "../path.ts";
import { applyPodLimits, removeCgroup } from "../cgroup/mod.ts";
import {
  type ContainerConfig,
  createContainer,
  type Engine,
  startCreated,
} from "../container/mod.ts";
import type { NetworkAttachment } from "../network.ts";
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
  LABEL_SANDBOX_ROLE,
  newSandboxId,
  pauseContainerName,
  podStateDir,
  type PodStep,
  type SandboxOptions,
} from "./sandbox.ts";
import { readTextIfExists, removeIfExists } from "../fs.ts";
import { currentOwner } from "../owner_process.ts";

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
  const { sandbox, pause } = await createPodSandbox(engine, config, undo, opts);
  await startCreated(engine, pause);
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
    // Write-ahead: who creates it, so a crash at any later step is recognised at once.
    creator: await currentOwner(),
  };
  if (opts.manifest) rec.manifest = opts.manifest;

  // 1. The record reserves the pod name (ConflictError before anything is acquired).
  insertSandbox(engine.db, rec);
  undo.push(`delete pod record ${rec.name}`, () => deleteSandboxRecord(engine.db, id));
  await fault(opts, "after-record", id);

  // 2. State dir and volumes.
  await Deno.mkdir(join(stateDir, "volumes"), { recursive: true });
  undo.push(`remove ${stateDir}`, () => removeIfExists(stateDir));
  const volumes = planVolumes(
    opts.manifest?.volumes ?? [],
    join(stateDir, "volumes"),
    opts.manifest?.securityContext?.fsGroup,
  );
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
      ...(config.domain !== undefined ? { domain: config.domain } : {}),
      ...(config.staticIps !== undefined ? { staticIps: config.staticIps } : {}),
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
    await Deno.writeTextFile(
      rec.hostsFile,
      renderHosts(config.hostname, [], config.extraHosts, config.domain),
    );
    await Deno.writeTextFile(rec.resolvConfFile, await hostResolvConf());
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
