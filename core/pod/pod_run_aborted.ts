/**
 * {@linkcode PodRunAborted}: the reason a supervisor gives when it aborts a pod's creation
 * because the pod must go (deleted through the API, its static manifest removed or replaced)
 * while `runPod` still runs — typically while it waits for an init container. The kubelet kills
 * a pod in any phase, init included, honouring the grace period: `runPod` gives the containers
 * it started `graceSeconds` after SIGTERM, then undoes everything it acquired.
 *
 * @module
 */
import { RkError } from "../errors.ts";

/**
 * Why a pod's creation was aborted, with the grace period its running containers get
 * (seconds between SIGTERM and SIGKILL; 0 kills them at once). Used as the `reason` of the
 * `AbortSignal` passed to `runPod` (`PodRunOptions.signal`); `runPod` then rejects with it.
 *
 * @example
 * ```ts
 * import { abortGraceSeconds, PodRunAborted } from "./pod_run_aborted.ts";
 * import assert from "node:assert/strict";
 * const ac = new AbortController();
 * ac.abort(new PodRunAborted('Pod "web" is being deleted', 5));
 * assert.equal(abortGraceSeconds(ac.signal.reason), 5);
 * assert.equal(abortGraceSeconds(new Error("any other reason")), 0);
 * assert.match((ac.signal.reason as Error).message, /being deleted/);
 * // A later forced deletion ends the grace period (the kubelet honours a shorter one).
 * const reason = ac.signal.reason as PodRunAborted;
 * let killed = false;
 * reason.killed.then(() => killed = true);
 * reason.killNow();
 * await reason.killed;
 * assert.ok(killed);
 * ```
 */
export class PodRunAborted extends RkError {
  /** Seconds the running containers get after SIGTERM before SIGKILL (0: SIGKILL at once). */
  readonly graceSeconds: number;
  /** Resolves when {@linkcode PodRunAborted.killNow} ends the grace period early. */
  readonly killed: Promise<void>;
  #kill: () => void = () => {};
  /** Creates the reason; a negative or fractional grace period is rounded up to whole seconds ≥ 0. */
  constructor(message: string, graceSeconds = 0, options?: ErrorOptions) {
    super(message, options);
    this.name = "PodRunAborted";
    this.graceSeconds = Math.max(0, Math.ceil(graceSeconds));
    this.killed = new Promise<void>((resolve) => this.#kill = resolve);
  }

  /**
   * Ends the grace period now: containers still stopping get SIGKILL (the pod was deleted again
   * with grace period 0, e.g. `kubectl delete --force --grace-period=0`). Idempotent.
   */
  killNow(): void {
    this.#kill();
  }
}

/**
 * The grace period an abort reason asks for: a {@linkcode PodRunAborted}'s `graceSeconds`, 0
 * for any other reason (a plain `AbortController.abort()` kills at once).
 */
export function abortGraceSeconds(reason: unknown): number {
  return reason instanceof PodRunAborted ? reason.graceSeconds : 0;
}
