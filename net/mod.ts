/**
 * rk8s networking: a CNI runtime (CNI 1.0: ADD, DEL, CHECK, cached results), network
 * namespaces, rkl's bridge networks, published ports, name resolution files, and the
 * {@linkcode CniNetworkProvider} that implements core's `NetworkProvider`.
 *
 * @example
 * ```ts
 * import { parseNetworkConfig } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const { list } = parseNetworkConfig('{"cniVersion":"1.0.0","name":"n","type":"bridge"}', "n.conf");
 * assert.equal(list.plugins[0]?.type, "bridge");
 * ```
 *
 * @module
 */
export * from "./attachment_record.ts";
export * from "./bridge_network.ts";
export * from "./cni_config.ts";
export * from "./cni_env.ts";
export * from "./cni_exec.ts";
export * from "./cni_network_provider.ts";
export * from "./cni_plugin_error.ts";
export * from "./cni_result.ts";
export * from "./cni_runtime.ts";
export * from "./cni_types.ts";
export * from "./hosts_files.ts";
export * from "./masq_rules.ts";
export * from "./netns.ts";
export * from "./network_store.ts";
export * from "./ports.ts";
export * from "./subnet.ts";
