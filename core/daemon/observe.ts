/**
 * The daemon's relist (the kubelet's PLEG): one runtime `list` call, the monitors' exit files
 * and the store give every pod's observed state. Nothing is cached between relists: the store
 * and the runtime are the only truth. A container or pause process the runtime no longer knows
 * although it was created (its state vanished with `/run`, as after a reboot) counts as exited.
 *
 * @module
 */
import { join } from "node:path";
import { type ContainerView, type Engine, viewOf } from "../container/mod.ts";
import { containerCgroupPath } from "../cgroup/cgroup_path.ts";
import { run } from "../exec.ts";
import { currentOwner, liveOwners } from "../owner_process.ts";
import { pathExists } from "../fs.ts";
import { containerObservation } from "../pod/pod_containers.ts";
import { podShape } from "../pod/pod_status.ts";
import type { ContainerObservation, SandboxState } from "../pod/pod_status.ts";
import { listSandboxRecords, type SandboxRecord } from "../pod/pod_store.ts";
import { LABEL_CONTAINER_NAME } from "../pod/pod_labels.ts";
import { sandboxState } from "../pod/sandbox_status.ts";
import { probeVerdicts, recordTermination, type TerminationFact } from "../pod/container_facts.ts";
import { readPodFacts } from "../pod/pod_view.ts";
import { type ContainerRecord, listContainerRecords } from "../store/containers.ts";
import type { RuntimeState } from "../runtime/oci_runtime.ts";
import { initRuntimeFact, readProcStats } from "../container/init_liveness.ts";
import type { ObservedPod, PodSource } from "./pod_sync_planner.ts";
import { STATIC_POD_ANNOTATION_HASH, STATIC_POD_ANNOTATION_SOURCE } from "./static_pods.ts";

/** One observed pod with the records and views behind it (for the executor). */
export interface ObservedPodDetail {
  /** What the planner sees. */
  pod: ObservedPod;
  /** The sandbox record. */
  record: SandboxRecord;
  /** Container views by name in the pod. */
  containers: Map<string, ContainerView>;
}

/** Result of {@linkcode observeNode}. */
export interface NodeObservation {
  /** Every pod with a manifest, by `namespace/name`. */
  pods: Map<string, ObservedPodDetail>;
  /** Containers whose exit was classified in this relist (for events). */
  newTerminations: { pod: string; container: string; id: string; fact: TerminationFact }[];
  /** Ids of every container (pause containers included) the runtime says is running. */
  running: Set<string>;
}

/** The source a sandbox was created from, by its `kubernetes.io/config.source` annotation. */
function podSourceOf(annotation: string | undefined): PodSource {
  return annotation === "file" || annotation === "api" ? annotation : "store";
}

/** A created container the runtime no longer knows, without a recorded exit. */
function lost(v: ContainerView, missing: boolean): boolean {
  return v.status === "unknown" && missing && v.record.pid !== undefined;
}

/**
 * Reads the OOM kill counter of a container's memory cgroup (v1 `memory.oom_control`, v2
 * `memory.events`); undefined when neither file exists (the cgroup is gone).
 */
export async function oomKills(cgroupPath: string): Promise<number | undefined> {
  const rel = cgroupPath.replace(/^\/+/, "");
  const r = await run([
    "cat",
    `/sys/fs/cgroup/memory/${rel}/memory.oom_control`,
    `/sys/fs/cgroup/${rel}/memory.events`,
  ], { allowFailure: true });
  const m = /^oom_kill (\d+)$/m.exec(r.stdout);
  return m ? Number(m[1]) : undefined;
}

/**
 * Classifies an exit: `OOMKilled` when the container's memory cgroup counted an OOM kill or
 * conmon left its `oom` file in the container's bundle (as Podman reads it), else `Completed`
 * (exit 0) or `Error`; the signal for codes above 128.
 */
export async function classifyExit(
  v: ContainerView,
  readOomKills: (cgroup: string) => Promise<number | undefined> = oomKills,
): Promise<TerminationFact> {
  const code = v.exitCode ?? -1;
  const fact: TerminationFact = { reason: code === 0 ? "Completed" : "Error", message: "" };
  if (code > 128) fact.signal = code - 128;
  const cgroup = containerCgroupPath(v.record.id, v.record.config.cgroupParent);
  const kills = code === 0 ? undefined : await readOomKills(cgroup);
  if (kills !== undefined && kills > 0) {
    fact.reason = "OOMKilled";
    fact.message = `the memory cgroup ${cgroup} counted ${kills} OOM kill(s)`;
  }
  if (
    fact.reason !== "OOMKilled" && code !== 0 && await pathExists(join(v.record.stateDir, "oom"))
  ) {
    // The cgroup is gone (or counted nothing) but conmon saw the OOM kill.
    fact.reason = "OOMKilled";
    fact.message = "conmon recorded an OOM kill (the bundle's oom file)";
  }
  return fact;
}

function stateOf(o: ContainerObservation, v: ContainerView, missing: boolean): void {
  if (lost(v, missing)) {
    o.state = "exited";
    o.reason = "Lost";
  }
}

/** With this many containers or fewer to ask about, `state` each instead of one `list`. */
const STATE_CALLS_MAX = 3;

/**
 * The runtime state of every container without a recorded exit, as the relist needs it. A
 * container whose init process runs under its recorded conmon is running: one `cat` of the
 * init processes' `/proc/PID/stat` says so for all of them (`init_liveness.ts`). Only the
 * others — being created, created and not started, exited, re-parented — are asked of the
 * runtime: `state` for a few, one `list` for more. `runc list` reads every container's state
 * and costs ~2 ms of CPU per container: a node with 40 containers spent ~90 ms on each relist,
 * and a pod start relists two or three times. Containers this process is creating (their
 * record's creator) are not asked about either: created once they have a pid.
 */
async function runtimeStates(
  engine: Engine,
  records: readonly ContainerRecord[],
): Promise<Map<string, RuntimeState>> {
  const states = new Map<string, RuntimeState>();
  const open = records.filter((r) => r.exitCode === undefined);
  if (open.length === 0) return states;
  const stats = await readProcStats(open.flatMap((r) => r.pid === undefined ? [] : [r.pid]));
  const me = await currentOwner();
  const unsettled: ContainerRecord[] = [];
  for (const r of open) {
    const fact = initRuntimeFact(r, r.pid === undefined ? undefined : stats.get(r.pid));
    // Only "running" is taken from /proc: a gone process is the runtime's (and the exit
    // file's) to explain, as before.
    if (fact?.status === "running") states.set(r.id, fact);
    else if (r.creator?.pid === me.pid && r.creator.startedAt === me.startedAt) {
      // This process is creating it right now (a task of the daemon holds its pod, and the
      // planner waits for that task): created once the runtime gave its pid, else still being
      // created — nothing to ask the runtime (a relist while pods start asked it about each).
      if (r.pid !== undefined) {
        states.set(r.id, { id: r.id, status: "created", pid: r.pid, bundle: r.stateDir });
      }
    } else unsettled.push(r);
  }
  if (unsettled.length === 0) return states;
  if (unsettled.length <= STATE_CALLS_MAX) {
    await Promise.all(unsettled.map(async (r) => {
      const st = await engine.runtime.state(r.id);
      if (st) states.set(r.id, st);
    }));
    return states;
  }
  const wanted = new Set(unsettled.map((r) => r.id));
  for (const st of await engine.runtime.list()) if (wanted.has(st.id)) states.set(st.id, st);
  return states;
}

/**
 * Observes every pod of the node: records, the runtime's states (see `runtimeStates`), exit
 * files, recorded facts. Exits seen for the first time are classified (OOM) and recorded.
 */
export async function observeNode(engine: Engine): Promise<NodeObservation> {
  const recs = listSandboxRecords(engine.db);
  const containerRecs = listContainerRecords(engine.db);
  const states = await runtimeStates(engine, containerRecs);
  // Records still being created: one question for all their creators (no `ps` for this
  // process's own). Exit files: one read of the directory, after the runtime's answer (a
  // container exiting in between is seen as exited); only those present are read.
  const live = await liveOwners(containerRecs.flatMap((r) => r.creator ? [r.creator] : []));
  const exited = containerRecs.length > 0
    ? await engine.monitor.exitedIds?.(engine.paths.exitDir)
    : undefined;
  const views = new Map<string, { view: ContainerView; missing: boolean }>();
  await Promise.all(containerRecs.map(async (r) => {
    const st = states.get(r.id);
    views.set(r.id, {
      view: await viewOf(engine, r, st ?? "missing", live, exited),
      missing: st === undefined,
    });
  }));
  let facts = readPodFacts(engine);
  const newTerminations: NodeObservation["newTerminations"] = [];
  for (const { view } of views.values()) {
    if (view.status !== "stopped" || view.exitCode === undefined || !view.record.owner) continue;
    if (facts.terminations.has(view.record.id)) continue;
    const name = view.record.labels[LABEL_CONTAINER_NAME];
    if (name === undefined) continue;
    const fact = await classifyExit(view);
    recordTermination(engine.db, view.record.id, fact);
    const rec = recs.find((r) => r.id === view.record.owner);
    if (rec) {
      newTerminations.push({
        pod: `${rec.namespace}/${rec.name}`,
        container: name,
        id: view.record.id,
        fact,
      });
    }
  }
  if (newTerminations.length > 0) facts = readPodFacts(engine);
  const running = new Set<string>();
  for (const { view } of views.values()) if (view.status === "running") running.add(view.record.id);

  const pods = new Map<string, ObservedPodDetail>();
  for (const rec of recs) {
    if (!rec.manifest) continue;
    const key = `${rec.namespace}/${rec.name}`;
    const pause = rec.pauseContainerId ? views.get(rec.pauseContainerId) : undefined;
    let sandbox: SandboxState = sandboxState(rec, pause?.view);
    if (pause && lost(pause.view, pause.missing)) sandbox = "notready";
    const specs = new Map(
      [...rec.manifest.initContainers, ...rec.manifest.containers].map((c) => [c.name, c]),
    );
    const byName = new Map<string, ContainerView>();
    const containers: Record<string, ContainerObservation> = {};
    for (const { view, missing } of views.values()) {
      if (view.record.owner !== rec.id || view.record.id === rec.pauseContainerId) continue;
      const name = view.record.labels[LABEL_CONTAINER_NAME];
      if (name === undefined) continue;
      const prev = byName.get(name);
      if (prev && prev.createdAt > view.createdAt) continue;
      byName.set(name, view);
      const termination = facts.terminations.get(view.record.id);
      const probes = probeVerdicts(specs.get(name), facts.probes.get(view.record.id));
      const o = containerObservation(view, {
        ...(termination ? { termination } : {}),
        ...(probes ? { probes } : {}),
      });
      stateOf(o, view, missing);
      containers[name] = o;
    }
    const annotations = rec.config.annotations;
    const pod: ObservedPod = {
      key,
      sandboxId: rec.id,
      source: podSourceOf(annotations[STATIC_POD_ANNOTATION_SOURCE]),
      stopped: rec.stopped,
      terminationGracePeriodSeconds: rec.manifest.terminationGracePeriodSeconds,
      createdAt: rec.createdAt,
      shape: podShape(rec.manifest),
      observation: { sandbox, containers },
    };
    const hash = annotations[STATIC_POD_ANNOTATION_HASH];
    if (hash !== undefined) pod.hash = hash;
    pods.set(key, { pod, record: rec, containers: byName });
  }
  return { pods, newTerminations, running };
}
