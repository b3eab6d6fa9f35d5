/**
 * The pod garbage collector loop: every `checkPeriodMs` (20 s, upstream's `gcCheckPeriod`), when
 * a quarantine ends, and when an informer event could give it work, it runs
 * {@linkcode planPodGc} over the pod and node informers and applies the actions
 * (kube-controller-manager's `pod-garbage-collector`).
 *
 * @module
 */
import type { KubeClient } from "../client/kube_client.ts";
import type { SharedInformer } from "../client/shared_informer.ts";
import { isConflict, isNotFound } from "../client/client_errors.ts";
import type { KubeObject } from "../store/kube_object.ts";
import type { Pod } from "./_objects.ts";
import type { NodeObject } from "./node_lifecycle_reconcile.ts";
import {
  DEFAULT_POD_GC_CHECK_PERIOD_MS,
  DEFAULT_TERMINATED_POD_GC_THRESHOLD,
  failedPodStatus,
  isPodTerminated,
  ORPHANED_POD_CONDITION,
  planOrphanedPods,
  planPodGc,
  type PodGcAction,
  type PodGcOptions,
  TAINT_OUT_OF_SERVICE,
} from "./pod_gc_reconcile.ts";
import { WorkQueue } from "./work_queue.ts";

/** What the pod garbage collector runs on. */
export interface PodGcControllerOptions extends PodGcOptions {
  /** The API client. */
  kube: KubeClient;
  /** Shared informer of `pods`. */
  pods: SharedInformer<KubeObject>;
  /** Shared informer of `nodes`. */
  nodes: SharedInformer<KubeObject>;
  /** Longest pause between passes, ms (default 20000, upstream's `gcCheckPeriod`). */
  checkPeriodMs?: number;
  /** Deletions in flight at once (default 16; upstream runs one goroutine per pod). */
  concurrency?: number;
  /** The clock (tests). */
  now?: () => Date;
  /** Told about each failed deletion or node check (the pod is retried on a later pass). */
  onError?: (error: unknown) => void;
  /** Told about each forced deletion: `PodGC force deleted pod <ns>/<name> (<reason>)`. */
  log?: (line: string) => void;
}

/** What one {@linkcode PodGcController.pass} did. */
export interface PodGcPassResult {
  /** `namespace/name` of the pods deleted, by reason. */
  deleted: { reason: string; pod: string }[];
  /** Milliseconds until the next pass is due. */
  nextCheckMs: number;
}

const KEY = "pods";

/**
 * Deletes the pods nothing else will (see {@linkcode planPodGc}). Register with
 * {@linkcode PodGcController.register} before the informers start, then
 * {@linkcode PodGcController.run} until {@linkcode PodGcController.stop}. Like upstream, it
 * records no Events (deletions are logged).
 *
 * @example
 * ```ts ignore
 * const c = new PodGcController({ kube, pods, nodes, quarantineMs: 2000 });
 * await c.register();
 * const done = c.run();
 * c.stop();
 * await done;
 * ```
 */
export class PodGcController {
  /** One key: every pass looks at every pod. */
  readonly queue: WorkQueue = new WorkQueue();
  readonly #o: PodGcControllerOptions;
  #missingSince = new Map<string, number>();
  /** Terminated pods counted by the last pass plus those that terminated since. */
  #terminated = 0;

  /** Creates the controller (nothing runs yet). */
  constructor(o: PodGcControllerOptions) {
    this.#o = o;
  }

  /** Adds the handlers that trigger a pass when there may be something to collect. */
  async register(): Promise<void> {
    const kick = () => this.queue.add(KEY);
    const threshold = this.#o.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
    const outOfService = (name: string | undefined) => {
      const node = name ? this.#o.nodes.get(undefined, name) as NodeObject | undefined : undefined;
      return node !== undefined && outOfServiceNotReady(node);
    };
    const onPod = (p: KubeObject, old?: KubeObject) => {
      const pod = p as unknown as Pod;
      const node = pod.spec?.nodeName;
      if (isPodTerminated(pod) && !(old && isPodTerminated(old as unknown as Pod))) {
        this.#terminated++;
        if (threshold > 0 && this.#terminated > threshold) return kick();
      }
      if (pod.metadata.deletionTimestamp && (!node || outOfService(node))) return kick();
      if (node && !this.#missingSince.has(node) && !this.#o.nodes.get(undefined, node)) kick();
    };
    await this.#o.pods.addHandlers({ add: (p) => onPod(p), update: onPod });
    await this.#o.nodes.addHandlers({
      update: (n) => {
        if (outOfServiceNotReady(n as NodeObject)) kick();
      },
      delete: kick,
    });
  }

  /** Runs passes until {@linkcode PodGcController.stop}. */
  run(): Promise<void> {
    this.queue.add(KEY);
    return this.queue.run(async () => {
      let next = this.#o.checkPeriodMs ?? DEFAULT_POD_GC_CHECK_PERIOD_MS;
      try {
        next = (await this.pass()).nextCheckMs;
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

  /** One pass over the informers' caches. */
  async pass(): Promise<PodGcPassResult> {
    const now = this.#o.now?.() ?? new Date();
    const pods = this.#o.pods.list() as unknown as Pod[];
    const nodes = this.#o.nodes.list() as unknown as NodeObject[];
    const plan = planPodGc(pods, nodes, this.#missingSince, now, this.#o);
    this.#missingSince = plan.missingSince;
    this.#terminated = plan.terminatedCount;
    const deletions: Extract<PodGcAction, { type: "deletePod" }>[] = [];
    const gone = new Set<string>();
    for (const a of plan.actions) {
      if (a.type === "deletePod") deletions.push(a);
      else if (await this.#nodeGone(a.node)) gone.add(a.node);
      // A node that exists (the informer lags) or could not be read starts a new quarantine on
      // the next pass, as upstream re-queues it.
      else this.#missingSince.delete(a.node);
    }
    const planned = new Set(deletions.map((d) => d.uid));
    for (const a of planOrphanedPods(pods, gone, now)) {
      if (a.type === "deletePod" && !planned.has(a.uid)) deletions.push(a);
    }
    const deleted: PodGcPassResult["deleted"] = [];
    const queue = [...deletions];
    const worker = async () => {
      for (let a = queue.shift(); a; a = queue.shift()) {
        try {
          if (await this.#forceDelete(a, now)) {
            deleted.push({ reason: a.reason, pod: `${a.namespace}/${a.name}` });
            this.#o.log?.(`PodGC force deleted pod ${a.namespace}/${a.name} (${a.reason})`);
          }
        } catch (e) {
          this.#o.onError?.(e);
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(queue.length, this.#o.concurrency ?? 16) }, worker),
    );
    const period = this.#o.checkPeriodMs ?? DEFAULT_POD_GC_CHECK_PERIOD_MS;
    return { deleted, nextCheckMs: Math.min(period, plan.nextCheckMs ?? Infinity) };
  }

  /** The live GET of upstream's `checkIfNodeExists`: true only for NotFound. */
  async #nodeGone(name: string): Promise<boolean> {
    try {
      await this.#o.kube.get("nodes", undefined, name);
      return false;
    } catch (e) {
      if (isNotFound(e)) return true;
      this.#o.onError?.(e);
      return false;
    }
  }

  /**
   * Upstream's `markFailedAndDeletePodWithCondition`: write the Failed status (a compare-and-swap
   * on the cached pod, re-read on a conflict), then delete with grace 0. False when the pod was
   * already gone or replaced by another of the same name.
   */
  async #forceDelete(a: Extract<PodGcAction, { type: "deletePod" }>, now: Date): Promise<boolean> {
    const { kube } = this.#o;
    if (a.status) {
      let pod = this.#o.pods.get(a.namespace, a.name);
      let status: Pod["status"] = a.status;
      for (let attempt = 0;; attempt++) {
        if (!pod || pod.metadata.uid !== a.uid) return false;
        if (!status) break; // it became terminal meanwhile
        try {
          await kube.updateStatus("pods", { ...pod, status });
          break;
        } catch (e) {
          if (isNotFound(e)) return false;
          if (!isConflict(e) || attempt >= 2) throw e;
        }
        pod = await kube.get("pods", a.namespace, a.name).catch((e) => {
          if (isNotFound(e)) return undefined;
          throw e;
        });
        status = pod &&
          failedPodStatus(
            pod as unknown as Pod,
            a.reason === "orphaned" ? ORPHANED_POD_CONDITION : undefined,
            now,
          );
      }
    }
    try {
      await kube.delete("pods", a.namespace, a.name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: a.uid },
      });
      return true;
    } catch (e) {
      // NotFound: deleted meanwhile; Conflict: the uid precondition failed (a new pod).
      if (isNotFound(e) || isConflict(e)) return false;
      throw e;
    }
  }
}

/** Not Ready and tainted `node.kubernetes.io/out-of-service` (the `gcTerminating` case). */
function outOfServiceNotReady(node: NodeObject): boolean {
  return node.status?.conditions?.find((c) => c.type === "Ready")?.status !== "True" &&
    (node.spec?.taints ?? []).some((t) => t.key === TAINT_OUT_OF_SERVICE);
}
