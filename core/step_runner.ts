/**
 * {@linkcode StepRunner}: runs named cleanup steps, keeps going past a failure or skips the rest
 * as told, and collects every failure into one {@linkcode CleanupError}. Teardowns (container
 * and sandbox removal, CNI DEL, network gc) and `UndoStack`'s rollback all use it, as
 * containerd's sandbox run and stop paths collect their cleanup errors.
 *
 * @module
 */
import { CleanupError, type StepFailure } from "./errors.ts";

/** One named step for {@linkcode StepRunner.runAll}. */
export interface NamedStep {
  /** What the step releases (`detach network`, `remove pod cgroup /rkl/pod-1`). */
  readonly name: string;
  /** Does the work; a throw is recorded as the step's failure. */
  readonly run: () => unknown;
}

/**
 * Runs cleanup steps and records their failures instead of throwing them, so every step gets
 * its chance; {@linkcode StepRunner.throwIfFailed} then reports them all together.
 *
 * - {@linkcode StepRunner.run}: keep going — the step runs whatever failed before.
 * - {@linkcode StepRunner.runIfClean}: stop — the step runs only when nothing failed so far;
 *   otherwise it is recorded as skipped (left behind), e.g. a record kept so removal can be
 *   retried.
 * - {@linkcode StepRunner.runAll}: steps that run at the same time.
 *
 * @example
 * ```ts
 * import { StepRunner } from "./step_runner.ts";
 * import { CleanupError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * const steps = new StepRunner();
 * await steps.run("umount /m", () => { throw new Error("busy"); });
 * assert.equal(await steps.run("detach network", () => {}), true);
 * assert.equal(await steps.runIfClean("delete record", () => {}), false);
 * assert.throws(() => steps.throwIfFailed(), (e: unknown) =>
 *   e instanceof CleanupError && e.leftBehind.join() === "umount /m,delete record");
 * ```
 */
export class StepRunner {
  readonly #failures: StepFailure[] = [];
  readonly #skipped: string[] = [];

  /** The failures so far, in the order they happened. */
  get failures(): readonly StepFailure[] {
    return this.#failures;
  }

  /** Steps skipped by {@linkcode StepRunner.runIfClean}. */
  get skipped(): readonly string[] {
    return this.#skipped;
  }

  /** True while no step failed. */
  get ok(): boolean {
    return this.#failures.length === 0;
  }

  /** Runs `fn` as step `name`; returns true when it succeeded, false when it failed. */
  async run(name: string, fn: () => unknown): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (error) {
      this.#failures.push({ step: name, error });
      return false;
    }
  }

  /**
   * Runs `fn` as step `name` only when no step failed so far; otherwise records it as skipped.
   * Returns true when it ran and succeeded.
   */
  runIfClean(name: string, fn: () => unknown): Promise<boolean> {
    if (!this.ok) {
      this.#skipped.push(name);
      return Promise.resolve(false);
    }
    return this.run(name, fn);
  }

  /** Runs `steps` concurrently, each as by {@linkcode StepRunner.run}. */
  async runAll(steps: readonly NamedStep[]): Promise<void> {
    await Promise.all(steps.map((s) => this.run(s.name, s.run)));
  }

  /**
   * The failures as one {@linkcode CleanupError} (undefined when none). With `original` (the
   * error that made an operation roll back) the error reports both.
   */
  error(...original: [] | [unknown]): CleanupError | undefined {
    if (this.ok) return undefined;
    if (original.length === 1) return CleanupError.afterFailure(original[0], this.#failures);
    return new CleanupError([...this.#failures], { skipped: [...this.#skipped] });
  }

  /** Throws {@linkcode StepRunner.error} when a step failed. */
  throwIfFailed(): void {
    const e = this.error();
    if (e) throw e;
  }
}
