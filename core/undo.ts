/**
 * Register the cleanup when a resource is acquired; undo in reverse order on failure.
 *
 * @module
 */
import { StepRunner } from "./step_runner.ts";

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

  /** Runs every step in reverse order, each even when an earlier one fails. */
  async #unwind(): Promise<StepRunner> {
    const steps = this.#steps.reverse();
    this.#steps = [];
    const runner = new StepRunner();
    for (const step of steps) await runner.run(step.name, step.run);
    return runner;
  }

  /**
   * Runs every step in reverse order. Every step runs even when an earlier one fails;
   * failures are collected into one `CleanupError`.
   */
  async rollback(): Promise<void> {
    (await this.#unwind()).throwIfFailed();
  }

  /**
   * Runs `fn` with this stack; if it throws, rolls back and rethrows the original error. When
   * the rollback fails too, a `CleanupError` is thrown instead that carries both: its
   * message starts with the original's, names every step left behind, keeps the original as
   * `original` and `cause` and its exit code (nested guards add their failures to one list).
   *
   * @example
   * ```ts
   * import { UndoStack } from "./undo.ts";
   * import { CleanupError, ConflictError } from "./errors.ts";
   * import assert from "node:assert/strict";
   * const undo = new UndoStack();
   * undo.push("remove /d", () => { throw new Error("EBUSY"); });
   * await assert.rejects(
   *   undo.guard(() => Promise.reject(new ConflictError("taken", { cause: new Error("why") }))),
   *   (e: unknown) => e instanceof CleanupError && e.original instanceof ConflictError &&
   *     e.message === "taken; rollback failed, left behind: remove /d (EBUSY)",
   * );
   * ```
   */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const value = await fn();
      this.commit();
      return value;
    } catch (error) {
      throw (await this.#unwind()).error(error) ?? error;
    }
  }
}
