/**
 * `withClusterNetworking`: a cluster pod's sandbox settings on a cluster node, as the kubelet
 * sets them: the pod joins the node's cluster network (the CNI bridge on the node's podCIDR)
 * first, and its `/etc/resolv.conf` follows `dnsPolicy` (pkg/kubelet/network/dns):
 * `ClusterFirst` (the default; `Default` for a hostNetwork pod) and `ClusterFirstWithHostNet`
 * get `nameserver <cluster DNS>`, `search <ns>.svc.<domain> svc.<domain> <domain>` and
 * `options ndots:5`, with `dnsConfig` merged in (name servers and search domains appended, an
 * option of the same name replacing the default), the node's own search domains after the
 * cluster ones; `Default` and `None` are left to the sandbox (`core/pod/pod_dns.ts`). Pure.
 *
 * @module
 */
import type { PodManifest } from "../../core/pod/pod_types.ts";

/** The cluster network a node offers its pods. */
export interface ClusterPodNetwork {
  /** The CNI network name of the node's cluster bridge. */
  network: string;
  /** The cluster DNS server address (kubelet `--cluster-dns`). */
  dnsServer: string;
  /** The cluster domain (kubelet `--cluster-domain`, `cluster.local`). */
  clusterDomain: string;
  /** The node's own search domains (its resolv.conf), appended after the cluster ones. */
  hostSearches?: string[];
}

/**
 * The manifest with the cluster network and DNS applied (a copy; `m` is not changed).
 *
 * @example
 * ```ts
 * import { withClusterNetworking } from "./cluster_pod_network.ts";
 * import assert from "node:assert/strict";
 * const m = { namespace: "shop", hostNetwork: false, dnsPolicy: "ClusterFirst" as const,
 *   dnsConfig: { options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } };
 * const out = withClusterNetworking(m, { network: "k8s-pod-network", dnsServer: "169.254.20.10", clusterDomain: "cluster.local" });
 * assert.deepEqual(out.networks, ["k8s-pod-network"]);
 * assert.equal(out.dnsPolicy, "None");
 * assert.deepEqual(out.dnsConfig, { nameservers: ["169.254.20.10"],
 *   searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"],
 *   options: [{ name: "ndots", value: "2" }, { name: "edns0" }] });
 * ```
 */
export function withClusterNetworking<
  T extends Pick<PodManifest, "namespace" | "hostNetwork" | "dnsPolicy" | "dnsConfig" | "networks">,
>(m: T, net: ClusterPodNetwork): T & Pick<PodManifest, "networks" | "dnsPolicy" | "dnsConfig"> {
  const out: T & Pick<PodManifest, "networks" | "dnsPolicy" | "dnsConfig"> = { ...m };
  if (!m.hostNetwork) {
    out.networks = [net.network, ...(m.networks ?? []).filter((n) => n !== net.network)];
  }
  const policy = m.dnsPolicy ?? "ClusterFirst";
  const cluster = policy === "ClusterFirstWithHostNet" ||
    (policy === "ClusterFirst" && !m.hostNetwork);
  if (!cluster) return out;
  const zone = net.clusterDomain;
  const extra = m.dnsConfig ?? {};
  const options = new Map<string, string | undefined>([["ndots", "5"]]);
  for (const o of extra.options ?? []) options.set(o.name, o.value);
  out.dnsPolicy = "None";
  out.dnsConfig = {
    nameservers: [...new Set([net.dnsServer, ...extra.nameservers ?? []])],
    searches: [
      ...new Set([
        `${m.namespace}.svc.${zone}`,
        `svc.${zone}`,
        zone,
        ...net.hostSearches ?? [],
        ...extra.searches ?? [],
      ]),
    ],
    options: [...options].map(([name, value]) => value === undefined ? { name } : { name, value }),
  };
  return out;
}
