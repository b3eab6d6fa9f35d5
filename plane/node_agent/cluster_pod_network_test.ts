import assert from "node:assert/strict";
import { staticPodOnClusterNetwork, withClusterNetworking } from "./cluster_pod_network.ts";
import type { PodDnsConfig, PodManifest } from "../../core/pod/pod_types.ts";

const net = {
  network: "k8s-pod-network",
  dnsServer: "169.254.20.10",
  clusterDomain: "cluster.local",
};
type M = Pick<PodManifest, "namespace" | "hostNetwork" | "dnsPolicy" | "dnsConfig" | "networks">;

Deno.test("withClusterNetworking() sets network and resolv.conf as the kubelet does", async (t) => {
  const cluster: PodDnsConfig = {
    nameservers: ["169.254.20.10"],
    searches: ["web.svc.cluster.local", "svc.cluster.local", "cluster.local"],
    options: [{ name: "ndots", value: "5" }],
  };
  const cases: {
    name: string;
    in: M;
    networks?: string[];
    policy?: string;
    dns?: PodDnsConfig;
    hostSearches?: string[];
  }[] = [
    {
      name: "ClusterFirst (default): cluster DNS",
      in: { namespace: "web", hostNetwork: false },
      networks: ["k8s-pod-network"],
      policy: "None",
      dns: cluster,
    },
    {
      name: "ClusterFirst with dnsConfig: servers and searches appended, options merged",
      in: {
        namespace: "web",
        hostNetwork: false,
        dnsPolicy: "ClusterFirst",
        dnsConfig: {
          nameservers: ["192.0.2.53"],
          searches: ["corp.example"],
          options: [{ name: "rotate" }],
        },
      },
      networks: ["k8s-pod-network"],
      policy: "None",
      dns: {
        nameservers: ["169.254.20.10", "192.0.2.53"],
        searches: [...cluster.searches!, "corp.example"],
        options: [{ name: "ndots", value: "5" }, { name: "rotate" }],
      },
    },
    {
      name: "ClusterFirst: the node's search domains after the cluster ones",
      in: { namespace: "web", hostNetwork: false },
      networks: ["k8s-pod-network"],
      policy: "None",
      dns: { ...cluster, searches: [...cluster.searches!, "corp.example"] },
      hostSearches: ["corp.example", "svc.cluster.local"],
    },
    {
      name: "Default: the node's resolv.conf (unchanged)",
      in: { namespace: "web", hostNetwork: false, dnsPolicy: "Default" },
      networks: ["k8s-pod-network"],
      policy: "Default",
    },
    {
      name: "None with dnsConfig: unchanged",
      in: {
        namespace: "web",
        hostNetwork: false,
        dnsPolicy: "None",
        dnsConfig: { nameservers: ["192.0.2.1"] },
      },
      networks: ["k8s-pod-network"],
      policy: "None",
      dns: { nameservers: ["192.0.2.1"] },
    },
    {
      name: "hostNetwork with ClusterFirst falls back to Default; no cluster network",
      in: { namespace: "web", hostNetwork: true, dnsPolicy: "ClusterFirst" },
      policy: "ClusterFirst",
    },
    {
      name: "hostNetwork with ClusterFirstWithHostNet: cluster DNS",
      in: { namespace: "web", hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" },
      policy: "None",
      dns: cluster,
    },
    {
      name: "extra networks from the annotation stay, after the cluster network",
      in: {
        namespace: "web",
        hostNetwork: false,
        dnsPolicy: "Default",
        networks: ["backend", "k8s-pod-network"],
      },
      networks: ["k8s-pod-network", "backend"],
      policy: "Default",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const out = withClusterNetworking(
        c.in,
        c.hostSearches ? { ...net, hostSearches: c.hostSearches } : net,
      );
      assert.deepEqual(out.networks, c.networks);
      assert.equal(out.dnsPolicy, c.policy);
      assert.deepEqual(out.dnsConfig, c.dns);
    });
  }
});

Deno.test("staticPodOnClusterNetwork() runs static pods on the cluster network once it is there", async (t) => {
  const pod = (m: Partial<PodManifest>) => ({
    key: "kube-system/web-n1",
    hash: "h1",
    source: "file" as const,
    manifest: { namespace: "kube-system", hostNetwork: false, ...m } as PodManifest,
  });
  await t.step("with the network: the cluster bridge and ClusterFirst DNS, hash unchanged", () => {
    const out = staticPodOnClusterNetwork(pod({}), net, undefined)!;
    assert.deepEqual(out.manifest.networks, ["k8s-pod-network"]);
    assert.equal(out.manifest.dnsPolicy, "None");
    assert.deepEqual(out.manifest.dnsConfig?.nameservers, ["169.254.20.10"]);
    assert.equal(out.manifest.dnsConfig?.searches?.[0], "kube-system.svc.cluster.local");
    assert.equal(out.hash, "h1");
    assert.equal(out.key, "kube-system/web-n1");
  });
  await t.step(
    "a hostNetwork pod stays on the host; ClusterFirstWithHostNet gets cluster DNS",
    () => {
      const host = staticPodOnClusterNetwork(pod({ hostNetwork: true }), net, undefined)!;
      assert.equal(host.manifest.networks, undefined);
      assert.equal(host.manifest.dnsPolicy, undefined);
      const withNet = staticPodOnClusterNetwork(
        pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }),
        net,
        undefined,
      )!;
      assert.equal(withNet.manifest.networks, undefined);
      assert.deepEqual(withNet.manifest.dnsConfig?.nameservers, ["169.254.20.10"]);
    },
  );
  await t.step("without the network: pod-network pods wait, host pods start", () => {
    assert.equal(staticPodOnClusterNetwork(pod({}), undefined, undefined), undefined);
    const host = pod({ hostNetwork: true });
    assert.equal(staticPodOnClusterNetwork(host, undefined, undefined), host);
    assert.equal(
      staticPodOnClusterNetwork(
        pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }),
        undefined,
        undefined,
      ),
      undefined,
    );
  });
  await t.step("without the network: a pod that already runs is kept as it runs", () => {
    const running = { namespace: "kube-system", hostNetwork: false, networks: ["k8s-pod-network"] };
    const out = staticPodOnClusterNetwork(pod({}), undefined, running as PodManifest)!;
    assert.equal(out.manifest, running);
    assert.equal(out.hash, "h1");
  });
});
