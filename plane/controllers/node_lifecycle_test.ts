import assert from "node:assert/strict";
import { startTestCluster } from "../apiserver/_testing.ts";
import { KubeClient } from "../client/kube_client.ts";
import { SharedInformer } from "../client/shared_informer.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { startControllerManager } from "./controller_manager.ts";
import { TAINT_UNREACHABLE } from "./node_lifecycle_reconcile.ts";

type Taint = { key: string; effect: string };
const micro = () => new Date().toISOString().replace("Z", "000Z");
const taintsOf = (
  n: KubeObject | undefined,
) => ((n?.spec as { taints?: Taint[] } | undefined)?.taints ?? []);
const readyOf = (n: KubeObject | undefined) =>
  ((n?.status as { conditions?: { type: string; status: string; reason?: string }[] } | undefined)
    ?.conditions ?? [])
    .find((c) => c.type === "Ready");

Deno.test({
  name:
    "node lifecycle: lease expiry → Unknown + unreachable taint → eviction → replacement on a healthy node; podCIDRs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Pods get a 2 s unreachable toleration (--default-unreachable-toleration-seconds 2).
    await using c = await startTestCluster("http", undefined, {
      defaultTolerations: { unreachableSeconds: 2 },
    });
    await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig, fieldManager: "test" });
    await using _cm = await startControllerManager({
      kube,
      nodeLifecycle: { gracePeriodSeconds: 3, defaultTolerationSeconds: 2, monitorPeriodMs: 500 },
      networkConfig: { Network: "10.244.0.0/16", SubnetLen: 24 },
    });
    const nodes = new SharedInformer<KubeObject>(kube, "nodes");
    const pods = new SharedInformer<KubeObject>(kube, "pods");
    await nodes.start();
    await pods.start();
    const alive = new Set(["node-a", "node-b"]);
    let stop = false;
    const renewals: Promise<void>[] = [];
    try {
      for (const name of alive) {
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        await kube.create("nodes", {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name },
          spec: name === "node-b" ? { unschedulable: true } : {},
        });
        await kube.patch(
          "nodes",
          undefined,
          name,
          {
            status: {
              conditions: [{
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              }],
            },
          },
          "merge",
          { subresource: "status" },
        );
        await kube.create("coordination.k8s.io/leases", {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace: "kube-node-lease" },
          spec: { holderIdentity: name, leaseDurationSeconds: 3, renewTime: micro() },
        });
      }
      // node agents: renew leases every 500 ms while alive (bounded by the test's life)
      renewals.push((async () => {
        for (let i = 0; i < 600 && !stop; i++) {
          for (const name of alive) {
            await kube.patch("coordination.k8s.io/leases", "kube-node-lease", name, {
              spec: { renewTime: micro() },
            }, "merge");
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      })());
      await nodes.waitFor(() =>
        nodes.list().map((n) => (n.spec as { podCIDR?: string }).podCIDR).sort().join() ===
          "10.244.0.0/24,10.244.1.0/24"
      );

      await kube.create("apps/deployments", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "default" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "c", image: "nginx" }] },
          },
        },
      });
      // a scheduler stand-in: bind to schedulable nodes without the unreachable taint
      const bindAll = async () => {
        for (const p of pods.list()) {
          if ((p.spec as { nodeName?: string }).nodeName || p.metadata.deletionTimestamp) continue;
          const target = nodes.list().find((n) =>
            !(n.spec as { unschedulable?: boolean }).unschedulable &&
            !taintsOf(n).some((t) => t.key === TAINT_UNREACHABLE)
          );
          if (target) await kube.bind(p, target.metadata.name).catch(() => {});
        }
      };
      const onNode = (node: string) =>
        pods.list().filter((p) =>
          p.metadata.labels?.app === "web" && !p.metadata.deletionTimestamp &&
          (p.spec as { nodeName?: string }).nodeName === node
        ).length;
      for (let i = 0; i < 300 && onNode("node-a") < 2; i++) {
        await bindAll();
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(onNode("node-a"), 2);

      // node-a dies; node-b opens for pods
      alive.delete("node-a");
      await kube.patch("nodes", undefined, "node-b", { spec: { unschedulable: false } }, "merge");
      await nodes.waitFor(() => readyOf(nodes.get(undefined, "node-a"))?.status === "Unknown");
      assert.equal(readyOf(nodes.get(undefined, "node-a"))?.reason, "NodeStatusUnknown");
      await nodes.waitFor(() =>
        taintsOf(nodes.get(undefined, "node-a")).some((t) =>
          t.key === TAINT_UNREACHABLE && t.effect === "NoExecute"
        )
      );
      assert.equal(
        readyOf(nodes.get(undefined, "node-b"))?.status,
        "True",
        "node-b keeps renewing",
      );
      await pods.waitFor(() => onNode("node-a") === 0);
      // The evicted pods stay Terminating (no kubelet finishes them) with upstream's condition.
      const evicted = pods.list().filter((p) =>
        (p.spec as { nodeName?: string }).nodeName === "node-a" && p.metadata.deletionTimestamp
      );
      assert.equal(evicted.length, 2);
      for (const p of evicted) {
        const conditions = (p.status as { conditions?: Record<string, string>[] }).conditions;
        const dt = conditions?.find((c) => c.type === "DisruptionTarget");
        assert.equal(dt?.status, "True", `${p.metadata.name}: DisruptionTarget`);
        assert.equal(dt?.reason, "DeletionByTaintManager");
        assert.equal(dt?.message, "Taint manager: deleting due to NoExecute taint");
      }
      for (let i = 0; i < 300 && onNode("node-b") < 2; i++) {
        await bindAll();
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(onNode("node-b"), 2, "the ReplicaSet replaced the evicted pods on node-b");
      const ev = await c.kubectl(["get", "events", "-A"]);
      assert.match(
        ev.stdout,
        /NodeNotReady\s+node\/node-a\s+Node node-a status is now: NodeNotReady/,
      );
      assert.match(
        ev.stdout,
        /TaintManagerEviction\s+pod\/web-\S+\s+Marking for deletion Pod default\/web-/,
      );
    } finally {
      stop = true;
      await Promise.all(renewals);
      await nodes.stop();
      await pods.stop();
    }
  },
});
