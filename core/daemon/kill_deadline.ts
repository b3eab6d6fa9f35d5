/**
 * When the containers of a pod being killed get SIGKILL, for a kill in flight whose grace
 * period a later deletion shortens.
 *
 * @module
 */

/**
 * The SIGKILL deadline of a pod being killed: now + its grace period, moved earlier (never
 * later) by {@linkcode KillDeadline.shorten} — as the kubelet's pod worker cuts a kill in flight
 * short when the pod is deleted again with a shorter grace period (`kubectl delete --grace-period=1`,
 * or `--force --grace-period=0` after a graceful delete). `expired` resolves at the deadline;
 * {@linkcode KillDeadline.dispose} once the kill is over clears the timer.
 *
 * @example
 * ```ts
 * import { KillDeadline } from "./kill_deadline.ts";
 * import assert from "node:assert/strict";
 * const d = new KillDeadline(30, 1_000);
 * assert.equal(d.at, 31_000);
 * assert.equal(d.shorten(60, 2_000), false); // never later
 * assert.equal(d.shorten(0, 2_000), true); // --force --grace-period=0
 * await d.expired; // resolves at once: the deadline passed
 * d.dispose();
 * ```
 */
export class KillDeadline {
  #at: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resolve!: () => void;
  #disposed = false;
  /** Resolves when the deadline passes (never, once disposed before). */
  readonly expired: Promise<void>;

  /** A deadline `graceSeconds` (≥ 0) after `now` (ms since the epoch; default `Date.now()`). */
  constructor(graceSeconds: number, now: number = Date.now()) {
    this.expired = new Promise((r) => this.#resolve = r);
    this.#at = now + Math.max(0, graceSeconds) * 1000;
    this.#arm(now);
  }

  /** The deadline, ms since the epoch. */
  get at(): number {
    return this.#at;
  }

  /**
   * Moves the deadline to `now + graceSeconds` when that is earlier; returns whether it moved.
   * A later deadline is ignored (a kill is never made longer).
   */
  shorten(graceSeconds: number, now: number = Date.now()): boolean {
    const at = now + Math.max(0, graceSeconds) * 1000;
    if (this.#disposed || at >= this.#at) return false;
    this.#at = at;
    this.#arm(now);
    return true;
  }

  /** Clears the timer; `expired` stays pending. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
  }

  #arm(now: number): void {
    clearTimeout(this.#timer);
    const wait = this.#at - now;
    if (wait <= 0) return this.#resolve();
    this.#timer = setTimeout(() => this.#resolve(), wait);
  }
}
