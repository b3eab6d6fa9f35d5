/**
 * `withClusterNetworking`: a cluster pod's sandbox settings on a cluster node, as the kubelet
 * sets them: the pod joins the node's cluster network (the CNI bridge on the node's podCIDR)
 * first, and its `/etc/resolv.conf` follows `dnsPolicy` (pkg/kubelet/network/dns):
 * `ClusterFirst` (the default; `Default` for a hostNetwork pod) and `ClusterFirstWithHostNet`
 * get `nameserver <cluster DNS>`, `search <ns>.svc.<domain> svc.<domain> <domain>` and
 * `options ndots:5`, with `dnsConfig` merged in (name servers and search domains appended, an
 * option of the same name replacing the default), the node's own search domains after the
 * cluster ones; `Default` and `None` are left to the sandbox (`core/pod/pod_dns.ts`). Pure.
 * `staticPodOnClusterNetwork`: the same for the node's static pods, which the kubelet runs on
 * the pod network like the pods of the API.
 *
 * @module
 */
import type { PodManifest } from "../../core/pod/pod_types.ts";
import type { DesiredPod } from "../../core/daemon/pod_sync_planner.ts";

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

/**
 * A static pod of a cluster node as the node runs it (the kubelet runs static pods like the
 * pods of the API: on the pod network, with `ClusterFirst` DNS):
 * - once the cluster network is known (`net`), with {@linkcode withClusterNetworking} applied
 *   (a `hostNetwork` pod stays on the host; only its DNS follows `dnsPolicy`);
 * - before (the node has no podCIDR yet), a pod that needs the pod network or the cluster DNS
 *   (`ClusterFirstWithHostNet`) waits (`undefined`; the kubelet's "network is not ready"),
 *   except one that already runs with the same spec (`running`: its manifest), which is kept as
 *   it runs; other `hostNetwork` pods start at once.
 *
 * The spec hash is not changed: the mirror pod's `kubernetes.io/config.mirror` stays the
 * static pod's `kubernetes.io/config.hash`.
 *
 * @example
 * ```ts
 * import { staticPodOnClusterNetwork } from "./cluster_pod_network.ts";
 * import assert from "node:assert/strict";
 * const net = { network: "k8s-pod-network", dnsServer: "169.254.20.10", clusterDomain: "cluster.local" };
 * const pod = { key: "default/web-n1", hash: "h1", source: "file" as const,
 *   manifest: { namespace: "default", hostNetwork: false } as never };
 * assert.deepEqual(staticPodOnClusterNetwork(pod, net, undefined)?.manifest.networks, ["k8s-pod-network"]);
 * assert.equal(staticPodOnClusterNetwork(pod, undefined, undefined), undefined);
 * const host = { ...pod, manifest: { namespace: "default", hostNetwork: true } as never };
 * assert.equal(staticPodOnClusterNetwork(host, undefined, undefined), host);
 * ```
 */
export function staticPodOnClusterNetwork(
  pod: DesiredPod,
  net: ClusterPodNetwork | undefined,
  running: PodManifest | undefined,
): DesiredPod | undefined {
  if (net) return { ...pod, manifest: withClusterNetworking(pod.manifest, net) };
  if (running) return { ...pod, manifest: running };
  const m = pod.manifest;
  return m.hostNetwork && m.dnsPolicy !== "ClusterFirstWithHostNet" ? pod : undefined;
}
