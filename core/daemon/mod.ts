/**
 * The node's one reconcile loop (`rkl daemon`): static pods from a manifest directory, pods
 * started by the CLI with a restart policy, restart back-off, probes, OOM detection and crash
 * recovery.
 *
 * Files:
 * - `pod_sync_planner.ts` — the pure {@linkcode planPodSync}(desired, observed, now) → actions
 *
 * @example
 * ```ts
 * import { planPodSync } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(planPodSync([], [], Date.now()), []);
 * ```
 *
 * @module
 */
export * from "./pod_sync_planner.ts";
