/**
 * Stale UDP flows of the service data plane, found the way kube-proxy finds them
 * (k8s.io/kubernetes pkg/proxy/conntrack, `CleanStaleEntries`, 1.32): UDP has no connection to
 * end, so a conntrack entry that DNATs a client's flow to an endpoint outlives the endpoint as
 * long as the client keeps sending (the entry's timeout restarts with each datagram), and the
 * iptables rules, which only see the first packet of a flow, never move it. After each change
 * the node lists its UDP entries and deletes each one that was sent to a service frontend — a
 * cluster IP, external IP or load-balancer IP with the service port, or any address with the
 * node port — whose reply source is not one of the service port's serving endpoints. The
 * client's next datagram is a new flow and takes the rules as they are now. That covers both
 * cases kube-proxy names: an endpoint removed (the entry replies from its address) and a Service
 * that gets its first endpoint (the entry was made without DNAT and replies from the frontend
 * itself). A service port without serving endpoints is left alone, and traffic policies do not
 * matter (kube-proxy's rule: a policy change does not break existing flows).
 *
 * Pure: `conntrack -L` text and the service ports in, `conntrack -D` filters out; the executor
 * is `./service_proxy_conntrack.ts`.
 *
 * @module
 */
import type { ServicePortPlan } from "./service_proxy_plan.ts";

/** One direction of a flow: addresses and ports. */
export interface ConntrackTuple {
  /** Source address. */
  src: string;
  /** Destination address. */
  dst: string;
  /** Source port. */
  sport: number;
  /** Destination port. */
  dport: number;
}

/** One UDP entry of the conntrack table, as `conntrack -L` prints it. */
export interface ConntrackFlow {
  /** The original direction (the client's datagram as sent). */
  orig: ConntrackTuple;
  /** The reply direction (after NAT: the reply's source is the endpoint the flow goes to). */
  reply: ConntrackTuple;
}

/**
 * One `conntrack -D` filter (kube-proxy's `filterForIPPortNAT` and `filterForPortNAT`): UDP
 * entries to `origDst:origPortDst` (any local address for a node port) whose reply comes from
 * `replySrc`.
 */
export interface ConntrackDeletion {
  /** `--orig-dst`: the cluster, external or load-balancer IP; absent for a node port. */
  origDst?: string;
  /** `--orig-port-dst`: the service port or node port. */
  origPortDst: number;
  /** `--reply-src`: where the stale flow goes (not a serving endpoint). */
  replySrc: string;
  /** The service port and frontend, for the log (`default/dns:dns cluster IP`). */
  why: string;
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function tuple(fields: Map<string, string>): ConntrackTuple | undefined {
  const src = fields.get("src");
  const dst = fields.get("dst");
  const sport = Number(fields.get("sport"));
  const dport = Number(fields.get("dport"));
  if (!src || !dst || !IPV4.test(src) || !IPV4.test(dst)) return undefined;
  if (!Number.isInteger(sport) || !Number.isInteger(dport)) return undefined;
  return { src, dst, sport, dport };
}

/**
 * The IPv4 UDP entries of `conntrack -L` output (the default and `-o extended` formats): the
 * first `src=`/`dst=`/`sport=`/`dport=` group is the original direction, the second the
 * reply. Other protocols and lines that do not parse are skipped.
 *
 * @example
 * ```ts
 * import { parseConntrackFlows } from "./service_proxy_conntrack_plan.ts";
 * import assert from "node:assert/strict";
 * const text = "udp      17 28 src=10.244.1.4 dst=10.96.0.9 sport=40000 dport=514 [UNREPLIED] " +
 *   "src=10.244.3.7 dst=10.244.1.4 sport=514 dport=40000 mark=0 use=1\n" +
 *   "tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1\n";
 * assert.deepEqual(parseConntrackFlows(text), [{
 *   orig: { src: "10.244.1.4", dst: "10.96.0.9", sport: 40000, dport: 514 },
 *   reply: { src: "10.244.3.7", dst: "10.244.1.4", sport: 514, dport: 40000 },
 * }]);
 * ```
 */
export function parseConntrackFlows(text: string): ConntrackFlow[] {
  const out: ConntrackFlow[] = [];
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    // `udp 17 …`, or `ipv4 2 udp 17 …` with `-o extended`.
    const proto = words[0] === "ipv4" ? words[2] : words[0];
    if (proto !== "udp") continue;
    const groups: Map<string, string>[] = [new Map()];
    for (const w of words) {
      const eq = w.indexOf("=");
      if (eq <= 0) continue;
      const key = w.slice(0, eq);
      if (!["src", "dst", "sport", "dport"].includes(key)) continue;
      if (groups.at(-1)!.has(key)) groups.push(new Map());
      groups.at(-1)!.set(key, w.slice(eq + 1));
    }
    const orig = groups[0] && tuple(groups[0]);
    const reply = groups[1] && tuple(groups[1]);
    if (orig && reply) out.push({ orig, reply });
  }
  return out;
}

/**
 * True when some UDP service port has a serving endpoint: only then can a flow be stale, and
 * only then is the conntrack table read.
 *
 * @example
 * ```ts
 * import { hasUdpEndpoints } from "./service_proxy_conntrack_plan.ts";
 * import assert from "node:assert/strict";
 * const port = { id: "default/dns", protocol: "UDP" as const, clusterIP: "10.96.0.10", port: 53, externalIPs: [] };
 * assert.equal(hasUdpEndpoints([{ ...port, endpoints: [] }]), false);
 * assert.equal(hasUdpEndpoints([{ ...port, endpoints: [{ ip: "10.244.1.5", port: 53 }] }]), true);
 * ```
 */
export function hasUdpEndpoints(ports: readonly ServicePortPlan[]): boolean {
  return ports.some((p) => p.protocol === "UDP" && p.endpoints.length > 0);
}

/**
 * The deletions that leave no UDP flow of a service frontend going anywhere but to one of its
 * serving endpoints (see the module doc). `ports` carry the serving endpoints
 * (`servicePorts(services, slices, { serving: true })`). One deletion per distinct filter, in
 * the order of `flows`.
 *
 * @example
 * ```ts
 * import { planConntrackCleanup } from "./service_proxy_conntrack_plan.ts";
 * import assert from "node:assert/strict";
 * const ports = [{ id: "default/logs", protocol: "UDP" as const, clusterIP: "10.96.0.9", port: 514,
 *   nodePort: 30514, externalIPs: [], endpoints: [{ ip: "10.244.2.8", port: 514 }] }];
 * const flow = (dst: string, dport: number, replySrc: string) => ({
 *   orig: { src: "10.244.1.4", dst, sport: 40000, dport },
 *   reply: { src: replySrc, dst: "10.244.1.4", sport: 514, dport: 40000 } });
 * assert.deepEqual(planConntrackCleanup(ports, [
 *   flow("10.96.0.9", 514, "10.244.3.7"), // to a removed endpoint
 *   flow("10.96.0.9", 514, "10.96.0.9"), // sent before the Service had an endpoint (no DNAT)
 *   flow("10.96.0.9", 514, "10.244.2.8"), // to the serving endpoint: kept
 *   flow("10.250.0.11", 30514, "10.244.3.7"), // the node port, to the removed endpoint
 * ]), [
 *   { origDst: "10.96.0.9", origPortDst: 514, replySrc: "10.244.3.7", why: "default/logs cluster IP" },
 *   { origDst: "10.96.0.9", origPortDst: 514, replySrc: "10.96.0.9", why: "default/logs cluster IP" },
 *   { origPortDst: 30514, replySrc: "10.244.3.7", why: "default/logs node port" },
 * ]);
 * ```
 */
export function planConntrackCleanup(
  ports: readonly ServicePortPlan[],
  flows: readonly ConntrackFlow[],
): ConntrackDeletion[] {
  /** `ip:port` of a frontend → serving endpoint IPs and what it is. */
  const byFrontend = new Map<string, { ips: Set<string>; why: string }>();
  /** node port → serving endpoint IPs and what it is. */
  const byNodePort = new Map<number, { ips: Set<string>; why: string }>();
  for (const p of ports) {
    if (p.protocol !== "UDP" || p.endpoints.length === 0) continue;
    const ips = new Set(p.endpoints.map((e) => e.ip));
    if (p.clusterIP !== undefined) {
      byFrontend.set(`${p.clusterIP}:${p.port}`, { ips, why: `${p.id} cluster IP` });
    }
    for (const ip of p.externalIPs) {
      byFrontend.set(`${ip}:${p.port}`, { ips, why: `${p.id} external IP` });
    }
    if (p.nodePort !== undefined) byNodePort.set(p.nodePort, { ips, why: `${p.id} node port` });
  }
  const out: ConntrackDeletion[] = [];
  const seen = new Set<string>();
  const add = (d: ConntrackDeletion) => {
    const key = `${d.origDst ?? "*"}:${d.origPortDst}>${d.replySrc}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  };
  for (const f of flows) {
    const front = byFrontend.get(`${f.orig.dst}:${f.orig.dport}`);
    if (front && !front.ips.has(f.reply.src)) {
      add({
        origDst: f.orig.dst,
        origPortDst: f.orig.dport,
        replySrc: f.reply.src,
        why: front.why,
      });
    }
    const np = byNodePort.get(f.orig.dport);
    if (np && !np.ips.has(f.reply.src)) {
      add({ origPortDst: f.orig.dport, replySrc: f.reply.src, why: np.why });
    }
  }
  return out;
}

/**
 * The `conntrack` arguments of one deletion (IPv4, UDP).
 *
 * @example
 * ```ts
 * import { conntrackDeleteArgs } from "./service_proxy_conntrack_plan.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   conntrackDeleteArgs({ origDst: "10.96.0.9", origPortDst: 514, replySrc: "10.244.3.7", why: "" }),
 *   ["-D", "-f", "ipv4", "-p", "udp", "--orig-dst", "10.96.0.9", "--orig-port-dst", "514", "--reply-src", "10.244.3.7"],
 * );
 * ```
 */
export function conntrackDeleteArgs(d: ConntrackDeletion): string[] {
  return [
    "-D",
    "-f",
    "ipv4",
    "-p",
    "udp",
    ...(d.origDst !== undefined ? ["--orig-dst", d.origDst] : []),
    "--orig-port-dst",
    String(d.origPortDst),
    "--reply-src",
    d.replySrc,
  ];
}
