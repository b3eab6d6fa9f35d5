/**
 * Promises that settle once a condition holds, re-checked whenever the owner says its state
 * changed ({@linkcode ConditionWaiters.notify}); used by `SharedInformer.waitFor` and
 * `Scheduler.waitFor`.
 *
 * @module
 */

/**
 * A set of pending condition waits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConditionWaiters } from "./condition_waiters.ts";
 * let n = 0;
 * const waiters = new ConditionWaiters();
 * const seen = waiters.wait(() => n === 2, 1_000, "counter");
 * n = 2;
 * waiters.notify();
 * await seen;
 * await assert.rejects(waiters.wait(() => n === 3, 10, "counter"), /counter: condition not met/);
 * ```
 */
export class ConditionWaiters {
  readonly #checks = new Set<() => void>();

  /** Re-checks every pending condition (call after each state change). */
  notify(): void {
    for (const check of [...this.#checks]) check();
  }

  /**
   * Resolves once `condition()` is true (checked now and on each {@linkcode notify}); rejects
   * after `timeoutMs` ms with an `Error` reading `<what>: condition not met within <timeoutMs> ms`.
   */
  wait(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what}: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#checks.delete(check);
      };
      this.#checks.add(check);
    });
  }
}
