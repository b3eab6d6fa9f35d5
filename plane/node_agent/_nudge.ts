/**
 * Small waiting helpers of the node agent's loops (private to `plane/node_agent`).
 *
 * @module
 */

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * A loop's wake-up: `wait` returns after `ms`, when `signal` aborts, or at once when `kick` was
 * called since the last `wait` (a kick while nobody waits is kept, never lost).
 */
export class Nudge {
  #pending = false;
  #wake: () => void = () => {};

  /** Wakes the waiter (or the next one). */
  kick(): void {
    this.#pending = true;
    this.#wake();
  }

  /** Waits as described above; clears the pending kick. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.#pending) {
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", finish);
          this.#wake = () => {};
          resolve();
        };
        const timer = setTimeout(finish, ms);
        signal.addEventListener("abort", finish, { once: true });
        this.#wake = finish;
      });
    }
    this.#pending = false;
  }
}
