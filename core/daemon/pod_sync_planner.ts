/**
 * The node's pure reconcile planner: `planPodSync(desired, observed, now) → actions`. Desired
 * pods come from sources (static manifest files, pods started by the CLI, later compose services
 * and the cluster); observed pods come from the store, the runtime and the monitors' exit files.
 * Pod-level decisions (create, replace, remove, stop a finished pod) are made here; decisions
 * about one pod's containers (init order, restart policy with the kubelet's back-off, liveness
 * kills) are delegated to the one pod planner, {@linkcode planPod}.
 *
 * @module
 */
import { type BackoffOptions, planPod, type PodAction } from "../pod/pod_planner.ts";
import type { PodManifest } from "../pod/pod_manifest.ts";
import {
  activeDeadlineAt,
  DEADLINE_EXCEEDED_MESSAGE,
  exceededActiveDeadline,
} from "../pod/active_deadline.ts";
import { type PodObservation, type PodShape, restartsAfterExit } from "../pod/pod_status.ts";

/**
 * Where a supervised pod comes from: `file` (a static manifest), `store` (started by the CLI),
 * `api` (bound to this node in the cluster; the kubelet's source name).
 */
export type PodSource = "file" | "store" | "api";

/** A pod the node should run. */
export interface DesiredPod {
  /** `namespace/name`. */
  key: string;
  /**
   * The validated manifest (for static pods: with the node-name suffix and annotations). For a
   * pod that already runs with this `uid`, only its containers' `env` is read: what a container
   * (re)started in the sandbox gets (the kubelet resolves a container's environment at each
   * start); everything else comes from the sandbox's record.
   */
  manifest: PodManifest;
  /** Hash of the parsed spec; an observed pod of the same source with another hash is replaced. */
  hash: string;
  /** Its source. */
  source: PodSource;
  /** The pod's uid, when its source fixes it (cluster pods); default a new random one. */
  uid?: string;
  /**
   * Set when the pod is being deleted (the API object has a `deletionTimestamp`): its containers
   * are stopped within `graceSeconds` and the pod removed; it is never created.
   */
  deletion?: { graceSeconds: number };
  /**
   * Containers of a running pod that cannot be (re)started now, with why: the kubelet's
   * `CreateContainerConfigError` (`couldn't find key K in ConfigMap NS/NAME`) when a ConfigMap or
   * Secret key a container's `env` needs is gone. Their start waits (a `wait` action naming the
   * container) until the key is back.
   */
  containerConfigErrors?: Readonly<Record<string, string>>;
  /**
   * The pod's start time, ms since the epoch, when its source knows it (a cluster pod's
   * `status.startTime`); default the sandbox's creation. Its active deadline counts from here.
   */
  startTime?: number;
}

/** A pod the node has (a sandbox record), with what the runtime says about it. */
export interface ObservedPod {
  /** `namespace/name`. */
  key: string;
  /** Sandbox id. */
  sandboxId: string;
  /** Source it was created from (`file` for static pods, by annotation). */
  source: PodSource;
  /** The spec hash it was created from (static pods), if any. */
  hash?: string;
  /** Stopped on purpose (`rkl pod stop`, or a finished pod the daemon stopped). */
  stopped: boolean;
  /**
   * Its manifest's `terminationGracePeriodSeconds` (seconds): the grace its containers get when
   * the node removes a static pod on its own (file removed or changed). Unset: killed at once.
   */
  terminationGracePeriodSeconds?: number;
  /** When its sandbox record was created, ms since the epoch (the start time of its active deadline). */
  createdAt?: number;
  /** Container names and restart policy. */
  shape: PodShape;
  /** Sandbox and container states. */
  observation: PodObservation;
}

/** One step of the node's reconcile, with the pod it is about and why. */
export type PodSyncAction =
  | { kind: "createPod"; pod: string; reason: string }
  | {
    kind: "removePod";
    pod: string;
    sandboxId: string;
    reason: string;
    /** Stop every running container within this many seconds first (a graceful deletion). */
    graceSeconds?: number;
  }
  | { kind: "stopPod"; pod: string; sandboxId: string; reason: string }
  | {
    /**
     * The pod passed its `activeDeadlineSeconds`: its running containers are killed within
     * `graceSeconds` (preStop hooks, SIGTERM, SIGKILL) and its sandbox stopped, for good.
     */
    kind: "killPod";
    pod: string;
    sandboxId: string;
    reason: string;
    graceSeconds: number;
  }
  | (Exclude<PodAction, { kind: "runSandbox" }> & { pod: string; sandboxId: string });

/** Options of {@linkcode planPodSync}: the restart back-off (kubelet defaults when unset). */
export type SyncOptions = BackoffOptions;

/** The grace a static pod's containers get when the node removes it on its own. */
function staticGrace(o: ObservedPod): { graceSeconds?: number } {
  return o.source === "file" && o.terminationGracePeriodSeconds !== undefined
    ? { graceSeconds: o.terminationGracePeriodSeconds }
    : {};
}

/**
 * True when every app container exited and the restart policy restarts none of them (the pod
 * reached phase Succeeded or Failed).
 *
 * @example
 * ```ts
 * import { podFinished } from "./pod_sync_planner.ts";
 * import assert from "node:assert/strict";
 * const shape = { initContainers: [], containers: ["a"], restartPolicy: "OnFailure" } as const;
 * const done = { state: "exited", exitCode: 0, restartCount: 0 } as const;
 * assert.ok(podFinished(shape, { sandbox: "ready", containers: { a: done } }));
 * assert.ok(!podFinished(shape, { sandbox: "ready", containers: { a: { ...done, exitCode: 1 } } }));
 * ```
 */
export function podFinished(shape: PodShape, obs: PodObservation): boolean {
  return shape.containers.length > 0 && shape.containers.every((n) => {
    const c = obs.containers[n];
    return c?.state === "exited" && !restartsAfterExit(shape.restartPolicy, c);
  });
}

/**
 * Decides what the node does next for every pod. Pure: the same inputs give the same actions.
 *
 * - a desired pod without a sandbox → `createPod`;
 * - a static pod whose file changed (other hash) → `removePod` then `createPod`;
 * - a static pod whose file is gone, or a cluster pod no longer bound here → `removePod`; a
 *   static pod's containers get its `terminationGracePeriodSeconds` (SIGTERM, then SIGKILL),
 *   as the kubelet kills a pod removed from its file source;
 * - a pod being deleted (`deletion`) → `removePod` with its grace period, never `createPod`;
 * - a pod of another uid (cluster) or spec hash (static) than the one running → replaced;
 * - a pod stopped on purpose → nothing;
 * - a pod past its `activeDeadlineSeconds` (counted from `startTime`, else its sandbox's
 *   creation) → `killPod` while its sandbox is ready, then nothing: it is never restarted (the
 *   kubelet's active deadline handler); before the deadline a `wait` until it comes due;
 * - otherwise the pod planner decides (start, restart after back-off, kill an unhealthy
 *   container, recreate a dead sandbox), and a finished pod with a live sandbox → `stopPod`.
 *
 * Pods only in the store (`source: "store"`) are supervised only when they are also desired: the
 * caller lists the store pods it supervises in `desired`.
 *
 * @example
 * ```ts
 * import { planPodSync } from "./pod_sync_planner.ts";
 * import assert from "node:assert/strict";
 * const manifest = { name: "web-node1", namespace: "default" } as never;
 * const actions = planPodSync(
 *   [{ key: "default/web-node1", manifest, hash: "h1", source: "file" }],
 *   [],
 *   0,
 * );
 * assert.deepEqual(actions.map((a) => a.kind), ["createPod"]);
 * ```
 */
export function planPodSync(
  desired: readonly DesiredPod[],
  observed: readonly ObservedPod[],
  now: number,
  opts: SyncOptions = {},
): PodSyncAction[] {
  const actions: PodSyncAction[] = [];
  const want = new Map(desired.map((d) => [d.key, d]));
  const have = new Map(observed.map((o) => [o.key, o]));

  for (const o of observed) {
    if (o.source !== "store" && !want.has(o.key)) {
      actions.push({
        kind: "removePod",
        pod: o.key,
        sandboxId: o.sandboxId,
        reason: o.source === "file"
          ? "its manifest file was removed"
          : "it is no longer bound to this node",
        ...staticGrace(o),
      });
    }
  }

  for (const d of desired) {
    const o = have.get(d.key);
    if (d.deletion) {
      if (o !== undefined && o.source === d.source) {
        actions.push({
          kind: "removePod",
          pod: d.key,
          sandboxId: o.sandboxId,
          reason: `the pod is being deleted (grace period ${d.deletion.graceSeconds}s)`,
          graceSeconds: d.deletion.graceSeconds,
        });
      }
      continue;
    }
    if (o === undefined) {
      actions.push({ kind: "createPod", pod: d.key, reason: `pod comes from ${d.source}` });
      continue;
    }
    if (o.source !== d.source) {
      actions.push({
        kind: "wait",
        pod: d.key,
        sandboxId: o.sandboxId,
        reason: `a pod named "${d.key}" already exists and was not created from ${d.source}`,
      });
      continue;
    }
    if (d.source !== "store" && o.hash !== d.hash) {
      const what = d.source === "file" ? "its manifest changed" : "the pod was replaced (new uid)";
      actions.push(
        {
          kind: "removePod",
          pod: d.key,
          sandboxId: o.sandboxId,
          reason: `${what}; replacing it`,
          ...staticGrace(o),
        },
        { kind: "createPod", pod: d.key, reason: what },
      );
      continue;
    }
    if (o.stopped) continue;
    const deadlineAt = activeDeadlineAt(
      d.manifest.activeDeadlineSeconds,
      d.startTime ?? o.createdAt,
    );
    if (exceededActiveDeadline(deadlineAt, o.shape, o.observation, now)) {
      if (o.observation.sandbox === "ready") {
        actions.push({
          kind: "killPod",
          pod: d.key,
          sandboxId: o.sandboxId,
          reason: DEADLINE_EXCEEDED_MESSAGE,
          graceSeconds: d.manifest.terminationGracePeriodSeconds,
        });
      }
      continue;
    }
    if (deadlineAt !== undefined && deadlineAt > now) {
      actions.push({
        kind: "wait",
        pod: d.key,
        sandboxId: o.sandboxId,
        untilMs: deadlineAt,
        reason: "activeDeadlineSeconds",
      });
    }
    const podActions = planPod(o.shape, o.observation, { ...opts, restarts: true, now });
    const blocked = d.containerConfigErrors ?? {};
    for (const a of podActions) {
      if (
        (a.kind === "startContainer" || a.kind === "restartContainer" || a.kind === "runInit") &&
        Object.hasOwn(blocked, a.container)
      ) {
        actions.push({
          kind: "wait",
          container: a.container,
          reason: `CreateContainerConfigError: ${blocked[a.container]}`,
          pod: d.key,
          sandboxId: o.sandboxId,
        });
      } else if (a.kind === "runSandbox") {
        actions.push({ kind: "createPod", pod: d.key, reason: a.reason });
      } else {
        actions.push({ ...a, pod: d.key, sandboxId: o.sandboxId });
      }
    }
    if (
      podActions.length === 0 && o.observation.sandbox === "ready" &&
      podFinished(o.shape, o.observation)
    ) {
      actions.push({
        kind: "stopPod",
        pod: d.key,
        sandboxId: o.sandboxId,
        reason: "every container finished and the restart policy restarts none",
      });
    }
  }
  return actions;
}
