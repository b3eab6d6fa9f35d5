/** Unit tests of the meta.k8s.io/v1 Table envelope. */
import assert from "node:assert/strict";
import { findResource } from "../resources.ts";
import { toTable } from "./to_table.ts";

const pods = findResource("", "v1", "pods")!;
const NOW = new Date("2026-01-01T00:01:00Z");
const pod = (name: string, rv: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name,
    namespace: "default",
    resourceVersion: rv,
    labels: { app: name },
    creationTimestamp: "2026-01-01T00:00:00Z",
  },
  spec: { containers: [{ name: "c", image: "busybox" }] },
  status: { phase: "Pending" },
});

Deno.test("toTable() lists the pod columns with the wide ones at priority 1", () => {
  const table = toTable(pods, [pod("a", "5"), pod("b", "6")], {
    now: NOW,
    includeObject: "Metadata",
    listMeta: { resourceVersion: "10", continue: "tok" },
  });
  assert.equal(table.kind, "Table");
  assert.equal(table.apiVersion, "meta.k8s.io/v1");
  assert.deepEqual(table.metadata, { resourceVersion: "10", continue: "tok" });
  const columns = table.columnDefinitions as {
    name: string;
    type: string;
    format: string;
    priority: number;
  }[];
  assert.deepEqual(
    columns.map((c) => `${c.name}:${c.priority}`),
    [
      "Name:0",
      "Ready:0",
      "Status:0",
      "Restarts:0",
      "Age:0",
      "IP:1",
      "Node:1",
      "Nominated Node:1",
      "Readiness Gates:1",
    ],
  );
  assert.deepEqual(columns[0], { ...columns[0], type: "string", format: "name" });
  const rows = table.rows as { cells: unknown[]; object: Record<string, unknown> }[];
  assert.deepEqual(rows.map((r) => r.cells[0]), ["a", "b"]);
  assert.deepEqual(rows[0]!.cells.slice(0, 5), ["a", "0/1", "Pending", "0", "60s"]);
  assert.deepEqual(rows[1]!.object, {
    kind: "PartialObjectMetadata",
    apiVersion: "meta.k8s.io/v1",
    metadata: pod("b", "6").metadata,
  });
});

Deno.test("toTable() honours includeObject=None|Object and noHeaders", () => {
  const p = pod("a", "5");
  const none = toTable(pods, [p], { now: NOW, includeObject: "None", listMeta: {} });
  assert.equal("object" in (none.rows as Record<string, unknown>[])[0]!, false);
  assert.deepEqual(none.metadata, {});
  const full = toTable(pods, [p], { now: NOW, includeObject: "Object", noHeaders: true });
  assert.deepEqual((full.rows as Record<string, unknown>[])[0]!.object, p);
  assert.equal("columnDefinitions" in full, false);
  assert.deepEqual(
    full.metadata,
    { resourceVersion: "5" },
    "a single object carries its own resourceVersion",
  );
});

Deno.test("toTable() adds the Completed row condition for finished pods", () => {
  const done = { ...pod("job", "3"), status: { phase: "Succeeded" } };
  const table = toTable(pods, [done], { now: NOW, includeObject: "None" });
  const row = (table.rows as { conditions?: { type: string; reason: string }[] }[])[0]!;
  assert.deepEqual(row.conditions?.map((c) => `${c.type}/${c.reason}`), ["Completed/Succeeded"]);
});

Deno.test("toTable() prints the scale subresource as autoscaling/v1 Scale", () => {
  const deployments = findResource("apps", "v1", "deployments")!;
  const scale = {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: "web",
      namespace: "default",
      resourceVersion: "8",
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
    spec: { replicas: 3 },
    status: { replicas: 2, selector: "app=web" },
  };
  const table = toTable(deployments, [scale], {
    now: NOW,
    includeObject: "None",
    subresource: "scale",
  });
  const columns = table.columnDefinitions as { name: string; format: string }[];
  assert.deepEqual(columns.map((c) => c.name), ["Name", "Desired", "Available", "Age"]);
  assert.equal(columns[0]!.format, "");
  assert.deepEqual((table.rows as { cells: unknown[] }[])[0]!.cells, ["web", 3, 2, "60s"]);
  const status = toTable(deployments, [{ metadata: { name: "web" }, spec: { replicas: 1 } }], {
    now: NOW,
    includeObject: "None",
    subresource: "status",
  });
  assert.equal(
    (status.columnDefinitions as unknown[]).length,
    8,
    "status prints the Deployment columns",
  );
});
