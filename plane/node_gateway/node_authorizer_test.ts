import assert from "node:assert/strict";
import { authorizeNodeRequest, objectRefToCheck, referencedByPods } from "./node_authorizer.ts";

const own = { metadata: { name: "n1" } };
const other = { metadata: { name: "n2" } };
const mirror = (node: string, extra: Record<string, unknown> = {}) => ({
  metadata: {
    name: `web-${node}`,
    annotations: { "kubernetes.io/config.mirror": "h1" },
    ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node, uid: "u" }],
  },
  spec: { nodeName: node, containers: [{ name: "a", image: "/i" }] },
  ...extra,
});
const L = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";

Deno.test("authorizeNodeRequest: a node reaches only its own Node, Lease and pods", () => {
  const allowed: [string, string, unknown, boolean?][] = [
    ["POST", "/api/v1/nodes", own],
    ["GET", "/api/v1/nodes/n1", undefined],
    ["PUT", "/api/v1/nodes/n1", own],
    ["PATCH", "/api/v1/nodes/n1/status", {}],
    ["GET", "/api/v1/nodes?fieldSelector=metadata.name=n1", undefined],
    ["POST", L, own],
    ["PATCH", `${L}/n1`, {}],
    ["GET", "/api/v1/pods?fieldSelector=spec.nodeName=n1", undefined],
    ["GET", "/api/v1/pods?fieldSelector=spec.nodeName=n1", undefined, true],
    // Pods: the gateway then checks that the pod is bound to n1.
    ["PATCH", "/api/v1/namespaces/default/pods/web-1/status", {}],
    ["PUT", "/api/v1/namespaces/default/pods/web-1/status", {}],
    ["DELETE", "/api/v1/namespaces/default/pods/web-1", {}],
    ["GET", "/api/v1/namespaces/default/pods/web-1", undefined],
    ["POST", "/api/v1/namespaces/default/events", {}],
    ["POST", "/api/v1/namespaces/default/pods", mirror("n1")],
  ];
  for (const [verb, path, body, watch] of allowed) {
    assert.equal(authorizeNodeRequest("n1", verb, path, body, watch), undefined, `${verb} ${path}`);
  }
  const denied: [string, string, unknown, boolean?][] = [
    ["POST", "/api/v1/nodes", other],
    ["PUT", "/api/v1/nodes/n1", other],
    ["PATCH", "/api/v1/nodes/n2/status", {}],
    ["DELETE", "/api/v1/nodes/n1", undefined],
    ["PATCH", `${L}/n2`, {}],
    ["GET", "/api/v1/pods", undefined],
    ["GET", "/api/v1/pods?fieldSelector=spec.nodeName=n2", undefined],
    ["GET", "/api/v1/namespaces/kube-system/secrets", undefined],
    ["GET", "/api/v1/nodes/n1/../n2", undefined],
    ["GET", "/api/v1/nodes/n1", undefined, true],
    ["PATCH", "/api/v1/namespaces/default/pods/web-1", {}],
    ["PUT", "/api/v1/namespaces/default/pods/web-1", {}],
    ["POST", "/api/v1/namespaces/default/pods", {}],
    // Mirror pods only, bound to and owned by this node, without API-object volumes.
    ["POST", "/api/v1/namespaces/default/pods", mirror("n2")],
    ["POST", "/api/v1/namespaces/default/pods", { ...mirror("n1"), metadata: { name: "x" } }],
    ["POST", "/api/v1/namespaces/default/pods", {
      ...mirror("n1"),
      metadata: {
        ...mirror("n1").metadata,
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n2" }],
      },
    }],
    ["POST", "/api/v1/namespaces/default/pods", {
      ...mirror("n1"),
      spec: {
        nodeName: "n1",
        containers: [],
        volumes: [{ name: "s", secret: { secretName: "x" } }],
      },
    }],
    ["DELETE", "/api/v1/namespaces/default/pods", undefined],
    ["DELETE", "/api/v1/namespaces/default/pods/web-1/status", undefined],
    ["GET", "/api/v1/namespaces/default/pods/web-1", undefined, true],
    ["DELETE", "/api/v1/namespaces/default/events/x", undefined],
    ["POST", "/api/v1/namespaces/default/secrets", {}],
  ];
  for (const [verb, path, body, watch] of denied) {
    assert.match(
      authorizeNodeRequest("n1", verb, path, body, watch) ?? "",
      /node "n1" cannot/,
      `${verb} ${path}`,
    );
  }
});

Deno.test("authorizeNodeRequest: a node lists and watches Nodes, Services and EndpointSlices, nothing more of them", () => {
  const allowed: [string, string, boolean][] = [
    ["GET", "/api/v1/nodes", false],
    ["GET", "/api/v1/nodes?resourceVersion=5", true],
    ["GET", "/api/v1/services", false],
    ["GET", "/api/v1/services", true],
    ["GET", "/apis/discovery.k8s.io/v1/endpointslices", false],
    ["GET", "/apis/discovery.k8s.io/v1/endpointslices?resourceVersion=9", true],
  ];
  for (const [verb, path, watch] of allowed) {
    assert.equal(authorizeNodeRequest("n1", verb, path, undefined, watch), undefined, path);
  }
  const denied: [string, string, unknown][] = [
    ["POST", "/api/v1/namespaces/default/services", {}],
    ["DELETE", "/api/v1/services", undefined],
    ["POST", "/apis/discovery.k8s.io/v1/endpointslices", {}],
    ["GET", "/api/v1/nodes/n2", undefined],
    ["GET", "/api/v1/namespaces/kube-system/configmaps", undefined],
  ];
  for (const [verb, path, body] of denied) {
    assert.match(authorizeNodeRequest("n1", verb, path, body) ?? "", /node "n1" cannot/, path);
  }
});

Deno.test("a node gets ConfigMaps, Secrets and tokens only through the pods bound to it", async (t) => {
  const NS = "/api/v1/namespaces/shop";
  await t.step("which requests need the check (and pass the pure authorizer)", () => {
    const checked: [string, string, unknown, unknown][] = [
      ["GET", `${NS}/configmaps/cfg`, undefined, {
        kind: "configmaps",
        namespace: "shop",
        name: "cfg",
      }],
      ["GET", `${NS}/secrets?fieldSelector=metadata.name%3Ddb`, undefined, {
        kind: "secrets",
        namespace: "shop",
        name: "db",
      }],
      ["GET", `${NS}/secrets?fieldSelector=metadata.name%3Ddb&resourceVersion=5`, undefined, {
        kind: "secrets",
        namespace: "shop",
        name: "db",
      }],
      ["POST", `${NS}/serviceaccounts/robot/token`, {
        spec: { boundObjectRef: { kind: "Pod", name: "p", uid: "u1" } },
      }, { kind: "serviceaccounts", namespace: "shop", name: "robot", podUid: "u1" }],
    ];
    for (const [verb, path, body, want] of checked) {
      assert.deepEqual(objectRefToCheck(verb, path, body), want, path);
      assert.equal(authorizeNodeRequest("n1", verb, path, body), undefined, path);
    }
    const refused: [string, string, unknown][] = [
      ["GET", `${NS}/secrets`, undefined],
      ["GET", `${NS}/secrets?labelSelector=a%3Db`, undefined],
      ["GET", `${NS}/secrets?fieldSelector=metadata.name%3Ddb&labelSelector=x`, undefined],
      ["GET", "/api/v1/secrets", undefined],
      ["PUT", `${NS}/secrets/db`, { metadata: { name: "db" } }],
      ["DELETE", `${NS}/configmaps/cfg`, undefined],
      ["POST", `${NS}/serviceaccounts/robot/token`, { spec: {} }],
      ["POST", `${NS}/serviceaccounts/robot/token`, {
        spec: { boundObjectRef: { kind: "Secret", name: "s", uid: "u" } },
      }],
    ];
    for (const [verb, path, body] of refused) {
      assert.equal(objectRefToCheck(verb, path, body), undefined, `${verb} ${path}`);
      assert.match(authorizeNodeRequest("n1", verb, path, body) ?? "", /cannot/, `${verb} ${path}`);
    }
  });

  await t.step("the check against the pods bound to the node", () => {
    const pod = (node: string, uid: string, spec: Record<string, unknown>) => ({
      metadata: { namespace: "shop", uid },
      spec: { nodeName: node, containers: [{ name: "a" }], ...spec },
    });
    const pods = [
      pod("n1", "u1", { volumes: [{ name: "v", secret: { secretName: "db" } }] }),
      pod("n1", "u2", {
        serviceAccountName: "robot",
        volumes: [{
          name: "t",
          projected: { sources: [{ serviceAccountToken: { path: "token" } }] },
        }],
      }),
      pod("n2", "u3", { containers: [{ envFrom: [{ configMapRef: { name: "cfg" } }] }] }),
    ];
    const ref = (
      kind: "configmaps" | "secrets" | "serviceaccounts",
      name: string,
      podUid?: string,
    ) => ({
      kind,
      namespace: "shop",
      name,
      ...(podUid ? { podUid } : {}),
    });
    assert.equal(referencedByPods("n1", ref("secrets", "db"), pods), undefined);
    assert.match(
      referencedByPods("n1", ref("configmaps", "cfg"), pods)!,
      /no pod bound to this node refers to it/,
    );
    assert.equal(referencedByPods("n2", ref("configmaps", "cfg"), pods), undefined);
    assert.match(
      referencedByPods("n1", { ...ref("secrets", "db"), namespace: "other" }, pods)!,
      /other\/db/,
    );
    assert.equal(referencedByPods("n1", ref("serviceaccounts", "robot", "u2"), pods), undefined);
    assert.match(referencedByPods("n1", ref("serviceaccounts", "robot", "u1"), pods)!, /token/);
    assert.match(referencedByPods("n1", ref("serviceaccounts", "default", "u2"), pods)!, /token/);
  });
});
