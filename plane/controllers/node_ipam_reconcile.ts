/**
 * Node IPAM (kube-controller-manager's `nodeipam` range allocator, IPv4): each node gets a
 * `spec.podCIDR` carved from the cluster CIDR — the original rk8s config's `network_config`
 * `Network` (e.g. `10.244.0.0/16`) and `SubnetLen` (e.g. 24).
 *
 * @module
 */
import { RkError } from "../../core/errors.ts";
import type { NodeObject } from "./node_lifecycle_reconcile.ts";

/** A cluster CIDR or subnet length that cannot be used. */
export class ClusterCidrError extends RkError {
  /** The offending setting, e.g. `network_config.Network`. */
  readonly field: string;
  /** Builds the error. */
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "ClusterCidrError";
    this.field = field;
  }
}

/** The pod network of the cluster. */
export interface ClusterCidr {
  /** Network address as a 32-bit unsigned integer. */
  base: number;
  /** Prefix length of the cluster CIDR. */
  prefix: number;
  /** Prefix length of each node's subnet. */
  subnetLen: number;
}

/**
 * Reads `Network` (`a.b.c.d/n`) and `SubnetLen` (default 24) as the original project's
 * `network_config` spells them. Throws {@linkcode ClusterCidrError} naming the field.
 *
 * @example
 * ```ts
 * import { parseClusterCidr } from "./node_ipam_reconcile.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseClusterCidr({ Network: "10.244.0.0/16", SubnetLen: 24 }), { base: 0x0af40000, prefix: 16, subnetLen: 24 });
 * assert.throws(() => parseClusterCidr({ Network: "10.244.0.0/16", SubnetLen: 8 }), /SubnetLen/);
 * ```
 */
export function parseClusterCidr(config: Record<string, unknown>): ClusterCidr {
  const net = config.Network;
  const m = typeof net === "string" ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(net) : null;
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : -1;
  if (!m || octets.some((o) => o > 255) || prefix > 32) {
    throw new ClusterCidrError(
      "network_config.Network",
      `invalid value ${JSON.stringify(net)}: expected an IPv4 CIDR like "10.244.0.0/16"`,
    );
  }
  const subnetLen = config.SubnetLen ?? 24;
  if (
    typeof subnetLen !== "number" || !Number.isInteger(subnetLen) || subnetLen < prefix ||
    subnetLen > 30
  ) {
    throw new ClusterCidrError(
      "network_config.SubnetLen",
      `invalid value ${JSON.stringify(subnetLen)}: expected an integer from ${prefix} to 30`,
    );
  }
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix, subnetLen };
}

/** One podCIDR assignment, or the report that none is left. */
export type NodeIpamAction =
  | { type: "setPodCIDR"; node: string; podCIDR: string }
  | { type: "cidrNotAvailable"; node: string; message: string };

/**
 * Gives every node without `spec.podCIDR` the lowest subnet of `cidr` that no node uses, in node
 * name order; when none is left, a `cidrNotAvailable` action (upstream's `CIDRNotAvailable` event).
 *
 * @example
 * ```ts
 * import { parseClusterCidr, reconcileNodeIpam } from "./node_ipam_reconcile.ts";
 * import assert from "node:assert/strict";
 * const cidr = parseClusterCidr({ Network: "10.244.0.0/16", SubnetLen: 24 });
 * const nodes = [{ metadata: { name: "a" }, spec: { podCIDR: "10.244.0.0/24" } }, { metadata: { name: "b" } }];
 * assert.deepEqual(reconcileNodeIpam(nodes, cidr), [{ type: "setPodCIDR", node: "b", podCIDR: "10.244.1.0/24" }]);
 * ```
 */
export function reconcileNodeIpam(
  nodes: readonly NodeObject[],
  cidr: ClusterCidr,
): NodeIpamAction[] {
  const size = 2 ** (32 - cidr.subnetLen);
  const count = 2 ** (cidr.subnetLen - cidr.prefix);
  const used = new Set<string>();
  for (const n of nodes) if (n.spec?.podCIDR) used.add(n.spec.podCIDR);
  const actions: NodeIpamAction[] = [];
  let i = 0;
  const sorted = [...nodes].sort((a, b) =>
    (a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1
  );
  for (const n of sorted) {
    if (n.spec?.podCIDR) continue;
    let assigned: string | undefined;
    for (; i < count; i++) {
      const c = `${ipString((cidr.base + i * size) >>> 0)}/${cidr.subnetLen}`;
      if (!used.has(c)) {
        assigned = c;
        used.add(c);
        i++;
        break;
      }
    }
    const node = n.metadata.name ?? "";
    if (assigned) actions.push({ type: "setPodCIDR", node, podCIDR: assigned });
    else {
      actions.push({
        type: "cidrNotAvailable",
        node,
        message: `Node ${node} status is now: CIDRNotAvailable`,
      });
    }
  }
  return actions;
}

function ipString(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}
