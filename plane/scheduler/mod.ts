/**
 * rk8s's scheduler (kube-scheduler's model): pure filter and score plugins, one scheduling
 * cycle ({@linkcode schedulePod}), the queue and the cache, and the {@linkcode Scheduler} loop
 * that binds pods through the API.
 *
 * @module
 */
export * from "./types.ts";
export * from "./resources.ts";
export * from "./node_info.ts";
export * from "./framework.ts";
export * from "./node_name.ts";
export * from "./node_unschedulable.ts";
export * from "./taint_toleration.ts";
export * from "./node_affinity.ts";
export * from "./node_ports.ts";
export * from "./node_resources_fit.ts";
export * from "./balanced_allocation.ts";
export * from "./inter_pod_affinity.ts";
export * from "./pod_topology_spread.ts";
export * from "./profile.ts";
export * from "./schedule_pod.ts";
export * from "./scheduling_queue.ts";
export * from "./scheduler_cache.ts";
export * from "./scheduler.ts";
