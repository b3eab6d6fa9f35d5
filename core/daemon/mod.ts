/**
 * The node's one reconcile loop (`rkl daemon`): static pods from a manifest directory, pods
 * started by the CLI with a restart policy, restart back-off, probes, OOM detection and crash
 * recovery.
 *
 * Files:
 * - `pod_sync_planner.ts` — the pure {@linkcode planPodSync}(desired, observed, now) → actions
 * - `daemon.ts` — {@linkcode NodeDaemon}: the loop (relist, plan, apply), control socket, watches
 * - `observe.ts` — {@linkcode observeNode}: the relist (store + runtime + exit files, OOM kills)
 * - `pod_sync_executor.ts` — {@linkcode applyPodActions}: applies actions, records events
 * - `kill_deadline.ts` — {@linkcode KillDeadline}: the SIGKILL deadline of a graceful kill, moved earlier by a shorter deletion
 * - `static_pods.ts` — {@linkcode StaticPodSource}: the manifest directory
 * - `prober.ts`, `probe_handler.ts` — startup/liveness/readiness probes and lifecycle hooks
 * - `grpc_health.ts` — the gRPC probe ({@linkcode grpcHealthCheck})
 * - `events.ts` — the events table ({@linkcode recordEvent}, {@linkcode listEvents})
 * - `daemon_lock.ts` — one daemon per root ({@linkcode acquireDaemonLock})
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
export * from "./daemon.ts";
export * from "./observe.ts";
export * from "./pod_sync_executor.ts";
export * from "./kill_deadline.ts";
export * from "./static_pods.ts";
export * from "./prober.ts";
export * from "./probe_handler.ts";
export * from "./grpc_health.ts";
export * from "./events.ts";
export * from "./daemon_lock.ts";
