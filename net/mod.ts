/**
 * rk8s networking: a CNI runtime (CNI 1.0: ADD, DEL, CHECK, cached results), network
 * namespaces, rkl's bridge networks, published ports, name resolution files, and the
 * {@linkcode CniNetworkProvider} that implements core's `NetworkProvider`.
 *
 * Files (one concern each; `core/network.ts` holds the interface core sees):
 * - `cni_network_provider.ts` — {@linkcode CniNetworkProvider}: attach (netns, CNI ADD per
 *   network, hosts/resolv.conf), detach (CNI DEL, netns, record), check, network ls/inspect/rm
 *   and gc; the file to read for "where does rkl undo a pod's network"
 * - `network_gc_plan.ts` — the pure {@linkcode planNetworkGc}(observation) → actions;
 *   `cni_network_provider_gc.ts` observes the host and applies them ({@linkcode collectNetworkGc})
 * - `network_info.ts` — {@linkcode networkInfo} for `rkl network ls|inspect`
 * - `cni_runtime.ts` — {@linkcode CniRuntime}: a config list's plugins for ADD (in order,
 *   chaining `prevResult`), DEL (in reverse, every plugin runs) and CHECK
 * - `cni_exec.ts` — finding and running plugin binaries ({@linkcode hostPluginExecutor})
 * - `cni_env.ts` — the `CNI_*` environment, the plugin's stdin ({@linkcode cniEnv}) and
 *   `CNI_PATH` ({@linkcode parseCniPath})
 * - `cni_config.ts` — parsing `.conf`/`.conflist` files ({@linkcode parseNetworkConfig})
 * - `cni_result.ts`, `cni_plugin_error.ts`, `cni_types.ts` — plugin results, plugin errors
 *   ({@linkcode CniPluginError}) and the CNI types
 * - `attachment_record.ts` — the per-attachment record that DEL and gc read
 *   ({@linkcode AttachmentStore})
 * - `network_store.ts`, `bridge_network.ts`, `subnet.ts` — rkl's named bridge networks, the
 *   default network and subnet choice ({@linkcode NetworkStore})
 * - `netns.ts` — bind-mounted network namespaces ({@linkcode NetnsManager})
 * - `ports.ts` — published ports and conflicts ({@linkcode publishedPorts})
 * - `masq_rules.ts` — masquerade rules left when the namespace is gone
 *   ({@linkcode removeMasqRules})
 * - `hosts_files.ts` — `/etc/hosts` and `/etc/resolv.conf` ({@linkcode renderHosts})
 * - `_lock.ts` — the file lock shared by concurrent rkl processes (private)
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
export * from "./cni_network_provider_gc.ts";
export * from "./cni_plugin_error.ts";
export * from "./cni_result.ts";
export * from "./cni_runtime.ts";
export * from "./cni_types.ts";
export * from "./hosts_files.ts";
export * from "./masq_rules.ts";
export * from "./netns.ts";
export * from "./network_gc_plan.ts";
export * from "./network_info.ts";
export * from "./network_store.ts";
export * from "./ports.ts";
export * from "./subnet.ts";
