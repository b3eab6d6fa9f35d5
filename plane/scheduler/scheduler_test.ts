/**
 * The scheduler against a real etcd + rks with the real kubectl and simulated nodes (Node
 * objects written by the test, no containers): spreading, taints, node and pod affinity,
 * topology spread, Pending with the FailedScheduling event in `kubectl describe` and a retry
 * when a node appears, scheduling gates, and two schedulers that never double-bind.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { startTestCluster, type TestCluster } from "../apiserver/_testing.ts";
import { KubeClient } from "../client/kube_client.ts";
import { Scheduler } from "./scheduler.ts";
import type { Node, Pod, PodSpecLike, Taint } from "./types.ts";

function node(name: string, zone: string, taints?: Taint[], cpu = "4"): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: { "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone },
    },
    spec: taints ? { taints } : {},
    status: {
      allocatable: { cpu, memory: "8Gi", pods: "110" },
      capacity: { cpu, memory: "8Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}

function pod(
  name: string,
  labels: Record<string, string>,
  spec: PodSpecLike = {},
  cpu = "100m",
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels },
    spec: {
      containers: [{ name: "c", image: "nginx", resources: { requests: { cpu, memory: "64Mi" } } }],
      ...spec,
    },
  };
}

async function nodesOf(kube: KubeClient, selector: string): Promise<Map<string, string>> {
  const list = await kube.list<Pod>("pods", { namespace: "default", labelSelector: selector });
  return new Map(list.items.map((p) => [p.metadata.name, p.spec?.nodeName ?? ""]));
}

async function waitBound(
  kube: KubeClient,
  selector: string,
  n: number,
): Promise<Map<string, string>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = await nodesOf(kube, selector);
    const bound = [...m.values()].filter((v) => v !== "").length;
    if (bound >= n) return m;
    if (Date.now() > deadline) {
      throw new Error(`only ${bound}/${n} pods bound: ${JSON.stringify([...m])}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function histogram(m: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of m.values()) out[v] = (out[v] ?? 0) + 1;
  return out;
}

async function ok(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

Deno.test({
  name: "scheduler with rks, etcd and kubectl: placements, Pending with events, two schedulers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");
    await using kube = await KubeClient.connect({
      kubeconfig: c.kubeconfig,
      fieldManager: "kube-scheduler",
    });
    for (const n of [node("n1", "za"), node("n2", "zb"), node("n3", "zc")]) {
      await kube.create("nodes", n);
    }
    const scheduler = new Scheduler(kube, { identity: "s1" });
    await scheduler.start();
    try {
      await t.step(
        "9 equal pods spread 3 per node (LeastAllocated + BalancedAllocation)",
        async () => {
          const items = Array.from({ length: 9 }, (_, i) => pod(`web-${i}`, { app: "web" }));
          await ok(
            c,
            ["apply", "-f", "-"],
            items.map((i) => stringify(i)).join("---\n"),
          );
          const m = await waitBound(kube, "app=web", 9);
          assert.deepEqual(histogram(m), { n1: 3, n2: 3, n3: 3 });
          const wide = await ok(c, ["get", "pods", "-l", "app=web", "-o", "wide"]);
          assert.match(wide, /web-0\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+n[123]\s/);
          const d = await ok(c, ["describe", "pod", "web-0"]);
          assert.match(
            d,
            /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web-0 to n[123]/,
          );
          const cond = (await kube.get<Pod>("pods", "default", "web-0")).status?.conditions ?? [];
          assert.equal(cond.find((x) => x.type === "PodScheduled")?.status, "True");
        },
      );

      await t.step("taints: only the tolerating pod lands on the dedicated node", async () => {
        await kube.patch("nodes", undefined, "n3", {
          metadata: { labels: { dedicated: "gpu" } },
          spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] },
        });
        await scheduler.waitFor(() => scheduler.cache.node("n3")?.taints.length === 1);
        const items = [
          ...Array.from({ length: 4 }, (_, i) => pod(`plain-${i}`, { app: "plain" })),
          pod("gpu-job", { app: "gpu" }, {
            nodeSelector: { dedicated: "gpu" },
            tolerations: [{
              key: "dedicated",
              operator: "Equal",
              value: "gpu",
              effect: "NoSchedule",
            }],
          }),
        ];
        await ok(
          c,
          ["create", "-f", "-"],
          items.map((i) => stringify(i)).join("---\n"),
        );
        const plain = await waitBound(kube, "app=plain", 4);
        assert.equal([...plain.values()].includes("n3"), false, JSON.stringify([...plain]));
        const gpu = await waitBound(kube, "app=gpu", 1);
        assert.equal(gpu.get("gpu-job"), "n3");
      });

      await t.step(
        "required anti-affinity per hostname; the third replica is Pending",
        async () => {
          const anti = {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{
                  labelSelector: { matchLabels: { app: "db" } },
                  topologyKey: "kubernetes.io/hostname",
                }],
              },
            },
          };
          for (let i = 0; i < 3; i++) {
            await kube.create("pods", pod(`db-${i}`, { app: "db" }, anti));
          }
          const m = await waitBound(kube, "app=db", 2);
          const bound = [...m.values()].filter((v) => v);
          assert.deepEqual(bound.sort(), ["n1", "n2"]);
          const pending = [...m].find(([, v]) => v === "")![0];
          const d = await c.kubectl(["describe", "pod", pending]);
          await scheduler.waitFor(() => scheduler.stats.unschedulable > 0);
          const deadline = Date.now() + 30_000;
          let text = d.stdout;
          const want =
            /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 node\(s\) didn't satisfy existing pods anti-affinity rules\. preemption: 0\/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod\./;
          while (!want.test(text) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 200));
            text = (await c.kubectl(["describe", "pod", pending])).stdout;
          }
          assert.match(text, want);
          assert.match(text, /Status:\s+Pending/);
          assert.match(text, /PodScheduled\s+False/);
          const p = await kube.get<Pod>("pods", "default", pending);
          const cond = p.status?.conditions?.find((x) => x.type === "PodScheduled");
          assert.equal(cond?.reason, "Unschedulable");
          assert.match(String(cond?.message), /^0\/3 nodes are available/);
          // A pod of the other two deleted: the pending one is retried and takes its node.
          const victim = [...m].find(([, v]) => v === "n1")![0];
          await kube.delete("pods", "default", victim, { gracePeriodSeconds: 0 });
          const after = await waitBound(kube, "app=db", 2);
          assert.equal(after.get(pending), "n1");
        },
      );

      await t.step("topology spread over zones with maxSkew 1 (DoNotSchedule)", async () => {
        const spread = {
          topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "DoNotSchedule" as const,
            labelSelector: { matchLabels: { app: "spread" } },
          }],
          tolerations: [{ key: "dedicated", operator: "Exists" as const }],
        };
        // n1 is the fullest node in cpu: without the constraint LeastAllocated would avoid it.
        await kube.create("pods", pod("filler", { app: "filler" }, { nodeName: "n1" }, "2"));
        for (let i = 0; i < 6; i++) {
          await kube.create("pods", pod(`sp-${i}`, { app: "spread" }, spread));
        }
        const m = await waitBound(kube, "app=spread", 6);
        assert.deepEqual(histogram(m), { n1: 2, n2: 2, n3: 2 });
      });

      await t.step("preferred node affinity and Gt on a node label", async () => {
        await kube.patch("nodes", undefined, "n2", { metadata: { labels: { cores: "64" } } });
        await scheduler.waitFor(() => scheduler.cache.node("n2")?.labels.cores === "64");
        await kube.create(
          "pods",
          pod("big", { app: "big" }, {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{
                    matchExpressions: [{ key: "cores", operator: "Gt", values: ["16"] }],
                  }],
                },
              },
            },
          }),
        );
        const m = await waitBound(kube, "app=big", 1);
        assert.equal(m.get("big"), "n2");
      });

      await t.step(
        "insufficient cpu: Pending with FailedScheduling; a new node schedules it",
        async () => {
          await kube.create("pods", pod("huge", { app: "huge" }, {}, "6"));
          const deadline = Date.now() + 30_000;
          let d = "";
          const want =
            /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 Insufficient cpu\./;
          while (Date.now() < deadline) {
            d = (await c.kubectl(["describe", "pod", "huge"])).stdout;
            if (want.test(d)) break;
            await new Promise((r) => setTimeout(r, 200));
          }
          assert.match(d, want);
          const events = await ok(c, [
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=huge",
          ]);
          assert.match(events, /Warning\s+FailedScheduling\s+pod\/huge\s+0\/3 nodes are available/);
          await kube.create("nodes", node("n4", "za", undefined, "8"));
          const m = await waitBound(kube, "app=huge", 1);
          assert.equal(m.get("huge"), "n4");
        },
      );

      await t.step("scheduling gates: SchedulingGated until the gate is removed", async () => {
        await kube.create(
          "pods",
          pod("gated", { app: "gated" }, { schedulingGates: [{ name: "example.com/wait" }] }),
        );
        const deadline = Date.now() + 30_000;
        let p = await kube.get<Pod>("pods", "default", "gated");
        while (
          p.status?.conditions?.find((x) => x.type === "PodScheduled")?.reason !==
            "SchedulingGated" &&
          Date.now() < deadline
        ) {
          await new Promise((r) => setTimeout(r, 100));
          p = await kube.get<Pod>("pods", "default", "gated");
        }
        const cond = p.status?.conditions?.find((x) => x.type === "PodScheduled");
        assert.equal(cond?.reason, "SchedulingGated");
        assert.equal(cond?.message, "Scheduling is blocked due to non-empty scheduling gates");
        assert.equal(p.spec?.nodeName, undefined);
        await ok(c, [
          "patch",
          "pod",
          "gated",
          "--type=json",
          "-p",
          '[{"op":"remove","path":"/spec/schedulingGates"}]',
        ]);
        await waitBound(kube, "app=gated", 1);
      });
    } finally {
      await scheduler.stop();
    }

    await t.step(
      "two schedulers never double-bind: every pod bound once, one Scheduled event",
      async () => {
        const [a, b] = ["sa", "sb"].map((id) => new Scheduler(kube, { identity: id }));
        await Promise.all([a!.start(), b!.start()]);
        try {
          const items = Array.from(
            { length: 30 },
            (_, i) =>
              pod(`race-${i}`, { app: "race" }, { tolerations: [{ operator: "Exists" }] }, "10m"),
          );
          await ok(
            c,
            ["create", "-f", "-"],
            items.map((i) => stringify(i)).join("---\n"),
          );
          await waitBound(kube, "app=race", 30);
          // Both schedulers try most pods; the server's compare-and-swap lets exactly one
          // binding win (checked below through the Scheduled events: one per pod).
          assert.ok(
            a!.stats.scheduled + b!.stats.scheduled >= 30,
            JSON.stringify([a!.stats, b!.stats]),
          );
          assert.equal(a!.stats.bindErrors + b!.stats.bindErrors, 0);
        } finally {
          await a!.stop();
          await b!.stop();
        }
        const events = await kube.list("events", {
          namespace: "default",
          fieldSelector: "reason=Scheduled",
        });
        const perPod = new Map<string, number>();
        for (const e of events.items) {
          const name = (e.involvedObject as { name: string }).name;
          if (name.startsWith("race-")) {
            perPod.set(name, (perPod.get(name) ?? 0) + ((e.count as number) ?? 1));
          }
        }
        assert.equal(perPod.size, 30);
        assert.deepEqual([...new Set(perPod.values())], [1]);
      },
    );
  },
});
