/**
 * The node lifecycle controller's decisions as a pure function (kube-controller-manager's
 * `node-lifecycle-controller` with taint-based eviction, 1.32): node health from the
 * `kube-node-lease` Lease and the Ready heartbeat, the `not-ready`/`unreachable` taints, and the
 * eviction of pods that do not tolerate them (the `NoExecuteTaintManager`).
 *
 * @module
 */
import { type Condition, type Pod, rfc3339, timeOf, type WorkloadMeta } from "./_objects.ts";

/** Taint key of a node whose Ready condition is `Unknown` (lease not renewed). */
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
/** Taint key of a node whose Ready condition is `False`. */
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";

/** A node taint. */
export interface Taint {
  /** Key, e.g. `node.kubernetes.io/unreachable`. */
  key: string;
  /** Value (usually empty). */
  value?: string;
  /** `NoSchedule`, `PreferNoSchedule` or `NoExecute`. */
  effect: string;
  /** RFC 3339; set for NoExecute taints. */
  timeAdded?: string;
}

/** A pod toleration. */
export interface Toleration {
  /** Key; empty with `Exists` tolerates every taint. */
  key?: string;
  /** `Equal` (default) or `Exists`. */
  operator?: string;
  /** Value for `Equal`. */
  value?: string;
  /** Effect; empty matches every effect. */
  effect?: string;
  /** Seconds a NoExecute taint is tolerated (absent: forever). */
  tolerationSeconds?: number;
}

/** A Node (the fields read here). */
export interface NodeObject {
  /** Metadata. */
  metadata: WorkloadMeta;
  /** Spec. */
  spec?: { taints?: Taint[]; podCIDR?: string; podCIDRs?: string[]; [k: string]: unknown };
  /** Status. */
  status?: { conditions?: Condition[]; [k: string]: unknown };
}

/** A `coordination.k8s.io/v1` Lease (the fields read here). */
export interface LeaseObject {
  /** Metadata (name = node name, namespace `kube-node-lease`). */
  metadata: WorkloadMeta;
  /** `renewTime` (RFC 3339 with microseconds) as the node agent renews it. */
  spec?: { renewTime?: string; holderIdentity?: string; [k: string]: unknown };
}

/** Settings of the node lifecycle controller. */
export interface NodeLifecycleOptions {
  /** Seconds without a lease renewal or heartbeat before the node is `Unknown` (default 40). */
  gracePeriodSeconds?: number;
  /** Grace for a node that never reported Ready, seconds (default 60, upstream's
   * `--node-startup-grace-period`; at least `gracePeriodSeconds`). */
  startupGracePeriodSeconds?: number;
  /** tolerationSeconds for pods without a not-ready/unreachable toleration (default 300, as the
   * `DefaultTolerationSeconds` admission plugin adds). */
  defaultTolerationSeconds?: number;
  /**
   * When the controller started watching, ms since the epoch: a node is not judged before a
   * full grace period after it (upstream starts each node's probe time at its first
   * observation), so a restarted control plane does not evict the pods of nodes that could not
   * renew while it was down.
   */
  watchingSinceMs?: number;
}

/**
 * The `DisruptionTarget` condition the taint eviction controller sets on a pod before deleting
 * it for a `NoExecute` taint it does not tolerate (upstream `tainteviction`
 * `addConditionAndDeletePod`; Kubernetes docs "Pod disruption conditions").
 */
export const TAINT_EVICTION_CONDITION: Readonly<Condition> = Object.freeze({
  type: "DisruptionTarget",
  status: "True",
  reason: "DeletionByTaintManager",
  message: "Taint manager: deleting due to NoExecute taint",
});

/** One thing the node lifecycle controller asks of the API. */
export type NodeLifecycleAction =
  /** Replace the node's `status.conditions` (status subresource). */
  | { type: "updateNodeConditions"; node: string; conditions: Condition[] }
  /** Replace the node's `spec.taints`. */
  | { type: "updateNodeTaints"; node: string; taints: Taint[] }
  /** Set the pod's Ready condition to False (its node stopped reporting). */
  | { type: "markPodNotReady"; namespace: string; name: string; conditions: Condition[] }
  /**
   * Give the pod the {@linkcode TAINT_EVICTION_CONDITION}, then delete it
   * (`TaintManagerEviction`).
   */
  | { type: "evictPod"; namespace: string; name: string; uid: string; node: string }
  /** An Event on a node. */
  | {
    type: "nodeEvent";
    node: string;
    eventType: "Normal" | "Warning";
    reason: string;
    message: string;
  };

/** What {@linkcode reconcileNodeLifecycle} returns: actions, and when to look again (ms). */
export interface NodeLifecyclePlan {
  /** Actions in order. */
  actions: NodeLifecycleAction[];
  /** Milliseconds until the next decision is due (a grace period or toleration ends), if any. */
  nextCheckMs?: number;
}

const PRESSURE_CONDITIONS = ["MemoryPressure", "DiskPressure", "PIDPressure"];

/**
 * Decides, for every node at `now`: if neither its Lease `renewTime` nor its Ready
 * `lastHeartbeatTime` (nor, for a new node, its creation) is within `gracePeriodSeconds` (for a
 * node that never posted Ready: `startupGracePeriodSeconds`, and until then its taints are left
 * alone), its
 * Ready (and pressure) conditions become `Unknown` with reason `NodeStatusUnknown` ("Kubelet
 * stopped posting node status.", or `NodeStatusNeverUpdated` when it never had Ready), its pods
 * are marked not ready, and a `NodeNotReady` event is recorded. The taints follow Ready:
 * `Unknown` → `node.kubernetes.io/unreachable` (NoSchedule and NoExecute), `False` →
 * `node.kubernetes.io/not-ready` (both), `True` → neither. Pods on a node with NoExecute taints
 * are evicted when they do not tolerate one, or once `timeAdded + tolerationSeconds` has passed
 * (the smallest among matching tolerations; pods with no not-ready/unreachable toleration get
 * `defaultTolerationSeconds`, 300 by default).
 *
 * Health is judged from the objects' times (the Lease's renewTime) rather than the controller's own
 * observation times as upstream does, so controller and node agents are assumed to share a clock;
 * as upstream, no node is judged before a grace period has passed since the controller started
 * (`watchingSinceMs`).
 *
 * @example
 * ```ts
 * import { reconcileNodeLifecycle } from "./node_lifecycle_reconcile.ts";
 * import assert from "node:assert/strict";
 * const node = { metadata: { name: "n1", creationTimestamp: "2024-01-01T00:00:00Z" },
 *   status: { conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2024-01-01T00:00:00Z" }] } };
 * const lease = { metadata: { name: "n1" }, spec: { renewTime: "2024-01-01T00:00:00.000000Z" } };
 * const { actions } = reconcileNodeLifecycle([node], [lease], [], new Date("2024-01-01T00:01:00Z"));
 * assert.deepEqual(actions.map((a) => a.type), ["updateNodeConditions", "nodeEvent", "updateNodeTaints"]);
 * ```
 */
export function reconcileNodeLifecycle(
  nodes: readonly NodeObject[],
  leases: readonly LeaseObject[],
  pods: readonly Pod[],
  now: Date,
  opts: NodeLifecycleOptions = {},
): NodeLifecyclePlan {
  const grace = (opts.gracePeriodSeconds ?? 40) * 1000;
  const defaultToleration = opts.defaultTolerationSeconds ?? 300;
  const t = now.getTime();
  const actions: NodeLifecycleAction[] = [];
  let next: number | undefined;
  const soon = (ms: number) => next = next === undefined ? ms : Math.min(next, ms);
  const leaseOf = new Map(leases.map((l) => [l.metadata.name ?? "", l]));
  const podsOn = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (n) podsOn.set(n, [...(podsOn.get(n) ?? []), p]);
  }
  for (const node of nodes) {
    const name = node.metadata.name ?? "";
    const conds = node.status?.conditions ?? [];
    const ready = conds.find((c) => c.type === "Ready");
    const last = Math.max(
      timeOf(leaseOf.get(name)?.spec?.renewTime) ?? -Infinity,
      timeOf(ready?.lastHeartbeatTime) ?? -Infinity,
      timeOf(node.metadata.creationTimestamp) ?? -Infinity,
      opts.watchingSinceMs ?? -Infinity,
    );
    let readyStatus: string | undefined = ready?.status;
    const g = ready ? grace : Math.max(grace, (opts.startupGracePeriodSeconds ?? 60) * 1000);
    if (last + g <= t) {
      if (ready?.status !== "Unknown") {
        const stamp = rfc3339(now);
        const updated: Condition[] = conds.map((c) =>
          c.type === "Ready" || PRESSURE_CONDITIONS.includes(c.type)
            ? {
              ...c,
              status: "Unknown",
              reason: "NodeStatusUnknown",
              message: "Kubelet stopped posting node status.",
              lastTransitionTime: stamp,
            }
            : c
        );
        if (!ready) {
          updated.push({
            type: "Ready",
            status: "Unknown",
            reason: "NodeStatusNeverUpdated",
            message: "Kubelet never posted node status.",
            lastHeartbeatTime: node.metadata.creationTimestamp ?? stamp,
            lastTransitionTime: stamp,
          });
        }
        actions.push({ type: "updateNodeConditions", node: name, conditions: updated });
        actions.push({
          type: "nodeEvent",
          node: name,
          eventType: "Normal",
          reason: "NodeNotReady",
          message: `Node ${name} status is now: NodeNotReady`,
        });
        for (const p of podsOn.get(name) ?? []) {
          const pc = p.status?.conditions ?? [];
          const pr = pc.find((c) => c.type === "Ready");
          if (pr?.status === "False" || p.metadata.deletionTimestamp) continue;
          actions.push({
            type: "markPodNotReady",
            namespace: p.metadata.namespace ?? "default",
            name: p.metadata.name ?? "",
            conditions: [
              ...pc.filter((c) => c.type !== "Ready"),
              { type: "Ready", status: "False", lastTransitionTime: stamp },
            ],
          });
        }
      }
      readyStatus = "Unknown";
    } else {
      soon(last + g - t);
    }
    // taints
    const want = readyStatus === "Unknown"
      ? TAINT_UNREACHABLE
      : readyStatus === "False"
      ? TAINT_NOT_READY
      : undefined;
    const taints = node.spec?.taints ?? [];
    if (readyStatus === undefined) {
      // never reported and still within the startup grace: leave its taints alone
      continue;
    }
    const kept = taints.filter((x) => x.key !== TAINT_UNREACHABLE && x.key !== TAINT_NOT_READY);
    const current = taints.filter((x) => x.key === TAINT_UNREACHABLE || x.key === TAINT_NOT_READY);
    const matches = want !== undefined &&
      current.length === 2 && current.every((x) => x.key === want) &&
      current.some((x) => x.effect === "NoExecute") && current.some((x) =>
        x.effect === "NoSchedule"
      );
    let effective = taints;
    if (want === undefined ? current.length > 0 : !matches) {
      effective = want === undefined ? kept : [
        ...kept,
        { key: want, effect: "NoSchedule" },
        { key: want, effect: "NoExecute", timeAdded: rfc3339(now) },
      ];
      actions.push({ type: "updateNodeTaints", node: name, taints: effective });
    }
    // NoExecute taint manager
    const noExecute = effective.filter((x) => x.effect === "NoExecute");
    if (noExecute.length === 0) continue;
    for (const p of podsOn.get(name) ?? []) {
      if (p.metadata.deletionTimestamp) continue;
      const due = evictionTime(p, noExecute, defaultToleration, t);
      if (due === undefined) continue;
      if (due <= t) {
        actions.push({
          type: "evictPod",
          namespace: p.metadata.namespace ?? "default",
          name: p.metadata.name ?? "",
          uid: p.metadata.uid ?? "",
          node: name,
        });
      } else soon(due - t);
    }
  }
  return next === undefined ? { actions } : { actions, nextCheckMs: next };
}

/** When `pod` must go because of `taints` (ms), or undefined when it tolerates them forever. */
function evictionTime(
  pod: Pod,
  taints: readonly Taint[],
  defaultSeconds: number,
  now: number,
): number | undefined {
  const tolerations = (pod.spec?.tolerations ?? []) as Toleration[];
  let due: number | undefined;
  for (const taint of taints) {
    const matching = tolerations.filter((tol) => tolerates(tol, taint));
    const added = timeOf(taint.timeAdded) ?? now;
    let seconds: number | undefined;
    if (matching.length === 0) {
      if (taint.key !== TAINT_UNREACHABLE && taint.key !== TAINT_NOT_READY) return now;
      seconds = defaultSeconds;
    } else {
      const limited = matching.filter((m) => m.tolerationSeconds !== undefined);
      if (limited.length < matching.length) continue; // one tolerates forever
      seconds = Math.min(...limited.map((m) => Math.max(0, m.tolerationSeconds!)));
    }
    const at = added + seconds * 1000;
    due = due === undefined ? at : Math.min(due, at);
  }
  return due;
}

/**
 * Whether `tol` tolerates `taint` (`v1.Toleration.ToleratesTaint`): same effect (or any), and
 * `Exists` with the same key (or an empty key), or `Equal` with the same key and value.
 *
 * @example
 * ```ts
 * import { tolerates } from "./node_lifecycle_reconcile.ts";
 * import assert from "node:assert/strict";
 * assert.ok(tolerates({ operator: "Exists" }, { key: "a", effect: "NoExecute" }));
 * assert.ok(!tolerates({ key: "a", value: "x" }, { key: "a", value: "y", effect: "NoExecute" }));
 * ```
 */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.operator === "Exists") return !tol.key || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? "") === (taint.value ?? "");
}
