/**
 * `createContainer`: record → writable layer → network → generated config → runtime create
 * under conmon. Every acquired resource registers its undo first, so a failure at any step
 * leaves nothing behind.
 *
 * @module
 */
import { isAbsolute, join } from "../path.ts";
import { RkError } from "../errors.ts";
import { run } from "../exec.ts";
import type { NetworkAttachment, NetworkAttachRequest } from "../network.ts";
import { capabilitiesOfMask, capabilityName } from "../oci/capabilities.ts";
import { type BindMount, buildSpec, type NamespaceChoice } from "../oci/spec.ts";
import { linuxResources } from "../cgroup/linux_resources.ts";
import { checkImageDir } from "../rootfs.ts";
import { currentOwner } from "../owner_process.ts";
import {
  type ContainerRecord,
  deleteContainerRecord,
  insertContainer,
  updateContainer,
} from "../store/containers.ts";
import { UndoStack } from "../undo.ts";
import { traced, tracedSync } from "../trace.ts";
import { cgroupPathOf, destroyRuntimeContainer, removeIfExists, stateFiles } from "./_files.ts";
import { type ContainerConfig, containerNameProblem, envPairs, processArgs } from "./config.ts";
import { type Engine, faultPoint } from "./engine.ts";

/** A new random container id (32 hex digits). */
export function newContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The bounding set of this process (what a privileged container can get): `cat`'s, which it
 * inherits from us (Deno allows reading /proc only with --allow-all). Empty when `cat` cannot
 * tell; the spec then asks for every capability.
 */
async function ownCapabilities(): Promise<{ availableCapabilities?: string[] }> {
  const r = await run(["cat", "/proc/self/status"], { allowFailure: true });
  const m = /^CapBnd:\s*([0-9a-fA-F]+)$/m.exec(r.stdout);
  return r.code === 0 && m ? { availableCapabilities: capabilitiesOfMask(m[1]!) } : {};
}

/** Checks a config before anything is acquired. */
// Async so that every problem is a rejection; the checks themselves are synchronous.
// deno-lint-ignore require-await
export async function validateConfig(config: ContainerConfig): Promise<void> {
  const problem = containerNameProblem(config.name, true);
  if (problem) throw new RkError(`Invalid container name: ${problem}`);
  if (!isAbsolute(config.image)) {
    throw new RkError(`Container "${config.name}": image path "${config.image}" must be absolute`);
  }
  checkImageDir(config.image);
  processArgs(config);
  for (const m of config.mounts ?? []) {
    if (!isAbsolute(m.hostPath) || !isAbsolute(m.containerPath)) {
      throw new RkError(
        `Container "${config.name}": mount ${m.hostPath} → ${m.containerPath} needs absolute paths`,
      );
    }
  }
  for (const c of [...config.capabilities?.add ?? [], ...config.capabilities?.drop ?? []]) {
    if (capabilityName(c) === undefined) {
      throw new RkError(`Container "${config.name}": "${c}" is not a Linux capability`);
    }
  }
}

/**
 * Creates a container (status `created`; start it with `startContainer`). When `undo` is given
 * the cleanup steps are registered on it and the caller rolls back (pods do this to undo a
 * whole sandbox); otherwise a failure rolls back here and rethrows.
 *
 * @example
 * ```ts ignore
 * import { createContainer } from "./create.ts";
 * const rec = await createContainer(engine, {
 *   name: "web", image: "/abs/testdata/bundles/busybox", args: ["sleep", "100"],
 * });
 * ```
 */
export async function createContainer(
  engine: Engine,
  config: ContainerConfig,
  undo?: UndoStack,
): Promise<ContainerRecord> {
  if (undo) return await createSteps(engine, config, undo);
  const own = new UndoStack();
  const rec = await own.guard(() => createSteps(engine, config, own));
  // A plain create is finished here (a caller with its own undo finishes when it starts it).
  delete rec.creator;
  updateContainer(engine.db, rec.id, { creator: undefined });
  return rec;
}

async function createSteps(
  engine: Engine,
  config: ContainerConfig,
  undo: UndoStack,
): Promise<ContainerRecord> {
  await validateConfig(config);
  const id = newContainerId();
  const stateDir = join(engine.paths.containersDir, id);
  const files = stateFiles(stateDir);
  const record: ContainerRecord = {
    id,
    name: config.name,
    image: config.image,
    config,
    labels: config.labels ?? {},
    runtime: engine.runtime.binary,
    stateDir,
    createdAt: Date.now(),
    ips: [],
    ports: config.ports ?? [],
    // Write-ahead: who creates it, so a crash at any later step is recognised at once.
    creator: await currentOwner(),
  };
  if (config.owner !== undefined) record.owner = config.owner;

  // 1. The record reserves the name (ConflictError when taken: nothing acquired yet).
  tracedSync("container: insert record (SQLite)", () => insertContainer(engine.db, record));
  undo.push(`delete record of ${config.name}`, () => deleteContainerRecord(engine.db, id));
  await faultPoint(engine, "after-record", id);

  // 2. State dir and writable layer over the image.
  await Deno.mkdir(stateDir, { recursive: true });
  undo.push(`remove ${stateDir}`, () => removeIfExists(stateDir));
  const rootfs = await traced(
    "container: overlay rootfs mount",
    () => engine.rootfs.mount(config.image, stateDir, undo),
  );
  await faultPoint(engine, "after-rootfs", id);

  // 3. Network namespace.
  let network: NamespaceChoice;
  let attachment: NetworkAttachment | undefined;
  let networkReady: Promise<NetworkAttachment> | undefined;
  if (config.namespaces?.network !== undefined) network = config.namespaces.network;
  else if (config.hostNetwork) network = "host";
  else if (engine.network) {
    const provider = engine.network;
    const request: NetworkAttachRequest = {
      id,
      name: config.name,
      ...(config.hostname !== undefined ? { hostname: config.hostname } : {}),
      ...(config.networks ? { networks: config.networks } : {}),
      ports: config.ports ?? [],
    };
    if (provider.attachInBackground) {
      // The namespace now; CNI ADD runs while the runtime creates the container (below).
      const pending = await traced(
        "container: network namespace (CNI ADD goes on in the background)",
        () => provider.attachInBackground!(request, undo),
      );
      attachment = { ...pending, ips: [] };
      networkReady = traced("container: network (until ready)", () => pending.ready);
      // Observed below; never an unhandled rejection when a step before fails first (the undo
      // step waits for CNI ADD to settle before it detaches).
      networkReady.catch(() => {});
    } else {
      attachment = await traced("container: network attach", () => provider.attach(request, undo));
    }
    network = { path: attachment.netnsPath };
    record.netnsPath = attachment.netnsPath;
    record.ips = attachment.ips;
    updateContainer(engine.db, id, { netnsPath: attachment.netnsPath, ips: attachment.ips });
  } else network = "new";
  await faultPoint(engine, "after-network", id);

  // 4. Generated config.json in the state dir (the image's own config is never touched).
  const binds: BindMount[] = [...(config.mounts ?? [])];
  const hostsFile = config.hostsFile ?? attachment?.hostsFile ??
    (network === "host" ? "/etc/hosts" : undefined);
  const resolvConf = config.resolvConfFile ?? attachment?.resolvConfFile ??
    (network === "host" ? "/etc/resolv.conf" : undefined);
  if (hostsFile) {
    binds.push({ hostPath: hostsFile, containerPath: "/etc/hosts", readOnly: network === "host" });
  }
  if (resolvConf) {
    binds.push({ hostPath: resolvConf, containerPath: "/etc/resolv.conf", readOnly: true });
  }
  const cgroupsPath = cgroupPathOf(id, config.cgroupParent);
  const ns = config.namespaces ?? {};
  const uts = ns.uts ?? (network === "host" ? "host" : "new");
  const hostname = config.hostname ?? config.name.replace(/[_.]/g, "-");
  // /etc/hostname holds the hostname the container has, as with CRI runtimes (an image's own
  // file is often empty): the host's file in the host's UTS namespace, else our own (a pod
  // container joining the sandbox's UTS namespace is given the sandbox's hostname).
  if (uts === "host") {
    binds.push({ hostPath: "/etc/hostname", containerPath: "/etc/hostname", readOnly: true });
  } else {
    const hostnameFile = join(stateDir, "hostname");
    await Deno.writeTextFile(hostnameFile, `${hostname}\n`);
    binds.push({
      hostPath: hostnameFile,
      containerPath: "/etc/hostname",
      readOnly: config.readOnlyRootFilesystem ?? false,
    });
  }
  const spec = buildSpec({
    args: processArgs(config),
    rootfs,
    env: envPairs(config.env),
    ...(config.workingDir !== undefined ? { cwd: config.workingDir } : {}),
    ...(config.user !== undefined ? { user: config.user } : {}),
    ...(config.sysctls !== undefined ? { sysctls: config.sysctls } : {}),
    readonlyRootfs: config.readOnlyRootFilesystem ?? false,
    hostname,
    binds,
    namespaces: {
      network,
      ipc: ns.ipc ?? "new",
      uts,
      pid: ns.pid ?? "new",
    },
    cgroupsPath,
    resources: linuxResources(config.resources ?? {}),
    ...(config.capabilities !== undefined ? { capabilityChanges: config.capabilities } : {}),
    noNewPrivileges: config.noNewPrivileges ?? false,
    privileged: config.privileged ?? false,
    ...(config.privileged ? await ownCapabilities() : {}),
    ...(engine.nofileHardLimit !== undefined ? { nofileHardLimit: engine.nofileHardLimit } : {}),
    annotations: { "io.rk8s.container.name": config.name },
  });
  await traced(
    "container: write config.json",
    () => Deno.writeTextFile(files.config, JSON.stringify(spec, null, 2)),
  );
  await faultPoint(engine, "before-runtime-create", id);

  // 5. Runtime create under conmon. The undo is registered first: create can half-succeed.
  undo.push(
    `delete runtime container ${id}`,
    () => destroyRuntimeContainer(engine, id, cgroupsPath, record.pid !== undefined),
  );
  const creating = traced(
    `container: conmon + ${engine.runtime.name} create`,
    () =>
      engine.monitor.create(engine.runtime, {
        id,
        name: config.name,
        bundle: stateDir,
        pidFile: files.pid,
        monitorPidFile: files.monitorPid,
        logPath: files.log,
        runtimeLogPath: files.runtimeLog,
        exitDir: engine.paths.exitDir,
        socketDir: engine.paths.socketDir,
      }),
  );
  // Both settle before a failure rolls back (the undo steps wait for them anyway).
  const [made, networked] = await Promise.allSettled([creating, networkReady]);
  // A failed CNI ADD is the cause when the runtime failed too (it removes the namespace the
  // runtime was told to join).
  if (made.status === "rejected") {
    throw networked.status === "rejected" ? networked.reason : made.reason;
  }
  const created = made.value;
  record.pid = created.pid;
  record.monitorPid = created.monitorPid;
  updateContainer(engine.db, id, { pid: created.pid, monitorPid: created.monitorPid });
  if (networked.status === "rejected") throw networked.reason;
  if (networked.value) {
    record.ips = networked.value.ips;
    updateContainer(engine.db, id, { ips: record.ips });
  }
  await faultPoint(engine, "after-runtime-create", id);
  return record;
}
