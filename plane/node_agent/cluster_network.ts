/**
 * {@linkcode ClusterNetwork}: the pod network of a cluster node, kept in step with the cluster
 * over the node's QUIC session to rks.
 *
 * - **Pod CIDR.** The node's `spec.podCIDR` (rks's node IPAM) becomes the host-local range of
 *   the node's cluster CNI bridge ({@linkcode CLUSTER_NETWORK}); until it is known the node
 *   starts no cluster pod ({@linkcode ClusterNetwork.podNetwork} is `undefined`).
 * - **host-gw routes.** For every other Node, `podCIDR via InternalIP` in the node's network
 *   namespace (`./host_gw_routes.ts`); removed when that Node goes away.
 * - **Services.** ClusterIP and NodePort rules from Services and EndpointSlices, plus the
 *   masquerade for pod traffic leaving the cluster (`./service_proxy_apply.ts`).
 * - **DNS.** A UDP DNS server on {@linkcode NODE_LOCAL_DNS_IP} (NodeLocal DNSCache's address,
 *   put on `lo`), answering the cluster zone and forwarding the rest to the node's name servers.
 *
 * Everything is re-planned after each change (debounced) and every 30 s (kube-proxy's
 * `syncPeriod`); {@linkcode ClusterNetwork.close} removes the routes, rules and DNS address
 * (the agent leaves).
 *
 * @module
 */
import { join } from "../../core/path.ts";
import { isRecord } from "../../core/is_record.ts";
import { run } from "../../core/exec.ts";
import { bridgeNetworkConfig } from "../../net/bridge_network.ts";
import { fnv1a } from "../../net/subnet.ts";
import { CLUSTER_DOMAIN } from "../../core/pod/pod_manifest_spec.ts";
import type { ClusterSession } from "./cluster_session.ts";
import { SessionInformer } from "./session_informer.ts";
import { Nudge, sleep } from "./_nudge.ts";
import {
  type HostGwApplied,
  hostGwSyncDue,
  nodePodNetwork,
  planHostGwRoutes,
} from "./host_gw_plan.ts";
import { removeHostGwRoutes, syncHostGwRoutes } from "./host_gw_routes.ts";
import { ServiceProxy } from "./service_proxy_apply.ts";
import { buildClusterDnsRecords, type ClusterDnsRecords } from "./cluster_dns_records.ts";
import { ClusterDnsServer, resolvConfSearches, resolvConfServers } from "./cluster_dns_server.ts";
import type { ClusterPodNetwork } from "./cluster_pod_network.ts";

/** The CNI network name of a cluster node's pods (Calico's name for its pod network). */
export const CLUSTER_NETWORK = "k8s-pod-network";
/** The bridge of the cluster network on the system root. */
export const CLUSTER_BRIDGE = "rk8s0";

/**
 * The cluster bridge of a state root: {@linkcode CLUSTER_BRIDGE} for the system root, a name
 * derived from `--root` otherwise (so two node roots in one network namespace never share a
 * bridge).
 *
 * @example
 * ```ts
 * import { clusterBridgeName } from "./cluster_network.ts";
 * import assert from "node:assert/strict";
 * assert.equal(clusterBridgeName(undefined), "rk8s0");
 * assert.match(clusterBridgeName("/tmp/node-1"), /^rk8s[0-9a-f]{8}$/);
 * ```
 */
export function clusterBridgeName(root: string | undefined): string {
  return root === undefined ? CLUSTER_BRIDGE : `rk8s${fnv1a(root).toString(16).padStart(8, "0")}`;
}
/** The cluster DNS address every pod's resolv.conf names (NodeLocal DNSCache's). */
export const NODE_LOCAL_DNS_IP = "169.254.20.10";

/** Settings of {@linkcode ClusterNetwork}. */
export interface ClusterNetworkOptions {
  /** This node's name. */
  nodeName: string;
  /** rkl's CNI configuration directory of this node (`paths.cniConfigDir`). */
  cniConfigDir: string;
  /** host-local's data directory (`paths.cniDataDir/ipam`). */
  ipamDataDir: string;
  /** Log sink. */
  log: (line: string) => void;
  /** The cluster bridge (default {@linkcode CLUSTER_BRIDGE}; see {@linkcode clusterBridgeName}). */
  bridge?: string;
  /** Cluster domain (default `cluster.local`). */
  clusterDomain?: string;
  /** DNS address (default {@linkcode NODE_LOCAL_DNS_IP}). */
  dnsIP?: string;
  /** The node's resolv.conf, for upstream name servers (default `/etc/resolv.conf`). */
  resolvConf?: string;
  /** Resync period, ms (default 30 000). */
  resyncMs?: number;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The node's pod network: routes, service rules, DNS (see the module doc). */
export class ClusterNetwork {
  readonly #o: ClusterNetworkOptions;
  readonly #nodes: SessionInformer;
  readonly #services: SessionInformer;
  readonly #slices: SessionInformer;
  readonly #proxy: ServiceProxy;
  #podCIDR: string | undefined;
  #ready: ClusterPodNetwork | undefined;
  #records: ClusterDnsRecords | undefined;
  #dns: ClusterDnsServer | undefined;
  #dnsAddress = false;
  readonly #nudge = new Nudge();
  #onReady: () => void = () => {};
  #closed = false;
  #inflight: Promise<void> | undefined;
  #hostSearches: string[] = [];
  /** The routes the last sync put in place (read again when the plan changes, or every 30 s). */
  #routes: HostGwApplied | undefined;

  /** Creates the network (nothing is touched until `serve`). */
  constructor(o: ClusterNetworkOptions) {
    this.#o = o;
    this.#proxy = new ServiceProxy({ log: o.log });
    const changed = () => {
      this.#records = undefined;
      this.#nudge.kick();
    };
    const io = { log: o.log, onChange: changed };
    this.#nodes = new SessionInformer("/api/v1/nodes", io);
    this.#services = new SessionInformer("/api/v1/services", io);
    this.#slices = new SessionInformer("/apis/discovery.k8s.io/v1/endpointslices", io);
  }

  get #bridge(): string {
    return this.#o.bridge ?? CLUSTER_BRIDGE;
  }

  /** Called once the cluster network is usable (the daemon's `wake`). */
  set onReady(fn: () => void) {
    this.#onReady = fn;
  }

  /** The network pods join, or `undefined` until the node has its podCIDR. */
  podNetwork(): ClusterPodNetwork | undefined {
    return this.#ready;
  }

  /**
   * What pods' configuration is resolved from besides ConfigMaps and Secrets: every Service
   * (`undefined` until listed, as the kubelet waits for its service informer before it builds
   * a container's environment) and this node's `status.allocatable`.
   */
  podConfigView(): {
    services: Record<string, unknown>[] | undefined;
    allocatable: Record<string, string>;
  } {
    const self = this.#nodes.list().find((n) =>
      isRecord(n.metadata) && n.metadata.name === this.#o.nodeName
    );
    const alloc = self && isRecord(self.status) && isRecord(self.status.allocatable)
      ? self.status.allocatable
      : {};
    const allocatable: Record<string, string> = {};
    for (const [k, v] of Object.entries(alloc)) if (typeof v === "string") allocatable[k] = v;
    return { services: this.#services.synced ? this.#services.list() : undefined, allocatable };
  }

  /** How many times the Services changed (see `SessionInformer.changes`). */
  get servicesChanges(): number {
    return this.#services.changes;
  }

  /** This node's podCIDR, once known. */
  get podCIDR(): string | undefined {
    return this.#podCIDR;
  }

  /** The cluster DNS records now. */
  records(): ClusterDnsRecords {
    this.#records ??= buildClusterDnsRecords({
      services: this.#services.list(),
      endpointSlices: this.#slices.list(),
      zone: this.#o.clusterDomain ?? CLUSTER_DOMAIN,
    });
    return this.#records;
  }

  /**
   * Watches Nodes, Services and EndpointSlices over `session` and keeps the data plane in step
   * until the session closes or `signal` aborts. Never throws.
   */
  async serve(session: ClusterSession, signal: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop, { once: true });
    void session.closed.then(stop);
    try {
      await Promise.all([
        this.#nodes.run(session, ac.signal),
        this.#services.run(session, ac.signal),
        this.#slices.run(session, ac.signal),
        this.#syncLoop(ac.signal),
      ]);
    } finally {
      signal.removeEventListener("abort", stop);
    }
  }

  async #syncLoop(signal: AbortSignal): Promise<void> {
    const every = this.#o.resyncMs ?? 30_000;
    this.#nudge.kick();
    while (!signal.aborted) {
      await this.#nudge.wait(every, signal);
      // Let a burst of watch events land before planning.
      await sleep(50, signal);
      if (signal.aborted || this.#closed) return;
      try {
        this.#inflight = this.sync();
        await this.#inflight;
      } catch (e) {
        this.#o.log(`node agent: pod network: ${errorText(e)}`);
        this.#nudge.kick();
        await sleep(1000, signal);
      }
    }
  }

  /** One pass: cluster bridge config, routes, service rules, DNS (after the lists synced). */
  async sync(): Promise<void> {
    if (!this.#nodes.synced || this.#closed) return;
    const nodes = this.#nodes.list().map(nodePodNetwork).filter((n) => n !== undefined);
    const self = nodes.find((n) => n.name === this.#o.nodeName);
    if (self?.podCIDR && self.podCIDR !== this.#podCIDR) {
      await this.#writeNetworkConfig(self.podCIDR);
      this.#o.log(`node agent: pod CIDR ${self.podCIDR} on bridge ${this.#bridge}`);
      this.#podCIDR = self.podCIDR;
    }
    const routes = planHostGwRoutes(this.#o.nodeName, nodes);
    if (hostGwSyncDue(this.#routes, routes, Date.now(), this.#o.resyncMs ?? 30_000)) {
      this.#routes = undefined; // unknown until this sync succeeded
      const changed = await syncHostGwRoutes(routes);
      this.#routes = { routes, at: Date.now() };
      for (const r of changed.replaced) {
        this.#o.log(`node agent: route ${r.dst} via ${r.via} (node "${r.node}")`);
      }
      for (const d of changed.removed) this.#o.log(`node agent: route ${d} removed`);
    }
    if (this.#services.synced && this.#slices.synced) {
      await this.#proxy.sync({
        services: this.#services.list(),
        endpointSlices: this.#slices.list(),
        podCIDR: this.#podCIDR,
        nodeName: this.#o.nodeName,
        clusterCIDRs: nodes.flatMap((n) => n.podCIDR ? [n.podCIDR] : []),
      });
      await this.#startDns();
    }
    if (this.#podCIDR && this.#dns && !this.#ready) {
      this.#ready = {
        network: CLUSTER_NETWORK,
        dnsServer: this.#o.dnsIP ?? NODE_LOCAL_DNS_IP,
        clusterDomain: this.#o.clusterDomain ?? CLUSTER_DOMAIN,
        ...(this.#hostSearches.length > 0 ? { hostSearches: this.#hostSearches } : {}),
      };
      this.#onReady();
    }
  }

  async #writeNetworkConfig(podCIDR: string): Promise<void> {
    const config = bridgeNetworkConfig({
      name: CLUSTER_NETWORK,
      bridge: this.#bridge,
      subnet: podCIDR,
      ipamDataDir: this.#o.ipamDataDir,
      firewall: false,
    });
    // The agent's own rules masquerade only traffic leaving the cluster (RK8S-POD-EGRESS).
    const plugins = config.plugins as Record<string, unknown>[];
    plugins[0]!.ipMasq = false;
    await Deno.mkdir(this.#o.cniConfigDir, { recursive: true });
    const file = join(this.#o.cniConfigDir, `${CLUSTER_NETWORK}.conflist`);
    const tmp = `${file}.${crypto.randomUUID()}`;
    await Deno.writeTextFile(tmp, JSON.stringify(config, null, 2) + "\n");
    await Deno.rename(tmp, file);
  }

  async #startDns(): Promise<void> {
    if (this.#dns) return;
    const ip = this.#o.dnsIP ?? NODE_LOCAL_DNS_IP;
    await run(["ip", "addr", "replace", `${ip}/32`, "dev", "lo"], { timeoutMs: 30_000 });
    this.#dnsAddress = true;
    let upstreams: string[] = [];
    try {
      const text = await Deno.readTextFile(this.#o.resolvConf ?? "/etc/resolv.conf");
      upstreams = resolvConfServers(text, ip);
      this.#hostSearches = resolvConfSearches(text);
    } catch { /* no resolv.conf: only the cluster zone is answered */ }
    const dns = new ClusterDnsServer({
      hostname: ip,
      port: 53,
      upstreams,
      records: () => this.records(),
      log: this.#o.log,
    });
    try {
      dns.start();
      this.#o.log(`node agent: cluster DNS on ${ip}:53 (UDP and TCP)`);
    } catch (e) {
      // Another node agent in this network namespace serves the address (tests that run
      // several nodes without namespaces of their own): its answers are used.
      this.#o.log(`node agent: cluster DNS not started on ${ip}:53: ${errorText(e)}`);
    }
    this.#dns = dns;
  }

  /** Removes the routes, service rules and DNS address (the agent leaves). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#inflight?.catch(() => {});
    const dns = this.#dns;
    this.#dns = undefined;
    await dns?.close();
    if (this.#dnsAddress) {
      this.#dnsAddress = false;
      await run(["ip", "addr", "del", `${this.#o.dnsIP ?? NODE_LOCAL_DNS_IP}/32`, "dev", "lo"], {
        allowFailure: true,
        timeoutMs: 30_000,
      });
    }
    this.#routes = undefined;
    const routes = await removeHostGwRoutes();
    const chains = await this.#proxy.remove();
    this.#o.log(
      `node agent: pod network removed (${routes.length} route(s), ${chains.length} chain(s))`,
    );
  }
}
