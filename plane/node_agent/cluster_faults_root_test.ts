/**
 * Root, real parts, 3 nodes: three network namespaces on a test bridge, each running its own
 * `rkl daemon --cluster` (own `--root`), joined over QUIC to `rks start` (short node lifecycle
 * timing: `--node-monitor-grace-period 6s --default-unreachable-toleration-seconds 2`).
 * A Deployment of 6 replicas runs on all three nodes; `kubectl logs` and `kubectl exec` reach a
 * pod on each node; `rkl pod create|list|delete --cluster` (the original CLI) work against the
 * cluster; an rks restart re-creates nothing (same container ids); a node whose daemon is
 * killed with `kill -9` goes NotReady and its pods are replaced on the other nodes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { testBundles, waitFor } from "../../core/testing.ts";
import {
  localPods,
  rkl,
  startRksWithNodeNetwork,
  type TestNode,
  webDeployment,
} from "./_cluster_testing.ts";

const long = { timeoutMs: 180_000, intervalMs: 500 };

type ApiPod = {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; containerStatuses?: { ready: boolean }[] };
};

Deno.test({
  name:
    "three nodes: a Deployment on all of them, logs and exec on each, rkl pod --cluster, rks restart, a killed node's pods replaced",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using c = await startRksWithNodeNetwork(3, {
      prefix: "rk8s-cfaults-",
      rksArgs: [
        "--node-monitor-grace-period",
        "6s",
        "--default-unreachable-toleration-seconds",
        "2",
      ],
      timeoutMs: long.timeoutMs,
    });
    const { dir, rks, nodes, explain } = c;
    const { kubectl } = rks;
    const startNode = (n: TestNode) => c.startNode(n, ["--node-lease-interval", "1000"]);
    const pods = async (selector: string): Promise<ApiPod[]> => {
      const r = await kubectl(["get", "pods", "-l", selector, "-o", "json"]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { items: ApiPod[] }).items;
    };
    const runningOn = (items: ApiPod[]) => {
      const by = new Map<string, ApiPod[]>();
      for (const p of items) {
        if (p.metadata.deletionTimestamp || !p.status.containerStatuses?.[0]?.ready) continue;
        by.set(p.spec.nodeName!, [...(by.get(p.spec.nodeName!) ?? []), p]);
      }
      return by;
    };
    const containerIds = async (n: (typeof nodes)[number]) =>
      (await localPods(n.root, n.netns)).map((p) =>
        `${p.name}:${p.containers.map((c) => c.id).join(",")}`
      ).sort();
    for (const n of nodes) startNode(n);
    await waitFor("3 Ready nodes", async () => {
      const r = await kubectl(["get", "nodes", "--no-headers"]);
      return (r.stdout.match(/\sReady\s/g) ?? []).length === 3;
    }, long).catch((e) => {
      throw explain(e);
    });

    let placed = new Map<string, ApiPod[]>();
    await t.step("a Deployment of 6 replicas runs on all 3 nodes", async () => {
      const r = await kubectl(
        ["apply", "-f", "-"],
        webDeployment(
          6,
          "trap 'exit 0' TERM; echo started $(hostname); while true; do sleep 1; done",
          2,
        ),
      );
      assert.equal(r.code, 0, r.stderr);
      placed = await waitFor("6 ready pods", async () => {
        const by = runningOn(await pods("app=web"));
        return [...by.values()].flat().length === 6 && by;
      }, long).catch((e) => {
        throw explain(e);
      });
      assert.deepEqual([...placed.keys()].sort(), ["node-1", "node-2", "node-3"]);
      for (const n of nodes) {
        assert.deepEqual(
          (await localPods(n.root, n.netns)).map((l) => l.uid).sort(),
          placed.get(n.name)!.map((p) => p.metadata.uid).sort(),
          `${n.name} runs exactly the pods bound to it`,
        );
      }
    });

    await t.step("kubectl logs and exec reach a pod on each node", async () => {
      for (const n of nodes) {
        const name = placed.get(n.name)![0]!.metadata.name;
        const logs = await kubectl(["logs", name]);
        assert.equal(logs.code, 0, logs.stderr);
        assert.equal(logs.stdout, `started ${name}\n`);
        const ex = await kubectl(["exec", name, "--", "sh", "-c", "hostname; exit 7"]);
        assert.equal(ex.code, 7, ex.stderr);
        assert.equal(ex.stdout, `${name}\n`);
        const stdin = await kubectl(["exec", "-i", name, "--", "cat"], `to ${n.name}\n`);
        assert.equal(stdin.stdout, `to ${n.name}\n`, stdin.stderr);
      }
    });

    await t.step("rkl pod create|list|delete --cluster (the original CLI)", async () => {
      const file = join(dir, "task.yaml");
      await Deno.writeTextFile(
        file,
        `apiVersion: v1
kind: Pod
metadata: {name: task, labels: {app: task}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: ${testBundles.busybox}
      args: ["sleep", "3600"]
`,
      );
      const cli = (args: string[]) =>
        rkl([...args, "--cluster", `127.0.0.1:${rks.apiPort}`], undefined, {
          KUBECONFIG: rks.kubeconfig,
          HOME: rks.home,
        });
      const created = await cli(["pod", "create", file]);
      assert.equal(created.code, 0, created.err);
      assert.equal(created.out, "task\n");
      const [task] = await waitFor("task Running", async () => {
        const p = await pods("app=task");
        return p[0]?.status.containerStatuses?.[0]?.ready && p;
      }, long).catch((e) => {
        throw explain(e);
      });
      const list = await cli(["pod", "list", "-o", "wide"]);
      assert.equal(list.code, 0, list.err);
      assert.match(
        list.out,
        new RegExp(
          `^task\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+\\S+\\s+${task!.spec.nodeName}\\s`,
          "m",
        ),
        list.out,
      );
      const del = await cli(["pod", "delete", "task"]);
      assert.equal(del.code, 0, del.err);
      await waitFor("task gone", async () => (await pods("app=task")).length === 0, long);
      const node = nodes.find((n) => n.name === task!.spec.nodeName)!;
      assert.ok(!(await localPods(node.root, node.netns)).some((p) => p.name === "task"));
    });

    await t.step("rks restart: the nodes reconnect, nothing is re-created", async () => {
      const before = await Promise.all(nodes.map(containerIds));
      await rks.restart();
      await waitFor("3 nodes reconnected", () => {
        const text = rks.proc.text();
        return nodes.every((n) => text.includes(`node "${n.name}" connected`));
      }, long).catch((e) => {
        throw explain(e);
      });
      // The watches work again: a change is carried out.
      const r = await kubectl(["scale", "deployment", "web", "--replicas=7"]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor("7 ready pods", async () => {
        return [...runningOn(await pods("app=web")).values()].flat().length === 7;
      }, long).catch((e) => {
        throw explain(e);
      });
      const after = await Promise.all(nodes.map(containerIds));
      for (const [i, ids] of before.entries()) {
        for (const id of ids) assert.ok(after[i]!.includes(id), `${id} kept its containers`);
      }
    });

    await t.step(
      "kill -9 of a node's daemon: NotReady, its pods replaced elsewhere",
      async () => {
        const victim = nodes[2]!;
        const lost = runningOn(await pods("app=web")).get(victim.name) ?? [];
        assert.ok(lost.length > 0, "node-3 has pods to lose");
        victim.daemon!.p.kill("SIGKILL");
        await victim.daemon!.done;
        await waitFor("node-3 NotReady", async () => {
          const r = await kubectl(["get", "node", victim.name, "--no-headers"]);
          return /\sNotReady\s/.test(r.stdout);
        }, long).catch((e) => {
          throw explain(e);
        });
        const by = await waitFor("7 ready pods on node-1 and node-2", async () => {
          const b = runningOn(await pods("app=web"));
          const total = (b.get("node-1")?.length ?? 0) + (b.get("node-2")?.length ?? 0);
          return total === 7 && b;
        }, long).catch((e) => {
          throw explain(e);
        });
        assert.equal(by.get(victim.name), undefined);
        // The evicted pods wait for their node (Terminating), as in Kubernetes.
        const left = (await pods("app=web")).filter((p) => p.spec.nodeName === victim.name);
        for (const p of left) {
          assert.ok(p.metadata.deletionTimestamp, `${p.metadata.name} evicted`);
        }
        // The node comes back: it stops the evicted pods and the objects go.
        startNode(victim);
        await waitFor("node-3 Ready and its evicted pods gone", async () => {
          const r = await kubectl(["get", "node", victim.name, "--no-headers"]);
          const p = (await pods("app=web")).filter((p) => p.spec.nodeName === victim.name);
          return /\sReady\s/.test(r.stdout) && p.length === 0;
        }, long).catch((e) => {
          throw explain(e);
        });
        assert.deepEqual(await localPods(victim.root, victim.netns), []);
      },
    );

    await t.step("kubectl delete: every node emptied", async () => {
      const r = await kubectl(["delete", "deployment", "web"]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor("no pods", async () => (await pods("app=web")).length === 0, long)
        .catch((e) => {
          throw explain(e);
        });
      for (const n of nodes) assert.deepEqual(await localPods(n.root, n.netns), []);
    });
  },
});
