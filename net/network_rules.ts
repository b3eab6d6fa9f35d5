/**
 * Network-wide iptables rules for the bridge networks rkl writes with `networkRules` (compose
 * networks): one outbound `MASQUERADE` for the subnet and two `FORWARD` accepts for the bridge,
 * installed once per network, instead of the bridge plugin's per-container masquerade chain
 * (`ipMasq`) and the firewall plugin's per-address rules — 18 `iptables` processes per sandbox
 * measured on a 12-service compose `up`, now none per sandbox. Docker's bridge driver works the
 * same way. {@linkcode networkRulesOf} plans (pure); {@linkcode ensureNetworkRules} and
 * {@linkcode removeNetworkRules} apply.
 *
 * @module
 */
import { run } from "../core/exec.ts";
import type { CniNetworkConfigList } from "./cni_types.ts";

/** The bridge plugin key that marks a network whose rules rkl installs itself. */
export const NETWORK_RULES_KEY = "rklNetworkRules";

/** One iptables rule: table, chain, how it is added and its match/target arguments. */
export interface IptablesRule {
  /** `nat` or `filter`. */
  table: "nat" | "filter";
  /** Chain, e.g. `POSTROUTING`. */
  chain: string;
  /** `insert` puts it first (FORWARD, ahead of other firewalls' drops); `append` last. */
  position: "insert" | "append";
  /** Match and target arguments, e.g. `["-s", "10.1.0.0/24", "-j", "MASQUERADE"]`. */
  args: string[];
}

/**
 * The rules of a network list written with `networkRules`, or undefined for any other network
 * (its plugins manage their own rules). An internal network (no gateway) needs none.
 *
 * @example
 * ```ts
 * import { networkRulesOf } from "./network_rules.ts";
 * import { bridgeNetworkConfig } from "./bridge_network.ts";
 * import { parseNetworkConfig } from "./cni_config.ts";
 * import assert from "node:assert/strict";
 * const raw = bridgeNetworkConfig({ name: "app_default", bridge: "rk-1", subnet: "10.9.0.0/24", ipamDataDir: "/x", networkRules: true });
 * const { list } = parseNetworkConfig(JSON.stringify(raw), "app_default.conflist");
 * const rules = networkRulesOf(list)!;
 * assert.deepEqual(rules.map((r) => `${r.table} ${r.chain}`), ["nat POSTROUTING", "filter FORWARD", "filter FORWARD"]);
 * assert.deepEqual(rules[0]!.args.slice(0, 5), ["-s", "10.9.0.0/24", "!", "-o", "rk-1"]);
 * ```
 */
export function networkRulesOf(list: CniNetworkConfigList): IptablesRule[] | undefined {
  const bridge = list.plugins.find((p) => p.type === "bridge")?.raw;
  if (!bridge || bridge[NETWORK_RULES_KEY] !== true) return undefined;
  if (bridge.isGateway !== true || typeof bridge.bridge !== "string") return [];
  const ipam = bridge.ipam as { ranges?: { subnet?: unknown }[][] } | undefined;
  const subnet = ipam?.ranges?.[0]?.[0]?.subnet;
  const comment = ["-m", "comment", "--comment", `rkl network ${list.name}`];
  const br = bridge.bridge;
  const rules: IptablesRule[] = [];
  if (typeof subnet === "string") {
    rules.push({
      table: "nat",
      chain: "POSTROUTING",
      position: "append",
      args: ["-s", subnet, "!", "-o", br, ...comment, "-j", "MASQUERADE"],
    });
  }
  rules.push(
    {
      table: "filter",
      chain: "FORWARD",
      position: "insert",
      args: ["-i", br, ...comment, "-j", "ACCEPT"],
    },
    {
      table: "filter",
      chain: "FORWARD",
      position: "insert",
      args: [
        "-o",
        br,
        "-m",
        "conntrack",
        "--ctstate",
        "RELATED,ESTABLISHED",
        ...comment,
        "-j",
        "ACCEPT",
      ],
    },
  );
  return rules;
}

function argv(flag: string, r: IptablesRule): string[] {
  return ["iptables", "-w", "-t", r.table, flag, r.chain, ...r.args];
}

/** Adds each rule that is not there yet (`-C`, then `-I`/`-A`). */
export async function ensureNetworkRules(rules: readonly IptablesRule[]): Promise<void> {
  for (const r of rules) {
    const check = await run(argv("-C", r), { allowFailure: true, timeoutMs: 30_000 });
    if (check.code === 0) continue;
    await run(argv(r.position === "insert" ? "-I" : "-A", r), { timeoutMs: 30_000 });
  }
}

/** Deletes every copy of each rule (bounded); a missing rule is not an error. */
export async function removeNetworkRules(rules: readonly IptablesRule[]): Promise<void> {
  for (const r of rules) {
    for (let i = 0; i < 10; i++) {
      const del = await run(argv("-D", r), { allowFailure: true, timeoutMs: 30_000 });
      if (del.code !== 0) break;
    }
  }
}
