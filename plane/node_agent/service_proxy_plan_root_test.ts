/**
 * Root: every kind of rule the service planner writes is accepted by the real
 * `iptables-restore --noflush` (in a network namespace the test creates), a second plan
 * replaces the first one's chains, and the removal plan leaves no `RK8S-*` chain.
 */
import assert from "node:assert/strict";
import { planServiceProxy, planServiceProxyRemoval } from "./service_proxy_plan.ts";
import { ownChains } from "./service_proxy_apply.ts";
import { testLease } from "../../core/test_lease.ts";

const dec = new TextDecoder();

async function inNetns(netns: string, argv: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", netns, ...argv],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const o = await child.output();
  if (o.code !== 0) throw new Error(`${argv.join(" ")}: ${dec.decode(o.stderr)}`);
  return dec.decode(o.stdout);
}

const svc = (name: string, spec: Record<string, unknown>, status?: unknown) => ({
  metadata: { name, namespace: "default" },
  spec,
  ...(status ? { status } : {}),
});
const slice = (name: string, port: number, protocol: string, ips: [string, string][]) => ({
  metadata: {
    name: `${name}-1`,
    namespace: "default",
    labels: { "kubernetes.io/service-name": name },
  },
  ports: [{ port, protocol }],
  endpoints: ips.map(([ip, nodeName]) => ({ addresses: [ip], nodeName })),
});

Deno.test("the planned rules load with iptables-restore and the removal plan empties them", async () => {
  const netns = `rkn3${crypto.randomUUID().slice(0, 6)}`;
  testLease().hold({ kind: "netns", name: netns });
  await new Deno.Command("ip", { args: ["netns", "add", netns] }).output();
  try {
    const services = [
      svc("web", {
        type: "LoadBalancer",
        clusterIP: "10.96.0.7",
        externalIPs: ["192.0.2.10"],
        sessionAffinity: "ClientIP",
        ports: [{ port: 80, nodePort: 30080 }],
      }, { loadBalancer: { ingress: [{ ip: "192.0.2.20" }] } }),
      svc("dns", { clusterIP: "10.96.0.10", ports: [{ port: 53, protocol: "UDP" }] }),
      svc("local", {
        type: "NodePort",
        clusterIP: "10.96.0.11",
        internalTrafficPolicy: "Local",
        externalTrafficPolicy: "Local",
        ports: [{ port: 80, nodePort: 30081 }],
      }),
      svc("empty", {
        type: "NodePort",
        clusterIP: "10.96.0.12",
        ports: [{ port: 80, nodePort: 30082 }],
      }),
    ];
    const slices = [
      slice("web", 8080, "TCP", [["10.244.1.5", "n1"], ["10.244.2.5", "n2"], ["10.244.3.5", "n3"]]),
      slice("dns", 53, "UDP", [["10.244.2.9", "n2"]]),
      slice("local", 8080, "TCP", [["10.244.2.6", "n2"]]),
    ];
    const input = {
      services,
      endpointSlices: slices,
      podCIDR: "10.244.1.0/24",
      clusterCIDRs: ["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"],
      nodeName: "n1",
    };
    const first = planServiceProxy(input);
    await inNetns(netns, ["iptables-restore", "-w", "--noflush"], first.restore);
    const nat = await inNetns(netns, ["iptables-save", "-t", "nat"]);
    assert.deepEqual(ownChains(nat).sort(), [...first.chains.nat].sort());
    assert.match(nat, /-m statistic --mode random --probability 0\.3333/);
    assert.match(nat, /-m recent --rcheck --seconds 10800 --reap/);
    assert.match(nat, /-d 10\.96\.0\.10\/32 -p udp -m udp --dport 53 .*-j RK8S-SVC-/);
    const filter = await inNetns(netns, ["iptables-save", "-t", "filter"]);
    assert.match(filter, /--dport 30081 .*-j DROP/, "Local node port without a local endpoint");
    assert.match(filter, /--dport 30082 .*-j REJECT/, "no endpoints at all");

    // The web Service goes away: its chains are flushed and deleted in the next restore.
    const second = planServiceProxy({
      ...input,
      services: services.slice(1),
      existingChains: { nat: ownChains(nat), filter: ownChains(filter) },
    });
    await inNetns(netns, ["iptables-restore", "-w", "--noflush"], second.restore);
    const nat2 = await inNetns(netns, ["iptables-save", "-t", "nat"]);
    assert.deepEqual(ownChains(nat2).sort(), [...second.chains.nat].sort());
    assert.doesNotMatch(nat2, /10\.96\.0\.7|192\.0\.2\.|30080/);

    await inNetns(
      netns,
      ["iptables-restore", "-w", "--noflush"],
      planServiceProxyRemoval({
        nat: ownChains(nat2),
        filter: ownChains(await inNetns(netns, ["iptables-save", "-t", "filter"])),
      }),
    );
    const all = await inNetns(netns, ["iptables-save"]);
    assert.doesNotMatch(all, /RK8S-/);
  } finally {
    await new Deno.Command("ip", { args: ["netns", "del", netns] }).output();
    testLease().release({ kind: "netns", name: netns });
  }
});
