/**
 * Root, real parts (etcd, rks, three `rkl daemon --cluster` in network namespaces of their own,
 * runc, conmon, CNI plugins, kubectl, busybox): the pod network across nodes. Each node gets a
 * podCIDR from rks and host-gw routes to the others; a pod on node 1 reaches a pod on node 3 by
 * IP, by a Service's ClusterIP and by its DNS name; a NodePort answers on another node's
 * address; a UDP client's flow moves to a new endpoint when its endpoint is replaced (stale
 * conntrack entries deleted); static pods run on the cluster network (a hostNetwork one on the
 * node's address); deleting the Service removes its rules; a node that leaves loses its routes on the
 * others; nothing of the agents' (routes, RK8S chains, DNS address) is left behind.
 */
import assert from "node:assert/strict";
import { testBundles, waitFor } from "../../core/testing.ts";
import { rkl, startTestCluster } from "./_cluster_testing.ts";
import { parseConntrackFlows } from "./service_proxy_conntrack_plan.ts";

const dec = new TextDecoder();
const long = { timeoutMs: 180_000, intervalMs: 500 };

async function inNetns(netns: string, argv: string[]): Promise<string> {
  const o = await new Deno.Command("ip", {
    args: ["netns", "exec", netns, ...argv],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (o.code !== 0) throw new Error(`${argv.join(" ")} in ${netns}: ${dec.decode(o.stderr)}`);
  return dec.decode(o.stdout);
}

/** What the node agent may leave in a node namespace: must be nothing once it stopped. */
async function agentLeftovers(netns: string): Promise<string[]> {
  const out: string[] = [];
  const routes = await inNetns(netns, ["ip", "-4", "route", "show", "proto", "201"]);
  if (routes.trim()) out.push(`routes: ${routes.trim()}`);
  for (const table of ["nat", "filter"]) {
    const save = await inNetns(netns, ["iptables-save", "-t", table]);
    const own = save.split("\n").filter((l) => l.includes("RK8S-"));
    if (own.length) out.push(`${table}: ${own.join(" | ")}`);
  }
  const lo = await inNetns(netns, ["ip", "-4", "addr", "show", "dev", "lo"]);
  if (lo.includes("169.254.20.10")) out.push("169.254.20.10 on lo");
  return out;
}

type ApiPod = {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; containerStatuses?: { ready: boolean }[] };
};

function podYaml(name: string, node: string, labels: string, script: string): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {${labels}}}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sh", "-c", ${JSON.stringify(script)}]
`;
}

Deno.test({
  name: "three nodes: pods reach each other across nodes, by Service IP, DNS name and NodePort",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using c = await startTestCluster(3, {
      rksConfig: "network_config:\n  Network: 10.244.0.0/16\n  SubnetLen: 24\n",
    });
    const { kubectl, nodes, explain } = c;
    const must = async (args: string[], stdin?: string) => {
      const r = await kubectl(args, stdin);
      assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const execIn = (node: number, pod: string, argv: string[]) =>
      rkl(["--root", nodes[node]!.root, "pod", "exec", pod, "--", ...argv], nodes[node]!.netns);
    /** `wget -O - URL` from the client pod on node 1, bounded by `timeout` (busybox's `wget -T`
     * crashes in this build). */
    const wget = (url: string, seconds: number) =>
      execIn(0, "client", ["timeout", String(seconds), "wget", "-q", "-O", "-", url]);
    /** The node port's answer on node 2's address (from the test bridge), or false. */
    const nodePortAnswer = async () => {
      try {
        const r = await fetch(`http://${nodes[1]!.address}:${nodePort}/`, {
          signal: AbortSignal.timeout(5000),
        });
        const text = (await r.text()).trim();
        return text === "hello-from-node-3" && text;
      } catch {
        return false;
      }
    };
    const cidrs: string[] = [];

    await t.step("each node has a podCIDR and host-gw routes to the other two", async () => {
      for (const n of nodes) {
        cidrs.push(await must(["get", "node", n.name, "-o", "jsonpath={.spec.podCIDR}"]));
      }
      assert.equal(new Set(cidrs).size, 3, `distinct podCIDRs: ${cidrs}`);
      for (const [i, n] of nodes.entries()) {
        await waitFor(`${n.name}'s routes`, async () => {
          const routes = await inNetns(n.netns, ["ip", "-4", "route", "show", "proto", "201"]);
          return nodes.every((m, j) =>
            j === i || routes.includes(`${cidrs[j]} via ${m.address} dev eth0`)
          ) && routes.trim().split("\n").length === 2;
        }, long).catch((e) => {
          throw explain(e);
        });
      }
    });

    let serverIP = "";
    await t.step("a pod on node 1 reaches a pod on node 3 by IP", async () => {
      await must(
        ["apply", "-f", "-"],
        podYaml(
          "server",
          "node-3",
          "app: web",
          "mkdir -p /tmp/www && echo hello-from-node-3 > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www",
        ) + "---\n" +
          podYaml(
            "client",
            "node-1",
            "app: client",
            "trap 'exit 0' TERM; while true; do sleep 1; done",
          ),
      );
      const pods = await waitFor("both pods Running and ready", async () => {
        const g = await kubectl(["get", "pods", "-o", "json"]);
        const items = (JSON.parse(g.stdout) as { items: ApiPod[] }).items;
        return items.length === 2 &&
          items.every((p) =>
            p.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready
          ) &&
          items;
      }, long).catch((e) => {
        throw explain(e);
      });
      const server = pods.find((p) => p.metadata.name === "server")!;
      const client = pods.find((p) => p.metadata.name === "client")!;
      serverIP = server.status.podIP!;
      assert.ok(inCidr(serverIP, cidrs[2]!), `server IP ${serverIP} in node-3's ${cidrs[2]}`);
      assert.ok(inCidr(client.status.podIP!, cidrs[0]!), `client IP in node-1's ${cidrs[0]}`);
      const ping = await execIn(0, "client", ["ping", "-c", "1", "-W", "5", serverIP]);
      assert.equal(ping.code, 0, ping.out + ping.err);
      // The server's httpd may still be starting (the pod has no readiness probe).
      await waitFor("the server pod by IP from node 1", async () => {
        const get = await wget(`http://${serverIP}:8080/`, 5);
        return get.out.trim() === "hello-from-node-3";
      }, { timeoutMs: 60_000, intervalMs: 500 }).catch((e) => {
        throw explain(e);
      });
      const resolv = await execIn(0, "client", ["cat", "/etc/resolv.conf"]);
      assert.match(resolv.out, /^nameserver 169\.254\.20\.10$/m);
      assert.match(
        resolv.out,
        /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local( |$)/m,
      );
      assert.match(resolv.out, /^options ndots:5$/m);
    });

    let clusterIP = "";
    let nodePort = 0;
    await t.step(
      "the Service answers by ClusterIP and DNS name from node 1, and by NodePort on node 2",
      async () => {
        await must(
          ["apply", "-f", "-"],
          `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
`,
        );
        clusterIP = await must(["get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"]);
        nodePort = Number(
          await must(["get", "service", "web", "-o", "jsonpath={.spec.ports[0].nodePort}"]),
        );
        assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
        await waitFor("the Service by ClusterIP from node 1", async () => {
          const r = await wget(`http://${clusterIP}/`, 3);
          return r.out.trim() === "hello-from-node-3";
        }, long).catch((e) => {
          throw explain(e);
        });
        const ns = await execIn(0, "client", ["nslookup", "web.default.svc.cluster.local"]);
        assert.equal(ns.code, 0, ns.out + ns.err);
        assert.match(ns.out, new RegExp(`Address:\\s+${clusterIP.replaceAll(".", "\\.")}`));
        for (const name of ["web", "web.default", "web.default.svc.cluster.local"]) {
          const r = await wget(`http://${name}/`, 5);
          assert.equal(r.out.trim(), "hello-from-node-3", `${name}: ${r.err}`);
        }
        const missing = await execIn(0, "client", ["nslookup", "nope.default.svc.cluster.local"]);
        assert.notEqual(missing.code, 0, "an unknown service name does not resolve");
        const pod = await execIn(0, "client", [
          "nslookup",
          `${serverIP.replaceAll(".", "-")}.default.pod.cluster.local`,
        ]);
        assert.match(
          pod.out,
          new RegExp(`Address:\\s+${serverIP.replaceAll(".", "\\.")}`),
          pod.err,
        );
        // NodePort on node 2's address, from the test bridge: node 2 runs no endpoint, so the
        // connection is forwarded (and masqueraded) to node 3's pod.
        const body = await waitFor("the NodePort on node 2", nodePortAnswer, long);
        assert.equal(body, "hello-from-node-3");
      },
    );

    await t.step("a flushed nat table on node 2 is rewritten by the periodic check", async () => {
      await inNetns(nodes[1]!.netns, ["iptables", "-w", "-t", "nat", "-F"]);
      assert.equal(await nodePortAnswer(), false, "the node port is gone with the rules");
      const body = await waitFor("the NodePort on node 2 again", nodePortAnswer, long).catch(
        (e) => {
          throw explain(e);
        },
      );
      assert.equal(body, "hello-from-node-3");
    });

    await t.step(
      "with a second endpoint on node 1, new connections to the ClusterIP reach both pods",
      async () => {
        await must(
          ["apply", "-f", "-"],
          podYaml(
            "server-1",
            "node-1",
            "app: web",
            "mkdir -p /tmp/www && echo hello-from-node-1 > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www",
          ),
        );
        // Each new connection picks an endpoint at random (1/2 each): both answer within a
        // bounded number of requests; the local one is reached through the same node's bridge.
        const seen = new Set<string>();
        await waitFor("answers from the pods on node 1 and node 3", async () => {
          const r = await wget(`http://${clusterIP}/`, 3);
          if (r.out.trim()) seen.add(r.out.trim());
          return seen.size === 2;
        }, { timeoutMs: 120_000, intervalMs: 100 }).catch((e) => {
          throw explain(new Error(`${e.message}; answers: ${[...seen]}`));
        });
        assert.deepEqual([...seen].sort(), ["hello-from-node-1", "hello-from-node-3"]);
        const svc = (await inNetns(nodes[1]!.netns, ["iptables-save", "-t", "nat"])).split("\n")
          .filter((l) => l.includes("--probability 0.5000000000"));
        assert.equal(svc.length, 1, "node 2 balances the two endpoints 1/2 : 1/2");
      },
    );

    await t.step(
      "a UDP Service: DNS queries to its ClusterIP reach the endpoint through DNAT",
      async () => {
        // No selector: the endpoint is the node-local DNS address, written by hand (the
        // EndpointSlice controller leaves selector-less Services alone).
        await must(
          ["apply", "-f", "-"],
          `apiVersion: v1
kind: Service
metadata: {name: dns-udp}
spec:
  ports: [{name: dns, port: 53, protocol: UDP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: dns-udp-1
  labels: {kubernetes.io/service-name: dns-udp}
addressType: IPv4
ports: [{name: dns, port: 53, protocol: UDP}]
endpoints: [{addresses: ["169.254.20.10"], conditions: {ready: true}}]
`,
        );
        const ip = await must(["get", "service", "dns-udp", "-o", "jsonpath={.spec.clusterIP}"]);
        const out = await waitFor("an answer through the UDP ClusterIP", async () => {
          const r = await execIn(0, "client", ["nslookup", "web.default.svc.cluster.local", ip]);
          return r.code === 0 && r.out;
        }, long).catch((e) => {
          throw explain(e);
        });
        assert.match(out, new RegExp(`Server:\\s+${ip.replaceAll(".", "\\.")}`));
        assert.match(out, new RegExp(`Address:\\s+${clusterIP.replaceAll(".", "\\.")}`));
        const rules = await inNetns(nodes[0]!.netns, ["iptables-save", "-t", "nat"]);
        assert.match(
          rules,
          new RegExp(`-d ${ip.replaceAll(".", "\\.")}/32 -p udp -m udp .*--dport 53 `),
        );
        await must(["delete", "service", "dns-udp"]);
        await must(["delete", "endpointslice", "dns-udp-1"]);
      },
    );

    await t.step(
      "a UDP client with a fixed source port reaches the new endpoint once the old one is removed",
      async () => {
        // busybox syslogd -R sends every message from one socket (one source port for its
        // life): a log shipper to a Service, the classic victim of stale UDP conntrack entries.
        // The sinks run no listener; the datagrams they get count in their netns's Udp NoPorts.
        await must(
          ["apply", "-f", "-"],
          `apiVersion: v1
kind: Service
metadata: {name: udp-sink}
spec:
  selector: {app: udp-sink}
  ports: [{name: syslog, port: 514, targetPort: 514, protocol: UDP}]
---
` +
            podYaml(
              "sink-a",
              "node-3",
              "app: udp-sink",
              "trap 'exit 0' TERM; while true; do sleep 1; done",
            ),
        );
        try {
          const ip = await must(["get", "service", "udp-sink", "-o", "jsonpath={.spec.clusterIP}"]);
          await must(
            ["apply", "-f", "-"],
            podYaml(
              "udp-client",
              "node-1",
              "app: udp-client",
              `syslogd -n -R ${ip}:514 & trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); logger -t rk8s tick-$i; sleep 0.2; done`,
            ),
          );
          /** Udp NoPorts of a pod's netns (datagrams that arrived for a port nobody listens on). */
          const noPorts = async (node: number, pod: string) => {
            const r = await execIn(node, pod, ["cat", "/proc/net/snmp"]);
            const [head, values] = r.out.split("\n").filter((l) => l.startsWith("Udp:"));
            const i = head?.split(/\s+/).indexOf("NoPorts") ?? -1;
            return r.code === 0 && i > 0 ? Number(values?.split(/\s+/)[i]) : -1;
          };
          /** True once `pod` on `node` got datagrams in two successive reads. */
          const receiving = async (node: number, pod: string) => {
            const a = await noPorts(node, pod);
            if (a < 0) return false;
            await new Promise((r) => setTimeout(r, 1000));
            return (await noPorts(node, pod)) > a;
          };
          /** The client's flows on node 1 (where its datagrams are DNATed). */
          const flows = async () =>
            parseConntrackFlows(
              await inNetns(nodes[0]!.netns, [
                "conntrack",
                "-L",
                "-f",
                "ipv4",
                "-p",
                "udp",
                "--orig-dst",
                ip,
                "--orig-port-dst",
                "514",
              ]),
            );
          const ready = (name: string) =>
            waitFor(`${name} Running and ready`, async () => {
              const r = await kubectl(["get", "pod", name, "-o", "json"]);
              const p = r.code === 0 ? JSON.parse(r.stdout) as ApiPod : undefined;
              return p?.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready &&
                p.status.podIP;
            }, long).catch((e) => {
              throw explain(e);
            });
          const ipA = await ready("sink-a");
          await ready("udp-client");
          await waitFor("the client's datagrams at sink-a", () => receiving(2, "sink-a"), long)
            .catch(async (e) => {
              throw explain(new Error(`${e.message}; flows: ${JSON.stringify(await flows())}`));
            });
          const [before] = await flows();
          assert.ok(before, "the client's flow on node 1");
          assert.equal(before.reply.src, ipA, "DNATed to sink-a");

          await must(["delete", "pod", "sink-a", "--wait=true"]);
          await must(
            ["apply", "-f", "-"],
            podYaml(
              "sink-b",
              "node-2",
              "app: udp-sink",
              "trap 'exit 0' TERM; while true; do sleep 1; done",
            ),
          );
          const ipB = await ready("sink-b");
          assert.notEqual(ipB, ipA);
          // Without the cleanup the flow to sink-a's old address lives on: the client sends every
          // 0.2 s and each datagram restarts the entry's timeout.
          await waitFor("the client's datagrams at sink-b", () => receiving(1, "sink-b"), long)
            .catch(async (e) => {
              throw explain(new Error(`${e.message}; flows: ${JSON.stringify(await flows())}`));
            });
          const after = await flows();
          assert.deepEqual(
            after.map((f) => [f.orig.src, f.orig.sport, f.reply.src]),
            [[before.orig.src, before.orig.sport, ipB]],
            "the same client socket, now DNATed to sink-b",
          );
          assert.match(
            nodes[0]!.daemon.text(),
            new RegExp(
              `deleted 1 stale UDP flow\\(s\\) of default/udp-sink:syslog cluster IP ${
                ip.replaceAll(".", "\\.")
              }:514 to ${ipA.replaceAll(".", "\\.")}`,
            ),
          );
        } finally {
          // Also after a failure: the next step expects no Service chains but its own.
          await kubectl([
            "delete",
            "pod",
            "udp-client",
            "sink-a",
            "sink-b",
            "--ignore-not-found",
            "--wait=true",
          ]);
          await kubectl(["delete", "service", "udp-sink", "--ignore-not-found"]);
        }
      },
    );

    await t.step(
      "static pods run on the node's cluster network; another node's pod reaches one by IP",
      async () => {
        // startTestCluster gives node N the manifest directory `<root>-manifests`.
        const manifests = `${nodes[2]!.root}-manifests`;
        const staticPod = (name: string, extra: string, script: string) =>
          `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {tier: ${name}}}
spec:
  terminationGracePeriodSeconds: 1
${extra}  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sh", "-c", ${JSON.stringify(script)}]
`;
        const files = [`${manifests}/static-web.yaml`, `${manifests}/static-host.yaml`];
        try {
          await Deno.writeTextFile(
            `${manifests}/static-web.yaml`,
            staticPod(
              "static-web",
              "",
              "mkdir -p /tmp/www && echo hello-from-static > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www",
            ),
          );
          await Deno.writeTextFile(
            `${manifests}/static-host.yaml`,
            staticPod(
              "static-host",
              "  hostNetwork: true\n",
              "trap 'exit 0' TERM; while true; do sleep 1; done",
            ),
          );
          const mirror = (name: string) =>
            waitFor(`mirror pod ${name} Running with an IP`, async () => {
              const r = await kubectl(["get", "pod", name, "-o", "json"]);
              const p = r.code === 0 ? JSON.parse(r.stdout) as ApiPod : undefined;
              return p?.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready &&
                p.status.podIP;
            }, long).catch((e) => {
              throw explain(e);
            });
          const webIP = await mirror("static-web-node-3");
          assert.ok(inCidr(webIP, cidrs[2]!), `static pod IP ${webIP} in node-3's ${cidrs[2]}`);
          assert.equal(
            await mirror("static-host-node-3"),
            nodes[2]!.address,
            "hostNetwork: node IP",
          );
          await waitFor("the static pod by IP from node 1", async () => {
            const get = await wget(`http://${webIP}:8080/`, 5);
            return get.out.trim() === "hello-from-static";
          }, { timeoutMs: 60_000, intervalMs: 500 }).catch((e) => {
            throw explain(e);
          });
          const resolv = await execIn(2, "static-web-node-3", ["cat", "/etc/resolv.conf"]);
          assert.match(resolv.out, /^nameserver 169\.254\.20\.10$/m);
        } finally {
          for (const f of files) {
            await Deno.remove(f).catch((e) => {
              if (!(e instanceof Deno.errors.NotFound)) throw e;
            });
          }
        }
        await waitFor("both mirror pods gone", async () => {
          const r = await kubectl(["get", "pods", "-o", "name"]);
          return r.code === 0 && !r.stdout.includes("static-");
        }, long).catch((e) => {
          throw explain(e);
        });
      },
    );

    await t.step("deleting the Service removes its rules on every node", async () => {
      // The rules of `web` (their comments name it); default/kubernetes keeps its own rules and
      // its two chains (one SVC, one SEP: rks is its one endpoint).
      const chains = (s: string) => s.split("\n").filter((l) => /^:RK8S-(SVC|SEP)-/.test(l));
      const webRules = (s: string) => s.split("\n").filter((l) => l.includes('"default/web:'));
      assert.ok(
        webRules(await inNetns(nodes[0]!.netns, ["iptables-save", "-t", "nat"])).length >= 2,
      );
      await must(["delete", "service", "web"]);
      for (const n of nodes) {
        await waitFor(`${n.name} without the Service's rules`, async () => {
          const save = await inNetns(n.netns, ["iptables-save", "-t", "nat"]);
          return webRules(save).length === 0 && chains(save).length === 2 &&
            !save.includes(clusterIP) &&
            !save.includes(`--dport ${nodePort}`);
        }, long).catch((e) => {
          throw explain(e);
        });
      }
      const r = await wget(`http://${clusterIP}/`, 3);
      assert.notEqual(r.code, 0, "the ClusterIP no longer answers");
    });

    await t.step(
      "a node that leaves loses its routes on the others and removes its own",
      async () => {
        await must(["delete", "pod", "server", "server-1", "--wait=true"]);
        await c.stopNode(2);
        assert.deepEqual(await agentLeftovers(nodes[2]!.netns), [], "node-3 cleaned up on exit");
        await must(["delete", "node", "node-3"]);
        for (const n of nodes.slice(0, 2)) {
          await waitFor(`${n.name} without a route to node-3`, async () => {
            const routes = await inNetns(n.netns, ["ip", "-4", "route", "show", "proto", "201"]);
            return !routes.includes(cidrs[2]!) && routes.trim().split("\n").length === 1;
          }, long).catch((e) => {
            throw explain(e);
          });
        }
      },
    );

    await t.step("stopped agents leave no routes, chains or DNS address", async () => {
      await must(["delete", "pod", "client", "--wait=true"]);
      await c.stopNode(0);
      await c.stopNode(1);
      for (const n of nodes) assert.deepEqual(await agentLeftovers(n.netns), [], n.name);
    });
  },
});

function inCidr(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split("/") as [string, string];
  const n = (a: string) => a.split(".").reduce((x, o) => x * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}
