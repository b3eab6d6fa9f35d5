import assert from "node:assert/strict";
import type { Deployment, Pod, ReplicaSet } from "./_objects.ts";
import {
  type DeploymentAction,
  DESIRED_REPLICAS,
  equalIgnoreHash,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  reconcileDeployment,
  REVISION,
  REVISION_HISTORY,
} from "./deployment_reconcile.ts";
import { podTemplateHash } from "./pod_template_hash.ts";

const NOW = new Date("2024-01-01T01:00:00Z");
const T = (image: string) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "c", image }] },
});

function deploy(
  replicas: number,
  image: string,
  spec: Partial<Deployment["spec"]> = {},
  status: Deployment["status"] = {},
): Deployment {
  return {
    metadata: { name: "web", namespace: "default", uid: "d-uid", generation: 1, annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: T(image),
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" },
      },
      ...spec,
    },
    status,
  };
}

/** A ReplicaSet of the deployment as the controller would have made it. */
function ownedRS(
  image: string,
  o: {
    replicas: number;
    available?: number;
    revision: number;
    desired?: number;
    max?: number;
    created?: string;
  },
): ReplicaSet {
  const hash = podTemplateHash(T(image));
  const template = T(image);
  template.metadata.labels = { ...template.metadata.labels, [POD_TEMPLATE_HASH]: hash } as {
    app: string;
  };
  const annotations: Record<string, string> = { [REVISION]: String(o.revision) };
  if (o.desired !== undefined) annotations[DESIRED_REPLICAS] = String(o.desired);
  if (o.max !== undefined) annotations[MAX_REPLICAS] = String(o.max);
  return {
    metadata: {
      name: `web-${hash}`,
      namespace: "default",
      uid: `rs-${image}`,
      generation: 1,
      creationTimestamp: o.created ?? `2024-01-01T00:0${o.revision}:00Z`,
      labels: { app: "web", [POD_TEMPLATE_HASH]: hash },
      annotations,
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "web",
        uid: "d-uid",
        controller: true,
      }],
    },
    spec: {
      replicas: o.replicas,
      minReadySeconds: 0,
      selector: { matchLabels: { app: "web", [POD_TEMPLATE_HASH]: hash } },
      template,
    },
    status: {
      replicas: o.replicas,
      readyReplicas: o.available ?? o.replicas,
      availableReplicas: o.available ?? o.replicas,
      observedGeneration: 1,
    },
  };
}

function ofType<K extends DeploymentAction["type"]>(
  actions: DeploymentAction[],
  t: K,
): Extract<DeploymentAction, { type: K }>[] {
  return actions.filter((a): a is Extract<DeploymentAction, { type: K }> => a.type === t);
}
const scales = (actions: DeploymentAction[]) =>
  ofType(actions, "updateReplicaSet").map((
    a,
  ) => [a.replicaSet.metadata.name, a.replicaSet.spec.replicas]);
const events = (actions: DeploymentAction[]) =>
  ofType(actions, "event").map((e) => `${e.reason}: ${e.message}`);
const cond = (actions: DeploymentAction[], type: string) =>
  ofType(actions, "updateStatus")[0]?.status.conditions?.find((c) => c.type === type);

Deno.test("reconcileDeployment() creates <name>-<pod-template-hash> with revision 1, labels, selector and events", () => {
  const actions = reconcileDeployment(deploy(3, "nginx:1"), { replicaSets: [], pods: [] }, NOW);
  const [c] = ofType(actions, "createReplicaSet");
  const hash = podTemplateHash(T("nginx:1"));
  assert.ok(c);
  const rs = c.replicaSet;
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.spec.replicas, 3);
  assert.deepEqual(rs.metadata.labels, { app: "web", [POD_TEMPLATE_HASH]: hash });
  assert.deepEqual(rs.spec.selector, { matchLabels: { app: "web", [POD_TEMPLATE_HASH]: hash } });
  assert.deepEqual(rs.spec.template?.metadata?.labels, { app: "web", [POD_TEMPLATE_HASH]: hash });
  assert.deepEqual(rs.metadata.annotations, {
    [REVISION]: "1",
    [DESIRED_REPLICAS]: "3",
    [MAX_REPLICAS]: "4",
  });
  assert.equal(rs.metadata.ownerReferences?.[0]?.controller, true);
  assert.equal(rs.metadata.ownerReferences?.[0]?.blockOwnerDeletion, true);
  assert.deepEqual(events(actions), [
    `ScalingReplicaSet: Scaled up replica set web-${hash} from 0 to 3`,
  ]);
  assert.deepEqual(ofType(actions, "patchDeploymentAnnotations")[0]?.annotations, {
    [REVISION]: "1",
  });
  const p = cond(actions, "Progressing");
  assert.equal(p?.reason, "NewReplicaSetCreated");
  assert.equal(p?.message, `Created new replica set "web-${hash}"`);
  assert.equal(cond(actions, "Available")?.reason, "MinimumReplicasUnavailable");
});

Deno.test("reconcileDeployment() rolls out with maxUnavailable 0 without dropping available pods", async (t) => {
  const spec = {
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  };
  const oldRS = (replicas: number, available = replicas) =>
    ownedRS("nginx:1", { replicas, available, revision: 1, desired: 3, max: 4 });
  const newRS = (replicas: number, available: number) =>
    ownedRS("nginx:2", { replicas, available, revision: 2, desired: 3, max: 4 });
  await t.step("first: the new RS gets 1 (surge), the old keeps 3", () => {
    const a = reconcileDeployment(
      deploy(3, "nginx:2", spec),
      { replicaSets: [oldRS(3)], pods: [] },
      NOW,
    );
    assert.equal(ofType(a, "createReplicaSet")[0]?.replicaSet.spec.replicas, 1);
    assert.deepEqual(scales(a), []);
  });
  await t.step("new pod not yet available: nothing scales down", () => {
    const a = reconcileDeployment(deploy(3, "nginx:2", spec), {
      replicaSets: [oldRS(3), newRS(1, 0)],
      pods: [],
    }, NOW);
    assert.deepEqual(scales(a), []);
  });
  await t.step("new pod available: old RS down to 2", () => {
    const a = reconcileDeployment(deploy(3, "nginx:2", spec), {
      replicaSets: [oldRS(3), newRS(1, 1)],
      pods: [],
    }, NOW);
    assert.deepEqual(scales(a), [[oldRS(0).metadata.name, 2]]);
    assert.deepEqual(events(a), [
      `ScalingReplicaSet: Scaled down replica set ${oldRS(0).metadata.name} from 3 to 2`,
    ]);
  });
  await t.step("then the new RS up to 2", () => {
    const a = reconcileDeployment(deploy(3, "nginx:2", spec), {
      replicaSets: [oldRS(2), newRS(1, 1)],
      pods: [],
    }, NOW);
    assert.deepEqual(scales(a), [[newRS(0, 0).metadata.name, 2]]);
  });
});

Deno.test("reconcileDeployment() rounds percentages as Kubernetes: surge up, unavailable down", () => {
  // replicas 10, 25%: maxSurge ceil(2.5) = 3, maxUnavailable floor(2.5) = 2
  const old = ownedRS("nginx:1", { replicas: 10, revision: 1, desired: 10, max: 13 });
  const a = reconcileDeployment(deploy(10, "nginx:2"), { replicaSets: [old], pods: [] }, NOW);
  assert.equal(ofType(a, "createReplicaSet")[0]?.replicaSet.spec.replicas, 3);
  // same pass: 13 - 8 min available - 3 new unavailable = 2 may go; all old available → old to 8
  assert.deepEqual(scales(a), [[old.metadata.name, 8]]);
});

Deno.test("reconcileDeployment() Recreate scales old to 0, waits for old pods, then creates the new RS at full size", async (t) => {
  const spec = { strategy: { type: "Recreate" } };
  const old = (replicas: number, statusReplicas = replicas) => {
    const rs = ownedRS("nginx:1", { replicas, revision: 1, desired: 3, max: 3 });
    rs.status!.replicas = statusReplicas;
    return rs;
  };
  const oldPod: Pod = {
    metadata: {
      name: "p",
      namespace: "default",
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "x",
        uid: "rs-nginx:1",
        controller: true,
      }],
    },
    status: { phase: "Running" },
  };
  await t.step("old RS scaled to 0, no new RS", () => {
    const a = reconcileDeployment(deploy(3, "nginx:2", spec), {
      replicaSets: [old(3)],
      pods: [oldPod],
    }, NOW);
    assert.deepEqual(scales(a), [[old(0).metadata.name, 0]]);
    assert.equal(ofType(a, "createReplicaSet").length, 0);
  });
  await t.step("old pod still running: wait", () => {
    const a = reconcileDeployment(deploy(3, "nginx:2", spec), {
      replicaSets: [old(0, 0)],
      pods: [oldPod],
    }, NOW);
    assert.equal(ofType(a, "createReplicaSet").length, 0);
  });
  await t.step("old pods gone: the new RS with 3", () => {
    const a = reconcileDeployment(deploy(3, "nginx:2", spec), {
      replicaSets: [old(0, 0)],
      pods: [],
    }, NOW);
    assert.equal(ofType(a, "createReplicaSet")[0]?.replicaSet.spec.replicas, 3);
    assert.equal(
      ofType(a, "createReplicaSet")[0]?.replicaSet.metadata.annotations?.[REVISION],
      "2",
    );
  });
});

Deno.test("reconcileDeployment() after rollout undo makes the old RS new again with the next revision", () => {
  // template is back to nginx:1 (kubectl rollout undo copies revision 1's template)
  const rs1 = ownedRS("nginx:1", { replicas: 0, revision: 1, desired: 3, max: 4 });
  const rs2 = ownedRS("nginx:2", { replicas: 3, revision: 2, desired: 3, max: 4 });
  const d = deploy(3, "nginx:1");
  d.metadata.annotations = { [REVISION]: "2" };
  const a = reconcileDeployment(d, { replicaSets: [rs1, rs2], pods: [] }, NOW);
  assert.equal(ofType(a, "createReplicaSet").length, 0);
  const up = ofType(a, "updateReplicaSet").find((u) =>
    u.replicaSet.metadata.name === rs1.metadata.name
  );
  assert.equal(up?.replicaSet.metadata.annotations?.[REVISION], "3");
  assert.equal(up?.replicaSet.metadata.annotations?.[REVISION_HISTORY], "1");
  assert.equal(up?.replicaSet.spec.replicas, 1, "scaled up by maxSurge");
  assert.deepEqual(ofType(a, "patchDeploymentAnnotations")[0]?.annotations, { [REVISION]: "3" });
});

Deno.test("reconcileDeployment() scales a settled Deployment's only RS on a replicas change", () => {
  const rs = ownedRS("nginx:1", { replicas: 3, revision: 1, desired: 3, max: 4 });
  const a = reconcileDeployment(deploy(5, "nginx:1"), { replicaSets: [rs], pods: [] }, NOW);
  assert.deepEqual(scales(a), [[rs.metadata.name, 5]]);
  const up = ofType(a, "updateReplicaSet")[0]?.replicaSet;
  assert.equal(up?.metadata.annotations?.[DESIRED_REPLICAS], "5");
  assert.equal(up?.metadata.annotations?.[MAX_REPLICAS], "7");
  assert.deepEqual(events(a), [
    `ScalingReplicaSet: Scaled up replica set ${rs.metadata.name} from 3 to 5`,
  ]);
});

Deno.test("reconcileDeployment() scales proportionally during a rollout", () => {
  // 10 replicas, surge 3: old 8 + new 5 = 13. Scale to 15 (surge 4): 19 allowed, 6 to add.
  const old = ownedRS("nginx:1", { replicas: 8, revision: 1, desired: 10, max: 13 });
  const neu = ownedRS("nginx:2", { replicas: 5, available: 0, revision: 2, desired: 10, max: 13 });
  const a = reconcileDeployment(deploy(15, "nginx:2"), { replicaSets: [old, neu], pods: [] }, NOW);
  // old: round(8*19/13)=12 (+4), new: round(5*19/13)=7 (+2)
  assert.deepEqual(scales(a), [[old.metadata.name, 12], [neu.metadata.name, 7]]);
});

Deno.test("reconcileDeployment() paused: no new RS for a changed template, Progressing Unknown DeploymentPaused", () => {
  const rs = ownedRS("nginx:1", { replicas: 3, revision: 1, desired: 3, max: 4 });
  const a = reconcileDeployment(deploy(3, "nginx:2", { paused: true }), {
    replicaSets: [rs],
    pods: [],
  }, NOW);
  assert.equal(ofType(a, "createReplicaSet").length, 0);
  const p = cond(a, "Progressing");
  assert.equal(p?.status, "Unknown");
  assert.equal(p?.reason, "DeploymentPaused");
  assert.equal(p?.message, "Deployment is paused");
});

Deno.test("reconcileDeployment() complete: NewReplicaSetAvailable, Available, and old RSs beyond revisionHistoryLimit deleted", () => {
  const olds = [1, 2, 3].map((r) =>
    ownedRS(`nginx:${r}`, { replicas: 0, revision: r, desired: 3, max: 4 })
  );
  const cur = ownedRS("nginx:4", { replicas: 3, revision: 4, desired: 3, max: 4 });
  const d = deploy(3, "nginx:4", { revisionHistoryLimit: 1 }, {
    observedGeneration: 1,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 2,
    availableReplicas: 3,
    conditions: [{
      type: "Progressing",
      status: "True",
      reason: "ReplicaSetUpdated",
      lastUpdateTime: "2024-01-01T00:59:00Z",
      lastTransitionTime: "2024-01-01T00:50:00Z",
    }],
  });
  d.metadata.annotations = { [REVISION]: "4" };
  const a = reconcileDeployment(d, { replicaSets: [...olds, cur], pods: [] }, NOW);
  assert.deepEqual(ofType(a, "deleteReplicaSet").map((x) => x.name), [
    olds[0]!.metadata.name,
    olds[1]!.metadata.name,
  ]);
  const p = cond(a, "Progressing");
  assert.equal(p?.reason, "NewReplicaSetAvailable");
  assert.equal(p?.message, `ReplicaSet "${cur.metadata.name}" has successfully progressed.`);
  assert.equal(p?.lastTransitionTime, "2024-01-01T00:50:00Z", "status stayed True");
  assert.equal(cond(a, "Available")?.reason, "MinimumReplicasAvailable");
});

Deno.test("reconcileDeployment() reports ProgressDeadlineExceeded when nothing progressed within the deadline", () => {
  const old = ownedRS("nginx:1", { replicas: 3, revision: 1, desired: 3, max: 4 });
  const neu = ownedRS("nginx:2", { replicas: 1, available: 0, revision: 2, desired: 3, max: 4 });
  neu.status!.readyReplicas = 0;
  const status = {
    observedGeneration: 1,
    replicas: 4,
    updatedReplicas: 1,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [{
      type: "Progressing",
      status: "True",
      reason: "ReplicaSetUpdated",
      lastUpdateTime: "2024-01-01T00:49:00Z",
      lastTransitionTime: "2024-01-01T00:49:00Z",
    }],
  };
  const spec = {
    progressDeadlineSeconds: 600,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  };
  const a = reconcileDeployment(deploy(3, "nginx:2", spec, status), {
    replicaSets: [old, neu],
    pods: [],
  }, NOW);
  const p = cond(a, "Progressing");
  assert.equal(p?.status, "False");
  assert.equal(p?.reason, "ProgressDeadlineExceeded");
  assert.equal(p?.message, `ReplicaSet "${neu.metadata.name}" has timed out progressing.`);
  const early = reconcileDeployment(deploy(3, "nginx:2", spec, status), {
    replicaSets: [old, neu],
    pods: [],
  }, new Date("2024-01-01T00:58:00Z"));
  assert.equal(cond(early, "Progressing")?.reason, "ReplicaSetUpdated", "within the deadline");
});

Deno.test("reconcileDeployment() adopts a matching orphan RS, releases a non-matching one, warns on an empty selector", () => {
  const orphan = ownedRS("nginx:1", { replicas: 3, revision: 1, desired: 3, max: 4 });
  orphan.metadata.ownerReferences = [];
  const relabelled = ownedRS("nginx:0", { replicas: 0, revision: 1 });
  relabelled.metadata.labels = { app: "other" };
  const a = reconcileDeployment(deploy(3, "nginx:1"), {
    replicaSets: [orphan, relabelled],
    pods: [],
  }, NOW);
  assert.deepEqual(ofType(a, "adoptReplicaSet").map((x) => x.name), [orphan.metadata.name]);
  assert.deepEqual(ofType(a, "releaseReplicaSet").map((x) => x.name), [relabelled.metadata.name]);
  assert.equal(ofType(a, "createReplicaSet").length, 0, "the adopted RS is the new one");
  const w = reconcileDeployment(deploy(3, "nginx:1", { selector: {} }), {
    replicaSets: [],
    pods: [],
  }, NOW);
  assert.deepEqual(events(w), [
    "SelectorRequired: This deployment is selecting all pods. A non-empty selector is required.",
  ]);
  assert.equal(ofType(w, "createReplicaSet").length, 0);
});

Deno.test("equalIgnoreHash() and podTemplateHash(): the hash label does not count, the template does", () => {
  const a = T("nginx:1");
  const b = {
    metadata: { labels: { app: "web", [POD_TEMPLATE_HASH]: "x" } },
    spec: { containers: [{ image: "nginx:1", name: "c" }] },
  };
  assert.equal(equalIgnoreHash(a, b), true);
  assert.equal(equalIgnoreHash(a, T("nginx:2")), false);
  assert.notEqual(podTemplateHash(T("nginx:1")), podTemplateHash(T("nginx:2")));
  assert.equal(
    podTemplateHash({ b: 1, a: 2 }),
    podTemplateHash({ a: 2, b: 1 }),
    "key order does not matter",
  );
});

Deno.test("podTemplateHash(): FNV-32a, collisionCount fed as 8 bytes (uint32 LE + 4 zeros), safe-encoded decimal", () => {
  // Reference computed independently: FNV-1a 32 over the canonical JSON then the 8 bytes.
  const fnv = (bytes: number[]) => {
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h;
  };
  const json = [...new TextEncoder().encode('{"a":1}')];
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const encode = (n: number) => [...String(n)].map((d) => alphabet[d.charCodeAt(0) % 27]).join("");
  assert.equal(podTemplateHash({ a: 1 }), encode(fnv(json)));
  assert.equal(podTemplateHash({ a: 1 }, 2), encode(fnv([...json, 2, 0, 0, 0, 0, 0, 0, 0])));
  assert.notEqual(podTemplateHash({ a: 1 }, 0), podTemplateHash({ a: 1 }));
});
