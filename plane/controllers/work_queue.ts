/**
 * `WorkQueue`: the deduplicating key queue of a controller (client-go's workqueue, reduced):
 * a key added while waiting is queued once; a key being processed and added again is processed
 * again after; `addAfter` re-adds later (progress deadlines, minReadySeconds).
 *
 * @module
 */

/**
 * Keys (`namespace/name`) waiting to be synced, handed to one worker in order.
 *
 * @example
 * ```ts
 * import { WorkQueue } from "./work_queue.ts";
 * import assert from "node:assert/strict";
 * const q = new WorkQueue();
 * q.add("default/a");
 * q.add("default/a");
 * q.add("default/b");
 * const seen: string[] = [];
 * await q.run(async (key) => { seen.push(key); if (seen.length === 2) q.shutDown(); });
 * assert.deepEqual(seen, ["default/a", "default/b"]);
 * ```
 */
export class WorkQueue {
  #queue: string[] = [];
  #queued = new Set<string>();
  #processing = new Set<string>();
  #dirty = new Set<string>();
  #timers = new Map<string, { id: ReturnType<typeof setTimeout>; due: number }>();
  #wake: (() => void) | undefined;
  #down = false;

  /** Queues `key` unless already queued (a key in processing is queued again after). */
  add(key: string): void {
    if (this.#down) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#wake?.();
  }

  /** Queues `key` after `ms` milliseconds (the earliest pending request wins). */
  addAfter(key: string, ms: number): void {
    if (this.#down || !Number.isFinite(ms)) return;
    const due = Date.now() + Math.max(0, ms);
    const pending = this.#timers.get(key);
    if (pending && pending.due <= due) return;
    if (pending) clearTimeout(pending.id);
    const id = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, Math.max(0, ms));
    this.#timers.set(key, { id, due });
  }

  /** Keys waiting now. */
  get length(): number {
    return this.#queue.length;
  }

  /** Calls `sync` for each key, one at a time, until {@linkcode WorkQueue.shutDown}. */
  async run(sync: (key: string) => Promise<void>): Promise<void> {
    while (!this.#down) {
      const key = this.#queue.shift();
      if (key === undefined) {
        await new Promise<void>((r) => this.#wake = r);
        this.#wake = undefined;
        continue;
      }
      this.#queued.delete(key);
      this.#processing.add(key);
      try {
        await sync(key);
      } finally {
        this.#processing.delete(key);
        if (this.#dirty.delete(key)) this.add(key);
      }
    }
  }

  /** Stops `run` after the current key and cancels the delayed adds. */
  shutDown(): void {
    this.#down = true;
    for (const t of this.#timers.values()) clearTimeout(t.id);
    this.#timers.clear();
    this.#wake?.();
  }
}
