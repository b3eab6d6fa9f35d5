import assert from "node:assert/strict";
import type { Pod, ReplicaSet } from "./_objects.ts";
import {
  BURST_REPLICAS,
  reconcileReplicaSet,
  type ReplicaSetAction,
} from "./replica_set_reconcile.ts";

const NOW = new Date("2024-01-01T01:00:00Z");

function rs(
  replicas: number,
  extra: Partial<ReplicaSet["spec"]> = {},
  meta: Partial<ReplicaSet["metadata"]> = {},
): ReplicaSet {
  return {
    metadata: { name: "web", namespace: "default", uid: "rs-uid", generation: 2, ...meta },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web", tier: "fe" } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      },
      ...extra,
    },
  };
}

interface PodOpts {
  owner?: string | null;
  labels?: Record<string, string>;
  node?: string;
  phase?: string;
  ready?: string; // Ready lastTransitionTime when ready
  created?: string;
  restarts?: number;
  deleting?: boolean;
}

function pod(name: string, o: PodOpts = {}): Pod {
  const owner = o.owner === undefined ? "rs-uid" : o.owner;
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `uid-${name}`,
      labels: o.labels ?? { app: "web", tier: "fe" },
      creationTimestamp: o.created ?? "2024-01-01T00:00:00Z",
      ...(owner
        ? {
          ownerReferences: [{
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: "x",
            uid: owner,
            controller: true,
          }],
        }
        : {}),
      ...(o.deleting ? { deletionTimestamp: "2024-01-01T00:59:00Z" } : {}),
    },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? "Running",
      conditions: o.ready ? [{ type: "Ready", status: "True", lastTransitionTime: o.ready }] : [],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

function ofType<T extends ReplicaSetAction["type"]>(
  actions: ReplicaSetAction[],
  t: T,
): Extract<ReplicaSetAction, { type: T }>[] {
  return actions.filter((a): a is Extract<ReplicaSetAction, { type: T }> => a.type === t);
}

Deno.test("reconcileReplicaSet() creates the missing pods from the template with a controller owner reference", () => {
  const actions = reconcileReplicaSet(rs(3), {
    pods: [pod("a", { node: "n1", ready: "2024-01-01T00:00:00Z" })],
    expectationsSatisfied: true,
  }, NOW);
  const [create] = ofType(actions, "createPods");
  assert.ok(create);
  assert.equal(create.count, 2);
  assert.equal(create.pod.metadata.generateName, "web-");
  assert.equal(create.pod.metadata.name, undefined);
  assert.equal(create.pod.metadata.namespace, "default");
  assert.deepEqual(create.pod.metadata.labels, { app: "web", tier: "fe" });
  assert.deepEqual(create.pod.metadata.ownerReferences, [
    {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: "web",
      uid: "rs-uid",
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(create.pod.spec, { containers: [{ name: "c", image: "nginx" }] });
});

Deno.test("reconcileReplicaSet() acts on pod counts only when expectations are satisfied", async (t) => {
  const cases: {
    name: string;
    replicas: number;
    pods: Pod[];
    satisfied: boolean;
    create?: number;
    del?: string[];
  }[] = [
    { name: "unsatisfied: no create", replicas: 3, pods: [], satisfied: false },
    { name: "unsatisfied: no delete", replicas: 0, pods: [pod("a")], satisfied: false },
    { name: "satisfied: create", replicas: 2, pods: [], satisfied: true, create: 2 },
    { name: "equal: nothing", replicas: 1, pods: [pod("a")], satisfied: true },
    {
      name: "failed and deleting pods do not count",
      replicas: 2,
      pods: [pod("a", { phase: "Failed" }), pod("b", { deleting: true }), pod("c")],
      satisfied: true,
      create: 1,
    },
    { name: "burst cap", replicas: 2000, pods: [], satisfied: true, create: BURST_REPLICAS },
    {
      name: "negative replicas read as 0",
      replicas: -1,
      pods: [pod("a")],
      satisfied: true,
      del: ["a"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const actions = reconcileReplicaSet(rs(c.replicas), {
        pods: c.pods,
        expectationsSatisfied: c.satisfied,
      }, NOW);
      assert.equal(ofType(actions, "createPods")[0]?.count, c.create);
      assert.deepEqual(ofType(actions, "deletePods")[0]?.pods.map((p) => p.name), c.del);
    });
  }
});

Deno.test("reconcileReplicaSet() deletes surplus pods in Kubernetes' ranking order", async (t) => {
  const cases: { name: string; pods: Pod[]; first: string }[] = [
    {
      name: "unscheduled before scheduled",
      pods: [pod("sched", { node: "n1" }), pod("unsched", { phase: "Pending" })],
      first: "unsched",
    },
    {
      name: "pending before unknown before running",
      pods: [
        pod("run", { node: "n1" }),
        pod("unk", { node: "n1", phase: "Unknown" }),
        pod("pend", { node: "n1", phase: "Pending" }),
      ],
      first: "pend",
    },
    {
      name: "not ready before ready",
      pods: [
        pod("ready", { node: "n1", ready: "2024-01-01T00:00:00Z" }),
        pod("notready", { node: "n2" }),
      ],
      first: "notready",
    },
    {
      name: "doubled-up node first",
      pods: [
        pod("alone", { node: "n1" }),
        pod("pair1", { node: "n2", created: "2024-01-01T00:00:00Z" }),
        pod("pair2", { node: "n2", created: "2024-01-01T00:00:00Z" }),
      ],
      first: "pair1",
    },
    {
      name: "ready for a shorter time first",
      pods: [
        pod("old", { node: "n1", ready: "2023-12-01T00:00:00Z" }),
        pod("new", { node: "n2", ready: "2024-01-01T00:59:00Z" }),
      ],
      first: "new",
    },
    {
      name: "more restarts first",
      pods: [pod("calm", { node: "n1" }), pod("crashy", { node: "n2", restarts: 5 })],
      first: "crashy",
    },
    {
      name: "newer first",
      pods: [
        pod("older", { node: "n1", created: "2023-06-01T00:00:00Z" }),
        pod("newer", { node: "n2", created: "2024-01-01T00:59:50Z" }),
      ],
      first: "newer",
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const actions = reconcileReplicaSet(rs(c.pods.length - 1), {
        pods: c.pods,
        expectationsSatisfied: true,
      }, NOW);
      assert.deepEqual(ofType(actions, "deletePods")[0]?.pods.map((p) => p.name), [c.first]);
    });
  }
});

Deno.test("reconcileReplicaSet() adopts matching orphans, releases non-matching pods, ignores other controllers' pods", () => {
  const pods = [
    pod("orphan", { owner: null }),
    pod("orphan-other-labels", { owner: null, labels: { app: "db" } }),
    pod("mine-relabelled", { labels: { app: "other" } }),
    pod("someone-elses", { owner: "other-uid" }),
    pod("orphan-deleting", { owner: null, deleting: true }),
    pod("mine"),
  ];
  const actions = reconcileReplicaSet(rs(2), { pods, expectationsSatisfied: true }, NOW);
  assert.deepEqual(ofType(actions, "adoptPod").map((a) => a.name), ["orphan"]);
  assert.equal(ofType(actions, "adoptPod")[0]?.ownerReference.uid, "rs-uid");
  assert.deepEqual(ofType(actions, "releasePod").map((a) => a.name), ["mine-relabelled"]);
  assert.equal(ofType(actions, "createPods").length, 0, "orphan + mine make 2");
  assert.equal(ofType(actions, "deletePods").length, 0);
});

Deno.test("reconcileReplicaSet() being deleted neither adopts nor creates, but still reports status", () => {
  const actions = reconcileReplicaSet(
    rs(3, {}, { deletionTimestamp: "2024-01-01T00:00:00Z" }),
    { pods: [pod("orphan", { owner: null }), pod("mine")], expectationsSatisfied: true },
    NOW,
  );
  assert.deepEqual(actions.map((a) => a.type), ["updateStatus"]);
});

Deno.test("reconcileReplicaSet() status counts replicas, fully labeled, ready and available (minReadySeconds) pods", () => {
  const pods = [
    pod("a", { node: "n1", ready: "2024-01-01T00:59:55Z" }), // ready 5 s: not available with minReadySeconds 10
    pod("b", { node: "n1", ready: "2024-01-01T00:00:00Z" }),
    pod("c", { node: "n1", labels: { app: "web" } }), // not fully labeled
    pod("d", { node: "n1", phase: "Succeeded" }), // inactive
  ];
  const actions = reconcileReplicaSet(rs(3, { minReadySeconds: 10 }), {
    pods,
    expectationsSatisfied: true,
  }, NOW);
  const [s] = ofType(actions, "updateStatus");
  assert.deepEqual(s?.status, {
    replicas: 3,
    fullyLabeledReplicas: 2,
    readyReplicas: 2,
    availableReplicas: 1,
    observedGeneration: 2,
  });
  const again = reconcileReplicaSet(
    { ...rs(3, { minReadySeconds: 10 }), status: s!.status },
    { pods, expectationsSatisfied: true },
    NOW,
  );
  assert.equal(ofType(again, "updateStatus").length, 0, "an unchanged status is not written");
});

Deno.test("reconcileReplicaSet() sets and clears the ReplicaFailure condition from the last error", () => {
  const failed = reconcileReplicaSet(rs(1), {
    pods: [],
    expectationsSatisfied: true,
    lastError: { reason: "FailedCreate", message: 'pods "web-" is forbidden: exceeded quota' },
  }, NOW);
  const cond = ofType(failed, "updateStatus")[0]?.status.conditions?.[0];
  assert.equal(cond?.type, "ReplicaFailure");
  assert.equal(cond?.reason, "FailedCreate");
  assert.equal(cond?.status, "True");
  const cleared = reconcileReplicaSet(
    { ...rs(1), status: { replicas: 0, observedGeneration: 2, conditions: [cond!] } },
    { pods: [pod("a")], expectationsSatisfied: true },
    NOW,
  );
  assert.equal(ofType(cleared, "updateStatus")[0]?.status.conditions, undefined);
});
