import assert from "node:assert/strict";
import type { Pod } from "./_objects.ts";
import {
  type LeaseObject,
  type NodeObject,
  reconcileNodeLifecycle,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
} from "./node_lifecycle_reconcile.ts";
import { parseClusterCidr, reconcileNodeIpam } from "./node_ipam_reconcile.ts";

const T0 = Date.parse("2024-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString().replace(".000Z", "Z");

function node(name: string, ready: string | undefined, taints?: NodeObject["spec"]): NodeObject {
  return {
    metadata: { name, creationTimestamp: iso(0) },
    spec: taints ?? {},
    status: ready
      ? {
        conditions: [{ type: "Ready", status: ready, lastHeartbeatTime: iso(0) }, {
          type: "MemoryPressure",
          status: "False",
        }],
      }
      : {},
  };
}
const lease = (name: string, renewed: number): LeaseObject => ({
  metadata: { name },
  spec: { renewTime: iso(renewed) },
});
function pod(name: string, nodeName: string, tolerations?: unknown[]): Pod {
  return {
    metadata: { name, namespace: "default", uid: `u-${name}` },
    spec: { nodeName, ...(tolerations ? { tolerations } : {}) },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}
const unreachable = (added: number) => ({
  taints: [{ key: TAINT_UNREACHABLE, effect: "NoSchedule" }, {
    key: TAINT_UNREACHABLE,
    effect: "NoExecute",
    timeAdded: iso(added),
  }],
});

Deno.test("reconcileNodeLifecycle() judges health by the lease and the grace period", async (t) => {
  await t.step("renewed within the grace: nothing, next check when the grace ends", () => {
    const plan = reconcileNodeLifecycle([node("n1", "True")], [lease("n1", 30)], [], at(60));
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.nextCheckMs, 10_000);
  });
  await t.step("a controller that started 10 s ago waits a full grace period first", () => {
    const opts = { watchingSinceMs: at(50).getTime() };
    const plan = reconcileNodeLifecycle([node("n1", "True")], [lease("n1", 0)], [], at(60), opts);
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.nextCheckMs, 30_000);
    const later = reconcileNodeLifecycle([node("n1", "True")], [lease("n1", 0)], [], at(90), opts);
    assert.equal(later.actions[0]?.type, "updateNodeConditions");
  });
  await t.step(
    "not renewed for 40 s: Unknown, NodeNotReady event, unreachable taints, pods not ready",
    () => {
      const plan = reconcileNodeLifecycle([node("n1", "True")], [lease("n1", 20)], [
        pod("p", "n1", [{ operator: "Exists" }]),
      ], at(60));
      const [cond, ev] = plan.actions;
      const taints = plan.actions.find((a) => a.type === "updateNodeTaints");
      const notReady = plan.actions.find((a) => a.type === "markPodNotReady");
      assert.equal(cond?.type, "updateNodeConditions");
      assert.deepEqual(
        cond?.type === "updateNodeConditions" &&
          cond.conditions.map((c) => [c.type, c.status, c.reason]),
        [["Ready", "Unknown", "NodeStatusUnknown"], [
          "MemoryPressure",
          "Unknown",
          "NodeStatusUnknown",
        ]],
      );
      assert.deepEqual(ev, {
        type: "nodeEvent",
        node: "n1",
        eventType: "Normal",
        reason: "NodeNotReady",
        message: "Node n1 status is now: NodeNotReady",
      });
      assert.deepEqual(
        taints?.type === "updateNodeTaints" && taints.taints,
        unreachable(60).taints,
      );
      assert.equal(notReady?.type, "markPodNotReady");
      assert.equal(plan.actions.length, 4, "the pod tolerates everything forever: no eviction");
    },
  );
  await t.step("configurable grace", () => {
    const plan = reconcileNodeLifecycle([node("n1", "True")], [lease("n1", 50)], [], at(60), {
      gracePeriodSeconds: 5,
    });
    assert.equal(plan.actions[0]?.type, "updateNodeConditions");
  });
  await t.step(
    "never reported: untouched within the startup grace (60 s), then NodeStatusNeverUpdated",
    () => {
      const early = reconcileNodeLifecycle([node("n1", undefined)], [], [], at(59));
      assert.deepEqual(early.actions, [], "no taints for a node that has not reported yet");
      assert.equal(early.nextCheckMs, 1000);
      const plan = reconcileNodeLifecycle([node("n1", undefined)], [], [], at(60));
      const c = plan.actions[0];
      assert.ok(c?.type === "updateNodeConditions");
      assert.equal(c.conditions.at(-1)?.reason, "NodeStatusNeverUpdated");
    },
  );
  await t.step(
    "Ready False: not-ready taints; Ready True again: taints removed, others kept",
    () => {
      const a = reconcileNodeLifecycle([node("n1", "False")], [lease("n1", 59)], [], at(60));
      assert.deepEqual(
        a.actions.map((x) =>
          x.type === "updateNodeTaints" && x.taints.map((y) => `${y.key}:${y.effect}`)
        ),
        [[
          `${TAINT_NOT_READY}:NoSchedule`,
          `${TAINT_NOT_READY}:NoExecute`,
        ]],
      );
      const other = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
      const b = reconcileNodeLifecycle(
        [node("n1", "True", { taints: [other, ...unreachable(0).taints] })],
        [lease("n1", 59)],
        [],
        at(60),
      );
      assert.deepEqual(b.actions, [{ type: "updateNodeTaints", node: "n1", taints: [other] }]);
    },
  );
});

Deno.test("reconcileNodeLifecycle() evicts pods after their toleration of the NoExecute taint", async (t) => {
  const down = node("n1", "Unknown", unreachable(100));
  const cases: {
    name: string;
    tolerations?: unknown[];
    now: number;
    evict: boolean;
    opts?: { defaultTolerationSeconds: number };
  }[] = [
    { name: "no toleration: the default 300 s, not yet", now: 399, evict: false },
    { name: "no toleration: the default 300 s, due", now: 400, evict: true },
    { name: "configured default", now: 111, evict: true, opts: { defaultTolerationSeconds: 10 } },
    {
      name: "tolerationSeconds 30",
      tolerations: [{
        key: TAINT_UNREACHABLE,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 30,
      }],
      now: 130,
      evict: true,
    },
    {
      name: "tolerated forever",
      tolerations: [{ key: TAINT_UNREACHABLE, operator: "Exists" }],
      now: 10_000,
      evict: false,
    },
    {
      name: "a toleration for another taint does not help: default",
      tolerations: [{ key: "x", operator: "Exists" }],
      now: 399,
      evict: false,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const plan = reconcileNodeLifecycle(
        [down],
        [lease("n1", 0)],
        [pod("p", "n1", c.tolerations)],
        at(c.now),
        c.opts,
      );
      const evicted = plan.actions.some((a) =>
        a.type === "evictPod" && a.name === "p" && a.uid === "u-p"
      );
      assert.equal(evicted, c.evict);
      if (!c.evict && c.name !== "tolerated forever") {
        assert.ok(plan.nextCheckMs !== undefined && plan.nextCheckMs > 0);
      }
    });
  }
  await t.step("an untolerated custom NoExecute taint evicts at once", () => {
    const n = node("n1", "True", { taints: [{ key: "maintenance", effect: "NoExecute" }] });
    const plan = reconcileNodeLifecycle([n], [lease("n1", 99)], [pod("p", "n1")], at(100));
    assert.deepEqual(plan.actions.map((a) => a.type), ["evictPod"]);
  });
});

Deno.test("reconcileNodeIpam() gives each node a free subnet of network_config and reports exhaustion", () => {
  const cidr = parseClusterCidr({ Network: "10.1.0.0/23", SubnetLen: 24 });
  const nodes: NodeObject[] = [
    { metadata: { name: "c" } },
    { metadata: { name: "a" }, spec: { podCIDR: "10.1.1.0/24" } },
    { metadata: { name: "b" } },
  ];
  assert.deepEqual(reconcileNodeIpam(nodes, cidr), [
    { type: "setPodCIDR", node: "b", podCIDR: "10.1.0.0/24" },
    { type: "cidrNotAvailable", node: "c", message: "Node c status is now: CIDRNotAvailable" },
  ]);
  assert.throws(
    () => parseClusterCidr({ Network: "10.1.0.0" }),
    /network_config\.Network: invalid value "10\.1\.0\.0"/,
  );
  assert.deepEqual(parseClusterCidr({ Network: "10.1.2.3/16" }), {
    base: 0x0a010000,
    prefix: 16,
    subnetLen: 24,
  });
});
