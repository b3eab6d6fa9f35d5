/**
 * Root, real parts, the multi-node layout: two "nodes", each a network namespace on a
 * test bridge running its own `rkl daemon --cluster` (own `--root`, own CNI bridge inside its
 * namespace), joined over QUIC to `rks start` reached at the bridge address; etcd and the API on
 * loopback. A Deployment's pods run on both nodes, each pod's `hostIP` is its node's address,
 * `kubectl get pods -o wide` shows both nodes, and `kubectl delete` empties both.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { localPods, startRksWithNodeNetwork, webDeployment } from "./_cluster_testing.ts";

const long = { timeoutMs: 180_000, intervalMs: 500 };

type ApiPod = {
  metadata: { name: string; uid: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    containerStatuses?: { ready: boolean }[];
  };
};

Deno.test({
  name: "two nodes in network namespaces of their own run a Deployment's pods over QUIC",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using c = await startRksWithNodeNetwork(2, {
      prefix: "rk8s-cnodes-",
      timeoutMs: long.timeoutMs,
    });
    const { net, rks, nodes, explain } = c;
    const { kubectl, joinArgs } = rks;
    assert.equal(
      joinArgs[1],
      `${net.gateway}:${rks.nodePort}`,
      "the join command names the advertised address",
    );

    for (const n of nodes) c.startNode(n);

    await t.step(
      "both nodes join from their namespaces and are Ready with their own address",
      async () => {
        await waitFor("2 Ready nodes", async () => {
          const r = await kubectl(["get", "nodes", "--no-headers"]);
          return (r.stdout.match(/\sReady\s/g) ?? []).length === 2;
        }, long).catch((e) => {
          throw explain(e);
        });
        for (const n of nodes) {
          const r = await kubectl([
            "get",
            "node",
            n.name,
            "-o",
            "jsonpath={.status.addresses[0].address}",
          ]);
          assert.equal(r.stdout, n.address);
        }
      },
    );

    await t.step(
      "a Deployment's pods run on both nodes; hostIP is the node's address",
      async () => {
        const r = await kubectl(
          ["apply", "-f", "-"],
          webDeployment(4, "trap 'exit 0' TERM; while true; do sleep 1; done", 2),
        );
        assert.equal(r.code, 0, r.stderr);
        const pods = await waitFor("4 Running, ready pods", async () => {
          const g = await kubectl(["get", "pods", "-l", "app=web", "-o", "json"]);
          const items = (JSON.parse(g.stdout) as { items: ApiPod[] }).items;
          return items.length === 4 && items.every((p) =>
            p.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready
          ) && items;
        }, long).catch((e) => {
          throw explain(e);
        });
        const byNode = new Map<string, ApiPod[]>();
        for (const p of pods) {
          byNode.set(p.spec.nodeName!, [...(byNode.get(p.spec.nodeName!) ?? []), p]);
        }
        assert.equal(byNode.size, 2, `pods spread over both nodes: ${[...byNode.keys()]}`);
        const wide = await kubectl(["get", "pods", "-o", "wide", "--no-headers"]);
        for (const n of nodes) {
          const mine = byNode.get(n.name) ?? [];
          const local = await localPods(n.root, n.netns);
          assert.deepEqual(
            local.map((l) => l.uid).sort(),
            mine.map((p) => p.metadata.uid).sort(),
            `${n.name} runs exactly the pods bound to it`,
          );
          for (const p of mine) {
            assert.equal(p.status.hostIP, n.address);
            assert.match(
              wide.stdout,
              new RegExp(
                `^${p.metadata.name}\\s.*\\s${
                  p.status.podIP!.replaceAll(".", "\\.")
                }\\s+${n.name}\\s`,
                "m",
              ),
            );
          }
        }
      },
    );

    await t.step("kubectl delete empties both nodes", async () => {
      const r = await kubectl(["delete", "deployment", "web"]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor("no pods", async () => {
        const g = await kubectl(["get", "pods", "--no-headers"]);
        return g.code === 0 && g.stdout.trim() === "";
      }, long).catch((e) => {
        throw explain(e);
      });
      for (const n of nodes) assert.deepEqual(await localPods(n.root, n.netns), []);
    });
  },
});
