/**
 * The node agent's cluster side: joining rks over QUIC with a bootstrap token and a pinned CA,
 * registering the Node, renewing its Lease and reporting its status.
 *
 * @example
 * ```ts
 * import { parseTaints } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseTaints("a:NoExecute")[0]!.effect, "NoExecute");
 * ```
 *
 * @module
 */
export * from "./cluster_session.ts";
export * from "./node_object.ts";
export * from "./host_facts.ts";
export * from "./cluster_pod_manifest.ts";
export * from "./cluster_pods.ts";
export * from "./pod_config_resolve.ts";
export * from "./service_env.ts";
export * from "./pod_status_report.ts";
export * from "./node_streams.ts";
export * from "./cluster_network.ts";
export * from "./cluster_pod_network.ts";
export * from "./host_gw_plan.ts";
export * from "./service_proxy_plan.ts";
export * from "./service_proxy_conntrack_plan.ts";
export * from "./cluster_dns_records.ts";
export { type NodeAgentOptions, runNodeAgent } from "./node_agent.ts";
