/**
 * `EventRecorder`: writes core/v1 Events about objects as kube-controller-manager and
 * kube-scheduler do (client-go's `record.EventRecorder` + `EventCorrelator`): one Event per
 * (object, type, reason, message), named `<object>.<hex nanoseconds>`, in the object's namespace
 * (`default` for cluster-scoped objects); a repeat within the cache's reach bumps `count` and
 * `lastTimestamp` of the same Event by a patch instead of creating another. `kubectl describe`
 * shows them under "Events".
 *
 * Like client-go's `EventCorrelator`, similar events are combined and spam is throttled: once
 * 10 distinct messages with the same object, type and reason were seen within 10 minutes, later
 * ones go to one Event whose message reads `(combined from similar events): <latest message>`
 * and whose count grows (`EventAggregatorByReasonFunc`); and each object gets a token bucket of
 * 25 events refilled at one per 5 minutes (`EventSourceObjectSpamFilter`) — events past it are
 * skipped silently, as upstream skips them. `kubectl describe rs` of a 1,000-replica ReplicaSet
 * thus shows a few `SuccessfulCreate` events, not 1,000.
 *
 * Writes are bounded too, as client-go's broadcaster bounds them: at most `maxInFlight` requests
 * at once, at most `maxBacklog` distinct events waiting (beyond that new events are dropped and
 * `onError` is told, as client-go drops when its 1,000-event queue is full), and repeats of an
 * event whose write is still in flight fold into one count patch. A burst of scheduling or
 * controller actions therefore never floods the API server with event writes.
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
  /** Event writes in flight at most (default 8). */
  maxInFlight?: number;
  /** Distinct events waiting for a write at most (default 1000); newer ones are dropped. */
  maxBacklog?: number;
  /** Events about one object in a burst before throttling (default 25; 0 turns it off). */
  spamBurst?: number;
  /** Refill of that bucket, events per second (default 1/300). */
  spamQps?: number;
  /** Distinct messages per (object, type, reason) before they are combined (default 10). */
  aggregateMaxEvents?: number;
}

/** Upstream's `maxIntervalInSeconds` of the aggregator: 10 minutes, in ms. */
const AGGREGATE_INTERVAL_MS = 600_000;
/** The message prefix of a combined event (`EventAggregatorByReasonMessageFunc`). */
export const COMBINED_PREFIX = "(combined from similar events): ";

/** An event not written because {@linkcode EventRecorderOptions.maxBacklog} events were waiting. */
export class EventDroppedError extends Error {
  /** The event's reason. */
  readonly reason: string;
  /** The object it was about. */
  readonly involvedObject: ObjectReference;
  /** Creates the error. */
  constructor(reason: string, involvedObject: ObjectReference) {
    super(
      `event ${reason} about ${involvedObject.kind} ${
        involvedObject.namespace ? `${involvedObject.namespace}/` : ""
      }${involvedObject.name} dropped: too many events waiting to be written`,
    );
    this.name = "EventDroppedError";
    this.reason = reason;
    this.involvedObject = involvedObject;
  }
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
  /** The Event as first created (name, namespace, involvedObject, ...). */
  event: KubeObject;
  name: string;
  namespace: string;
  /** Occurrences recorded. */
  count: number;
  /** Occurrences the API has (0: not created yet). */
  written: number;
  /** A write is queued or in flight. */
  busy: boolean;
  /** Callers waiting for their occurrence to be written. */
  waiters: (() => void)[];
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
  /** Events waiting for a write slot, in order. */
  readonly #backlog: Seen[] = [];
  #inFlight = 0;
  /** Aggregation records: distinct messages per (object, type, reason) and when last seen. */
  readonly #aggregates = new Map<string, { messages: Set<string>; last: number }>();
  /** Spam filter token buckets per object. */
  readonly #buckets = new Map<string, { tokens: number; last: number }>();

  /** Creates the recorder (no request is made). */
  constructor(client: KubeClient, opts: EventRecorderOptions) {
    this.#client = client;
    this.#opts = opts;
  }

  /**
   * Records that `reason` happened to `obj`, with a human `message` (kube-scheduler:
   * `Scheduled` / `Successfully assigned default/web to n1`). Resolves when written (or failed,
   * or dropped).
   */
  event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const ref = objectReference(obj);
    const nowMs = (this.#opts.now?.() ?? new Date()).getTime();
    const objectKey = JSON.stringify([ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion]);
    // EventAggregate: past 10 distinct messages, one combined Event per (object, type, reason).
    const aggKey = `${objectKey}\u0000${type}\u0000${reason}`;
    let agg = this.#aggregates.get(aggKey);
    if (!agg || nowMs - agg.last > AGGREGATE_INTERVAL_MS) {
      agg = { messages: new Set(), last: nowMs };
      this.#aggregates.set(aggKey, agg);
      this.#trim(this.#aggregates);
    }
    agg.messages.add(message);
    agg.last = nowMs;
    let key = `${aggKey}\u0000${message}`;
    if (agg.messages.size >= (this.#opts.aggregateMaxEvents ?? 10)) {
      agg.messages.delete(message); // the set does not grow past the maximum
      key = aggKey;
      message = COMBINED_PREFIX + message;
    }
    // EventSourceObjectSpamFilter: a token bucket per object.
    const burst = this.#opts.spamBurst ?? 25;
    if (burst > 0) {
      const qps = this.#opts.spamQps ?? 1 / 300;
      let b = this.#buckets.get(objectKey);
      if (!b) {
        b = { tokens: burst, last: nowMs };
        this.#buckets.set(objectKey, b);
        this.#trim(this.#buckets);
      }
      b.tokens = Math.min(burst, b.tokens + (nowMs - b.last) / 1000 * qps);
      b.last = nowMs;
      if (b.tokens < 1) return Promise.resolve(); // skipped, as upstream skips spam
      b.tokens--;
    }
    let seen = this.#seen.get(key);
    if (!seen) {
      if (this.#backlog.length >= (this.#opts.maxBacklog ?? 1000)) {
        this.#opts.onError?.(new EventDroppedError(reason, ref));
        return Promise.resolve();
      }
      const now = this.#now();
      const component = this.#opts.component;
      const namespace = ref.namespace ?? "default";
      const ns = BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
      const name = `${ref.name}.${ns.toString(16)}`;
      seen = {
        event: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject: ref,
          reason,
          message,
          type,
          firstTimestamp: now,
          source: { component },
          reportingComponent: component,
          reportingInstance: this.#opts.instance ?? component,
        },
        name,
        namespace,
        count: 0,
        written: 0,
        busy: false,
        waiters: [],
      };
      this.#remember(key, seen);
    }
    seen.count++;
    seen.event.message = message; // a combined Event shows the latest message
    const done = new Promise<void>((resolve) => seen.waiters.push(resolve));
    if (!seen.busy) {
      seen.busy = true;
      this.#backlog.push(seen);
      this.#pump();
    }
    this.#pending.add(done);
    done.finally(() => this.#pending.delete(done));
    return done;
  }

  /** Waits for every write started so far. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #now(): string {
    return (this.#opts.now?.() ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
  }

  #trim(m: Map<string, unknown>): void {
    const max = this.#opts.cacheSize ?? 4096;
    for (const k of m.keys()) {
      if (m.size <= max) break;
      m.delete(k);
    }
  }

  #remember(key: string, seen: Seen): void {
    this.#seen.set(key, seen);
    const max = this.#opts.cacheSize ?? 4096;
    if (this.#seen.size <= max) return;
    for (const [k, s] of this.#seen) {
      if (this.#seen.size <= max) break;
      if (!s.busy) this.#seen.delete(k);
    }
  }

  #pump(): void {
    const max = this.#opts.maxInFlight ?? 8;
    while (this.#inFlight < max && this.#backlog.length > 0) {
      const seen = this.#backlog.shift()!;
      this.#inFlight++;
      void this.#write(seen).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  /** Writes `seen` up to its current count: creates it, or patches count and lastTimestamp. */
  async #write(seen: Seen): Promise<void> {
    const target = seen.count;
    const waiters = seen.waiters.splice(0);
    try {
      const now = this.#now();
      let created = false;
      if (seen.written > 0) {
        try {
          await this.#client.patch("events", seen.namespace, seen.name, {
            count: target,
            lastTimestamp: now,
            message: seen.event.message,
          }, "merge");
          created = true;
        } catch (e) {
          if (!isNotFound(e)) throw e; // deleted meanwhile (TTL): created again below
        }
      }
      if (!created) {
        // The created Event is not read back: the recorder keeps its own copy.
        await this.#client.createOnly("events", {
          ...seen.event,
          count: target,
          lastTimestamp: now,
        });
      }
      seen.written = target;
    } catch (e) {
      this.#opts.onError?.(e);
    } finally {
      seen.busy = false;
      for (const w of waiters) w();
      if (seen.count > target) {
        // Repeats arrived while writing: one more patch carries them all.
        seen.busy = true;
        this.#backlog.push(seen);
      }
    }
  }
}
