/**
 * The node's service data plane as iptables rules, planned the way kube-proxy's iptables mode
 * does (pkg/proxy/iptables, 1.32) and written in one `iptables-restore --noflush` of the node
 * agent's own chains. Pure: Services + EndpointSlices + the pod network in, restore text out.
 *
 * nat table:
 * - `RK8S-SERVICES` (from PREROUTING and OUTPUT): per service port, `-d CLUSTER-IP -p PROTO
 *   --dport PORT -j RK8S-SVC-…`; last, local addresses go to `RK8S-NODEPORTS`.
 * - `RK8S-NODEPORTS`: per node port, mark for masquerade (replies must come back through this
 *   node) and jump to the service chain.
 * - `RK8S-SVC-…`: one rule per ready endpoint, `-m statistic --mode random --probability
 *   1/(n-i)` on all but the last, so each endpoint gets 1/n of new connections.
 * - `RK8S-SEP-…`: hairpin mark (`-s ENDPOINT`) and `DNAT --to-destination IP:PORT`.
 * - `sessionAffinity: ClientIP`: `-m recent --rcheck --seconds T` per endpoint ahead of the
 *   random choice, `-m recent --set` on the DNAT. `spec.externalIPs` and a LoadBalancer's
 *   ingress IPs are served like node ports (masqueraded). `internalTrafficPolicy: Local` (cluster
 *   IP) and `externalTrafficPolicy: Local` (node port, external IPs; no masquerade) use
 *   `RK8S-SVL-…` over this node's endpoints, and DROP when it has none.
 * - `RK8S-MARK-MASQ` sets mark `0x4000`; `RK8S-POSTROUTING` (from POSTROUTING) masquerades
 *   marked traffic, and sends traffic from this node's pod CIDR to `RK8S-POD-EGRESS`, which
 *   returns for every node's pod CIDR (one rule per node) and masquerades the rest: pods keep
 *   their addresses inside the cluster and are masqueraded only when leaving it.
 *
 * filter table: `RK8S-SERVICES` rejects new connections to service ports with no ready endpoint
 * (as kube-proxy does, instead of a silent timeout); `RK8S-FORWARD` accepts traffic to and from
 * this node's pods and marked service traffic (hosts whose FORWARD policy is DROP).
 *
 * Chains from an earlier sync that are no longer wanted are flushed and deleted in the same
 * restore ({@linkcode ServiceProxyInput.existingChains}).
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { fnv1a } from "../../net/subnet.ts";
import type { IptablesRule } from "../../net/network_rules.ts";

export type { IptablesRule };

/** Prefix of every chain the node agent owns. */
export const CHAIN_PREFIX = "RK8S-";
/** The masquerade mark (kube-proxy's `--iptables-masquerade-bit` 14). */
export const MASQ_MARK = "0x4000/0x4000";

/** One service port and the endpoints behind it. */
export interface ServicePortPlan {
  /** `namespace/name:port-name` (`namespace/name` for an unnamed port), as kube-proxy logs it. */
  id: string;
  /** `TCP` or `UDP`. */
  protocol: "TCP" | "UDP";
  /** The cluster IP, unless headless. */
  clusterIP?: string;
  /** The service port. */
  port: number;
  /** The node port (NodePort and LoadBalancer Services). */
  nodePort?: number;
  /** `spec.externalIPs` and a LoadBalancer's `status.loadBalancer.ingress[].ip`, sorted. */
  externalIPs: string[];
  /** `sessionAffinity: ClientIP`: how long a client sticks to its endpoint, seconds. */
  affinitySeconds?: number;
  /** `internalTrafficPolicy: Local`: the cluster IP uses this node's endpoints only. */
  internalLocal?: true;
  /** `externalTrafficPolicy: Local`: node port and external IPs use this node's endpoints only,
   * without masquerade (the client's address is kept). */
  externalLocal?: true;
  /** Ready endpoints (with the node they run on, when the slice says), sorted. */
  endpoints: { ip: string; port: number; nodeName?: string }[];
}

/** Input of {@linkcode planServiceProxy}. */
export interface ServiceProxyInput {
  /** Service objects as the API returns them. */
  services: readonly unknown[];
  /** discovery.k8s.io/v1 EndpointSlice objects. */
  endpointSlices: readonly unknown[];
  /** This node's pod CIDR (no pod masquerade rules without it). */
  podCIDR?: string | undefined;
  /** Every node's pod CIDR (this node's included): traffic to these is not masqueraded. */
  clusterCIDRs: readonly string[];
  /** This node's name: its endpoints are the local ones of the `Local` traffic policies. */
  nodeName?: string;
  /** `RK8S-*` chains present now, per table (from `iptables-save`); stale ones are deleted. */
  existingChains?: { nat: readonly string[]; filter: readonly string[] };
}

/** The result of {@linkcode planServiceProxy}. */
export interface ServiceProxyPlan {
  /** The service ports, as planned. */
  ports: ServicePortPlan[];
  /** `iptables-restore --noflush` input for both tables. */
  restore: string;
  /** The jumps from the built-in chains into the agent's chains (added with `-C`/`-I`). */
  jumps: IptablesRule[];
  /** The chains the restore leaves, per table. */
  chains: { nat: string[]; filter: string[] };
}

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

function hash16(s: string): string {
  const a = fnv1a(s).toString(16).padStart(8, "0");
  const b = fnv1a(`rk8s/${s}`).toString(16).padStart(8, "0");
  return `${a}${b}`.toUpperCase();
}

/** `RK8S-SVC-<16 hex>` of a service port (28 characters at most, iptables' limit). */
function svcChain(id: string, protocol: string): string {
  return `RK8S-SVC-${hash16(`${id}/${protocol}`)}`;
}

function svlChain(id: string, protocol: string): string {
  return `RK8S-SVL-${hash16(`${id}/${protocol}`)}`;
}

function sepChain(id: string, protocol: string, ip: string, port: number): string {
  return `RK8S-SEP-${hash16(`${id}/${protocol}/${ip}:${port}`)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The service ports with their ready endpoints: every port of every Service with a cluster IP
 * (not `None`), a node port or external IPs, protocols TCP and UDP (SCTP is left out), endpoints from the
 * EndpointSlices labelled `kubernetes.io/service-name` whose port has the service port's name
 * and protocol, ready (`conditions.ready` true or unset, the API's rule), IPv4, de-duplicated.
 * With `{ serving: true }` the endpoints are the serving ones instead (`conditions.serving`,
 * unset meaning the same as `ready`): ready ones plus terminating ones still serving, the set
 * kube-proxy keeps UDP flows to (`./service_proxy_conntrack_plan.ts`).
 *
 * @example
 * ```ts
 * import { servicePorts } from "./service_proxy_plan.ts";
 * import assert from "node:assert/strict";
 * const svc = { metadata: { name: "web", namespace: "default" },
 *   spec: { type: "NodePort", clusterIP: "10.96.0.7", ports: [{ name: "http", port: 80, protocol: "TCP", nodePort: 30080 }] } };
 * const slice = { metadata: { name: "web-x", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
 *   addressType: "IPv4", ports: [{ name: "http", port: 8080, protocol: "TCP" }],
 *   endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true } }, { addresses: ["10.244.2.5"], conditions: { ready: false } }] };
 * assert.deepEqual(servicePorts([svc], [slice]), [{ id: "default/web:http", protocol: "TCP", clusterIP: "10.96.0.7",
 *   port: 80, nodePort: 30080, externalIPs: [], endpoints: [{ ip: "10.244.1.5", port: 8080 }] }]);
 * ```
 */
export function servicePorts(
  services: readonly unknown[],
  slices: readonly unknown[],
  opts: { serving?: boolean } = {},
): ServicePortPlan[] {
  const slicesBySvc = new Map<string, Record<string, unknown>[]>();
  for (const s of slices) {
    if (!isRecord(s) || !isRecord(s.metadata)) continue;
    if (s.addressType !== undefined && s.addressType !== "IPv4") continue;
    const labels = isRecord(s.metadata.labels) ? s.metadata.labels : {};
    const svc = labels[SERVICE_NAME_LABEL];
    if (typeof svc !== "string") continue;
    const ns = typeof s.metadata.namespace === "string" ? s.metadata.namespace : "default";
    const key = `${ns}/${svc}`;
    slicesBySvc.set(key, [...slicesBySvc.get(key) ?? [], s]);
  }
  const out: ServicePortPlan[] = [];
  for (const svc of services) {
    if (!isRecord(svc) || !isRecord(svc.metadata) || !isRecord(svc.spec)) continue;
    const name = svc.metadata.name;
    if (typeof name !== "string") continue;
    const ns = typeof svc.metadata.namespace === "string" ? svc.metadata.namespace : "default";
    const spec = svc.spec;
    const type = typeof spec.type === "string" ? spec.type : "ClusterIP";
    if (type === "ExternalName") continue;
    const clusterIP =
      typeof spec.clusterIP === "string" && /^\d+\.\d+\.\d+\.\d+$/.test(spec.clusterIP)
        ? spec.clusterIP
        : undefined;
    const ports = Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : [];
    const status = isRecord(svc.status) && isRecord(svc.status.loadBalancer)
      ? svc.status.loadBalancer
      : {};
    const ingress = type === "LoadBalancer" && Array.isArray(status.ingress)
      ? status.ingress.filter(isRecord).map((i) => i.ip)
      : [];
    const external = [...Array.isArray(spec.externalIPs) ? spec.externalIPs : [], ...ingress];
    const externalIPs = [
      ...new Set(
        external.filter((ip): ip is string => typeof ip === "string" && IPV4.test(ip)),
      ),
    ].sort(compare);
    const affinityConfig = isRecord(spec.sessionAffinityConfig) &&
        isRecord(spec.sessionAffinityConfig.clientIP)
      ? spec.sessionAffinityConfig.clientIP.timeoutSeconds
      : undefined;
    const affinitySeconds = spec.sessionAffinity === "ClientIP"
      ? (typeof affinityConfig === "number" && affinityConfig > 0 ? affinityConfig : 10_800)
      : undefined;
    for (const p of ports) {
      const protocol = p.protocol === undefined ? "TCP" : p.protocol;
      if (protocol !== "TCP" && protocol !== "UDP") continue;
      if (typeof p.port !== "number") continue;
      const portName = typeof p.name === "string" ? p.name : "";
      const nodePort = (type === "NodePort" || type === "LoadBalancer") &&
          typeof p.nodePort === "number" && p.nodePort > 0
        ? p.nodePort
        : undefined;
      if (clusterIP === undefined && nodePort === undefined && externalIPs.length === 0) continue;
      const seen = new Set<string>();
      const endpoints: ServicePortPlan["endpoints"] = [];
      for (const s of slicesBySvc.get(`${ns}/${name}`) ?? []) {
        const sp = (Array.isArray(s.ports) ? s.ports.filter(isRecord) : []).find((x) =>
          (typeof x.name === "string" ? x.name : "") === portName &&
          (x.protocol ?? "TCP") === protocol
        );
        if (!sp || typeof sp.port !== "number") continue;
        for (const e of Array.isArray(s.endpoints) ? s.endpoints.filter(isRecord) : []) {
          const cond = isRecord(e.conditions) ? e.conditions : {};
          const ready = cond.ready !== false;
          if (!(opts.serving ? (cond.serving ?? ready) !== false : ready)) continue;
          const ip = Array.isArray(e.addresses) ? e.addresses[0] : undefined;
          if (typeof ip !== "string" || !IPV4.test(ip)) continue;
          const k = `${ip}:${sp.port}`;
          if (seen.has(k)) continue;
          seen.add(k);
          endpoints.push({
            ip,
            port: sp.port,
            ...(typeof e.nodeName === "string" ? { nodeName: e.nodeName } : {}),
          });
        }
      }
      endpoints.sort((a, b) => compare(a.ip, b.ip) || a.port - b.port);
      out.push({
        id: portName ? `${ns}/${name}:${portName}` : `${ns}/${name}`,
        protocol,
        ...(clusterIP !== undefined ? { clusterIP } : {}),
        port: p.port,
        ...(nodePort !== undefined ? { nodePort } : {}),
        externalIPs,
        ...(affinitySeconds !== undefined ? { affinitySeconds } : {}),
        ...(spec.internalTrafficPolicy === "Local" ? { internalLocal: true as const } : {}),
        ...(spec.externalTrafficPolicy === "Local" && (nodePort !== undefined || externalIPs.length)
          ? { externalLocal: true as const }
          : {}),
        endpoints,
      });
    }
  }
  return out.sort((a, b) => compare(a.id, b.id) || compare(a.protocol, b.protocol));
}

function comment(text: string): string[] {
  return ["-m", "comment", "--comment", `"${text}"`];
}

/** The jumps from the built-in chains (a comment names them, so they are found again). */
export function serviceProxyJumps(): IptablesRule[] {
  const c = (t: string) => ["-m", "comment", "--comment", t];
  const isNew = ["-m", "conntrack", "--ctstate", "NEW"];
  return [
    {
      table: "nat",
      chain: "PREROUTING",
      position: "insert",
      args: [...c("rk8s service portals"), "-j", "RK8S-SERVICES"],
    },
    {
      table: "nat",
      chain: "OUTPUT",
      position: "insert",
      args: [...c("rk8s service portals"), "-j", "RK8S-SERVICES"],
    },
    {
      table: "nat",
      chain: "POSTROUTING",
      position: "insert",
      args: [...c("rk8s postrouting rules"), "-j", "RK8S-POSTROUTING"],
    },
    {
      table: "filter",
      chain: "FORWARD",
      position: "insert",
      args: [...c("rk8s forwarding rules"), "-j", "RK8S-FORWARD"],
    },
    {
      table: "filter",
      chain: "FORWARD",
      position: "insert",
      args: [...isNew, ...c("rk8s service portals"), "-j", "RK8S-SERVICES"],
    },
    {
      table: "filter",
      chain: "OUTPUT",
      position: "insert",
      args: [...isNew, ...c("rk8s service portals"), "-j", "RK8S-SERVICES"],
    },
    {
      table: "filter",
      chain: "INPUT",
      position: "insert",
      args: [...isNew, ...c("rk8s service portals"), "-j", "RK8S-SERVICES"],
    },
  ];
}

function probability(n: number): string {
  return (1 / n).toFixed(10);
}

/**
 * Plans the whole rule set (see the module doc).
 *
 * @example
 * ```ts
 * import { planServiceProxy } from "./service_proxy_plan.ts";
 * import assert from "node:assert/strict";
 * const svc = { metadata: { name: "web", namespace: "default" }, spec: { clusterIP: "10.96.0.7", ports: [{ port: 80 }] } };
 * const slice = { metadata: { name: "web-x", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
 *   ports: [{ port: 8080, protocol: "TCP" }],
 *   endpoints: [{ addresses: ["10.244.1.5"] }, { addresses: ["10.244.2.5"] }] };
 * const plan = planServiceProxy({ services: [svc], endpointSlices: [slice], podCIDR: "10.244.1.0/24",
 *   clusterCIDRs: ["10.244.1.0/24", "10.244.2.0/24"] });
 * assert.match(plan.restore, /-A RK8S-SERVICES -d 10\.96\.0\.7\/32 -p tcp .* --dport 80 -j RK8S-SVC-/);
 * assert.match(plan.restore, /-m statistic --mode random --probability 0\.5000000000 -j RK8S-SEP-/);
 * assert.match(plan.restore, /-j DNAT --to-destination 10\.244\.2\.5:8080/);
 * assert.match(plan.restore, /-A RK8S-POD-EGRESS -d 10\.244\.2\.0\/24 .*-j RETURN/);
 * ```
 */
export function planServiceProxy(input: ServiceProxyInput): ServiceProxyPlan {
  const ports = servicePorts(input.services, input.endpointSlices);
  const nat: string[] = [];
  const filter: string[] = [];
  const natChains = [
    "RK8S-SERVICES",
    "RK8S-NODEPORTS",
    "RK8S-POSTROUTING",
    "RK8S-POD-EGRESS",
    "RK8S-MARK-MASQ",
  ];
  const filterChains = ["RK8S-SERVICES", "RK8S-FORWARD"];
  const nodePortRules: string[] = [];
  const perService: string[] = [];
  const natServices: string[] = [];
  for (const sp of ports) {
    const proto = sp.protocol.toLowerCase();
    const match = ["-p", proto, "-m", proto];
    const local = sp.endpoints.filter((e) =>
      input.nodeName !== undefined && e.nodeName === input.nodeName
    );
    const svc = svcChain(sp.id, sp.protocol);
    const svl = svlChain(sp.id, sp.protocol);
    const used = new Set<string>();
    /** The chain serving one entry (cluster IP or external), or the filter verdict without one. */
    const target = (onlyLocal: boolean): { chain: string } | { verdict: string; why: string } => {
      const eps = onlyLocal ? local : sp.endpoints;
      if (eps.length === 0) {
        return onlyLocal && sp.endpoints.length > 0
          ? { verdict: "DROP", why: "has no local endpoints" }
          : { verdict: "REJECT --reject-with icmp-port-unreachable", why: "has no endpoints" };
      }
      used.add(onlyLocal ? svl : svc);
      return { chain: onlyLocal ? svl : svc };
    };
    const entries: { head: string[]; port: number; where: string; external: boolean }[] = [];
    if (sp.clusterIP !== undefined) {
      entries.push({
        head: ["-A RK8S-SERVICES -d", `${sp.clusterIP}/32`],
        port: sp.port,
        where: "cluster IP",
        external: false,
      });
    }
    for (const ip of sp.externalIPs) {
      entries.push({
        head: ["-A RK8S-SERVICES -d", `${ip}/32`],
        port: sp.port,
        where: "external IP",
        external: true,
      });
    }
    if (sp.nodePort !== undefined) {
      entries.push({
        head: ["-A RK8S-NODEPORTS"],
        port: sp.nodePort,
        where: "node port",
        external: true,
      });
    }
    for (const e of entries) {
      const onlyLocal = e.external ? sp.externalLocal === true : sp.internalLocal === true;
      const t = target(onlyLocal);
      const rule = (jump: string[]) =>
        [...e.head, ...match, ...comment(`${sp.id} ${e.where}`), "--dport", String(e.port), ...jump]
          .join(" ");
      if ("verdict" in t) {
        const filterHead = e.head[0] === "-A RK8S-NODEPORTS"
          ? ["-A RK8S-SERVICES -m addrtype --dst-type LOCAL"]
          : e.head;
        filter.push(
          [
            ...filterHead,
            ...match,
            ...comment(`${sp.id} ${t.why}`),
            "--dport",
            String(e.port),
            "-j",
            t.verdict,
          ].join(" "),
        );
        continue;
      }
      const out = e.head[0] === "-A RK8S-NODEPORTS" ? nodePortRules : natServices;
      // External traffic is masqueraded so replies come back through this node; with the Local
      // policy it reaches a pod here and keeps the client's address.
      if (e.external && !onlyLocal) out.push(rule(["-j RK8S-MARK-MASQ"]));
      out.push(rule(["-j", t.chain]));
    }
    for (const chain of [svc, svl]) {
      if (!used.has(chain)) continue;
      natChains.push(chain);
      const eps = chain === svl ? local : sp.endpoints;
      const seps = eps.map((ep) => ({ ep, sep: sepChain(sp.id, sp.protocol, ep.ip, ep.port) }));
      if (sp.affinitySeconds !== undefined) {
        for (const { ep, sep } of seps) {
          perService.push(
            [
              "-A",
              chain,
              ...comment(`${sp.id} -> ${ep.ip}:${ep.port}`),
              "-m recent --name",
              sep,
              "--mask 255.255.255.255 --rsource --rcheck --seconds",
              String(sp.affinitySeconds),
              "--reap -j",
              sep,
            ].join(" "),
          );
        }
      }
      seps.forEach(({ ep, sep }, i) => {
        perService.push(
          [
            "-A",
            chain,
            ...comment(`${sp.id} -> ${ep.ip}:${ep.port}`),
            ...(i < seps.length - 1
              ? ["-m statistic --mode random --probability", probability(seps.length - i)]
              : []),
            "-j",
            sep,
          ].join(" "),
        );
      });
    }
    for (const ep of sp.endpoints) {
      const sep = sepChain(sp.id, sp.protocol, ep.ip, ep.port);
      const wanted = (used.has(svc) ? sp.endpoints : []).includes(ep) ||
        (used.has(svl) && local.includes(ep));
      if (!wanted) continue;
      natChains.push(sep);
      perService.push(
        ["-A", sep, "-s", `${ep.ip}/32`, ...comment(sp.id), "-j RK8S-MARK-MASQ"].join(" "),
        [
          "-A",
          sep,
          ...match,
          ...comment(sp.id),
          ...(sp.affinitySeconds !== undefined
            ? ["-m recent --set --name", sep, "--mask 255.255.255.255 --rsource"]
            : []),
          "-j DNAT --to-destination",
          `${ep.ip}:${ep.port}`,
        ].join(" "),
      );
    }
  }
  nat.push(...natServices);
  nat.push(
    `-A RK8S-SERVICES ${
      comment("node ports; must be last").join(" ")
    } -m addrtype --dst-type LOCAL -j RK8S-NODEPORTS`,
  );
  nat.push(...nodePortRules, ...perService);
  nat.push(`-A RK8S-MARK-MASQ -j MARK --or-mark 0x4000`);
  nat.push(
    `-A RK8S-POSTROUTING -m mark --mark ${MASQ_MARK} ${
      comment("service traffic requiring SNAT").join(" ")
    } -j MASQUERADE`,
  );
  if (input.podCIDR !== undefined) {
    nat.push(
      `-A RK8S-POSTROUTING -s ${input.podCIDR} ${
        comment("pod traffic, masqueraded when it leaves the cluster").join(" ")
      } -j RK8S-POD-EGRESS`,
    );
    for (const cidr of [...new Set(input.clusterCIDRs)].sort(compare)) {
      nat.push(`-A RK8S-POD-EGRESS -d ${cidr} ${comment("a node's pod CIDR").join(" ")} -j RETURN`);
    }
    nat.push(`-A RK8S-POD-EGRESS ${comment("leaving the cluster").join(" ")} -j MASQUERADE`);
    filter.push(
      `-A RK8S-FORWARD -s ${input.podCIDR} ${comment("from this node's pods").join(" ")} -j ACCEPT`,
      `-A RK8S-FORWARD -d ${input.podCIDR} ${comment("to this node's pods").join(" ")} -j ACCEPT`,
    );
  }
  filter.push(
    `-A RK8S-FORWARD -m mark --mark ${MASQ_MARK} ${comment("service traffic").join(" ")} -j ACCEPT`,
  );
  const staleNat = (input.existingChains?.nat ?? []).filter((c) =>
    c.startsWith(CHAIN_PREFIX) && !natChains.includes(c)
  ).sort(compare);
  const staleFilter = (input.existingChains?.filter ?? []).filter((c) =>
    c.startsWith(CHAIN_PREFIX) && !filterChains.includes(c)
  ).sort(compare);
  const restore = [
    "*nat",
    ...[...natChains, ...staleNat].map((c) => `:${c} - [0:0]`),
    ...nat,
    ...staleNat.map((c) => `-X ${c}`),
    "COMMIT",
    "*filter",
    ...[...filterChains, ...staleFilter].map((c) => `:${c} - [0:0]`),
    ...filter,
    ...staleFilter.map((c) => `-X ${c}`),
    "COMMIT",
    "",
  ].join("\n");
  return {
    ports,
    restore,
    jumps: serviceProxyJumps(),
    chains: { nat: natChains, filter: filterChains },
  };
}

/**
 * The restore that flushes and deletes every `RK8S-*` chain in `existing` (the agent leaves;
 * the jumps into them must be deleted first).
 *
 * @example
 * ```ts
 * import { planServiceProxyRemoval } from "./service_proxy_plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   planServiceProxyRemoval({ nat: ["RK8S-SERVICES", "DOCKER"], filter: [] }),
 *   "*nat\n:RK8S-SERVICES - [0:0]\n-X RK8S-SERVICES\nCOMMIT\n*filter\nCOMMIT\n",
 * );
 * ```
 */
export function planServiceProxyRemoval(
  existing: { nat: readonly string[]; filter: readonly string[] },
): string {
  const part = (table: string, chains: readonly string[]) => {
    const own = chains.filter((c) => c.startsWith(CHAIN_PREFIX)).sort(compare);
    return [
      `*${table}`,
      ...own.map((c) => `:${c} - [0:0]`),
      ...own.map((c) => `-X ${c}`),
      "COMMIT",
    ];
  };
  return [...part("nat", existing.nat), ...part("filter", existing.filter), ""].join("\n");
}
