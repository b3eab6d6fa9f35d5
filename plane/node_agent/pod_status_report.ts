/**
 * `buildPodStatus`: the `status` the node writes for a pod bound to it, as the kubelet's status
 * manager does (k8s.io/kubernetes pkg/kubelet/kubelet_pods.go `generateAPIPodStatus`): phase,
 * the conditions `PodScheduled`, `Initialized`, `ContainersReady`, `Ready` (with the kubelet's
 * reasons and messages, `lastTransitionTime` kept while a condition's status holds), `hostIP`(s),
 * `podIP`(s), `startTime`, and per container `state`, `lastState`, `ready`, `started`,
 * `restartCount`, `containerID`, `image`, `imageID`. Fields other writers own (`qosClass`,
 * `nominatedNodeName`, other conditions) are kept. Pure: the node's relist in, an object out;
 * {@linkcode sameStatus} tells whether it needs writing.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { ObservedPodDetail } from "../../core/daemon/observe.ts";
import { lastStateOf, type TerminationState } from "../../core/pod/container_facts.ts";
import { inCrashLoop, type PodObservation, summarizePod } from "../../core/pod/pod_status.ts";
import { restartBackoffMs } from "../../core/pod/pod_planner.ts";
import type { PodManifest } from "../../core/pod/pod_types.ts";
import {
  activeDeadlineAt,
  DEADLINE_EXCEEDED_MESSAGE,
  DEADLINE_EXCEEDED_REASON,
  exceededActiveDeadline,
} from "../../core/pod/active_deadline.ts";
import { containerImagesOf, type PodProblem } from "./cluster_pod_manifest.ts";

/** What the status is built from besides the relist. */
export interface PodStatusInput {
  /** The pod as the API server has it (spec and current status). */
  apiPod: Record<string, unknown>;
  /** The node's sandbox of this pod (same uid), if it has one. */
  detail?: ObservedPodDetail;
  /** Why the node cannot run it, if it cannot. */
  problem?: PodProblem;
  /**
   * Containers of the running pod that cannot be (re)started now, with the message of their
   * `CreateContainerConfigError` (a ConfigMap or Secret key their `env` needs is gone). Such a
   * container that is not running waits with that reason, its last exit as `lastState`.
   */
  containerProblems?: Readonly<Record<string, string>>;
  /** The node's address (`status.hostIP`). */
  hostIP: string;
  /** Runtime name for `containerID` (`<runtime>://<id>`), e.g. `runc`. */
  runtime: string;
  /** Now (for new transition times and `startTime`). */
  now: Date;
}

type Obj = Record<string, unknown>;

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(Math.floor(ms / 1000) * 1000).toISOString()
    .replace(".000Z", "Z");
}

function stamp(d: Date): string {
  return iso(d.getTime())!;
}

function terminated(t: TerminationState, runtime: string): Obj {
  const out: Obj = { exitCode: t.exitCode, reason: t.reason };
  if (t.message) out.message = t.message;
  // No `signal`: the kubelet fills terminated states from CRI, which has none (exit code 137
  // says SIGKILL).
  out.startedAt = iso(t.startedAt) ?? null;
  out.finishedAt = iso(t.finishedAt) ?? null;
  if (t.containerId) out.containerID = `${runtime}://${t.containerId}`;
  return { terminated: out };
}

function specContainers(apiPod: Obj, field: "containers" | "initContainers"): Obj[] {
  const spec = isRecord(apiPod.spec) ? apiPod.spec : {};
  const list = spec[field];
  return Array.isArray(list) ? list.filter(isRecord) : [];
}

/**
 * `ms` as Go's `time.Duration` prints a whole number of seconds (`10s`, `1m20s`, `5m0s`), as
 * the kubelet's back-off message shows it.
 */
function goDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/**
 * The waiting state of a container that has not run yet: the kubelet's default
 * (`convertToAPIContainerStatuses`) is `PodInitializing` for every container of a pod with init
 * containers, `ContainerCreating` otherwise, so kubectl shows `Init:0/1` while an init container
 * is being created and `PodInitializing` until the app containers run.
 */
function defaultWaiting(hasInit: boolean): Obj {
  return { waiting: { reason: hasInit ? "PodInitializing" : "ContainerCreating" } };
}

/** The termination facts of an exited container. */
function exitOf(
  o: PodObservation["containers"][string] & object,
  v: NonNullable<ReturnType<ObservedPodDetail["containers"]["get"]>>,
): TerminationState {
  const t: TerminationState = {
    exitCode: o.exitCode ?? v.exitCode ?? 137,
    reason: o.reason ?? ((o.exitCode ?? v.exitCode) === 0 ? "Completed" : "Error"),
    containerId: v.record.id,
  };
  if (t.exitCode > 128) t.signal = t.exitCode - 128;
  if (o.message) t.message = o.message;
  if (v.startedAt !== undefined) t.startedAt = v.startedAt;
  if (v.finishedAt !== undefined) t.finishedAt = v.finishedAt;
  return t;
}

/** `killed`: the pod was killed for good (active deadline): its exited containers stay terminated. */
function containerStatuses(input: PodStatusInput, init: boolean, killed = false): Obj[] {
  const { detail, problem, runtime } = input;
  const hasInit = specContainers(input.apiPod, "initContainers").length > 0;
  const out: Obj[] = [];
  for (const c of specContainers(input.apiPod, init ? "initContainers" : "containers")) {
    const name = String(c.name ?? "");
    const v = detail?.containers.get(name);
    // A container that exists reports the image it was created from (the kubelet reports the
    // running container's image), not a newer spec's the node has not carried out.
    const image = (v ? containerImagesOf(detail?.record.manifest?.annotations)[name] : undefined) ??
      String(c.image ?? "");
    const o = detail?.pod.observation.containers[name];
    const status: Obj = { name, image, imageID: image, ready: false, restartCount: 0 };
    const held = input.containerProblems?.[name];
    if (!v || !o) {
      // A problem about one container (its image is missing) is that container's waiting
      // reason; the others wait as usual (PodInitializing behind an init container).
      status.state = problem && (problem.container === undefined || problem.container === name)
        ? { waiting: { reason: problem.reason, message: problem.message } }
        : held !== undefined
        ? { waiting: { reason: "CreateContainerConfigError", message: held } }
        : defaultWaiting(hasInit);
      status.lastState = {};
      status.started = false;
      out.push(status);
      continue;
    }
    const policy = detail!.pod.shape.restartPolicy;
    status.restartCount = o.restartCount;
    status.containerID = `${runtime}://${v.record.id}`;
    const last = lastStateOf(v.record.labels);
    status.lastState = last ? terminated(last, runtime) : {};
    if (o.state === "running") {
      status.state = { running: { startedAt: iso(v.startedAt ?? v.createdAt) } };
      status.started = o.probes?.started !== false;
      status.ready = o.probes?.ready !== false && o.probes?.started !== false;
    } else if (o.state === "exited" && input.containerProblems?.[name] !== undefined) {
      // Its restart is held back (the kubelet's CreateContainerConfigError): the exit is
      // lastState, the state waits with the reason.
      const t = exitOf(o, v);
      status.lastState = terminated(t, runtime);
      status.state = {
        waiting: {
          reason: "CreateContainerConfigError",
          message: input.containerProblems[name],
        },
      };
      status.started = false;
    } else if (o.state === "exited") {
      const t = exitOf(o, v);
      if (!killed && (inCrashLoop(policy, o) || (policy === "Always" && !init))) {
        // About to be restarted: the kubelet shows the exit as lastState and waits.
        status.lastState = terminated(t, runtime);
        status.state = {
          waiting: inCrashLoop(policy, o)
            ? {
              reason: "CrashLoopBackOff",
              message: `back-off ${
                goDuration(restartBackoffMs((o.backoffSteps ?? o.restartCount) - 1))
              } restarting failed container=${name} pod=${detail!.pod.key.split("/")[1]}_${
                detail!.pod.key.split("/")[0]
              }(${detail!.record.uid})`,
            }
            : { reason: "ContainerCreating" },
        };
      } else {
        status.state = terminated(t, runtime);
      }
      status.started = false;
    } else {
      // Created and not started yet (or not readable yet): waiting, as before it was created.
      status.state = defaultWaiting(hasInit);
      status.started = false;
    }
    out.push(status);
  }
  return out;
}

function condition(
  old: Obj[],
  type: string,
  ok: boolean,
  now: Date,
  reason?: string,
  message?: string,
): Obj {
  const prev = old.find((c) => c.type === type);
  const status = ok ? "True" : "False";
  const c: Obj = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: prev?.status === status && typeof prev.lastTransitionTime === "string"
      ? prev.lastTransitionTime
      : stamp(now),
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/**
 * Whether any container of the pod has started (running or exited; `created` has not): until
 * then a failed creation's failure stands and the pod is retried, not finished.
 *
 * @example
 * ```ts
 * import { containerStarted } from "./pod_status_report.ts";
 * import assert from "node:assert/strict";
 * const created = { state: "created", restartCount: 0 } as const;
 * assert.ok(!containerStarted({ sandbox: "notready", containers: { a: created } }));
 * assert.ok(containerStarted({ sandbox: "ready", containers: { a: { ...created, state: "running" } } }));
 * ```
 */
export function containerStarted(obs: PodObservation): boolean {
  return Object.values(obs.containers).some((c) => c !== undefined && c.state !== "created");
}

/**
 * The pod's new status (see the module doc). `detail` absent: the pod is not created yet
 * (`Pending`, containers waiting in `ContainerCreating` or the problem's reason).
 *
 * @example
 * ```ts
 * import { buildPodStatus } from "./pod_status_report.ts";
 * import assert from "node:assert/strict";
 * const apiPod = { metadata: { uid: "u1" }, spec: { containers: [{ name: "a", image: "/img" }] },
 *   status: { phase: "Pending", qosClass: "BestEffort", conditions: [{ type: "PodScheduled", status: "True" }] } };
 * const s = buildPodStatus({ apiPod, hostIP: "10.0.0.1", runtime: "runc", now: new Date(0),
 *   problem: { reason: "ErrImageNeverPull", message: "no image" } });
 * assert.equal(s.phase, "Pending");
 * assert.equal(s.qosClass, "BestEffort");
 * const [c] = s.containerStatuses as { state: { waiting: { reason: string } } }[];
 * assert.equal(c!.state.waiting.reason, "ErrImageNeverPull");
 * ```
 */
export function buildPodStatus(input: PodStatusInput): Record<string, unknown> {
  const { apiPod, detail, now } = input;
  const old: Obj = isRecord(apiPod.status) ? apiPod.status : {};
  const oldConditions = Array.isArray(old.conditions) ? old.conditions.filter(isRecord) : [];
  const spec = isRecord(apiPod.spec) ? apiPod.spec : {};
  const inits = specContainers(apiPod, "initContainers");
  const apps = specContainers(apiPod, "containers");

  // A pod whose start failed on the node (a container the runtime could not create) stays
  // Pending with its containers waiting in CreateContainerError when it would be restarted
  // (restartPolicy Always/OnFailure), as the kubelet keeps such a pod: phase Failed would make
  // its ReplicaSet replace it, again and again, with pods failing the same way.
  const policy = typeof spec.restartPolicy === "string" ? spec.restartPolicy : "Always";
  const failure = detail?.record.failure;
  const retried = failure !== undefined && failure !== null && failure !== "" &&
    policy !== "Never";
  if (retried && !input.problem) {
    input = { ...input, problem: { reason: "CreateContainerError", message: String(failure) } };
  }
  const obs = detail?.pod.observation;
  const initDone = inits.every((c) => {
    const o = obs?.containers[String(c.name)];
    return o?.state === "exited" && o.exitCode === 0;
  }) || apps.some((c) => obs?.containers[String(c.name)] !== undefined);
  let phase = "Pending";
  if (detail) {
    const summary = summarizePod(detail.pod.shape, detail.pod.observation);
    phase = detail.record.failure && summary.phase === "Pending" && !retried
      ? "Failed"
      : summary.phase;
    // A failed creation's stopped sandbox reads as Failed; the node retries it (unless
    // restartPolicy is Never), so it stays Pending, as the kubelet keeps such a pod.
    const started = containerStarted(detail.pod.observation);
    if (phase === "Failed" && policy !== "Never" && (retried || (input.problem && !started))) {
      phase = "Pending";
    }
    // The kubelet never reports `Unknown` (its getPhase has no such case): a sandbox that cannot
    // be read yet (being created) keeps the phase the pod had, Pending for a new one.
    if (phase === "Unknown") {
      phase = typeof old.phase === "string" && old.phase !== "Unknown" ? old.phase : "Pending";
    }
  }
  // The kubelet's active deadline handler: past `spec.activeDeadlineSeconds` since
  // `status.startTime`, the pod is Failed with reason DeadlineExceeded (the node kills it).
  const deadline = detail !== undefined &&
    exceededActiveDeadline(
      activeDeadlineAt(
        typeof spec.activeDeadlineSeconds === "number" ? spec.activeDeadlineSeconds : undefined,
        typeof old.startTime === "string" ? Date.parse(old.startTime) : detail.record.createdAt,
      ),
      detail.pod.shape,
      detail.pod.observation,
      now.getTime(),
    );
  if (deadline) phase = "Failed";
  const initStatuses = containerStatuses(input, true, deadline);
  const appStatuses = containerStatuses(input, false, deadline);
  const notReady = appStatuses.filter((c) => c.ready !== true).map((c) => String(c.name));
  const finished = phase === "Succeeded" || phase === "Failed";
  const notInit = inits.filter((c) => {
    const o = obs?.containers[String(c.name)];
    return !(o?.state === "exited" && o.exitCode === 0);
  }).map((c) => String(c.name));

  const conditions: Obj[] = [];
  const own = new Set(["PodScheduled", "Initialized", "ContainersReady", "Ready"]);
  conditions.push(
    oldConditions.find((c) => c.type === "PodScheduled") ??
      condition(oldConditions, "PodScheduled", true, now),
  );
  conditions.push(condition(
    oldConditions,
    "Initialized",
    initDone,
    now,
    "ContainersNotInitialized",
    `containers with incomplete status: [${notInit.join(" ")}]`,
  ));
  const ready = notReady.length === 0 && !finished;
  const why = finished ? "PodCompleted" : "ContainersNotReady";
  const msg = finished ? undefined : `containers with unready status: [${notReady.join(" ")}]`;
  conditions.push(condition(oldConditions, "ContainersReady", ready, now, why, msg));
  conditions.push(condition(oldConditions, "Ready", ready, now, why, msg));
  for (const c of oldConditions) if (!own.has(String(c.type))) conditions.push(c);

  const status: Obj = { ...old, phase, conditions };
  if (deadline) {
    status.reason = DEADLINE_EXCEEDED_REASON;
    status.message = DEADLINE_EXCEEDED_MESSAGE;
  }
  status.hostIP = input.hostIP;
  status.hostIPs = [{ ip: input.hostIP }];
  const manifest: PodManifest | undefined = detail?.record.manifest;
  const ips = spec.hostNetwork === true || manifest?.hostNetwork
    ? [input.hostIP]
    : (detail?.record.ips ?? []);
  if (ips.length > 0) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  } else {
    delete status.podIP;
    delete status.podIPs;
  }
  status.startTime = typeof old.startTime === "string"
    ? old.startTime
    : (iso(detail?.record.createdAt) ?? stamp(now));
  if (inits.length > 0) status.initContainerStatuses = initStatuses;
  status.containerStatuses = appStatuses;
  return status;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isRecord(v)) {
    return `{${
      Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) =>
        `${JSON.stringify(k)}:${canonical(v[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(v) ?? "null";
}

/**
 * True when two statuses are the same (key order ignored): no write is needed.
 *
 * @example
 * ```ts
 * import { sameStatus } from "./pod_status_report.ts";
 * import assert from "node:assert/strict";
 * assert.ok(sameStatus({ a: 1, b: [{ x: 1, y: 2 }] }, { b: [{ y: 2, x: 1 }], a: 1 }));
 * assert.ok(!sameStatus({ phase: "Pending" }, { phase: "Running" }));
 * ```
 */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * A status as canonical JSON text (object keys sorted, `undefined` members left out): two
 * statuses are the same ({@linkcode sameStatus}) when their texts are equal, so a writer that
 * compares one status with several keeps the text instead of walking the status each time.
 *
 * @example
 * ```ts
 * import { statusText } from "./pod_status_report.ts";
 * import assert from "node:assert/strict";
 * assert.equal(statusText({ phase: "Running", a: undefined, conditions: [{ type: "Ready", status: "True" }] }),
 *   '{"conditions":[{"status":"True","type":"Ready"}],"phase":"Running"}');
 * ```
 */
export function statusText(status: unknown): string {
  return canonical(status);
}
