/** Unit tests of the Table cells of every served kind except pods (see pod_cells_test.ts). */
import assert from "node:assert/strict";
import { apiResources } from "../resources.ts";
import { tableColumns } from "./columns.ts";
import { rowCells } from "./row_cells.ts";

const NOW = new Date("2026-01-02T00:00:00Z");
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  creationTimestamp: "2026-01-01T00:00:00Z",
  ...extra,
});

Deno.test("rowCells() gives one cell per column for every served resource", () => {
  for (const r of apiResources) {
    const columns = tableColumns(r.group, r.resource);
    const { cells } = rowCells(r.group, r.resource, { metadata: meta("x") }, NOW);
    assert.equal(cells.length, columns.length, `${r.group}/${r.resource}`);
    assert.ok(columns.length > 2, `${r.resource} has a printer`);
    assert.equal(columns.filter((c) => c.format === "name").length, 1);
  }
  assert.deepEqual(rowCells("x.io", "widgets", { metadata: meta("w") }, NOW).cells, [
    "w",
    "2026-01-01T00:00:00Z",
  ]);
});

Deno.test("rowCells() prints nodes with status, roles and addresses", () => {
  const node = {
    metadata: meta("n1", {
      labels: {
        "node-role.kubernetes.io/control-plane": "",
        "kubernetes.io/role": "worker",
        "node-role.kubernetes.io/": "",
      },
    }),
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status: "True" }],
      addresses: [{ type: "Hostname", address: "n1" }, {
        type: "InternalIP",
        address: "192.168.1.5",
      }],
      nodeInfo: {
        kubeletVersion: "v1.32.0",
        osImage: "Debian GNU/Linux 12",
        kernelVersion: "6.1.0",
        containerRuntimeVersion: "rk8s://0.1.0",
      },
    },
  };
  assert.deepEqual(rowCells("", "nodes", node, NOW).cells, [
    "n1",
    "Ready,SchedulingDisabled",
    "control-plane,worker",
    "24h",
    "v1.32.0",
    "192.168.1.5",
    "<none>",
    "Debian GNU/Linux 12",
    "6.1.0",
    "rk8s://0.1.0",
  ]);
  const bare = rowCells("", "nodes", {
    metadata: meta("n2"),
    status: { conditions: [{ type: "Ready", status: "Unknown" }] },
  }, NOW);
  assert.deepEqual(bare.cells.slice(1, 3), ["NotReady", "<none>"]);
  assert.deepEqual(bare.cells.slice(7), ["<unknown>", "<unknown>", "<unknown>"]);
  assert.equal(rowCells("", "nodes", { metadata: meta("n3") }, NOW).cells[1], "Unknown");
});

Deno.test("rowCells() prints services of every type", async (t) => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => ({
    metadata: meta("s"),
    spec,
    status,
  });
  const cases: [string, Record<string, unknown>, (string | number)[]][] = [
    [
      "ClusterIP",
      svc({
        type: "ClusterIP",
        clusterIP: "10.96.0.10",
        clusterIPs: ["10.96.0.10"],
        ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }],
        selector: { k8s: "dns" },
      }),
      ["s", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP", "24h", "k8s=dns"],
    ],
    [
      "headless without ports",
      svc({ clusterIP: "None" }),
      ["s", "ClusterIP", "None", "<none>", "<none>", "24h", "<none>"],
    ],
    [
      "ClusterIP with external IPs",
      svc({
        type: "ClusterIP",
        clusterIPs: ["10.96.0.2"],
        externalIPs: ["1.2.3.4", "5.6.7.8"],
        ports: [{ port: 80 }],
      }),
      ["s", "ClusterIP", "10.96.0.2", "1.2.3.4,5.6.7.8", "80/TCP", "24h", "<none>"],
    ],
    [
      "LoadBalancer pending",
      svc({
        type: "LoadBalancer",
        clusterIPs: ["10.96.0.3"],
        ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }],
      }),
      ["s", "LoadBalancer", "10.96.0.3", "<pending>", "443:31443/TCP", "24h", "<none>"],
    ],
    [
      "LoadBalancer with ingress",
      svc({ type: "LoadBalancer", clusterIPs: ["10.96.0.3"] }, {
        loadBalancer: { ingress: [{ ip: "203.0.113.9" }, { hostname: "lb.example.com" }] },
      }),
      ["s", "LoadBalancer", "10.96.0.3", "203.0.113.9,lb.example.com", "<none>", "24h", "<none>"],
    ],
    [
      "ExternalName",
      svc({ type: "ExternalName", externalName: "db.example.com" }),
      ["s", "ExternalName", "<none>", "db.example.com", "<none>", "24h", "<none>"],
    ],
  ];
  for (const [title, obj, cells] of cases) {
    await t.step(title, () => assert.deepEqual(rowCells("", "services", obj, NOW).cells, cells));
  }
});

Deno.test("rowCells() prints endpoints and endpoint slices with at most three entries", () => {
  const ep = {
    metadata: meta("web"),
    subsets: [
      {
        addresses: [{ ip: "10.1.0.1" }, { ip: "10.1.0.2" }],
        ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }],
      },
      { addresses: [{ ip: "fd00::1" }] },
    ],
  };
  assert.deepEqual(rowCells("", "endpoints", ep, NOW).cells, [
    "web",
    "10.1.0.1:80,10.1.0.2:80,10.1.0.1:443 + 2 more...",
    "24h",
  ]);
  assert.equal(rowCells("", "endpoints", { metadata: meta("e") }, NOW).cells[1], "<none>");
  const ipv6 = {
    metadata: meta("v6"),
    subsets: [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 80 }] }],
  };
  assert.equal(rowCells("", "endpoints", ipv6, NOW).cells[1], "[fd00::1]:80");

  const slice = {
    metadata: meta("web-abc"),
    addressType: "IPv4",
    ports: [{ name: "http", port: 80 }, { name: "named" }, {}],
    endpoints: [{ addresses: ["10.1.0.1"] }, { addresses: ["10.1.0.2"] }],
  };
  assert.deepEqual(rowCells("discovery.k8s.io", "endpointslices", slice, NOW).cells, [
    "web-abc",
    "IPv4",
    "80,named,*",
    "10.1.0.1,10.1.0.2",
    "24h",
  ]);
  const empty = rowCells("discovery.k8s.io", "endpointslices", {
    metadata: meta("e"),
    addressType: "IPv4",
  }, NOW);
  assert.deepEqual(empty.cells.slice(2, 4), ["<unset>", "<unset>"]);
});

Deno.test("rowCells() prints core and events.k8s.io events alike", () => {
  const core = {
    metadata: meta("web.1"),
    involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{web}" },
    type: "Normal",
    reason: "Pulled",
    message: "  Container image pulled \n",
    source: { component: "kubelet", host: "n1" },
    firstTimestamp: "2026-01-01T23:00:00Z",
    lastTimestamp: "2026-01-01T23:59:00Z",
    count: 4,
  };
  assert.deepEqual(rowCells("", "events", core, NOW).cells, [
    "60s",
    "Normal",
    "Pulled",
    "pod/web",
    "spec.containers{web}",
    "kubelet, n1",
    "Container image pulled",
    "60m",
    4,
    "web.1",
  ]);
  const modern = {
    metadata: meta("web.2"),
    regarding: { kind: "Deployment", name: "web" },
    type: "Normal",
    reason: "ScalingReplicaSet",
    note: "Scaled up",
    eventTime: "2026-01-01T23:58:00.000000Z",
    reportingController: "deployment-controller",
    series: { count: 3, lastObservedTime: "2026-01-01T23:59:30.000000Z" },
  };
  const cells = rowCells("events.k8s.io", "events", modern, NOW).cells;
  assert.deepEqual(cells, [
    "30s",
    "Normal",
    "ScalingReplicaSet",
    "deployment/web",
    "",
    "deployment-controller",
    "Scaled up",
    "2m",
    3,
    "web.2",
  ]);
  const single =
    rowCells("", "events", { metadata: meta("x"), involvedObject: { kind: "Node" } }, NOW).cells;
  assert.deepEqual([single[0], single[3], single[8]], ["<unknown>", "node", 1]);
});

Deno.test("rowCells() prints deployments and replicasets with wide columns", () => {
  const template = {
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image: "nginx:1.27" }, { name: "log", image: "busybox" }] },
  };
  const deploy = {
    metadata: meta("web"),
    spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(rowCells("apps", "deployments", deploy, NOW).cells, [
    "web",
    "2/3",
    3,
    2,
    "24h",
    "web,log",
    "nginx:1.27,busybox",
    "app=web",
  ]);
  const fresh = rowCells(
    "apps",
    "deployments",
    { metadata: meta("d"), spec: { replicas: 0 } },
    NOW,
  );
  assert.deepEqual(fresh.cells.slice(1, 4), ["0/0", 0, 0]);
  assert.equal(fresh.cells[7], "");
  const rs = {
    metadata: meta("web-5d9f"),
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web", "pod-template-hash": "5d9f" } },
      template,
    },
    status: { replicas: 2, readyReplicas: 1 },
  };
  assert.deepEqual(rowCells("apps", "replicasets", rs, NOW).cells, [
    "web-5d9f",
    2,
    2,
    1,
    "24h",
    "web,log",
    "nginx:1.27,busybox",
    "app=web,pod-template-hash=5d9f",
  ]);
  assert.equal(rowCells("apps", "replicasets", { metadata: meta("r") }, NOW).cells[7], "<none>");
});

Deno.test("rowCells() prints the simple kinds", () => {
  assert.deepEqual(
    rowCells("", "configmaps", {
      metadata: meta("cm"),
      data: { a: "1", b: "2" },
      binaryData: { c: "AA==" },
    }, NOW).cells,
    ["cm", 3, "24h"],
  );
  assert.deepEqual(
    rowCells("", "secrets", {
      metadata: meta("s"),
      type: "kubernetes.io/tls",
      data: { "tls.crt": "", "tls.key": "" },
    }, NOW).cells,
    ["s", "kubernetes.io/tls", 2, "24h"],
  );
  assert.deepEqual(rowCells("", "serviceaccounts", { metadata: meta("default") }, NOW).cells, [
    "default",
    0,
    "24h",
  ]);
  assert.deepEqual(
    rowCells("", "namespaces", { metadata: meta("gone"), status: { phase: "Terminating" } }, NOW)
      .cells,
    ["gone", "Terminating", "24h"],
  );
  assert.deepEqual(
    rowCells("coordination.k8s.io", "leases", {
      metadata: meta("n1"),
      spec: { holderIdentity: "n1" },
    }, NOW).cells,
    ["n1", "n1", "24h"],
  );
  assert.deepEqual(rowCells("coordination.k8s.io", "leases", { metadata: meta("l") }, NOW).cells, [
    "l",
    "",
    "24h",
  ]);
  assert.deepEqual(
    rowCells("scheduling.k8s.io", "priorityclasses", {
      metadata: meta("high"),
      value: 1000,
      globalDefault: true,
      preemptionPolicy: "Never",
    }, NOW).cells,
    ["high", 1000, true, "24h", "Never"],
  );
  assert.deepEqual(
    rowCells("scheduling.k8s.io", "priorityclasses", { metadata: meta("z"), value: 0 }, NOW).cells,
    ["z", 0, false, "24h", ""],
  );
});
