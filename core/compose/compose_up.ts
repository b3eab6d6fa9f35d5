/**
 * The executor of `rkl compose up`: networks and volumes first, then every service replica as a
 * pod through the pod layer, in dependency order with independent services in parallel, waiting
 * for `service_healthy` / `service_completed_successfully`; a second `up` reconciles (only
 * changed services are recreated). A service that fails is cleaned up by the pod layer; the
 * services that started stay running and `up` fails naming the reason.
 *
 * @module
 */
import { join } from "node:path";
import type { Engine } from "../container/engine.ts";
import { ConflictError, RkError } from "../errors.ts";
import { podContainerName } from "../pod/pod_containers.ts";
import { runPod } from "../pod/pod_runner.ts";
import { teardownSandbox } from "../pod/sandbox_remove.ts";
import { stopPodSandbox } from "../pod/sandbox_stop.ts";
import { listPods } from "../pod/pod_view.ts";
import type { ComposeModel, ComposeService } from "./compose_model.ts";
import { type HostsRenderer, syncProjectHosts } from "./hosts_sync.ts";
import { dnsName, podNameOf, selectServices, serviceConfigHash } from "./plan.ts";
import {
  composeDirs,
  type ComposeNetworkOps,
  ensureDirectory,
  networkDiverged,
  projectDir,
  projectPods,
  readProjectState,
  writeProjectState,
} from "./project_state.ts";
import {
  ANNOTATION_CONFIG_HASH,
  fileSourcePath,
  podManifestOf,
  servicePod,
  volumePath,
} from "./translate.ts";
import { planUp, restartDependents } from "./up_planner.ts";
import { startPodAgain } from "./pod_restart.ts";
import {
  ANNOTATION_EPHEMERAL_PORTS,
  ephemeralPortsAnnotation,
  pickEphemeralPort,
  type PortPicker,
  withEphemeralPorts,
} from "./ephemeral_ports.ts";
import { waitCompleted, waitHealthy } from "./wait_conditions.ts";

/** A progress event, printed as docker compose does (`✔ Container back  Started`). */
export interface ComposeEvent {
  /** What the event is about. */
  kind: "Network" | "Volume" | "Container" | "Warning";
  /** Its name. */
  name: string;
  /** `Creating`, `Created`, `Started`, `Running`, `Recreated`, `Healthy`, `Removed`, `Error`, ... */
  status: string;
  /** Detail (an error's message, a warning's text). */
  detail?: string;
}

/** What `up` needs besides the engine. */
export interface ComposeHost {
  /** Network operations (net/). */
  networks: ComposeNetworkOps;
  /** Hosts file renderer (net/). */
  renderHosts: HostsRenderer;
  /** Progress sink. */
  onEvent?: (e: ComposeEvent) => void;
}

/** Options of {@linkcode composeUp} (the flags of `rkl compose up`). */
export interface ComposeUpOptions {
  /** `SERVICE...`. */
  services?: readonly string[];
  /** `--no-deps`. */
  noDeps?: boolean;
  /** `--force-recreate`. */
  forceRecreate?: boolean;
  /** `--remove-orphans`. */
  removeOrphans?: boolean;
  /** `--scale SVC=N`. */
  scale?: Readonly<Record<string, number>>;
  /** `--wait`: also wait until services with a healthcheck are healthy. */
  wait?: boolean;
  /** Image check passed to the pod parser (tests). */
  checkImage?: (path: string) => string | undefined;
  /** Picks host ports for `ports` without one (default: the kernel's ephemeral port). */
  pickPort?: PortPicker;
}

/** Several services failed. */
export class ComposeUpError extends RkError {
  /** Service → reason. */
  readonly failures: Record<string, string>;
  /** Creates the error. */
  constructor(failures: Record<string, string>) {
    const list = Object.entries(failures);
    super(
      list.length === 1
        ? `service "${list[0]![0]}" failed: ${list[0]![1]}`
        : `${list.length} services failed: ${list.map(([s, r]) => `${s}: ${r}`).join("; ")}`,
    );
    this.name = "ComposeUpError";
    this.failures = failures;
  }
}

async function writeGeneratedFiles(model: ComposeModel, dir: string): Promise<void> {
  for (const [kind, defs] of [["config", model.configs], ["secret", model.secrets]] as const) {
    for (const [name, src] of Object.entries(defs)) {
      if (src.kind === "file" || src.kind === "external") continue;
      const path = fileSourcePath(src, dir, kind, name);
      await Deno.mkdir(join(dir, `${kind}s`), { recursive: true });
      const content = src.kind === "content" ? src.content : (Deno.env.get(src.variable) ?? "");
      await Deno.writeTextFile(path, content, { mode: kind === "secret" ? 0o600 : 0o644 });
    }
  }
}

/** The container reference (engine name) of a service replica's container. */
export function serviceContainerRef(
  model: Pick<ComposeModel, "name">,
  svc: Pick<ComposeService, "name" | "containerName">,
  replica: number,
): string {
  return podContainerName(
    { namespace: "default", name: podNameOf(model.name, svc, replica) },
    dnsName(svc.name),
  );
}

/**
 * Stops (gracefully) and removes the project's pods attached to `network`; returns the services
 * of the service replicas among them.
 */
async function removeAttachedPods(
  engine: Engine,
  project: string,
  network: string,
  emit: (e: ComposeEvent) => void,
): Promise<string[]> {
  const attached = projectPods(engine, project).filter((p) =>
    p.record.manifest?.networks?.includes(network)
  );
  await Promise.all(attached.map(async ({ record }) => {
    const grace = record.manifest?.terminationGracePeriodSeconds;
    if (!record.stopped && record.pauseContainerId !== undefined && grace !== 0) {
      await stopPodSandbox(engine, record.id, undefined, record.namespace);
    }
    await teardownSandbox(engine, record);
    emit({ kind: "Container", name: record.name, status: "Removed" });
  }));
  return attached.filter((p) => p.replica > 0).map((p) => p.service);
}

/**
 * Creates what the services need before any pod: records the project's networks and volumes in
 * its state file (before creating them, so `down` finds them after a crash), creates the networks
 * and named volumes that do not exist yet, and writes configs and secrets given as `content` or
 * `environment`. External networks and volumes must exist. A network whose definition changed is
 * recreated after the project's pods on it are removed; returns the services of those pods (to be
 * created again).
 */
export async function prepareProject(
  engine: Engine,
  host: ComposeHost,
  model: ComposeModel,
): Promise<string[]> {
  const removed: string[] = [];
  const emit = host.onEvent ?? (() => {});
  const dirs = composeDirs(engine.paths.dataDir);
  const filesDir = projectDir(dirs, model.name);
  // Record intent before creating anything, so `down` finds it after a crash.
  const prev = await readProjectState(dirs, model.name);
  const ownNets = Object.values(model.networks).filter((n) => !n.external).map((n) => n.name);
  const ownVols = Object.values(model.volumes).filter((v) => !v.external).map((v) => v.name);
  await writeProjectState(dirs, {
    name: model.name,
    workingDir: model.workingDir,
    files: model.files,
    networks: [...new Set([...(prev?.networks ?? []), ...ownNets])],
    volumes: [...new Set([...(prev?.volumes ?? []), ...ownVols])],
  });

  // 2. Networks and volumes.
  for (const net of Object.values(model.networks)) {
    const actual = await host.networks.inspect(net.name);
    if (actual && (net.external || !networkDiverged(net, actual))) continue;
    if (actual) {
      // Changed in the file (e.g. `internal`): docker compose removes the pods attached to it,
      // recreates the network, and the pods are then created again on the new one.
      emit({ kind: "Network", name: net.name, status: "Recreate" });
      removed.push(...await removeAttachedPods(engine, model.name, net.name, emit));
      await host.networks.remove(net.name);
    } else if (net.external) {
      throw new RkError(
        `network ${net.name} declared as external, but could not be found (create it with: rkl network create ${net.name})`,
      );
    }
    await host.networks.create({
      name: net.name,
      ...(net.subnet ? { subnet: net.subnet } : {}),
      ...(net.internal ? { internal: true } : {}),
    });
    emit({ kind: "Network", name: net.name, status: actual ? "Recreated" : "Created" });
  }
  for (const vol of Object.values(model.volumes)) {
    const path = volumePath(dirs.volumesDir, vol.name);
    let exists = true;
    try {
      await Deno.stat(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      exists = false;
    }
    if (exists) continue;
    if (vol.external) {
      throw new RkError(`external volume "${vol.name}" not found (expected ${path})`);
    }
    await Deno.mkdir(path, { recursive: true });
    emit({ kind: "Volume", name: vol.name, status: "Created" });
  }
  await writeGeneratedFiles(model, filesDir);
  return [...new Set(removed)];
}

/**
 * Brings the project up (see the module doc). Resolves when every selected service runs (and,
 * with `wait`, is healthy); throws {@linkcode ComposeUpError} when some failed.
 */
export async function composeUp(
  engine: Engine,
  host: ComposeHost,
  input: ComposeModel,
  opts: ComposeUpOptions = {},
): Promise<void> {
  const emit = host.onEvent ?? (() => {});
  const model: ComposeModel = { ...input, services: { ...input.services } };
  for (const [name, n] of Object.entries(opts.scale ?? {})) {
    const svc = model.services[name];
    if (!svc) throw new RkError(`no such service: ${name}`);
    if (svc.containerName !== undefined && n > 1) {
      throw new RkError(`service "${name}" has container_name: it cannot be scaled to ${n}`);
    }
    if (n > 1 && Object.values(svc.networks).some((sn) => sn.ipv4Address !== undefined)) {
      throw new RkError(`service "${name}" has an ipv4_address: it cannot be scaled to ${n}`);
    }
    model.services[name] = { ...svc, replicas: n };
  }
  let selected = selectServices(model.services, opts.services ?? [], opts.noDeps ?? false);
  const dirs = composeDirs(engine.paths.dataDir);
  const filesDir = projectDir(dirs, model.name);

  // Pods removed with a recreated network come back even when their service was not named.
  const removed = await prepareProject(engine, host, model);
  selected = [...new Set([...selected, ...removed.filter((s) => s in model.services)])].sort();

  // 3. Plan against what runs.
  const hashes: Record<string, string> = {};
  for (const name of Object.keys(model.services)) {
    hashes[name] = await serviceConfigHash(model, model.services[name]!);
  }
  // The runtime is asked about pods only when the project has some (a first `up` has none).
  const existing = projectPods(engine, model.name).filter((p) => p.replica > 0);
  const views = new Map(
    existing.length === 0
      ? []
      : (await listPods(engine, { namespace: "default" })).map((v) => [v.id, v]),
  );
  const observed = existing.map((p) => {
    const v = views.get(p.record.id);
    return {
      pod: p.record.name,
      service: p.service,
      replica: p.replica,
      hash: p.record.config.annotations[ANNOTATION_CONFIG_HASH] ?? "",
      running: v !== undefined && v.sandbox === "ready" &&
        v.containers.every((c) => c.init || c.state === "running"),
    };
  });
  const desired = Object.values(model.services).flatMap((s) =>
    Array.from({ length: s.replicas }, (_, i) => ({
      service: s.name,
      replica: i + 1,
      hash: hashes[s.name]!,
    }))
  );
  const actions = planUp(desired, observed, {
    modelServices: Object.keys(model.services),
    selected,
    ...(opts.forceRecreate ? { forceRecreate: true } : {}),
    ...(opts.removeOrphans ? { removeOrphans: true } : {}),
    restartDependents: restartDependents(model.services),
  });
  const recordByName = new Map(projectPods(engine, model.name).map((p) => [p.record.name, p]));

  // Hosts files are rewritten one sync at a time; a request made while a sync is still queued
  // joins it (that sync reads the store after the request), so n services starting together
  // cost one or two rewrites of every pod's file, not n.
  let hostsChain: Promise<void> = Promise.resolve();
  let queuedSync: Promise<void> | undefined;
  const syncHosts = (): Promise<void> => {
    if (queuedSync) return queuedSync;
    const next = hostsChain.then(() => {
      queuedSync = undefined;
      return syncProjectHosts(engine, host.networks, host.renderHosts, model.name);
    });
    queuedSync = next;
    hostsChain = next.catch(() => {});
    return next;
  };
  // A service's dependents must resolve it when they start; everyone else is brought up to date
  // by the sync after the last service.
  const hasDependents = new Set(
    Object.values(model.services).flatMap((s) => Object.keys(s.dependsOn)),
  );

  // 4. Orphans and scale-downs.
  for (const a of actions) {
    if (a.kind === "orphan") {
      emit({
        kind: "Warning",
        name: a.pod,
        status: "Orphan",
        detail:
          `Found orphan pod (${a.pod}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
      });
    }
  }
  await Promise.all(
    actions.filter((a) => a.kind === "remove").map(async (a) => {
      if (a.kind !== "remove") return;
      const p = recordByName.get(a.pod);
      if (p) await teardownSandbox(engine, p.record);
      emit({ kind: "Container", name: a.pod, status: "Removed" });
    }),
  );

  // 5. Services in dependency order, independent ones in parallel.
  // depends_on.restart: the dependents a service's recreate restarts are stopped before it (and
  // started again by their own task, after it).
  const restarts = actions.filter((a) => a.kind === "restart");
  const restartedBy = new Map<string, typeof restarts>();
  for (const a of restarts) {
    for (const dep of Object.keys(model.services[a.service]?.dependsOn ?? {})) {
      if (!model.services[a.service]?.dependsOn[dep]?.restart) continue;
      restartedBy.set(dep, [...(restartedBy.get(dep) ?? []), a]);
    }
  }
  const stopped = new Set<string>();
  const stopDependents = async (name: string) => {
    await Promise.all((restartedBy.get(name) ?? []).map(async (a) => {
      if (stopped.has(a.pod)) return;
      stopped.add(a.pod);
      const p = recordByName.get(a.pod);
      if (!p) return;
      await stopPodSandbox(engine, p.record.id, undefined, p.record.namespace);
      emit({ kind: "Container", name: a.pod, status: "Stopped" });
    }));
  };
  const tasks = new Map<string, Promise<void>>();
  const failures: Record<string, string> = {};
  const startService = async (name: string): Promise<void> => {
    const svc = model.services[name]!;
    for (const [dep, d] of Object.entries(svc.dependsOn)) {
      const depSvc = model.services[dep];
      if (!depSvc) continue;
      try {
        await tasks.get(dep);
        for (let r = 1; r <= depSvc.replicas; r++) {
          const ref = serviceContainerRef(model, depSvc, r);
          if (d.condition === "service_healthy") {
            if (!depSvc.healthcheck) {
              throw new RkError(`dependency "${dep}" has no healthcheck configured`);
            }
            await waitHealthy(engine, dep, ref, depSvc.healthcheck);
            emit({ kind: "Container", name: podNameOf(model.name, depSvc, r), status: "Healthy" });
          } else if (d.condition === "service_completed_successfully") {
            await waitCompleted(engine, dep, ref);
            emit({ kind: "Container", name: podNameOf(model.name, depSvc, r), status: "Exited" });
          }
        }
      } catch (e) {
        if (!d.required) {
          emit({
            kind: "Warning",
            name,
            status: "Dependency",
            detail: `optional dependency "${dep}" failed: ${(e as Error).message}`,
          });
          continue;
        }
        throw e;
      }
    }
    const mine = actions.filter((a) =>
      a.service === name &&
      (a.kind === "create" || a.kind === "recreate" || a.kind === "keep" || a.kind === "restart")
    );
    if (mine.some((a) => a.kind === "recreate")) await stopDependents(name);
    await Promise.all(mine.map(async (a) => {
      if (a.kind === "keep") {
        emit({ kind: "Container", name: a.pod, status: "Running" });
        return;
      }
      if (a.kind === "restart") {
        const p = recordByName.get(a.pod);
        if (p && await startPodAgain(engine, p.record, opts.pickPort)) {
          emit({ kind: "Container", name: a.pod, status: "Started" });
        }
        return;
      }
      if (a.kind !== "create" && a.kind !== "recreate") return;
      const podName = podNameOf(model.name, svc, a.replica);
      if (a.kind === "recreate") {
        const old = recordByName.get(a.pod);
        emit({ kind: "Container", name: a.pod, status: "Recreate" });
        if (old) await teardownSandbox(engine, old.record);
      } else emit({ kind: "Container", name: podName, status: "Creating" });
      for (const v of svc.volumes) {
        if (v.type === "bind" && v.createHostPath && v.source) await ensureDirectory(v.source);
      }
      // `ports: ["80"]` gets an ephemeral host port; another process may take it first, and
      // the network provider's check then refuses the pod: pick again (bounded).
      const ephemeral = svc.ports.some((p) => p.published === undefined);
      for (let attempt = 1;; attempt++) {
        const filled = await withEphemeralPorts(svc, opts.pickPort ?? pickEphemeralPort);
        const obj = servicePod(model, filled, a.replica, {
          volumesDir: dirs.volumesDir,
          filesDir,
          configHash: hashes[name]!,
        });
        const picked = ephemeralPortsAnnotation(svc, filled);
        if (picked !== undefined) {
          (obj.metadata as { annotations: Record<string, string> }).annotations[
            ANNOTATION_EPHEMERAL_PORTS
          ] = picked;
        }
        const { pod } = podManifestOf(
          obj,
          `${model.files[0] ?? "compose.yaml"} (service ${name})`,
          opts.checkImage,
        );
        try {
          const result = await runPod(engine, pod);
          if (result.failure) throw new RkError(result.failure.reason);
          break;
        } catch (e) {
          if (!(ephemeral && e instanceof ConflictError && attempt < 3)) throw e;
        }
      }
      emit({
        kind: "Container",
        name: podName,
        status: a.kind === "recreate" ? "Recreated" : "Started",
      });
    }));
    if (hasDependents.has(name)) await syncHosts();
    if (opts.wait && svc.healthcheck) {
      for (let r = 1; r <= svc.replicas; r++) {
        await waitHealthy(engine, name, serviceContainerRef(model, svc, r), svc.healthcheck);
        emit({ kind: "Container", name: podNameOf(model.name, svc, r), status: "Healthy" });
      }
    }
  };
  // Tasks are created in dependency order, so each finds its dependencies' tasks. Dependents
  // restarted for depends_on.restart get a task even when they were not selected.
  const order = [...new Set([...selected, ...restarts.map((a) => a.service)])];
  const placed = new Set<string>();
  const visit = (n: string) => {
    if (placed.has(n)) return;
    placed.add(n);
    for (const d of Object.keys(model.services[n]?.dependsOn ?? {})) {
      if (order.includes(d)) visit(d);
    }
    tasks.set(
      n,
      startService(n).catch((e: unknown) => {
        const reason = e instanceof Error ? e.message : String(e);
        failures[n] = reason;
        // Named as the container docker would name (`Container log  Error`).
        const svc = model.services[n];
        const shown = svc?.replicas === 1 ? podNameOf(model.name, svc, 1) : n;
        emit({ kind: "Container", name: shown, status: "Error", detail: reason });
        throw e;
      }),
    );
  };
  for (const n of order) visit(n);
  await Promise.allSettled([...tasks.values()]);
  await syncHosts();
  if (Object.keys(failures).length > 0) throw new ComposeUpError(failures);
}
