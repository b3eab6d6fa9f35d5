/**
 * The networks rkl writes itself: one Linux bridge and one subnet each, with host-local IPAM
 * (its data under rkl's own directory), portmap for published ports, the firewall plugin, and
 * loopback; outbound traffic is masqueraded.
 *
 * @module
 */
import { RkError } from "../core/errors.ts";
import { isRecord } from "../core/is_record.ts";
import { fnv1a, formatSubnet, type Ipv4Subnet, numberToIp, parseSubnet } from "./subnet.ts";
import type { CniNetworkConfigList } from "./cni_types.ts";
import { NETWORK_RULES_KEY } from "./network_rules.ts";

/** Name of the default network. */
export const DEFAULT_NETWORK = "rkl";

/** Bridge of the default network for the system state root. */
export const DEFAULT_BRIDGE = "rkl0";

/** Subnet of the default network for the system state root. */
export const DEFAULT_SUBNET = "10.77.0.0/16";

/** What defines one bridge network. */
export interface BridgeNetworkSpec {
  /** Network name. */
  name: string;
  /** Linux bridge device name (at most 15 characters). */
  bridge: string;
  /** IPv4 subnet in CIDR notation. */
  subnet: string;
  /** host-local IPAM data directory (rkl's own, so `--root` isolates allocations). */
  ipamDataDir: string;
  /** Run the firewall plugin (default true). */
  firewall?: boolean;
  /**
   * An internal network (compose `internal: true`, docker `--internal`): the bridge is no
   * gateway (`isGateway: false`, no address on the host side), no masquerade (`ipMasq: false`)
   * and no default route, so sandboxes reach only each other on it.
   */
  internal?: boolean;
  /**
   * rkl installs the network's rules itself, once per network (`network_rules.ts`): no
   * per-container masquerade (`ipMasq: false`) and no firewall plugin. Used for compose networks.
   */
  networkRules?: boolean;
}

const NETWORK_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]{0,62}$/;
const BRIDGE_RE = /^[A-Za-z0-9_.\-]{1,15}$/;

/**
 * Throws when `name` cannot name a network (CNI rules, at most 63 characters).
 *
 * @example
 * ```ts
 * import { validateNetworkName } from "./bridge_network.ts";
 * import assert from "node:assert/strict";
 * validateNetworkName("app_default");
 * assert.throws(() => validateNetworkName("bad name"), /Invalid network name "bad name"/);
 * ```
 */
export function validateNetworkName(name: string): void {
  if (!NETWORK_NAME_RE.test(name)) {
    throw new RkError(
      `Invalid network name "${name}": use letters, digits, "_", "." and "-" (at most 63, starting with a letter or digit)`,
    );
  }
}

/**
 * Throws when `bridge` cannot name a Linux network device.
 *
 * @example
 * ```ts
 * import { validateBridgeName } from "./bridge_network.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => validateBridgeName("a-very-long-bridge-name"), /at most 15/);
 * ```
 */
export function validateBridgeName(bridge: string): void {
  if (!BRIDGE_RE.test(bridge)) {
    throw new RkError(
      `Invalid bridge name "${bridge}": use at most 15 letters, digits, "_", "." or "-"`,
    );
  }
}

/**
 * Builds the configuration list of a bridge network.
 *
 * @example
 * ```ts
 * import { bridgeNetworkConfig } from "./bridge_network.ts";
 * import assert from "node:assert/strict";
 * const c = bridgeNetworkConfig({ name: "rkl", bridge: "rkl0", subnet: "10.77.0.0/16", ipamDataDir: "/var/lib/rkl/cni/ipam" });
 * const plugins = c.plugins as { type: string }[];
 * assert.deepEqual(plugins.map((p) => p.type), ["bridge", "portmap", "firewall", "loopback"]);
 * const internal = bridgeNetworkConfig({ name: "i", bridge: "br2", subnet: "10.9.1.0/24", ipamDataDir: "/x", internal: true });
 * const bridge = (internal.plugins as Record<string, unknown>[])[0]!;
 * assert.deepEqual([bridge.isGateway, bridge.ipMasq, (bridge.ipam as { routes: unknown[] }).routes], [false, false, []]);
 * ```
 */
export function bridgeNetworkConfig(spec: BridgeNetworkSpec): Record<string, unknown> {
  validateNetworkName(spec.name);
  validateBridgeName(spec.bridge);
  const subnet = formatSubnet(parseSubnet(spec.subnet));
  const internal = spec.internal ?? false;
  const own = spec.networkRules ?? false;
  const plugins: Record<string, unknown>[] = [
    {
      type: "bridge",
      bridge: spec.bridge,
      isGateway: !internal,
      ipMasq: !internal && !own,
      hairpinMode: true,
      ...(own ? { [NETWORK_RULES_KEY]: true } : {}),
      ipam: {
        type: "host-local",
        ranges: [[{ subnet }]],
        routes: internal ? [] : [{ dst: "0.0.0.0/0" }],
        dataDir: spec.ipamDataDir,
      },
    },
    { type: "portmap", capabilities: { portMappings: true }, snat: true },
  ];
  if ((spec.firewall ?? true) && !own) plugins.push({ type: "firewall", backend: "iptables" });
  plugins.push({ type: "loopback" });
  return { cniVersion: "1.0.0", name: spec.name, plugins };
}

/**
 * Bridge and subnet of the default network. The system root gets `rkl0` on
 * {@linkcode DEFAULT_SUBNET}; any other state root (`--root`) gets its own bridge and /24
 * derived from the root path, so isolated roots (tests) never share addresses.
 *
 * @example
 * ```ts
 * import { defaultNetworkSettings } from "./bridge_network.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(defaultNetworkSettings(undefined), { bridge: "rkl0", subnet: "10.77.0.0/16" });
 * const t = defaultNetworkSettings("/tmp/t1");
 * assert.match(t.bridge, /^rkl[0-9a-f]{8}$/);
 * assert.match(t.subnet, /^10\.(1[3-8]\d|19[01]|12[89])\.\d+\.0\/24$/);
 * ```
 */
export function defaultNetworkSettings(
  root: string | undefined,
): { bridge: string; subnet: string } {
  if (root === undefined) return { bridge: DEFAULT_BRIDGE, subnet: DEFAULT_SUBNET };
  const h = fnv1a(root);
  const second = 128 + (h % 64);
  const third = (h >>> 8) & 255;
  return {
    bridge: `rkl${h.toString(16).padStart(8, "0")}`,
    subnet: `10.${second}.${third}.0/24`,
  };
}

/**
 * Picks a /24 for a new named network in 10.192.0.0/10 that overlaps none of `taken`,
 * starting at a position derived from `seed`.
 *
 * @example
 * ```ts
 * import { pickSubnet } from "./bridge_network.ts";
 * import { parseSubnet } from "./subnet.ts";
 * import assert from "node:assert/strict";
 * const a = pickSubnet("x", []);
 * assert.notEqual(pickSubnet("x", [parseSubnet(a)]), a);
 * ```
 */
export function pickSubnet(seed: string, taken: readonly Ipv4Subnet[]): string {
  const start = fnv1a(seed) % (64 * 256);
  for (let i = 0; i < 64 * 256; i++) {
    const k = (start + i) % (64 * 256);
    const candidate: Ipv4Subnet = {
      base: ((10 << 24) | ((192 + (k >> 8)) << 16) | ((k & 255) << 8)) >>> 0,
      prefix: 24,
    };
    const clash = taken.some((t) => {
      const p = Math.min(t.prefix, 24);
      const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
      return ((t.base & mask) >>> 0) === ((candidate.base & mask) >>> 0);
    });
    if (!clash) return `${numberToIp(candidate.base)}/24`;
  }
  throw new RkError("No free /24 left in 10.192.0.0/10 for a new network; pass --subnet");
}

/** A network's user-facing summary. */
export interface NetworkSummary {
  /** Network name. */
  name: string;
  /** Bridge device, when the first plugin is `bridge`. */
  bridge?: string;
  /** First IPAM subnet, when there is one. */
  subnet?: string;
  /** Gateway (first address of the subnet) when the bridge is a gateway. */
  gateway?: string;
  /** Plugin types in order. */
  plugins: string[];
  /** Configuration file. */
  file: string;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}

/**
 * Summarises a configuration list (bridge, subnet, plugins).
 *
 * @example
 * ```ts
 * import { bridgeNetworkConfig, summarizeNetwork } from "./bridge_network.ts";
 * import { parseNetworkConfig } from "./cni_config.ts";
 * import assert from "node:assert/strict";
 * const raw = bridgeNetworkConfig({ name: "n", bridge: "br1", subnet: "10.9.0.0/24", ipamDataDir: "/x" });
 * const s = summarizeNetwork(parseNetworkConfig(JSON.stringify(raw), "n.conflist").list);
 * assert.equal(s.bridge, "br1");
 * assert.equal(s.subnet, "10.9.0.0/24");
 * assert.equal(s.gateway, "10.9.0.1");
 * ```
 */
export function summarizeNetwork(list: CniNetworkConfigList): NetworkSummary {
  const out: NetworkSummary = {
    name: list.name,
    plugins: list.plugins.map((p) => p.type),
    file: list.file,
  };
  const bridge = list.plugins.find((p) => p.type === "bridge");
  if (bridge && typeof bridge.raw.bridge === "string") out.bridge = bridge.raw.bridge;
  for (const p of list.plugins) {
    const ipam = rec(p.raw.ipam);
    const ranges = ipam?.ranges;
    const first = Array.isArray(ranges) && Array.isArray(ranges[0]) ? rec(ranges[0][0]) : undefined;
    const subnet = first?.subnet ?? ipam?.subnet;
    if (typeof subnet === "string") {
      out.subnet = subnet;
      try {
        const s = parseSubnet(subnet);
        if (bridge?.raw.isGateway === true) out.gateway = numberToIp(s.base + 1);
      } catch (error) {
        if (!(error instanceof RkError)) throw error;
      }
      break;
    }
  }
  return out;
}

/**
 * The configuration a sandbox's second and later networks use: the same list without default
 * routes in any plugin's IPAM, so only the first network (`eth0`) carries the default route.
 * Lists without a default route are returned unchanged.
 *
 * @example
 * ```ts
 * import { bridgeNetworkConfig, withoutDefaultRoute } from "./bridge_network.ts";
 * import { parseNetworkConfig } from "./cni_config.ts";
 * import assert from "node:assert/strict";
 * const raw = bridgeNetworkConfig({ name: "n", bridge: "br1", subnet: "10.9.0.0/24", ipamDataDir: "/x" });
 * const list = withoutDefaultRoute(parseNetworkConfig(JSON.stringify(raw), "n.conflist").list);
 * assert.deepEqual((list.plugins[0]?.raw.ipam as { routes: unknown[] }).routes, []);
 * ```
 */
export function withoutDefaultRoute(list: CniNetworkConfigList): CniNetworkConfigList {
  let changed = false;
  const plugins = list.plugins.map((p) => {
    const ipam = rec(p.raw.ipam);
    if (!ipam || !Array.isArray(ipam.routes)) return p;
    const routes = ipam.routes.filter((r) => {
      const dst = rec(r)?.dst;
      return dst !== "0.0.0.0/0" && dst !== "::/0";
    });
    if (routes.length === ipam.routes.length) return p;
    changed = true;
    return { ...p, raw: { ...p.raw, ipam: { ...ipam, routes } } };
  });
  if (!changed) return list;
  return { ...list, plugins, raw: { ...list.raw, plugins: plugins.map((p) => p.raw) } };
}
