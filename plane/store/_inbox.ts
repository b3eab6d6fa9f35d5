/**
 * The queue between a gRPC stream's callbacks and the async iterator a watch is read through,
 * with back-pressure: past `high` unread items the stream is paused (HTTP/2 flow control then
 * holds the server back, and etcd keeps a watcher that cannot keep up in its own backlog,
 * replaying from history or cancelling it with a compaction when history is gone); once the
 * reader is down to `high / 8` it is resumed.
 *
 * @module
 */

/** What the inbox calls to hold back or release its source. */
export interface InboxFlow {
  /** Unread items at which `pause` is called (≥ 1; `Infinity` never pauses). */
  high: number;
  /** Stops the source (e.g. `stream.pause()`). */
  pause(): void;
  /** Starts the source again (e.g. `stream.resume()`). */
  resume(): void;
}

/**
 * Turns pushed items into an async iterator; see the module doc for the pause policy.
 *
 * @example Pauses at the high mark and resumes once read down to an eighth of it
 * ```ts
 * import assert from "node:assert/strict";
 * import { Inbox } from "./_inbox.ts";
 * const calls: string[] = [];
 * const inbox = new Inbox<number>({
 *   high: 8,
 *   pause: () => calls.push("pause"),
 *   resume: () => calls.push("resume"),
 * });
 * for (let i = 0; i < 8; i++) inbox.push(i);
 * inbox.end();
 * const got: number[] = [];
 * for await (const n of inbox.drain()) got.push(n);
 * assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7]);
 * assert.deepEqual(calls, ["pause", "resume"]);
 * ```
 */
export class Inbox<T> {
  #items: T[] = [];
  #head = 0;
  #error: unknown;
  #failed = false;
  #done = false;
  #wake: (() => void) | undefined;
  #paused = false;
  #flow: InboxFlow;

  /** `flow.high` must be at least 1. */
  constructor(flow: InboxFlow) {
    if (!(flow.high >= 1)) throw new RangeError(`Inbox high mark must be ≥ 1, got ${flow.high}`);
    this.#flow = flow;
  }

  /** Items pushed and not yet read. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** True while the source is paused by this inbox. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Queues an item (ignored after `end`/`fail`); pauses the source at the high mark. */
  push(item: T): void {
    if (this.#done) return;
    this.#items.push(item);
    if (!this.#paused && this.size >= this.#flow.high) {
      this.#paused = true;
      this.#flow.pause();
    }
    this.#notify();
  }

  /** Ends the iterator with `error` once the queued items are read (first call wins). */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#error = error;
    this.#failed = true;
    this.#done = true;
    this.#notify();
  }

  /** Ends the iterator once the queued items are read. */
  end(): void {
    this.#done = true;
    this.#notify();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #shift(): { item: T } | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#head++;
    // Compacted now and then instead of Array.shift() on every item (O(n) each on a deep queue).
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return { item };
  }

  /** Yields every item in order, then returns (after `end`) or throws (after `fail`). */
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      const next = this.#shift();
      if (next) {
        if (this.#paused && this.size <= this.#flow.high / 8) {
          this.#paused = false;
          this.#flow.resume();
        }
        yield next.item;
        continue;
      }
      if (this.#done) {
        if (this.#failed) throw this.#error;
        return;
      }
      await new Promise<void>((r) => this.#wake = r);
    }
  }
}
