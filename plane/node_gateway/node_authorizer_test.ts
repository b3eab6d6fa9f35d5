import assert from "node:assert/strict";
import { authorizeNodeRequest } from "./node_authorizer.ts";

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
