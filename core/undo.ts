/**
 * Register the cleanup when a resource is acquired; undo in reverse order on failure.
 *
 * @module
 */
import { CleanupError } from "./errors.ts";

/** One registered cleanup step. */
export interface UndoStep {
  /** What the step releases, for error messages (`umount /run/rkl/...`). */
  readonly name: string;
  /** Releases the resource. */
  readonly run: () => void | Promise<void>;
}

/**
 * A stack of cleanup steps. Push a step right after acquiring a resource (or right before,
 * when the acquisition itself can half-succeed, like CNI ADD); call {@linkcode UndoStack.rollback}
 * when the operation fails, or {@linkcode UndoStack.commit} when it succeeds.
 *
 * @example
 * ```ts
 * import { UndoStack } from "./undo.ts";
 * import assert from "node:assert/strict";
 * const order: string[] = [];
 * const undo = new UndoStack();
 * undo.push("a", () => { order.push("a"); });
 * undo.push("b", () => { order.push("b"); });
 * await undo.rollback();
 * assert.deepEqual(order, ["b", "a"]);
 * ```
 */
export class UndoStack {
  #steps: UndoStep[] = [];

  /** Registers a cleanup step. */
  push(name: string, run: () => void | Promise<void>): void {
    this.#steps.push({ name, run });
  }

  /** Number of registered steps. */
  get size(): number {
    return this.#steps.length;
  }

  /** Forgets every step: the operation succeeded and keeps its resources. */
  commit(): void {
    this.#steps = [];
  }

  /**
   * Runs every step in reverse order. Every step runs even when an earlier one fails;
   * failures are collected into one {@linkcode CleanupError}.
   */
  async rollback(): Promise<void> {
    const failures: { step: string; error: unknown }[] = [];
    const steps = this.#steps.reverse();
    this.#steps = [];
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        failures.push({ step: step.name, error });
      }
    }
    if (failures.length > 0) throw new CleanupError(failures);
  }

  /**
   * Runs `fn` with this stack; if it throws, rolls back and rethrows the original error
   * (with the cleanup failure, if any, attached as `cause`).
   */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const value = await fn();
      this.commit();
      return value;
    } catch (error) {
      try {
        await this.rollback();
      } catch (cleanup) {
        if (error instanceof Error && error.cause === undefined) {
          Object.defineProperty(error, "cause", { value: cleanup });
        }
      }
      throw error;
    }
  }
}
