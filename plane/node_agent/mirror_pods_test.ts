import assert from "node:assert/strict";
import { isMirrorPod, mirrorPodObject, planMirrorPods } from "./mirror_pods.ts";

const mirror = (uid: string, hash: string, extra: Record<string, unknown> = {}) => ({
  metadata: { uid, annotations: { "kubernetes.io/config.mirror": hash }, ...extra },
});

Deno.test("planMirrorPods() keeps the API's mirror pods in step with the static pods", async (t) => {
  await t.step("in step: nothing to do", () => {
    const api = new Map([["default/a-n1", mirror("u1", "h1")]]);
    assert.deepEqual(planMirrorPods([{ key: "default/a-n1", hash: "h1" }], api, new Set()), []);
  });
  await t.step("no mirror yet: create, once while the creation is pending", () => {
    const statics = [{ key: "default/a-n1", hash: "h1" }];
    assert.deepEqual(planMirrorPods(statics, new Map(), new Set()), [
      { kind: "create", key: "default/a-n1", hash: "h1" },
    ]);
    assert.deepEqual(planMirrorPods(statics, new Map(), new Set(["default/a-n1"])), []);
  });
  await t.step("deleted through the API, stale, or its static pod gone: delete by uid", () => {
    const api = new Map([
      ["default/a-n1", mirror("u1", "h1", { deletionTimestamp: "2026-01-01T00:00:00Z" })],
      ["default/b-n1", mirror("u2", "old")],
      ["default/c-n1", mirror("u3", "h3")],
    ]);
    const statics = [{ key: "default/a-n1", hash: "h1" }, { key: "default/b-n1", hash: "h2" }];
    assert.deepEqual(planMirrorPods(statics, api, new Set()), [
      { kind: "delete", key: "default/a-n1", uid: "u1", why: "deleted" },
      { kind: "delete", key: "default/b-n1", uid: "u2", why: "stale" },
      { kind: "delete", key: "default/c-n1", uid: "u3", why: "gone" },
    ]);
  });
  await t.step("an API pod of the same name that is no mirror: a conflict, left alone", () => {
    const api = new Map([["default/a-n1", { metadata: { uid: "u9" } }]]);
    assert.deepEqual(planMirrorPods([{ key: "default/a-n1", hash: "h1" }], api, new Set()), [
      { kind: "conflict", key: "default/a-n1" },
    ]);
  });
  await t.step("cluster pods (no mirror annotation) are never deleted", () => {
    const api = new Map([["default/web-1", { metadata: { uid: "u5" } }]]);
    assert.deepEqual(planMirrorPods([], api, new Set()), []);
  });
});

Deno.test("mirrorPodObject() is the static pod as the kubelet posts its mirror", () => {
  const source = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", labels: { tier: "static" }, annotations: { a: "1" } },
    spec: {
      initContainers: [{ name: "init", image: "./i" }],
      containers: [{ name: "c", image: "./img", args: ["sleep", "9"] }],
    },
  };
  const manifest = {
    name: "web-n1",
    namespace: "kube-system",
    annotations: {
      a: "1",
      "kubernetes.io/config.source": "file",
      "kubernetes.io/config.hash": "0123456789abcdef",
    },
    initContainers: [{ name: "init", image: "/m/i" }],
    containers: [{ name: "c", image: "/m/img" }],
  };
  const pod = mirrorPodObject(source, manifest as never, { name: "n1", uid: "node-uid" });
  assert.ok(isMirrorPod(pod));
  assert.deepEqual(pod.metadata, {
    name: "web-n1",
    namespace: "kube-system",
    labels: { tier: "static" },
    annotations: {
      a: "1",
      "kubernetes.io/config.source": "file",
      "kubernetes.io/config.hash": "0123456789abcdef",
      "kubernetes.io/config.mirror": "0123456789abcdef",
    },
    ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "node-uid" }],
  });
  assert.deepEqual(pod.spec, {
    nodeName: "n1",
    initContainers: [{ name: "init", image: "/m/i" }],
    containers: [{ name: "c", image: "/m/img", args: ["sleep", "9"] }],
  });
});
