import assert from "node:assert/strict";
import type { Pod } from "./_objects.ts";
import type { NodeObject } from "./node_lifecycle_reconcile.ts";
import {
  failedPodStatus,
  ORPHANED_POD_CONDITION,
  planOrphanedPods,
  planPodGc,
  type PodGcAction,
  TAINT_OUT_OF_SERVICE,
} from "./pod_gc_reconcile.ts";

const T0 = Date.parse("2024-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString().replace(".000Z", "Z");

interface PodOpts {
  node?: string;
  phase?: string;
  reason?: string;
  created?: number;
  deleting?: boolean;
}
function pod(name: string, o: PodOpts = {}): Pod {
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `u-${name}`,
      creationTimestamp: iso(o.created ?? 0),
      ...(o.deleting ? { deletionTimestamp: iso(100) } : {}),
    },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? "Running",
      ...(o.reason ? { reason: o.reason } : {}),
      conditions: [{ type: "Ready", status: "True" }],
    },
  };
}
function node(name: string, ready = "True", taintKeys: string[] = []): NodeObject {
  return {
    metadata: { name },
    spec: { taints: taintKeys.map((key) => ({ key, effect: "NoExecute" })) },
    status: { conditions: [{ type: "Ready", status: ready }] },
  };
}
const summary = (actions: PodGcAction[]) =>
  actions.map((a) =>
    a.type === "deletePod"
      ? `${a.reason} ${a.name}${a.status ? ` → ${a.status.phase}` : ""}`
      : `check ${a.node}`
  );

Deno.test("planPodGc() deletes terminated pods beyond the threshold, evicted then oldest first", async (t) => {
  const pods = [
    pod("new-ok", { node: "n1", phase: "Succeeded", created: 30 }),
    pod("old-ok", { node: "n1", phase: "Succeeded", created: 10 }),
    pod("old-fail", { node: "n1", phase: "Failed", created: 10 }),
    pod("evicted", { node: "n1", phase: "Failed", reason: "Evicted", created: 50 }),
    pod("running", { node: "n1", created: 0 }),
    pod("pending", { node: "n1", phase: "Pending", created: 0 }),
  ];
  const cases: { name: string; threshold: number; want: string[] }[] = [
    { name: "under the threshold: nothing", threshold: 4, want: [] },
    { name: "one over: the evicted pod first", threshold: 3, want: ["terminated evicted"] },
    {
      name: "two over: then the oldest, ties broken by name",
      threshold: 2,
      want: ["terminated evicted", "terminated old-fail"],
    },
    {
      name: "threshold 1 keeps the newest",
      threshold: 1,
      want: ["terminated evicted", "terminated old-fail", "terminated old-ok"],
    },
    { name: "threshold 0 disables the terminated GC", threshold: 0, want: [] },
    { name: "negative disables too", threshold: -1, want: [] },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const plan = planPodGc(pods, [node("n1")], new Map(), at(60), {
        terminatedPodGcThreshold: c.threshold,
      });
      assert.deepEqual(summary(plan.actions), c.want);
      assert.equal(plan.terminatedCount, 4);
    });
  }
  await t.step("the default threshold is 12500", () => {
    const many = Array.from(
      { length: 12501 },
      (_, i) => pod(`p${i}`, { node: "n1", phase: "Succeeded", created: i }),
    );
    assert.deepEqual(summary(planPodGc(many, [node("n1")], new Map(), at(0)).actions), [
      "terminated p0",
    ]);
  });
});

Deno.test("planPodGc() deletes terminating pods on a NotReady out-of-service node (gcTerminating)", async (t) => {
  const cases: { name: string; node: NodeObject; deleting: boolean; want: string[] }[] = [
    {
      name: "NotReady + out-of-service + terminating: marked Failed and deleted",
      node: node("n1", "False", [TAINT_OUT_OF_SERVICE]),
      deleting: true,
      want: ["terminating-out-of-service p → Failed"],
    },
    {
      name: "Unknown counts as not ready",
      node: node("n1", "Unknown", [TAINT_OUT_OF_SERVICE, "node.kubernetes.io/unreachable"]),
      deleting: true,
      want: ["terminating-out-of-service p → Failed"],
    },
    {
      name: "a Ready node keeps its terminating pods (its kubelet finishes them)",
      node: node("n1", "True", [TAINT_OUT_OF_SERVICE]),
      deleting: true,
      want: [],
    },
    {
      name: "no out-of-service taint: left to the kubelet",
      node: node("n1", "False", ["node.kubernetes.io/unreachable"]),
      deleting: true,
      want: [],
    },
    {
      name: "not terminating: left alone",
      node: node("n1", "False", [TAINT_OUT_OF_SERVICE]),
      deleting: false,
      want: [],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const plan = planPodGc(
        [pod("p", { node: "n1", deleting: c.deleting })],
        [c.node],
        new Map(),
        at(0),
      );
      assert.deepEqual(summary(plan.actions), c.want);
    });
  }
  await t.step("a terminal terminating pod keeps its phase (no status write)", () => {
    const p = pod("p", { node: "n1", deleting: true, phase: "Succeeded" });
    const [a] = planPodGc([p], [node("n1", "False", [TAINT_OUT_OF_SERVICE])], new Map(), at(0))
      .actions;
    assert.equal(a?.type === "deletePod" && a.status, undefined);
  });
});

Deno.test("planPodGc() quarantines missing nodes before asking for a live check (gcOrphaned)", async (t) => {
  const pods = [pod("a", { node: "gone" }), pod("b", { node: "gone" }), pod("c", { node: "n1" })];
  await t.step("first seen missing: quarantined, next check at its end", () => {
    const plan = planPodGc(pods, [node("n1")], new Map(), at(0), { quarantineMs: 5000 });
    assert.deepEqual(plan.actions, []);
    assert.deepEqual([...plan.missingSince], [["gone", at(0).getTime()]]);
    assert.equal(plan.nextCheckMs, 5000);
  });
  await t.step("during the quarantine the first-seen time is kept", () => {
    const since = new Map([["gone", at(0).getTime()]]);
    const plan = planPodGc(pods, [node("n1")], since, at(3), { quarantineMs: 5000 });
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.nextCheckMs, 2000);
    assert.equal(plan.missingSince.get("gone"), at(0).getTime());
  });
  await t.step("quarantine over: one check per node, not per pod", () => {
    const since = new Map([["gone", at(0).getTime()]]);
    const plan = planPodGc(pods, [node("n1")], since, at(5), { quarantineMs: 5000 });
    assert.deepEqual(plan.actions, [{ type: "confirmNodeGone", node: "gone" }]);
    assert.equal(plan.nextCheckMs, undefined);
  });
  await t.step("default quarantine is 40 s", () => {
    const since = new Map([["gone", at(0).getTime()]]);
    assert.deepEqual(planPodGc(pods, [], since, at(39), {}).nextCheckMs, 1000);
    assert.equal(planPodGc(pods, [node("n1")], since, at(40)).actions.length, 1);
  });
  await t.step("a node that shows up leaves the quarantine", () => {
    const since = new Map([["gone", at(0).getTime()]]);
    const plan = planPodGc(pods, [node("n1"), node("gone")], since, at(60));
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.missingSince.size, 0);
  });
  await t.step("a node no pod names any more leaves the quarantine", () => {
    const since = new Map([["gone", at(0).getTime()]]);
    const plan = planPodGc([pod("c", { node: "n1" })], [node("n1")], since, at(60));
    assert.equal(plan.missingSince.size, 0);
  });
  await t.step("unbound pods never count as orphans", () => {
    const plan = planPodGc([pod("u", { phase: "Pending" })], [], new Map(), at(0));
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.missingSince.size, 0);
  });
});

Deno.test("planOrphanedPods() marks pods of a gone node Failed with DisruptionTarget, then deletes them", async (t) => {
  const pods = [
    pod("a", { node: "gone" }),
    pod("done", { node: "gone", phase: "Succeeded" }),
    pod("c", { node: "n1" }),
  ];
  const actions = planOrphanedPods(pods, new Set(["gone"]), at(7));
  await t.step("only the gone node's pods", () => {
    assert.deepEqual(summary(actions), ["orphaned a → Failed", "orphaned done"]);
  });
  await t.step("the condition as upstream writes it", () => {
    const a = actions[0];
    assert.ok(a?.type === "deletePod");
    assert.equal(a.uid, "u-a");
    assert.deepEqual(a.status?.conditions, [
      { type: "Ready", status: "True" },
      {
        type: "DisruptionTarget",
        status: "True",
        reason: "DeletionByPodGC",
        message: "PodGC: node no longer exists",
        lastProbeTime: null,
        lastTransitionTime: iso(7),
      },
    ]);
  });
});

Deno.test("planPodGc() deletes unscheduled terminating pods at once (gcUnscheduledTerminating)", () => {
  const pods = [
    pod("unsched-deleting", { phase: "Pending", deleting: true }),
    pod("unsched", { phase: "Pending" }),
    pod("bound-deleting", { node: "n1", deleting: true }),
  ];
  assert.deepEqual(summary(planPodGc(pods, [node("n1")], new Map(), at(0)).actions), [
    "terminating-unscheduled unsched-deleting → Failed",
  ]);
});

Deno.test("planPodGc() gives each pod one action, in upstream's order", () => {
  const pods = [
    // terminated and terminating on an out-of-service node: counted as terminated first
    pod("t1", { node: "oos", phase: "Failed", deleting: true, created: 1 }),
    pod("t2", { node: "oos", phase: "Failed", created: 2 }),
    pod("oos-deleting", { node: "oos", deleting: true }),
    pod("orphan", { node: "gone" }),
    pod("unsched", { phase: "Pending", deleting: true }),
  ];
  const plan = planPodGc(
    pods,
    [node("oos", "False", [TAINT_OUT_OF_SERVICE])],
    new Map([["gone", 0]]),
    at(100),
    { terminatedPodGcThreshold: 1 },
  );
  assert.deepEqual(summary(plan.actions), [
    "terminated t1",
    "terminating-out-of-service oos-deleting → Failed",
    "check gone",
    "terminating-unscheduled unsched → Failed",
  ]);
});

Deno.test("failedPodStatus() updates a condition as UpdatePodCondition does", async (t) => {
  const withCond = (status: string, since: string): Pod => ({
    metadata: {},
    status: {
      phase: "Running",
      conditions: [{ type: "DisruptionTarget", status, lastTransitionTime: since }],
    },
  });
  await t.step("same status: lastTransitionTime kept", () => {
    const s = failedPodStatus(withCond("True", iso(1)), ORPHANED_POD_CONDITION, at(9));
    assert.equal(s?.conditions?.[0]?.lastTransitionTime, iso(1));
    assert.equal(s?.conditions?.[0]?.reason, "DeletionByPodGC");
    assert.equal(s?.conditions?.length, 1);
  });
  await t.step("changed status: lastTransitionTime now", () => {
    const s = failedPodStatus(withCond("False", iso(1)), ORPHANED_POD_CONDITION, at(9));
    assert.equal(s?.conditions?.[0]?.lastTransitionTime, iso(9));
    assert.equal(s?.conditions?.[0]?.status, "True");
  });
  await t.step("no condition: only the phase changes, other fields kept", () => {
    const p: Pod = { metadata: {}, status: { phase: "Pending", podIP: "10.0.0.1" } };
    assert.deepEqual(failedPodStatus(p, undefined, at(0)), { phase: "Failed", podIP: "10.0.0.1" });
  });
  await t.step("terminal pods are left as they are", () => {
    for (const phase of ["Succeeded", "Failed"]) {
      assert.equal(
        failedPodStatus({ metadata: {}, status: { phase } }, undefined, at(0)),
        undefined,
      );
    }
  });
});
