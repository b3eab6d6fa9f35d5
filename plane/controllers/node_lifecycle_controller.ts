/**
 * The node lifecycle and node IPAM loop: informers for Nodes, `kube-node-lease` Leases and pods;
 * every change (and every `monitorPeriodMs`, or sooner when a grace period or toleration ends)
 * runs {@linkcode reconcileNodeLifecycle} and {@linkcode reconcileNodeIpam} over the cache and
 * applies the actions (kube-controller-manager's `node-lifecycle-controller` and `nodeipam`).
 *
 * @module
 */
import type { EventRecorder } from "../client/event_recorder.ts";
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isNotFound } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { type Pod, rfc3339 } from "./_objects.ts";
import {
  type LeaseObject,
  type NodeLifecycleAction,
  type NodeLifecycleOptions,
  type NodeObject,
  reconcileNodeLifecycle,
  TAINT_EVICTION_CONDITION,
} from "./node_lifecycle_reconcile.ts";
import { type ClusterCidr, reconcileNodeIpam } from "./node_ipam_reconcile.ts";
import { WorkQueue } from "./work_queue.ts";

/** What the node lifecycle controller runs on. */
export interface NodeLifecycleControllerOptions extends NodeLifecycleOptions {
  /** The API client. */
  kube: KubeClient;
  /** Shared informer of `nodes`. */
  nodes: SharedInformer<KubeObject>;
  /** Shared informer of `coordination.k8s.io/leases` in `kube-node-lease`. */
  leases: SharedInformer<KubeObject>;
  /** Shared informer of `pods`. */
  pods: SharedInformer<KubeObject>;
  /**
   * Where Events go (`RegisteredNode`, `RemovingNode`, `NodeNotReady`, `TaintManagerEviction`,
   * `CIDRNotAvailable`).
   */
  events: EventRecorder;
  /** The pod network for node IPAM; none: no podCIDR allocation. */
  clusterCidr?: ClusterCidr;
  /** Longest pause between passes, ms (default 5000, upstream's node monitor period). */
  monitorPeriodMs?: number;
  /** The clock (tests). */
  now?: () => Date;
  /** Told about failed passes. */
  onError?: (error: unknown) => void;
}

const KEY = "nodes";

/**
 * Watches node health and pod placement. Register with
 * {@linkcode NodeLifecycleController.register} before the informers start, then
 * {@linkcode NodeLifecycleController.run} until {@linkcode NodeLifecycleController.stop}.
 *
 * @example
 * ```ts ignore
 * const c = new NodeLifecycleController({ kube, nodes, leases, pods, events, gracePeriodSeconds: 40 });
 * await c.register();
 * const done = c.run();
 * c.stop();
 * await done;
 * ```
 */
export class NodeLifecycleController {
  /** One key: every pass looks at every node. */
  readonly queue: WorkQueue = new WorkQueue();
  readonly #o: NodeLifecycleControllerOptions;

  /** Creates the controller (nothing runs yet). */
  constructor(o: NodeLifecycleControllerOptions) {
    this.#o = { watchingSinceMs: (o.now?.() ?? new Date()).getTime(), ...o };
  }

  /** Adds the handlers that trigger a pass. */
  async register(): Promise<void> {
    const kick = () => this.queue.add(KEY);
    // Upstream's RecordNodeEvent: "Node <name> event: <what>", about the Node.
    const nodeEvent = (node: KubeObject, reason: string, what: string) =>
      void this.#o.events.event(
        node,
        "Normal",
        reason,
        `Node ${node.metadata.name} event: ${what}`,
      );
    await this.#o.nodes.addHandlers({
      add: (n) => {
        nodeEvent(n, "RegisteredNode", `Registered Node ${n.metadata.name} in Controller`);
        kick();
      },
      update: kick,
      delete: (n) => {
        nodeEvent(n, "RemovingNode", `Removing Node ${n.metadata.name} from Controller`);
        kick();
      },
    });
    await this.#o.leases.addHandlers({ add: kick, update: kick });
    // A pod placed on a node matters only when the node has NoExecute taints (eviction): a
    // burst of bindings on healthy nodes does not rerun the pass over every node and pod.
    const onTaintedNode = (p: KubeObject) => {
      const name = (p.spec as Pod["spec"])?.nodeName;
      if (!name) return false;
      const node = this.#o.nodes.get(undefined, name) as unknown as NodeObject | undefined;
      return (node?.spec?.taints ?? []).some((t) => t.effect === "NoExecute");
    };
    await this.#o.pods.addHandlers({
      add: (p) => {
        if (onTaintedNode(p)) kick();
      },
      update: (p, old) => {
        if ((p.spec as Pod["spec"])?.nodeName !== (old.spec as Pod["spec"])?.nodeName) {
          if (onTaintedNode(p)) kick();
        }
      },
    });
  }

  /** Runs passes until {@linkcode NodeLifecycleController.stop}. */
  run(): Promise<void> {
    this.queue.add(KEY);
    return this.queue.run(async () => {
      let next = this.#o.monitorPeriodMs ?? 5000;
      try {
        next = Math.min(next, await this.pass());
      } catch (e) {
        this.#o.onError?.(e);
      }
      this.queue.addAfter(KEY, next);
    });
  }

  /** Stops after the current pass. */
  stop(): void {
    this.queue.shutDown();
  }

  /** One pass; returns the ms until the next decision is due (or Infinity). */
  async pass(): Promise<number> {
    const now = this.#o.now?.() ?? new Date();
    const nodes = this.#o.nodes.list() as unknown as NodeObject[];
    const leases = this.#o.leases.byNamespace("kube-node-lease") as unknown as LeaseObject[];
    const pods = this.#o.pods.list() as unknown as Pod[];
    const plan = reconcileNodeLifecycle(nodes, leases, pods, now, this.#o);
    for (const a of plan.actions) await this.#apply(a);
    if (this.#o.clusterCidr) {
      for (const a of reconcileNodeIpam(nodes, this.#o.clusterCidr)) {
        const node = this.#o.nodes.get(undefined, a.node);
        if (!node) continue;
        if (a.type === "setPodCIDR") {
          await this.#ignoreGone(this.#o.kube.patch("nodes", undefined, a.node, {
            spec: { podCIDR: a.podCIDR, podCIDRs: [a.podCIDR] },
          }, "merge"));
        } else void this.#o.events.event(node, "Normal", "CIDRNotAvailable", a.message);
      }
    }
    return plan.nextCheckMs ?? Infinity;
  }

  async #apply(a: NodeLifecycleAction): Promise<void> {
    const { kube, events } = this.#o;
    switch (a.type) {
      case "updateNodeConditions":
        await this.#ignoreGone(kube.patch(
          "nodes",
          undefined,
          a.node,
          {
            status: { conditions: a.conditions },
          },
          "merge",
          { subresource: "status" },
        ));
        return;
      case "updateNodeTaints":
        await this.#ignoreGone(
          kube.patch("nodes", undefined, a.node, { spec: { taints: a.taints } }, "merge"),
        );
        return;
      case "markPodNotReady":
        await this.#ignoreGone(kube.patch(
          "pods",
          a.namespace,
          a.name,
          {
            status: { conditions: a.conditions },
          },
          "merge",
          { subresource: "status" },
        ));
        return;
      case "evictPod": {
        const pod = this.#o.pods.get(a.namespace, a.name);
        if (pod) {
          void events.event(
            pod,
            "Normal",
            "TaintManagerEviction",
            `Marking for deletion Pod ${a.namespace}/${a.name}`,
          );
        }
        // Upstream's taint eviction (`addConditionAndDeletePod`): the DisruptionTarget
        // condition first, so the pod's owner and the kubelet see why it goes, then the delete.
        await this.#ignoreGone(kube.patch(
          "pods",
          a.namespace,
          a.name,
          {
            status: {
              conditions: [{
                ...TAINT_EVICTION_CONDITION,
                lastTransitionTime: rfc3339(new Date()),
              }],
            },
          },
          "strategic",
          { subresource: "status" },
        ));
        await this.#ignoreGone(
          kube.delete("pods", a.namespace, a.name, { preconditions: { uid: a.uid } }),
        );
        return;
      }
      case "nodeEvent": {
        const node = this.#o.nodes.get(undefined, a.node);
        if (node) void events.event(node, a.eventType, a.reason, a.message);
        return;
      }
    }
  }

  async #ignoreGone(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
