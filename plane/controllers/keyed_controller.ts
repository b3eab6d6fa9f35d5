/**
 * `KeyedController`: the loop every object controller shares, as client-go's controller
 * pattern — informer handlers add object keys to a {@linkcode WorkQueue}, `run()` syncs one key
 * at a time until `stop()`, and a sync that throws is retried with per-key exponential back-off
 * (50 ms doubling to 5 s; `workqueue.ItemExponentialFailureRateLimiter` with a lower cap),
 * forgotten once a sync of that key succeeds.
 *
 * @module
 */
import { WorkQueue } from "./work_queue.ts";

/**
 * Base of a controller that syncs objects by key; subclasses implement `sync(key)` and enqueue
 * keys from their informer handlers.
 *
 * @example
 * ```ts
 * import { KeyedController } from "./keyed_controller.ts";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * class Echo extends KeyedController {
 *   sync(key: string): Promise<void> {
 *     seen.push(key);
 *     if (seen.length === 1) return Promise.reject(new Error("first try fails"));
 *     this.stop();
 *     return Promise.resolve();
 *   }
 * }
 * const c = new Echo();
 * c.queue.add("ns/a");
 * await c.run();
 * assert.deepEqual(seen, ["ns/a", "ns/a"]); // retried after the failure
 * ```
 */
export abstract class KeyedController {
  /** Keys to sync. */
  readonly queue: WorkQueue = new WorkQueue();
  readonly #retries = new Map<string, number>();
  readonly #onError: ((key: string, error: unknown) => void) | undefined;

  /** `onError` hears of each failed sync (the key is retried either way). */
  constructor(onError?: (key: string, error: unknown) => void) {
    this.#onError = onError;
  }

  /** One sync of `key` (`namespace/name`); throw to retry it later. */
  abstract sync(key: string): Promise<void>;

  /** Processes keys until {@linkcode KeyedController.stop}. */
  run(): Promise<void> {
    return this.queue.run((key) => this.#syncSafely(key));
  }

  /** Stops after the current sync. */
  stop(): void {
    this.queue.shutDown();
  }

  async #syncSafely(key: string): Promise<void> {
    try {
      await this.sync(key);
      this.#retries.delete(key);
    } catch (e) {
      this.#onError?.(key, e);
      const n = (this.#retries.get(key) ?? 0) + 1;
      this.#retries.set(key, n);
      this.queue.addAfter(key, Math.min(5_000, 50 * 2 ** Math.min(n, 7)));
    }
  }
}
