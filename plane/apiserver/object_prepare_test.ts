import assert from "node:assert/strict";
import type { ApiResource } from "../api/resources.ts";
import { filterEvent } from "./watch_stream.ts";
import { prepareForCreate, prepareForUpdate, sameObject } from "./object_prepare.ts";
import { parseLabelSelector } from "../api/label_selector.ts";

const res = (kind: string, resource: string, subresources: string[]): ApiResource => ({
  group: kind === "Deployment" ? "apps" : "",
  version: "v1",
  resource,
  singularName: kind.toLowerCase(),
  kind,
  namespaced: kind !== "Namespace",
  shortNames: [],
  categories: [],
  verbs: [],
  subresources,
});
const deployments = res("Deployment", "deployments", ["status", "scale"]);
const pods = res("Pod", "pods", ["status"]);
const configmaps = res("ConfigMap", "configmaps", []);

Deno.test("prepareForCreate() sets server fields, resets status and defaults", async (t) => {
  const now = new Date("2026-01-02T03:04:05.678Z");
  await t.step("pods: Pending with a QoS class, no generation, defaults applied", () => {
    const p = prepareForCreate(
      pods,
      {
        metadata: { name: "p", namespace: "d", generation: 7, deletionTimestamp: "x" },
        spec: {
          containers: [{
            name: "c",
            image: "i",
            resources: { limits: { cpu: "1", memory: "1Gi" } },
          }],
        },
        status: { phase: "Running" },
      },
      now,
      "u",
    );
    assert.deepEqual(p.status, { phase: "Pending", qosClass: "Guaranteed" });
    assert.equal(p.metadata.generation, undefined);
    assert.equal(p.metadata.deletionTimestamp, undefined);
    assert.equal(p.metadata.creationTimestamp, "2026-01-02T03:04:05Z");
    assert.equal((p.spec as { dnsPolicy: string }).dnsPolicy, "ClusterFirst");
  });
  await t.step("deployments: generation 1 and the strategy defaults", () => {
    const d = prepareForCreate(deployments, { metadata: { name: "d" }, spec: {} }, now);
    assert.equal(d.metadata.generation, 1);
    assert.deepEqual((d.spec as Record<string, unknown>).strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
    });
  });
});

Deno.test("prepareForUpdate() keeps server metadata, ignores status, bumps generation on spec only", async (t) => {
  // What is stored has its defaults already.
  const created = prepareForCreate(
    deployments,
    {
      kind: "Deployment",
      metadata: { name: "w", labels: { a: "1" } },
      spec: { replicas: 1, template: { spec: { containers: [] } } },
    },
    new Date(0),
    "u1",
  );
  const old = {
    ...created,
    metadata: { ...created.metadata, creationTimestamp: "t", generation: 3 },
    spec: created.spec as { replicas: number; template: unknown },
    status: { replicas: 1 },
  };
  await t.step("a label change keeps the generation", () => {
    const next = prepareForUpdate(deployments, undefined, old, {
      ...structuredClone(old),
      metadata: { name: "w", uid: "forged", labels: { a: "2" } },
    });
    assert.equal(next.metadata.generation, 3);
    assert.equal(next.metadata.uid, "u1");
    assert.equal(next.metadata.creationTimestamp, "t");
  });
  await t.step("key order alone is not a spec change", () => {
    const reordered = {
      status: old.status,
      spec: { template: old.spec.template, replicas: 1 },
      metadata: old.metadata,
      kind: "Deployment",
    };
    const next = prepareForUpdate(deployments, undefined, old, reordered);
    assert.equal(next.metadata.generation, 3);
    assert.ok(sameObject(next, prepareForUpdate(deployments, undefined, old, old)));
  });
  await t.step("without a status subresource, status is taken from the update", () => {
    const next = prepareForUpdate(configmaps, undefined, { metadata: { name: "c" } }, {
      metadata: { name: "c" },
      data: { a: "b" },
    });
    assert.deepEqual(next.data, { a: "b" });
  });
});

Deno.test("filterEvent() turns selector transitions into ADDED and DELETED", () => {
  const q = { labelSelector: parseLabelSelector("app=web") };
  const obj = (app: string) => ({ metadata: { name: "p", labels: { app } } });
  const ev = (prev: string, now: string) => ({
    type: "MODIFIED" as const,
    object: obj(now),
    prev: obj(prev),
    revision: 5,
    key: "/k",
  });
  assert.equal(filterEvent(ev("web", "web"), q)?.type, "MODIFIED");
  assert.equal(filterEvent(ev("db", "web"), q)?.type, "ADDED");
  assert.equal(filterEvent(ev("web", "db"), q)?.type, "DELETED");
  assert.equal(filterEvent(ev("db", "db"), q), undefined);
});
