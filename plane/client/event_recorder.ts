/**
 * `EventRecorder`: writes core/v1 Events about objects as kube-controller-manager and
 * kube-scheduler do (client-go's `record.EventRecorder` + `EventCorrelator`): one Event per
 * (object, type, reason, message), named `<object>.<hex nanoseconds>`, in the object's namespace
 * (`default` for cluster-scoped objects); a repeat within the cache's reach bumps `count` and
 * `lastTimestamp` of the same Event by a patch instead of creating another. `kubectl describe`
 * shows them under "Events".
 *
 * @module
 */
import type { KubeObject } from "../store/kube_object.ts";
import { isNotFound } from "./client_errors.ts";
import type { KubeClient } from "./kube_client.ts";

/** `Normal` or `Warning`, the two event types Kubernetes uses. */
export type EventType = "Normal" | "Warning";

/** Options of {@linkcode EventRecorder}. */
export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent`, e.g. `default-scheduler`. */
  component: string;
  /** `reportingInstance` and `source.host` (default: the component name). */
  instance?: string;
  /** Clock (tests). */
  now?: () => Date;
  /** Told when a write fails (events are best effort, as in client-go). Default: ignored. */
  onError?: (error: unknown) => void;
  /** Distinct events remembered for aggregation (default 4096, oldest dropped). */
  cacheSize?: number;
}

/** The `involvedObject` of an Event: a reference to the object it is about. */
export interface ObjectReference {
  /** e.g. `Pod`. */
  kind: string;
  /** e.g. `v1`. */
  apiVersion: string;
  /** Name. */
  name: string;
  /** Namespace (absent for cluster-scoped objects). */
  namespace?: string;
  /** uid. */
  uid?: string;
  /** resourceVersion at the time of the event. */
  resourceVersion?: string;
}

/**
 * The object reference of `obj`, as `reference.GetReference` builds it.
 *
 * @example
 * ```ts
 * import { objectReference } from "./event_recorder.ts";
 * import assert from "node:assert/strict";
 * const ref = objectReference({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default", uid: "u1" } });
 * assert.deepEqual(ref, { kind: "Pod", apiVersion: "v1", name: "web", namespace: "default", uid: "u1" });
 * ```
 */
export function objectReference(obj: KubeObject): ObjectReference {
  const ref: ObjectReference = {
    kind: obj.kind,
    apiVersion: obj.apiVersion,
    name: obj.metadata.name,
  };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
}

/**
 * Records Events. {@linkcode EventRecorder.event} never throws: failures go to `onError`.
 *
 * @example
 * ```ts
 * import { EventRecorder } from "./event_recorder.ts";
 * import { KubeClient } from "./kube_client.ts";
 * import { startTestCluster } from "../apiserver/_testing.ts";
 * import assert from "node:assert/strict";
 * await using cluster = await startTestCluster("http");
 * await using kube = await KubeClient.connect({ kubeconfig: cluster.kubeconfig });
 * const node = await kube.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
 * const events = new EventRecorder(kube, { component: "node-controller" });
 * await events.event(node, "Normal", "RegisteredNode", "Node n1 event: Registered Node n1");
 * await events.event(node, "Normal", "RegisteredNode", "Node n1 event: Registered Node n1");
 * const list = await kube.list("events", { namespace: "default" });
 * assert.equal(list.items.length, 1);
 * assert.equal(list.items[0]!.count, 2);
 * ```
 */
export class EventRecorder {
  readonly #client: KubeClient;
  readonly #opts: EventRecorderOptions;
  readonly #seen = new Map<string, Seen>();
  readonly #pending = new Set<Promise<void>>();

  /** Creates the recorder (no request is made). */
  constructor(client: KubeClient, opts: EventRecorderOptions) {
    this.#client = client;
    this.#opts = opts;
  }

  /**
   * Records that `reason` happened to `obj`, with a human `message` (kube-scheduler:
   * `Scheduled` / `Successfully assigned default/web to n1`). Resolves when written (or failed).
   */
  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const p = this.#write(obj, type, reason, message).catch((e) => this.#opts.onError?.(e));
    this.#pending.add(p);
    p.finally(() => this.#pending.delete(p));
    return p;
  }

  /** Waits for every write started so far. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async #write(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const ref = objectReference(obj);
    const now = (this.#opts.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
    const component = this.#opts.component;
    const instance = this.#opts.instance ?? component;
    const key = JSON.stringify([ref.kind, ref.namespace, ref.name, ref.uid, type, reason, message]);
    const seen = this.#seen.get(key);
    if (seen) {
      seen.count++;
      try {
        await this.#client.patch("events", seen.namespace, seen.name, {
          count: seen.count,
          lastTimestamp: now,
        }, "merge");
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        this.#seen.delete(key);
      }
    }
    const namespace = ref.namespace ?? "default";
    const ns = BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
    const name = `${ref.name}.${ns.toString(16)}`;
    await this.#client.create("events", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component },
      reportingComponent: component,
      reportingInstance: instance,
    });
    this.#seen.set(key, { name, namespace, count: 1, first: now });
    const max = this.#opts.cacheSize ?? 4096;
    if (this.#seen.size > max) this.#seen.delete(this.#seen.keys().next().value!);
  }
}
