/** Unit tests of the served-resource table (what discovery reports). */
import assert from "node:assert/strict";
import {
  apiResources,
  apiVersionOf,
  findResource,
  findResourceByKind,
  subresourceInfo,
} from "./resources.ts";

Deno.test("apiResources lists every resource of issues 14 and 15 once", () => {
  const names = apiResources.map((r) => `${apiVersionOf(r)} ${r.resource}`).sort();
  assert.deepEqual(names, [
    "apps/v1 deployments",
    "apps/v1 replicasets",
    "coordination.k8s.io/v1 leases",
    "discovery.k8s.io/v1 endpointslices",
    "events.k8s.io/v1 events",
    "scheduling.k8s.io/v1 priorityclasses",
    "v1 configmaps",
    "v1 endpoints",
    "v1 events",
    "v1 namespaces",
    "v1 nodes",
    "v1 pods",
    "v1 secrets",
    "v1 serviceaccounts",
    "v1 services",
  ]);
});

Deno.test("apiResources carries kube-apiserver's short names, scope and verbs", async (t) => {
  const cases: [string, string, string[], boolean][] = [
    ["", "pods", ["po"], true],
    ["", "nodes", ["no"], false],
    ["", "namespaces", ["ns"], false],
    ["", "services", ["svc"], true],
    ["", "configmaps", ["cm"], true],
    ["", "secrets", [], true],
    ["", "serviceaccounts", ["sa"], true],
    ["", "endpoints", ["ep"], true],
    ["", "events", ["ev"], true],
    ["scheduling.k8s.io", "priorityclasses", ["pc"], false],
    ["events.k8s.io", "events", ["ev"], true],
    ["apps", "deployments", ["deploy"], true],
    ["apps", "replicasets", ["rs"], true],
    ["coordination.k8s.io", "leases", [], true],
    ["discovery.k8s.io", "endpointslices", [], true],
  ];
  for (const [group, plural, shortNames, namespaced] of cases) {
    await t.step(`${group || "core"}/${plural}`, () => {
      const r = findResource(group, "v1", plural);
      assert.ok(r);
      assert.deepEqual(r.shortNames, shortNames);
      assert.equal(r.namespaced, namespaced);
      assert.ok(r.verbs.includes("watch") && r.verbs.includes("patch"));
      assert.deepEqual(r.verbs, [...r.verbs].sort());
    });
  }
  await t.step("namespaces cannot be deleted as a collection", () => {
    assert.ok(!findResource("", "v1", "namespaces")!.verbs.includes("deletecollection"));
    assert.ok(findResource("", "v1", "pods")!.verbs.includes("deletecollection"));
  });
});

Deno.test("findResourceByKind() maps apiVersion and kind to the resource", () => {
  assert.equal(findResourceByKind("apps/v1", "ReplicaSet")?.resource, "replicasets");
  assert.equal(findResourceByKind("v1", "Endpoints")?.resource, "endpoints");
  assert.equal(findResourceByKind("apps/v1", "Pod"), undefined);
  assert.equal(findResourceByKind("extensions/v1beta1", "Deployment"), undefined);
});

Deno.test("subresourceInfo() reports response kinds and verbs as discovery does", () => {
  const pods = findResource("", "v1", "pods")!;
  assert.deepEqual(subresourceInfo(pods, "status"), {
    subresource: "status",
    responseKind: { group: "", version: "v1", kind: "Pod" },
    verbs: ["get", "patch", "update"],
  });
  assert.deepEqual(subresourceInfo(pods, "exec")?.verbs, ["create", "get"]);
  assert.equal(subresourceInfo(pods, "binding")?.responseKind.kind, "Binding");
  assert.equal(subresourceInfo(pods, "scale"), undefined);
  const nodes = findResource("", "v1", "nodes")!;
  assert.equal(subresourceInfo(nodes, "status")?.responseKind.kind, "Node");
  assert.deepEqual(subresourceInfo(findResource("", "v1", "serviceaccounts")!, "token"), {
    subresource: "token",
    responseKind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
    verbs: ["create"],
  });
  for (const r of apiResources) {
    for (const s of r.subresources) assert.ok(subresourceInfo(r, s), `${r.resource}/${s}`);
  }
});
