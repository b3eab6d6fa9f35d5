import assert from "node:assert/strict";
import type { Pod } from "./_objects.ts";
import {
  desiredEndpointSlices,
  desiredEndpointSubsets,
  type ServiceObject,
} from "./endpoints_reconcile.ts";

const svc = (spec: ServiceObject["spec"]): ServiceObject => ({
  metadata: { name: "web", namespace: "default", uid: "svc-uid", labels: { tier: "fe" } },
  spec: { selector: { app: "web" }, ...spec },
});

function pod(
  name: string,
  ip: string | undefined,
  o: {
    ready?: boolean;
    deleting?: boolean;
    ports?: unknown[];
    labels?: Record<string, string>;
    phase?: string;
  } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: "default",
      uid: `u-${name}`,
      labels: o.labels ?? { app: "web" },
      ...(o.deleting ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}),
    },
    spec: { nodeName: "n1", containers: [{ name: "c", ports: o.ports ?? [] }] },
    status: {
      phase: o.phase ?? "Running",
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

Deno.test("desiredEndpointSubsets() splits ready and not-ready pods, resolves target ports, skips the rest", () => {
  const pods = [
    pod("b", "10.0.0.2"),
    pod("a", "10.0.0.1", { ready: false }),
    pod("noip", undefined),
    pod("other", "10.0.0.9", { labels: { app: "db" } }),
    pod("done", "10.0.0.8", { phase: "Succeeded" }),
    pod("leaving", "10.0.0.7", { deleting: true }),
  ];
  const subsets = desiredEndpointSubsets(
    svc({ ports: [{ name: "http", port: 80, targetPort: 8080 }] }),
    pods,
  );
  assert.deepEqual(subsets, [{
    addresses: [{
      ip: "10.0.0.2",
      nodeName: "n1",
      targetRef: { kind: "Pod", namespace: "default", name: "b", uid: "u-b" },
    }],
    notReadyAddresses: [{
      ip: "10.0.0.1",
      nodeName: "n1",
      targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "u-a" },
    }],
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  }]);
  assert.equal(
    desiredEndpointSubsets(svc({ selector: {} }), pods),
    undefined,
    "no selector: not managed",
  );
});

Deno.test("desiredEndpointSubsets() resolves named target ports per pod into separate subsets", () => {
  const pods = [
    pod("a", "10.0.0.1", { ports: [{ name: "web", containerPort: 8080 }] }),
    pod("b", "10.0.0.2", { ports: [{ name: "web", containerPort: 9090 }] }),
    pod("c", "10.0.0.3"),
  ];
  const subsets = desiredEndpointSubsets(svc({ ports: [{ port: 80, targetPort: "web" }] }), pods);
  assert.deepEqual(
    subsets?.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.map((p) => p.port)]),
    [
      [["10.0.0.1"], [8080]],
      [["10.0.0.2"], [9090]],
    ],
  );
  const pub = desiredEndpointSubsets(
    svc({ ports: [{ port: 80 }], publishNotReadyAddresses: true }),
    [pod("a", "10.0.0.1", { ready: false })],
  );
  assert.equal(pub?.[0]?.addresses?.[0]?.ip, "10.0.0.1");
});

Deno.test("desiredEndpointSlices() labels, owner, conditions with terminating pods, a placeholder when empty, 100 per slice", () => {
  const s = svc({ ports: [{ name: "http", port: 80 }] });
  const slices =
    desiredEndpointSlices(s, [pod("a", "10.0.0.1"), pod("b", "10.0.0.2", { deleting: true })]) ??
      [];
  assert.equal(slices.length, 1);
  const sl = slices[0]!;
  assert.deepEqual(sl.metadata.labels, {
    tier: "fe",
    "kubernetes.io/service-name": "web",
    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
  });
  assert.equal(sl.metadata.generateName, "web-");
  assert.deepEqual(sl.metadata.ownerReferences, [{
    apiVersion: "v1",
    kind: "Service",
    name: "web",
    uid: "svc-uid",
    controller: true,
    blockOwnerDeletion: true,
  }]);
  assert.deepEqual(sl.endpoints.map((e) => [e.addresses[0], e.conditions]), [
    ["10.0.0.1", { ready: true, serving: true, terminating: false }],
    ["10.0.0.2", { ready: false, serving: true, terminating: true }],
  ]);
  assert.deepEqual(sl.ports, [{ name: "http", port: 80, protocol: "TCP" }]);
  const empty = desiredEndpointSlices(s, []) ?? [];
  assert.deepEqual(empty.map((x) => x.endpoints), [[]], "one placeholder slice");
  const many = Array.from(
    { length: 250 },
    (_, i) => pod(`p${i}`, `10.0.${Math.floor(i / 200)}.${i % 200}`),
  );
  assert.deepEqual((desiredEndpointSlices(s, many) ?? []).map((x) => x.endpoints.length), [
    100,
    100,
    50,
  ]);
});
