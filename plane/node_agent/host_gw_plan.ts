/**
 * The host-gw backend's plan (flannel's `host-gw`, the original rk8s project's backend): every
 * node's pods live in the node's `spec.podCIDR`, and each node routes every other node's pod
 * CIDR via that node's InternalIP. Pure: Node objects in, routes out.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/** What the pod network needs of a Node. */
export interface NodePodNetwork {
  /** Node name. */
  name: string;
  /** `spec.podCIDR`, when rks allocated one. */
  podCIDR?: string;
  /** The first `status.addresses[]` entry of type `InternalIP`. */
  internalIP?: string;
}

/** One host-gw route: `dst via via` (installed in the node's network namespace). */
export interface HostGwRoute {
  /** The other node's pod CIDR. */
  dst: string;
  /** The other node's InternalIP. */
  via: string;
  /** The other node's name (for logs). */
  node: string;
}

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IP_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function validIpv4(parts: readonly string[]): boolean {
  return parts.every((p) => Number(p) <= 255);
}

/**
 * The pod-network facts of a Node object (IPv4 only); `undefined` for something that is not a
 * Node with a name. A malformed podCIDR or address is left out.
 *
 * @example
 * ```ts
 * import { nodePodNetwork } from "./host_gw_plan.ts";
 * import assert from "node:assert/strict";
 * const node = { metadata: { name: "n2" }, spec: { podCIDR: "10.244.1.0/24" },
 *   status: { addresses: [{ type: "Hostname", address: "n2" }, { type: "InternalIP", address: "10.250.0.11" }] } };
 * assert.deepEqual(nodePodNetwork(node), { name: "n2", podCIDR: "10.244.1.0/24", internalIP: "10.250.0.11" });
 * ```
 */
export function nodePodNetwork(obj: unknown): NodePodNetwork | undefined {
  if (!isRecord(obj) || !isRecord(obj.metadata) || typeof obj.metadata.name !== "string") {
    return undefined;
  }
  const out: NodePodNetwork = { name: obj.metadata.name };
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const cidr = typeof spec.podCIDR === "string" ? CIDR_RE.exec(spec.podCIDR) : null;
  if (cidr && validIpv4(cidr.slice(1, 5)) && Number(cidr[5]) <= 32) {
    out.podCIDR = spec.podCIDR as string;
  }
  const status = isRecord(obj.status) ? obj.status : {};
  const addresses = Array.isArray(status.addresses) ? status.addresses.filter(isRecord) : [];
  for (const a of addresses) {
    if (a.type !== "InternalIP" || typeof a.address !== "string") continue;
    const m = IP_RE.exec(a.address);
    if (m && validIpv4(m.slice(1, 5))) {
      out.internalIP = a.address;
      break;
    }
  }
  return out;
}

/**
 * The routes node `self` needs: one per other node that has both a podCIDR and an InternalIP,
 * sorted by destination. When two nodes claim the same podCIDR (never from rks's allocator) the
 * one with the lower name wins; a node claiming `self`'s podCIDR gets no route.
 *
 * @example
 * ```ts
 * import { planHostGwRoutes } from "./host_gw_plan.ts";
 * import assert from "node:assert/strict";
 * const nodes = [
 *   { name: "n1", podCIDR: "10.244.0.0/24", internalIP: "10.250.0.10" },
 *   { name: "n2", podCIDR: "10.244.1.0/24", internalIP: "10.250.0.11" },
 *   { name: "n3", internalIP: "10.250.0.12" },
 * ];
 * assert.deepEqual(planHostGwRoutes("n1", nodes), [{ dst: "10.244.1.0/24", via: "10.250.0.11", node: "n2" }]);
 * ```
 */
export function planHostGwRoutes(
  self: string,
  nodes: readonly NodePodNetwork[],
): HostGwRoute[] {
  const own = nodes.find((n) => n.name === self)?.podCIDR;
  const byDst = new Map<string, HostGwRoute>();
  for (const n of [...nodes].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) {
    if (n.name === self || !n.podCIDR || !n.internalIP || n.podCIDR === own) continue;
    if (!byDst.has(n.podCIDR)) {
      byDst.set(n.podCIDR, { dst: n.podCIDR, via: n.internalIP, node: n.name });
    }
  }
  return [...byDst.values()].sort((a, b) => a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0);
}

/**
 * What `ip route` must change: routes to delete (present but not desired, or pointing
 * elsewhere) and routes to add or replace.
 *
 * @example
 * ```ts
 * import { diffHostGwRoutes } from "./host_gw_plan.ts";
 * import assert from "node:assert/strict";
 * const d = diffHostGwRoutes(
 *   [{ dst: "10.244.1.0/24", via: "10.250.0.11", node: "n2" }],
 *   [{ dst: "10.244.2.0/24", via: "10.250.0.12" }, { dst: "10.244.1.0/24", via: "10.250.0.11" }],
 * );
 * assert.deepEqual(d, { remove: ["10.244.2.0/24"], replace: [] });
 * ```
 */
export function diffHostGwRoutes(
  desired: readonly HostGwRoute[],
  present: readonly { dst: string; via: string }[],
): { remove: string[]; replace: HostGwRoute[] } {
  const want = new Map(desired.map((r) => [r.dst, r]));
  const have = new Map(present.map((r) => [r.dst, r.via]));
  return {
    remove: [...have.keys()].filter((d) => !want.has(d)),
    replace: desired.filter((r) => have.get(r.dst) !== r.via),
  };
}

/** The routes a node agent last found in place (after a sync), and when. */
export interface HostGwApplied {
  /** The planned routes then, in {@linkcode planHostGwRoutes}' order. */
  routes: readonly HostGwRoute[];
  /** When the sync ended, ms since the epoch. */
  at: number;
}

/**
 * Whether a pass of the node agent must read the routes (`ip route`): the plan differs from
 * the one last applied, or `everyMs` went by since (someone may have deleted a route). A Node
 * object changes on every status update of any node, and each change starts a pass: with an
 * unchanged plan, those passes start no program.
 *
 * @example
 * ```ts
 * import { hostGwSyncDue } from "./host_gw_plan.ts";
 * import assert from "node:assert/strict";
 * const routes = [{ dst: "10.244.2.0/24", via: "10.250.0.12", node: "n2" }];
 * const applied = { routes, at: 1_000 };
 * assert.equal(hostGwSyncDue(undefined, routes, 1_000, 30_000), true); // never applied
 * assert.equal(hostGwSyncDue(applied, [...routes], 20_000, 30_000), false); // same plan
 * assert.equal(hostGwSyncDue(applied, [], 20_000, 30_000), true); // a node went away
 * assert.equal(hostGwSyncDue(applied, routes, 31_000, 30_000), true); // the periodic check
 * ```
 */
export function hostGwSyncDue(
  applied: HostGwApplied | undefined,
  routes: readonly HostGwRoute[],
  now: number,
  everyMs: number,
): boolean {
  if (applied === undefined || now - applied.at >= everyMs) return true;
  if (applied.routes.length !== routes.length) return true;
  return routes.some((r, i) => {
    const a = applied.routes[i]!;
    return a.dst !== r.dst || a.via !== r.via || a.node !== r.node;
  });
}
