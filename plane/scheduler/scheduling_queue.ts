/**
 * `SchedulingQueue`: the pods waiting for a node, as kube-scheduler's priority queue — an
 * active queue ordered by priority (higher first) then creation time (older first), a back-off
 * queue (1 s after the first failed attempt, doubling up to 10 s), unschedulable pods parked
 * until a cluster event could help (node added or changed, pod deleted) or 5 minutes pass, and
 * gated pods (`spec.schedulingGates` non-empty) held until their gates are removed.
 *
 * Source: https://kubernetes.io/docs/concepts/scheduling-eviction/pod-scheduling-readiness/ and
 * kube-scheduler `internal/queue/scheduling_queue.go` (`PriorityQueue`, `PrioritySort`).
 *
 * @module
 */
import type { Pod } from "./types.ts";

/** A pod in the queue, with its bookkeeping. */
export interface QueuedPod {
  /** `namespace/name`. */
  key: string;
  /** Latest pod object. */
  pod: Pod;
  /** Scheduling attempts so far (counted when popped). */
  attempts: number;
  /** When it (re-)entered the queue, in ms (clock of the queue). */
  timestamp: number;
  /** When it first entered the queue, in ms. */
  initialTimestamp: number;
  /** Back-off ends at this time (ms). */
  backoffUntil: number;
  /** The cycle that popped it last. */
  cycle: number;
}

/** Options of {@linkcode SchedulingQueue}. */
export interface SchedulingQueueOptions {
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
  /** First back-off (default 1000 ms). */
  initialBackoffMs?: number;
  /** Longest back-off (default 10000 ms). */
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at least this often (default 300000 ms = 5 min). */
  maxInUnschedulableMs?: number;
}

function priority(p: Pod): number {
  return typeof p.spec?.priority === "number" ? p.spec.priority : 0;
}

/** Parsed `creationTimestamp`s: the heap compares each pod many times (parsing showed in profiles). */
const createdMs = new WeakMap<Pod, number>();

function created(p: Pod): number {
  let t = createdMs.get(p);
  if (t === undefined) {
    t = Date.parse(p.metadata.creationTimestamp ?? "");
    if (Number.isNaN(t)) t = 0;
    createdMs.set(p, t);
  }
  return t;
}

/**
 * Active-queue order: higher `spec.priority` first, then older `creationTimestamp`, then the
 * time it entered the queue (kube-scheduler's `PrioritySort`).
 *
 * @example
 * ```ts
 * import { queueLess } from "./scheduling_queue.ts";
 * import assert from "node:assert/strict";
 * const q = (name: string, prio: number, ts: string) => ({ key: name, attempts: 0, timestamp: 0, initialTimestamp: 0, backoffUntil: 0, cycle: 0,
 *   pod: { apiVersion: "v1", kind: "Pod", metadata: { name, creationTimestamp: ts }, spec: { priority: prio } } });
 * assert.equal(queueLess(q("hi", 10, "2026-01-02T00:00:00Z"), q("lo", 0, "2026-01-01T00:00:00Z")), true);
 * assert.equal(queueLess(q("new", 0, "2026-01-02T00:00:00Z"), q("old", 0, "2026-01-01T00:00:00Z")), false);
 * ```
 */
export function queueLess(a: QueuedPod, b: QueuedPod): boolean {
  const pa = priority(a.pod);
  const pb = priority(b.pod);
  if (pa !== pb) return pa > pb;
  const ca = created(a.pod);
  const cb = created(b.pod);
  if (ca !== cb) return ca < cb;
  return a.timestamp < b.timestamp;
}

/** A binary heap of queued pods keyed by `key` (update and delete by key). */
class Heap {
  readonly #items: QueuedPod[] = [];
  readonly #index = new Map<string, number>();
  readonly #less: (a: QueuedPod, b: QueuedPod) => boolean;
  constructor(less: (a: QueuedPod, b: QueuedPod) => boolean) {
    this.#less = less;
  }
  get size(): number {
    return this.#items.length;
  }
  get(key: string): QueuedPod | undefined {
    const i = this.#index.get(key);
    return i === undefined ? undefined : this.#items[i];
  }
  peek(): QueuedPod | undefined {
    return this.#items[0];
  }
  push(q: QueuedPod): void {
    const i = this.#index.get(q.key);
    if (i !== undefined) {
      this.#items[i] = q;
      this.#fix(i);
      return;
    }
    this.#items.push(q);
    this.#index.set(q.key, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }
  pop(): QueuedPod | undefined {
    if (this.#items.length === 0) return undefined;
    const top = this.#items[0]!;
    this.delete(top.key);
    return top;
  }
  delete(key: string): QueuedPod | undefined {
    const i = this.#index.get(key);
    if (i === undefined) return undefined;
    const item = this.#items[i]!;
    const last = this.#items.pop()!;
    this.#index.delete(key);
    if (i < this.#items.length) {
      this.#items[i] = last;
      this.#index.set(last.key, i);
      this.#fix(i);
    }
    return item;
  }
  values(): QueuedPod[] {
    return [...this.#items];
  }
  #fix(i: number): void {
    this.#up(i);
    this.#down(i);
  }
  #swap(i: number, j: number): void {
    const a = this.#items[i]!;
    const b = this.#items[j]!;
    this.#items[i] = b;
    this.#items[j] = a;
    this.#index.set(b.key, i);
    this.#index.set(a.key, j);
  }
  #up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(this.#items[i]!, this.#items[p]!)) break;
      this.#swap(i, p);
      i = p;
    }
  }
  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(this.#items[l]!, this.#items[m]!)) m = l;
      if (r < n && this.#less(this.#items[r]!, this.#items[m]!)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}

/** The key of a pod: `namespace/name`. */
export function podKey(p: Pod): string {
  return `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
}

function gated(p: Pod): boolean {
  return (p.spec?.schedulingGates ?? []).length > 0;
}

/**
 * The queue. Not thread-safe (it needs no locks in JavaScript); {@linkcode SchedulingQueue.wait}
 * resolves when a pod may be ready.
 *
 * @example
 * ```ts
 * import { SchedulingQueue } from "./scheduling_queue.ts";
 * import assert from "node:assert/strict";
 * let now = 0;
 * const q = new SchedulingQueue({ now: () => now });
 * const pod = (name: string, priority = 0) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { priority } });
 * q.add(pod("low"));
 * q.add(pod("high", 100));
 * const first = q.pop()!;
 * assert.equal(first.key, "default/high");
 * q.addUnschedulable(first);          // no node fits: parked
 * assert.equal(q.pop()?.key, "default/low");
 * assert.equal(q.pop(), undefined);
 * q.moveAllToActiveOrBackoff("NodeAdd"); // a node appeared: retry after its back-off (1 s)
 * assert.equal(q.pop(), undefined);
 * now = 1000;
 * assert.equal(q.pop()?.key, "default/high");
 * ```
 */
export class SchedulingQueue {
  readonly #now: () => number;
  readonly #initial: number;
  readonly #max: number;
  readonly #maxUnschedulable: number;
  readonly #active = new Heap(queueLess);
  readonly #backoff = new Heap((a, b) => a.backoffUntil < b.backoffUntil);
  readonly #unschedulable = new Map<string, QueuedPod>();
  readonly #gated = new Map<string, QueuedPod>();
  /** Pods popped and not yet returned (being scheduled or bound). */
  readonly #inFlight = new Map<string, QueuedPod>();
  #cycle = 0;
  #moveRequestCycle = -1;
  #wakers: (() => void)[] = [];

  /** Creates an empty queue. */
  constructor(opts: SchedulingQueueOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#initial = opts.initialBackoffMs ?? 1000;
    this.#max = opts.maxBackoffMs ?? 10_000;
    this.#maxUnschedulable = opts.maxInUnschedulableMs ?? 300_000;
  }

  /** Pods in each part of the queue. */
  get sizes(): { active: number; backoff: number; unschedulable: number; gated: number } {
    return {
      active: this.#active.size,
      backoff: this.#backoff.size,
      unschedulable: this.#unschedulable.size,
      gated: this.#gated.size,
    };
  }

  /** Back-off after `attempts` failed attempts: 1 s, 2 s, 4 s, 8 s, 10 s, 10 s, … */
  backoffDuration(attempts: number): number {
    let d = this.#initial;
    for (let i = 1; i < attempts && d < this.#max; i++) d *= 2;
    return Math.min(d, this.#max);
  }

  #wake(): void {
    const w = this.#wakers;
    this.#wakers = [];
    for (const f of w) f();
  }

  /** Whether the pod is anywhere in the queue (or popped and not yet done). */
  has(key: string): boolean {
    return !!(this.#active.get(key) || this.#backoff.get(key) || this.#unschedulable.has(key) ||
      this.#gated.has(key) || this.#inFlight.has(key));
  }

  /** A new pending pod: active, or gated while it has scheduling gates. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.has(key)) return this.update(pod);
    const now = this.#now();
    const q: QueuedPod = {
      key,
      pod,
      attempts: 0,
      timestamp: now,
      initialTimestamp: now,
      backoffUntil: 0,
      cycle: -1,
    };
    if (gated(pod)) this.#gated.set(key, q);
    else {
      this.#active.push(q);
      this.#wake();
    }
  }

  /**
   * A pending pod changed: its object is replaced; a pod whose gates were removed becomes
   * active; an unschedulable pod is retried (its spec or labels may now fit).
   */
  update(pod: Pod): void {
    const key = podKey(pod);
    const g = this.#gated.get(key);
    if (g) {
      g.pod = pod;
      if (!gated(pod)) {
        this.#gated.delete(key);
        g.timestamp = this.#now();
        this.#active.push(g);
        this.#wake();
      }
      return;
    }
    const inFlight = this.#inFlight.get(key);
    if (inFlight) {
      inFlight.pod = pod;
      return;
    }
    const a = this.#active.get(key) ?? this.#backoff.get(key);
    if (a) {
      a.pod = pod;
      if (this.#active.get(key)) this.#active.push(a);
      return;
    }
    const u = this.#unschedulable.get(key);
    if (u) {
      u.pod = pod;
      this.#unschedulable.delete(key);
      this.#requeue(u);
      return;
    }
    this.add(pod);
  }

  /** The pod is gone (deleted or bound by someone else). */
  delete(key: string): void {
    this.#active.delete(key);
    this.#backoff.delete(key);
    this.#unschedulable.delete(key);
    this.#gated.delete(key);
    this.#inFlight.delete(key);
  }

  #flushBackoff(now: number): void {
    for (;;) {
      const top = this.#backoff.peek();
      if (!top || top.backoffUntil > now) return;
      this.#backoff.pop();
      this.#active.push(top);
    }
  }

  #flushUnschedulable(now: number): void {
    for (const [key, q] of this.#unschedulable) {
      if (now - q.timestamp >= this.#maxUnschedulable) {
        this.#unschedulable.delete(key);
        this.#requeue(q);
      }
    }
  }

  /** Moves a pod to active, or to back-off while its back-off lasts. */
  #requeue(q: QueuedPod): void {
    if (q.backoffUntil > this.#now()) this.#backoff.push(q);
    else this.#active.push(q);
    this.#wake();
  }

  /**
   * The next pod to schedule (back-offs that ended move to active first), or `undefined`.
   * Counts an attempt and starts a scheduling cycle.
   */
  pop(): QueuedPod | undefined {
    const now = this.#now();
    this.#flushBackoff(now);
    const q = this.#active.pop();
    if (!q) return undefined;
    q.attempts++;
    q.cycle = ++this.#cycle;
    this.#inFlight.set(q.key, q);
    return q;
  }

  /**
   * A popped pod fit no node: parked as unschedulable until a cluster event — or, when such an
   * event came during its cycle, straight to back-off.
   */
  addUnschedulable(q: QueuedPod): void {
    if (!this.#inFlight.delete(q.key)) return; // deleted or bound meanwhile
    const now = this.#now();
    q.timestamp = now;
    q.backoffUntil = now + this.backoffDuration(q.attempts);
    if (this.#moveRequestCycle >= q.cycle) this.#requeue(q);
    else this.#unschedulable.set(q.key, q);
  }

  /** A popped pod failed for another reason (a lost binding race, an API error): back-off. */
  addBackoff(q: QueuedPod): void {
    if (!this.#inFlight.delete(q.key)) return;
    const now = this.#now();
    q.timestamp = now;
    q.backoffUntil = now + this.backoffDuration(q.attempts);
    this.#backoff.push(q);
    this.#wake();
  }

  /** A popped pod was bound (or dropped): forget it. */
  done(key: string): void {
    this.#inFlight.delete(key);
  }

  /**
   * A cluster event that may make unschedulable pods fit (`NodeAdd`, `NodeUpdate`,
   * `AssignedPodDelete`): every one goes to active (or back-off while it lasts).
   */
  moveAllToActiveOrBackoff(_event: string): void {
    const parked = [...this.#unschedulable.values()];
    this.#unschedulable.clear();
    for (const q of parked) this.#requeue(q);
    this.#moveRequestCycle = this.#cycle;
  }

  /** When the earliest back-off ends (ms), if any. */
  nextBackoffAt(): number | undefined {
    return this.#backoff.peek()?.backoffUntil;
  }

  /**
   * Resolves when a pod may be ready: something was added or moved, a back-off ended, the
   * unschedulable pods' 5-minute retry came (checked every 30 s), or `signal` aborted.
   */
  wait(signal?: AbortSignal): Promise<void> {
    this.#flushBackoff(this.#now());
    if (this.#active.size > 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const next = this.nextBackoffAt();
      const delay = Math.min(next === undefined ? 30_000 : Math.max(0, next - this.#now()), 30_000);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#flushUnschedulable(this.#now());
        resolve();
      };
      const timer = setTimeout(done, delay);
      signal?.addEventListener("abort", done, { once: true });
      this.#wakers.push(done);
    });
  }
}
