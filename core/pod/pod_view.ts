/**
 * What `rkl pod list` and `rkl pod state` show: per pod the kubectl-style summary (READY n/m,
 * STATUS, RESTARTS, IP) and per container its state, exit code and reason, derived from the
 * records, the runtime (one `list` call) and the monitors' exit files.
 *
 * @module
 */
import type { ContainerView } from "../container/status.ts";
import type { Engine } from "../container/engine.ts";
import {
  activeDeadlineAt,
  DEADLINE_EXCEEDED_MESSAGE,
  DEADLINE_EXCEEDED_REASON,
  exceededActiveDeadline,
} from "./active_deadline.ts";
import { listContainers } from "../container/list.ts";
import { containerObservation, criState } from "./container_observation.ts";
import { liveOwners, ownerAlive, ownerKey } from "../owner_process.ts";
import { findSandbox, listSandboxRecords, type SandboxRecord } from "./pod_store.ts";
import {
  type ContainerObservation,
  containerReason,
  inCrashLoop,
  type PodContainerState,
  type PodPhase,
  type SandboxState,
  summarizePod,
} from "./pod_status.ts";
import { LABEL_CONTAINER_NAME } from "./pod_labels.ts";
import { podShape } from "./pod_status.ts";
import { sandboxState } from "./sandbox_status.ts";
import {
  lastStateOf,
  type ProbeKind,
  type ProbeResult,
  probeResults,
  probeVerdicts,
  type TerminationFact,
  terminationFacts,
  type TerminationState,
} from "./container_facts.ts";

/** One container of a pod as shown by `rkl pod state`. */
export interface PodContainerInfo {
  /** Name in the pod. */
  name: string;
  /** True for an init container. */
  init: boolean;
  /** Engine container id, once created. */
  id?: string;
  /** State; `waiting` before it was created. */
  state: PodContainerState | "waiting";
  /** Exit code once exited. */
  exitCode?: number;
  /** `Running`, `Completed`, `Error`, `ContainerCreating`, `PodInitializing`, ... */
  reason: string;
  /** Restarts. */
  restartCount: number;
  /** PID while running. */
  pid?: number;
  /** Start time (ms since the epoch). */
  startedAt?: number;
  /** Exit time (ms since the epoch). */
  finishedAt?: number;
  /** Image bundle. */
  image: string;
  /** Readiness (false while a readiness or startup probe has not passed). */
  ready: boolean;
  /** How the container this one replaced terminated (after a restart). */
  lastState?: TerminationState;
}

/** One pod as shown by `rkl pod list` / `rkl pod state`. */
export interface PodView {
  /** Sandbox id. */
  id: string;
  /** Pod name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Pod uid. */
  uid: string;
  /** Phase. */
  phase: PodPhase;
  /** The STATUS column. */
  status: string;
  /** `n/m` running app containers. */
  ready: string;
  /** Restarts over all containers. */
  restarts: number;
  /** Primary pod IP, or empty. */
  ip: string;
  /** Every pod IP. */
  ips: string[];
  /** Creation time (ms since the epoch). */
  createdAt: number;
  /** Sandbox state. */
  sandbox: SandboxState;
  /** Why the pod failed, when it did. */
  failure?: string;
  /** Pause process pid while the sandbox is ready. */
  pausePid?: number;
  /** Pod cgroup parent. */
  cgroupParent: string;
  /** Network namespace path. */
  netnsPath: string;
  /** Init containers then app containers, in manifest order. */
  containers: PodContainerInfo[];
}

/** What supervisors recorded about containers: termination reasons and probe results. */
export interface PodFacts {
  /** Termination facts by container id. */
  terminations: ReadonlyMap<string, TerminationFact>;
  /** Probe results by container id. */
  probes: ReadonlyMap<string, ReadonlyMap<ProbeKind, ProbeResult>>;
}

/** Reads every {@linkcode PodFacts} from the store. */
export function readPodFacts(engine: Engine): PodFacts {
  return { terminations: terminationFacts(engine.db), probes: probeResults(engine.db) };
}

/**
 * Builds the view of one pod from its record and the views of the containers it owns.
 * `creatorGone` (the process creating the pod died before it finished) makes the pod `Unknown`
 * with status `Interrupted` and a failure saying how to remove it. A pod killed past its
 * `activeDeadlineSeconds` at `now` (ms; sandbox stopped) is `Failed` with status
 * `DeadlineExceeded`.
 */
export function buildPodView(
  rec: SandboxRecord,
  owned: readonly ContainerView[],
  facts: PodFacts = { terminations: new Map(), probes: new Map() },
  creatorGone = false,
  now: number = Date.now(),
): PodView {
  const pause = owned.find((v) => v.record.id === rec.pauseContainerId);
  const byName = new Map<string, ContainerView>();
  for (const v of owned) {
    const n = v.record.labels[LABEL_CONTAINER_NAME];
    if (n !== undefined && v.record.id !== rec.pauseContainerId) byName.set(n, v);
  }
  const sandbox = sandboxState(rec, pause);
  const shape = rec.manifest
    ? podShape(rec.manifest)
    : { initContainers: [], containers: [...byName.keys()], restartPolicy: "Never" as const };
  const specs = new Map(
    [...(rec.manifest?.initContainers ?? []), ...(rec.manifest?.containers ?? [])].map((c) => [
      c.name,
      c,
    ]),
  );
  const observed: Record<string, ContainerObservation> = {};
  for (const [n, v] of byName) {
    const termination = facts.terminations.get(v.record.id);
    const probes = probeVerdicts(specs.get(n), facts.probes.get(v.record.id));
    observed[n] = containerObservation(v, {
      ...(termination ? { termination } : {}),
      ...(probes ? { probes } : {}),
    });
  }
  const summary = summarizePod(shape, { sandbox, containers: observed });
  const images = new Map(
    [...(rec.manifest?.initContainers ?? []), ...(rec.manifest?.containers ?? [])].map((c) => [
      c.name,
      c.image,
    ]),
  );
  const containers: PodContainerInfo[] = [];
  const initDone = shape.initContainers.every((n) => observed[n]?.exitCode === 0);
  for (const [i, name] of [...shape.initContainers, ...shape.containers].entries()) {
    const init = i < shape.initContainers.length;
    const v = byName.get(name);
    const o = observed[name];
    const info: PodContainerInfo = {
      name,
      init,
      state: v ? criState(v) : "waiting",
      reason: v
        ? (inCrashLoop(shape.restartPolicy, o) ? "CrashLoopBackOff" : containerReason(o))
        : (!init && !initDone ? "PodInitializing" : "ContainerCreating"),
      ready: o?.state === "running" && o.probes?.ready !== false && o.probes?.started !== false,
      restartCount: observed[name]?.restartCount ?? 0,
      image: v?.record.image ?? images.get(name) ?? "",
    };
    if (v) {
      info.id = v.record.id;
      if (v.exitCode !== undefined) info.exitCode = v.exitCode;
      if (v.status === "running" && v.pid !== undefined) info.pid = v.pid;
      if (v.startedAt !== undefined) info.startedAt = v.startedAt;
      if (v.finishedAt !== undefined) info.finishedAt = v.finishedAt;
      const last = lastStateOf(v.record.labels);
      if (last) info.lastState = last;
    }
    containers.push(info);
  }
  const view: PodView = {
    id: rec.id,
    name: rec.name,
    namespace: rec.namespace,
    uid: rec.uid,
    phase: rec.failure && summary.phase === "Pending" ? "Failed" : summary.phase,
    status: summary.status,
    ready: `${summary.ready}/${summary.total}`,
    restarts: summary.restarts,
    ip: rec.ips[0] ?? "",
    ips: rec.ips,
    createdAt: rec.createdAt,
    sandbox,
    cgroupParent: rec.cgroupParent,
    netnsPath: rec.netnsPath,
    containers,
  };
  if (rec.failure) view.failure = rec.failure;
  const deadlineAt = activeDeadlineAt(rec.manifest?.activeDeadlineSeconds, rec.createdAt);
  // Shown once the node killed it (the daemon enforces deadlines; a pod run without one is not
  // killed, so it is not reported as if it were).
  if (
    sandbox !== "ready" &&
    exceededActiveDeadline(deadlineAt, shape, { sandbox, containers: observed }, now)
  ) {
    view.phase = "Failed";
    view.status = DEADLINE_EXCEEDED_REASON;
    view.failure = DEADLINE_EXCEEDED_MESSAGE;
  }
  if (creatorGone) {
    view.phase = "Unknown";
    view.status = "Interrupted";
    view.failure = `creation interrupted: the process creating the pod (pid ${rec.creator?.pid}) ` +
      `is gone; remove it with "rkl pod rm -f ${rec.name}" or "rkl gc"`;
  }
  if (sandbox === "ready" && pause?.pid !== undefined) view.pausePid = pause.pid;
  return view;
}

/** Options of {@linkcode listPods}. */
export interface ListPodsOptions {
  /** Only the pods of this namespace. */
  namespace?: string;
  /**
   * The sandbox records as the caller just read them with `listSandboxRecords` (every
   * namespace), so that they are not read and parsed again.
   */
  records?: readonly SandboxRecord[];
}

/**
 * Every pod (optionally of one namespace), oldest first.
 *
 * @example
 * ```ts ignore
 * import { listPods } from "./pod_view.ts";
 * for (const p of await listPods(engine)) console.log(p.name, p.ready, p.status);
 * ```
 */
export async function listPods(
  engine: Engine,
  opts: ListPodsOptions = {},
): Promise<PodView[]> {
  const recs = (opts.records ?? listSandboxRecords(engine.db)).filter((r) =>
    opts.namespace === undefined || r.namespace === opts.namespace
  );
  if (recs.length === 0) return [];
  const facts = readPodFacts(engine);
  const byOwner = new Map<string, ContainerView[]>();
  // A pod's view shows no container config: each is parsed only if something uses it.
  for (const v of await listContainers(engine, {}, { configOnUse: true })) {
    if (v.record.owner === undefined) continue;
    const list = byOwner.get(v.record.owner) ?? [];
    list.push(v);
    byOwner.set(v.record.owner, list);
  }
  const live = await liveOwners(recs.flatMap((r) => r.creator ? [r.creator] : []));
  return recs.map((r) =>
    buildPodView(
      r,
      byOwner.get(r.id) ?? [],
      facts,
      r.creator !== undefined && !live.has(ownerKey(r.creator)),
    )
  );
}

/**
 * One pod by name (in `namespace`), id or unique id prefix.
 *
 * @example
 * ```ts ignore
 * import { podView } from "./pod_view.ts";
 * const p = await podView(engine, "web");
 * console.log(p.containers.map((c) => `${c.name} ${c.state} ${c.exitCode ?? ""}`));
 * ```
 */
export async function podView(
  engine: Engine,
  ref: string,
  namespace = "default",
): Promise<PodView> {
  const rec = findSandbox(engine.db, ref, namespace);
  const creatorGone = rec.creator !== undefined && !(await ownerAlive(rec.creator));
  return buildPodView(
    rec,
    await listContainers(engine, { owner: rec.id }),
    readPodFacts(engine),
    creatorGone,
  );
}
