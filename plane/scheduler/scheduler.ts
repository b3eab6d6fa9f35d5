/**
 * `Scheduler`: rk8s's kube-scheduler — a client of the API that watches nodes and pods
 * (informers), keeps pending pods of its `schedulerName` in a {@linkcode SchedulingQueue},
 * places each with {@linkcode schedulePod} on the {@linkcode SchedulerCache} (assuming the pod
 * on its node at once), and binds it through `pods/binding`, a compare-and-swap on the server:
 * a binding that loses (another scheduler bound the pod first) releases the assumed pod and
 * re-queues it with back-off. Writes `Scheduled` and `FailedScheduling` events and the
 * `PodScheduled=False` condition (reason `Unschedulable`, or `SchedulingGated`) as
 * kube-scheduler does. When a pod fits nowhere, `DefaultPreemption` ({@linkcode preemptionFor})
 * may pick a node and lower-priority victims: the pod gets `status.nominatedNodeName`, each
 * victim the `DisruptionTarget` condition (reason `PreemptionByScheduler`), a graceful delete and
 * a `Preempted` event; nominated pods of lower priority on that node lose their nomination.
 * Pods nominated to a node count on it for pods of no higher priority, so the space freed
 * for them is not taken.
 *
 * @module
 */
import { ApiClientError } from "../apiserver/api_client.ts";
import { isNotFound } from "../client/client_errors.ts";
import { EventRecorder } from "../client/event_recorder.ts";
import type { KubeClient } from "../client/kube_client.ts";
import { SharedInformer } from "../client/shared_informer.ts";
import type { SharedInformerFactory } from "../client/shared_informer_factory.ts";
import { NodeInfo, type PodInfo, podInfo } from "./node_info.ts";
import { buildProfile, type SchedulerConfig, type SchedulerProfile } from "./profile.ts";
import { ERR_NO_NODES, filterErrorMessage, schedulePod } from "./schedule_pod.ts";
import { podPriority, type PreemptionCandidate, preemptionFor } from "./default_preemption.ts";
import { SchedulerCache } from "./scheduler_cache.ts";
import {
  podKey,
  type QueuedPod,
  SchedulingQueue,
  type SchedulingQueueOptions,
} from "./scheduling_queue.ts";
import type { Node, Pod } from "./types.ts";
import { ConditionWaiters } from "../client/condition_waiters.ts";

/** Options of {@linkcode Scheduler}. */
export interface SchedulerOptions {
  /** The `scheduler:` config (weights, strategy, name). */
  config?: SchedulerConfig;
  /** Queue timing (tests). */
  queue?: SchedulingQueueOptions;
  /** `reportingInstance` of its events (default `<schedulerName>-<random>`). */
  identity?: string;
  /** Log lines (default: none). */
  log?: (line: string) => void;
  /** Random numbers for ties (default `Math.random`). */
  random?: () => number;
  /**
   * Bindings in flight at most (default 64): past it the loop waits before the next cycle, so
   * a backlog of pending pods does not open thousands of requests to the API server at once.
   */
  maxBindsInFlight?: number;
  /**
   * Informers shared with other components of the process (`rks start` shares them with its
   * controllers, as one informer factory): the scheduler adds its handlers to the factory's
   * `nodes` and `pods` informers and removes them on stop. Default: informers of its own.
   */
  informers?: SharedInformerFactory;
}

/** Counters of a running scheduler. */
export interface SchedulerStats {
  /** Scheduling cycles run. */
  attempts: number;
  /** Pods bound by this scheduler. */
  scheduled: number;
  /** Cycles where no node fit. */
  unschedulable: number;
  /** Bindings refused because the pod was already bound (lost compare-and-swap). */
  bindConflicts: number;
  /** Other binding failures. */
  bindErrors: number;
  /** Pods evicted by preemption. */
  preemptionVictims: number;
}

const GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates";

function responsible(pod: Pod, name: string): boolean {
  return (pod.spec?.schedulerName || "default-scheduler") === name &&
    pod.metadata.deletionTimestamp === undefined &&
    pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

function assigned(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

/** Spec and metadata without the fields every write changes (kube-scheduler's `isPodUpdated`). */
function schedulingRelevant(pod: Pod): string {
  const { resourceVersion: _r, managedFields: _m, generation: _g, ...meta } = pod.metadata;
  return JSON.stringify([meta, pod.spec]);
}

function nodeRelevant(node: Node): string {
  return JSON.stringify([
    node.metadata.labels,
    node.spec,
    node.status?.allocatable ?? node.status?.capacity,
  ]);
}

function serverMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return e instanceof ApiClientError ? m.replace(/^Error from server \([^)]*\): /, "") : m;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * The scheduler loop. `start()` lists nodes and pods and begins scheduling; `stop()` ends it
 * after in-flight bindings finish.
 *
 * @example
 * ```ts
 * import { Scheduler } from "./scheduler.ts";
 * import { KubeClient } from "../client/kube_client.ts";
 * import { startTestCluster } from "../apiserver/_testing.ts";
 * import assert from "node:assert/strict";
 * await using cluster = await startTestCluster("http");
 * await using kube = await KubeClient.connect({ kubeconfig: cluster.kubeconfig });
 * await kube.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n1" },
 *   status: { allocatable: { cpu: "2", memory: "4Gi", pods: "110" } } });
 * const scheduler = new Scheduler(kube);
 * await scheduler.start();
 * await kube.create("pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default" },
 *   spec: { containers: [{ name: "c", image: "nginx" }] } });
 * await scheduler.waitFor(() => scheduler.stats.scheduled === 1);
 * const pod = await kube.get("pods", "default", "web");
 * assert.equal((pod.spec as { nodeName: string }).nodeName, "n1");
 * await scheduler.stop();
 * ```
 */
export class Scheduler {
  /** The profile in use. */
  readonly profile: SchedulerProfile;
  /** The queue. */
  readonly queue: SchedulingQueue;
  /** The cache. */
  readonly cache: SchedulerCache = new SchedulerCache();
  /** Counters. */
  readonly stats: SchedulerStats = {
    attempts: 0,
    scheduled: 0,
    unschedulable: 0,
    bindConflicts: 0,
    bindErrors: 0,
    preemptionVictims: 0,
  };
  readonly #client: KubeClient;
  readonly #opts: SchedulerOptions;
  readonly #events: EventRecorder;
  /**
   * The scheduler's informers (all nodes; all pods, bound ones included). Others in the same
   * process may add handlers to them instead of watching again, as kube-scheduler shares its
   * informer factory (and `scheduler_perf` counts bound pods through it).
   */
  readonly informers: { readonly nodes: SharedInformer<Node>; readonly pods: SharedInformer<Pod> };
  readonly #nodes: SharedInformer<Node>;
  readonly #pods: SharedInformer<Pod>;
  readonly #stop = new AbortController();
  readonly #binds = new Set<Promise<void>>();
  /** Called when a binding in flight ends (the loop waits for a free slot). */
  #slotFreed: (() => void) | undefined;
  readonly #waiters = new ConditionWaiters();
  #loop: Promise<void> | undefined;
  #startIndex = 0;
  /** Pending pods nominated to a node (`status.nominatedNodeName`), by key. */
  readonly #nominated = new Map<string, { node: string; info: PodInfo }>();

  /** Creates the scheduler (no request is made). */
  constructor(client: KubeClient, opts: SchedulerOptions = {}) {
    this.#client = client;
    this.#opts = opts;
    this.profile = buildProfile(opts.config);
    this.queue = new SchedulingQueue(opts.queue);
    const name = this.profile.schedulerName;
    const log = opts.log ?? (() => {});
    this.#events = new EventRecorder(client, {
      component: name,
      instance: opts.identity ?? `${name}-${crypto.randomUUID().slice(0, 8)}`,
      onError: (e) => log(`scheduler: event not recorded: ${serverMessage(e)}`),
      // kube-scheduler's events.k8s.io broadcaster (client-go tools/events) writes each event
      // in its own goroutine: a burst of bindings gets its Scheduled events written, not
      // dropped behind 8 writes at a time. As many event writes as bindings in flight.
      maxInFlight: opts.maxBindsInFlight ?? 64,
    });
    const onError = (e: unknown) => log(`scheduler: watch failed, re-listing: ${serverMessage(e)}`);
    const shared = opts.informers;
    this.#nodes = shared
      ? shared.informer<Node>("nodes")
      : new SharedInformer<Node>(client, "nodes", { onError });
    this.#pods = shared
      ? shared.informer<Pod>("pods")
      : new SharedInformer<Pod>(client, "pods", { onError });
    this.informers = { nodes: this.#nodes, pods: this.#pods };
  }

  #wake(): void {
    this.#waiters.notify();
  }

  /**
   * Resolves once `condition()` holds (re-checked after each cycle, binding and cache
   * change); rejects after `timeoutMs` (default 60 s).
   */
  waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
    return this.#waiters.wait(condition, timeoutMs, "scheduler");
  }

  /**
   * Lists nodes and pods, then schedules in the background until {@linkcode Scheduler.stop}.
   * A start that fails (the API unreachable, a list refused) stops what it started and throws.
   */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async #start(): Promise<void> {
    const name = this.profile.schedulerName;
    await this.#nodes.addHandlers({
      add: (n) => {
        this.cache.addNode(n);
        this.queue.moveAllToActiveOrBackoff("NodeAdd");
        this.#wake();
      },
      update: (n, old) => {
        this.cache.updateNode(n);
        if (nodeRelevant(n) !== nodeRelevant(old)) {
          this.queue.moveAllToActiveOrBackoff("NodeUpdate");
        }
        this.#wake();
      },
      delete: (n) => {
        this.cache.removeNode(n.metadata.name);
        this.#wake();
      },
    });
    await this.#pods.addHandlers({
      add: (p) => {
        this.#nominate(p);
        if (assigned(p)) this.cache.addPod(p);
        else if (responsible(p, name)) this.#enqueue(p);
        this.#wake();
      },
      update: (p, old) => {
        const key = podKey(p);
        this.#nominate(p);
        if (assigned(p)) {
          this.queue.delete(key);
          this.cache.updatePod(p);
        } else if (!responsible(p, name)) {
          this.queue.delete(key);
        } else if (schedulingRelevant(p) !== schedulingRelevant(old)) {
          this.#enqueue(p);
        }
        this.#wake();
      },
      delete: (p) => {
        const key = podKey(p);
        this.#nominated.delete(key);
        this.queue.delete(key);
        if (this.cache.nodeOf(key) !== undefined) {
          this.cache.removePod(key);
          this.queue.moveAllToActiveOrBackoff("AssignedPodDelete");
        }
        this.#wake();
      },
    });
    await this.#nodes.start();
    await this.#pods.start();
    this.#loop = this.#run();
  }

  /** Keeps the nomination of a pending pod (none once bound or without one). */
  #nominate(p: Pod): void {
    const key = podKey(p);
    const node = p.status?.nominatedNodeName;
    if (assigned(p) || typeof node !== "string" || node === "") {
      this.#nominated.delete(key);
      return;
    }
    const had = this.#nominated.get(key);
    if (had?.node === node && had.info.pod === p) return;
    try {
      this.#nominated.set(key, { node, info: podInfo(p) });
    } catch {
      this.#nominated.delete(key); // a malformed request: nothing to reserve
    }
  }

  /**
   * The nodes as `pod` must see them: a node with pods nominated to it of at least `pod`'s
   * priority (other than `pod`) counts them as placed (kube-scheduler's
   * `addNominatedPods`).
   */
  #withNominated(nodes: NodeInfo[], pod: PodInfo): NodeInfo[] {
    if (this.#nominated.size === 0) return nodes;
    const prio = podPriority(pod.pod);
    const byNode = new Map<string, PodInfo[]>();
    for (const [key, n] of this.#nominated) {
      if (key === pod.key || podPriority(n.info.pod) < prio) continue;
      if (this.cache.nodeOf(key) !== undefined) continue; // assumed or bound meanwhile
      const list = byNode.get(n.node) ?? [];
      list.push(n.info);
      byNode.set(n.node, list);
    }
    if (byNode.size === 0) return nodes;
    return nodes.map((n) => {
      const extra = byNode.get(n.name);
      if (!extra) return n;
      const copy = new NodeInfo(n.node);
      for (const p of n.pods.values()) copy.addPod(p);
      for (const p of extra) copy.addPod(p);
      return copy;
    });
  }

  #enqueue(p: Pod): void {
    const key = podKey(p);
    const wasGated = (p.spec?.schedulingGates ?? []).length > 0;
    if (this.queue.has(key)) this.queue.update(p);
    else this.queue.add(p);
    if (wasGated) void this.#setCondition(p, "SchedulingGated", GATED_MESSAGE);
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const maxBinds = this.#opts.maxBindsInFlight ?? 64;
    while (!signal.aborted) {
      if (this.#binds.size >= maxBinds) {
        // One waiter, woken by the next binding that ends (racing all bindings in flight
        // attached a reaction to each of them on every turn).
        await new Promise<void>((resolve) => this.#slotFreed = resolve);
        continue;
      }
      const q = this.queue.pop();
      if (!q) {
        await this.queue.wait(signal);
        continue;
      }
      try {
        await this.#scheduleOne(q);
      } catch (e) {
        (this.#opts.log ?? (() => {}))(`scheduler: ${q.key}: ${serverMessage(e)}`);
        this.queue.addBackoff(q);
      }
      this.#wake();
    }
  }

  async #scheduleOne(q: QueuedPod): Promise<void> {
    const ns = q.pod.metadata.namespace ?? "default";
    const pod = this.#pods.get(ns, q.pod.metadata.name) ?? q.pod;
    if (assigned(pod) || !responsible(pod, this.profile.schedulerName)) {
      this.queue.done(q.key);
      return;
    }
    this.stats.attempts++;
    let info;
    try {
      info = podInfo(pod);
    } catch (e) {
      await this.#unschedulable(q, pod, serverMessage(e));
      return;
    }
    const snap = this.cache.snapshot();
    const nodes = this.#withNominated(snap.nodes, info);
    const r = schedulePod(info, nodes, this.profile, {
      ...(nodes === snap.nodes
        ? {
          nodesWithAffinity: snap.nodesWithAffinity,
          nodesWithRequiredAntiAffinity: snap.nodesWithRequiredAntiAffinity,
        }
        : {}),
      startIndex: this.#startIndex,
      ...(this.#opts.random ? { random: this.#opts.random } : {}),
    });
    this.#startIndex = r.nextStartIndex;
    if (!r.ok) {
      if (r.numAllNodes === 0) {
        await this.#unschedulable(q, pod, ERR_NO_NODES);
        return;
      }
      // PostFilter: DefaultPreemption.
      const pre = preemptionFor(info, nodes, r.failures, this.profile, {
        ...(this.#opts.random ? { random: this.#opts.random } : {}),
      });
      const fit = filterErrorMessage(r.numAllNodes, r.failures);
      if (!pre.ok) {
        await this.#unschedulable(q, pod, `${fit} ${pre.message}`);
        return;
      }
      await this.#preempt(info, pre);
      await this.#unschedulable(q, pod, fit, pre.node);
      return;
    }
    this.cache.assume(info, r.node);
    const p = this.#bind(q, pod, r.node).finally(() => {
      this.#binds.delete(p);
      const freed = this.#slotFreed;
      this.#slotFreed = undefined;
      freed?.();
    });
    this.#binds.add(p);
  }

  async #unschedulable(
    q: QueuedPod,
    pod: Pod,
    message: string,
    nominatedNode?: string,
  ): Promise<void> {
    this.stats.unschedulable++;
    this.queue.addUnschedulable(q);
    void this.#events.event(pod, "Warning", "FailedScheduling", message);
    await this.#setCondition(pod, "Unschedulable", message, nominatedNode);
  }

  /**
   * Carries out a preemption (kube-scheduler's `prepareCandidate`): each victim gets the
   * `DisruptionTarget` condition, is deleted with its grace period and gets a `Preempted`
   * event; pods of lower priority nominated to the node lose their nomination.
   */
  async #preempt(pod: PodInfo, c: PreemptionCandidate): Promise<void> {
    const name = this.profile.schedulerName;
    this.#nominated.set(pod.key, { node: c.node, info: pod });
    await Promise.all(c.victims.map(async (v) => {
      const victim = v.pod;
      try {
        await this.#client.patch(
          "pods",
          victim.metadata.namespace,
          victim.metadata.name,
          {
            status: {
              conditions: [{
                type: "DisruptionTarget",
                status: "True",
                reason: "PreemptionByScheduler",
                message: `${name}: preempting to accommodate a higher priority pod`,
                lastTransitionTime: now(),
              }],
            },
          },
          "strategic",
          { subresource: "status" },
        );
        await this.#client.delete("pods", victim.metadata.namespace, victim.metadata.name, {
          ...(victim.metadata.uid ? { preconditions: { uid: victim.metadata.uid } } : {}),
        });
        this.stats.preemptionVictims++;
        void this.#events.event(
          victim,
          "Normal",
          "Preempted",
          `Preempted by pod ${pod.pod.metadata.uid ?? pod.key} on node ${c.node}`,
        );
      } catch (e) {
        if (!isNotFound(e)) {
          (this.#opts.log ?? (() => {}))(
            `scheduler: ${podKey(victim)}: preemption failed: ${serverMessage(e)}`,
          );
        }
      }
    }));
    const prio = podPriority(pod.pod);
    for (const [key, n] of [...this.#nominated]) {
      if (key === pod.key || n.node !== c.node || podPriority(n.info.pod) >= prio) continue;
      this.#nominated.delete(key);
      try {
        await this.#client.patch(
          "pods",
          n.info.pod.metadata.namespace,
          n.info.pod.metadata.name,
          { status: { nominatedNodeName: null } },
          "merge",
          { subresource: "status" },
        );
      } catch (e) {
        if (!isNotFound(e)) {
          (this.#opts.log ?? (() => {}))(
            `scheduler: ${key}: nomination not cleared: ${serverMessage(e)}`,
          );
        }
      }
    }
  }

  async #setCondition(
    pod: Pod,
    reason: string,
    message: string,
    nominatedNode?: string,
  ): Promise<void> {
    const conds = pod.status?.conditions ?? [];
    const cur = conds.find((c) => c.type === "PodScheduled");
    if (
      cur && cur.status === "False" && cur.reason === reason && cur.message === message &&
      (nominatedNode === undefined || pod.status?.nominatedNodeName === nominatedNode)
    ) return;
    try {
      await this.#client.patch(
        "pods",
        pod.metadata.namespace,
        pod.metadata.name,
        {
          status: {
            ...(nominatedNode === undefined ? {} : { nominatedNodeName: nominatedNode }),
            conditions: [{
              type: "PodScheduled",
              status: "False",
              reason,
              message,
              lastProbeTime: null,
              lastTransitionTime: cur?.status === "False" ? cur.lastTransitionTime : now(),
            }],
          },
        },
        "strategic",
        { subresource: "status" },
      );
    } catch (e) {
      if (!isNotFound(e)) {
        (this.#opts.log ?? (() => {}))(
          `scheduler: ${podKey(pod)}: condition not written: ${serverMessage(e)}`,
        );
      }
    }
  }

  async #bind(q: QueuedPod, pod: Pod, node: string): Promise<void> {
    try {
      await this.#client.bind(pod, node);
      this.stats.scheduled++;
      this.queue.done(q.key);
      void this.#events.event(
        pod,
        "Normal",
        "Scheduled",
        `Successfully assigned ${
          pod.metadata.namespace ?? "default"
        }/${pod.metadata.name} to ${node}`,
      );
    } catch (e) {
      this.cache.forget(q.key);
      if (e instanceof ApiClientError && e.code === 409) this.stats.bindConflicts++;
      else this.stats.bindErrors++;
      if (isNotFound(e)) {
        this.queue.done(q.key);
      } else {
        this.queue.addBackoff(q);
        void this.#events.event(
          pod,
          "Warning",
          "FailedScheduling",
          `running Bind plugin "DefaultBinder": ${serverMessage(e)}`,
        );
      }
    } finally {
      this.#wake();
    }
  }

  /** Stops scheduling; waits for in-flight bindings and event writes. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await Promise.all([...this.#binds]);
    await this.#pods.stop();
    await this.#nodes.stop();
    await this.#events.flush();
  }
}
