/** The scheduler cache: assumed pods, confirmation, forgetting, node removal. */
import assert from "node:assert/strict";
import { podInfo } from "./node_info.ts";
import { schedulePod } from "./schedule_pod.ts";
import { buildProfile } from "./profile.ts";
import { SchedulerCache } from "./scheduler_cache.ts";
import type { Node, Pod } from "./types.ts";

const node = (name: string, cpu = "1"): Node => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name },
  status: { allocatable: { cpu, memory: "4Gi", pods: "110" } },
});
const pod = (name: string, cpu: string, nodeName?: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { containers: [{ resources: { requests: { cpu } } }], ...(nodeName ? { nodeName } : {}) },
});

Deno.test("cache: assumed pods count at once, so a burst does not over-commit a node", () => {
  const cache = new SchedulerCache();
  cache.addNode(node("n1"));
  const placed: string[] = [];
  for (const name of ["a", "b", "c"]) {
    const info = podInfo(pod(name, "400m"));
    const r = schedulePod(info, cache.nodes(), buildProfile());
    if (r.ok) {
      cache.assume(info, r.node);
      placed.push(name);
    }
  }
  assert.deepEqual(placed, ["a", "b"]); // 3 × 400m > 1 cpu
  assert.equal(cache.isAssumed("default/a"), true);
});

Deno.test("cache: the informer's bound pod confirms an assumed pod; a lost race moves it", () => {
  const cache = new SchedulerCache();
  cache.addNode(node("n1"));
  cache.addNode(node("n2"));
  cache.assume(podInfo(pod("a", "400m")), "n1");
  cache.addPod(pod("a", "400m", "n1"));
  assert.equal(cache.isAssumed("default/a"), false);
  assert.equal(cache.node("n1")!.requested.milliCPU, 400);
  cache.assume(podInfo(pod("b", "300m")), "n1");
  cache.addPod(pod("b", "300m", "n2")); // another scheduler bound it to n2
  assert.equal(cache.node("n1")!.requested.milliCPU, 400);
  assert.equal(cache.node("n2")!.requested.milliCPU, 300);
  assert.equal(cache.podCount, 2);
});

Deno.test("cache: forgetting frees the node; terminated pods free it too", () => {
  const cache = new SchedulerCache();
  cache.addNode(node("n1"));
  cache.assume(podInfo(pod("a", "600m")), "n1");
  cache.forget("default/a");
  assert.equal(cache.node("n1")!.requested.milliCPU, 0);
  cache.addPod(pod("b", "600m", "n1"));
  cache.forget("default/b"); // bound pods are not forgotten
  assert.equal(cache.node("n1")!.requested.milliCPU, 600);
  cache.updatePod({ ...pod("b", "600m", "n1"), status: { phase: "Succeeded" } });
  assert.equal(cache.node("n1")!.requested.milliCPU, 0);
});

Deno.test("cache: a removed node is no candidate; re-added, it still knows its pods", () => {
  const cache = new SchedulerCache();
  cache.addNode(node("n1", "2"));
  cache.addNode(node("n2", "2"));
  cache.addPod(pod("a", "1", "n1"));
  cache.removeNode("n1");
  assert.deepEqual(cache.nodes().map((n) => n.name), ["n2"]);
  const r = schedulePod(podInfo(pod("p", "100m")), cache.nodes(), buildProfile());
  assert.equal(r.ok && r.node, "n2");
  cache.addNode(node("n1", "2"));
  assert.equal(cache.node("n1")!.requested.milliCPU, 1000);
  cache.removePod("default/a");
  cache.removeNode("n1");
  assert.equal(cache.node("n1"), undefined);
});

Deno.test("cache: the snapshot's affinity lists follow assumed, forgotten and deleted pods", () => {
  const cache = new SchedulerCache();
  const hostname = (n: Node) => ({
    ...n,
    metadata: { ...n.metadata, labels: { "kubernetes.io/hostname": n.metadata.name } },
  });
  for (const n of ["n1", "n2"]) cache.addNode(hostname(node(n, "4")));
  const web = (name: string): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "web" } },
    spec: {
      containers: [{ resources: { requests: { cpu: "100m" } } }],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: { app: "web" } },
            topologyKey: "kubernetes.io/hostname",
          }],
        },
      },
    },
  });
  const place = (name: string) => {
    const snap = cache.snapshot();
    const info = podInfo(web(name));
    const r = schedulePod(info, snap.nodes, buildProfile(), snap);
    if (r.ok) cache.assume(info, r.node);
    return r.ok ? r.node : undefined;
  };
  const first = place("w1");
  assert.ok(first);
  assert.deepEqual(cache.snapshot().nodesWithRequiredAntiAffinity.map((n) => n.name), [first]);
  const second = place("w2");
  assert.ok(second && second !== first); // the existing pod's anti-affinity is seen
  assert.equal(place("w3"), undefined); // both hosts taken
  cache.forget("default/w1");
  assert.deepEqual(cache.snapshot().nodesWithAffinity.map((n) => n.name), [second]);
  assert.equal(place("w3"), first);
  cache.removePod("default/w2");
  cache.removePod("default/w3");
  assert.deepEqual(cache.snapshot().nodesWithAffinity, []);
});
