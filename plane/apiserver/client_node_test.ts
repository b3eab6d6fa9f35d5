/**
 * A second client: the official JavaScript client (`@kubernetes/client-node`) lists, creates,
 * watches (ADDED/MODIFIED/DELETED), runs an informer and reads errors against rks.
 */
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { waitFor } from "../../core/testing.ts";
import { startTestCluster } from "./_testing.ts";

const pod = (name: string): k8s.V1Pod => ({
  metadata: { name, labels: { app: "cn" } },
  spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
});

Deno.test({
  name: "@kubernetes/client-node lists, creates, watches and runs an informer against rks",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("grpc");
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);

    await t.step("list, create, get; 409 and 404 as ApiException", async () => {
      const list = await core.listNamespacedPod({ namespace: "default" });
      assert.deepEqual(list.items, []);
      assert.match(list.metadata?.resourceVersion ?? "", /^\d+$/);
      const created = await core.createNamespacedPod({ namespace: "default", body: pod("a") });
      assert.equal(created.spec?.restartPolicy, "Always");
      const got = await core.readNamespacedPod({ namespace: "default", name: "a" });
      assert.equal(got.metadata?.uid, created.metadata?.uid);
      await assert.rejects(
        core.createNamespacedPod({ namespace: "default", body: pod("a") }),
        (e: unknown) => e instanceof k8s.ApiException && e.code === 409,
      );
      await assert.rejects(
        core.readNamespacedPod({ namespace: "default", name: "nope" }),
        (e: unknown) => e instanceof k8s.ApiException && e.code === 404,
      );
    });

    await t.step("watch from a list's resourceVersion sees ADDED, MODIFIED, DELETED", async () => {
      const list = await core.listNamespacedPod({ namespace: "default" });
      const seen: string[] = [];
      const watch = new k8s.Watch(kc);
      const req = await watch.watch(
        "/api/v1/namespaces/default/pods",
        { resourceVersion: list.metadata?.resourceVersion },
        (type: string, obj: k8s.V1Pod) => seen.push(`${type} ${obj.metadata?.name}`),
        () => {},
      );
      try {
        await core.createNamespacedPod({ namespace: "default", body: pod("b") });
        const live = await core.readNamespacedPod({ namespace: "default", name: "b" });
        live.metadata = { ...live.metadata, labels: { app: "cn", round: "2" } };
        await core.replaceNamespacedPod({ namespace: "default", name: "b", body: live });
        await core.deleteNamespacedPod({ namespace: "default", name: "b" });
        await waitFor("the three events", () => seen.length >= 3 ? true : undefined, {
          timeoutMs: 30_000,
        });
        assert.deepEqual(seen, ["ADDED b", "MODIFIED b", "DELETED b"]);
      } finally {
        req.abort();
      }
    });

    await t.step("an informer lists, then follows changes", async () => {
      const informer = k8s.makeInformer(
        kc,
        "/api/v1/namespaces/default/pods",
        () => core.listNamespacedPod({ namespace: "default" }),
      );
      const names = () => new Set(informer.list("default").map((p) => p.metadata?.name));
      await informer.start();
      try {
        await waitFor("the informer's list", () => names().has("a") ? true : undefined);
        await core.createNamespacedPod({ namespace: "default", body: pod("c") });
        await waitFor("the informer to see c", () => names().has("c") ? true : undefined, {
          timeoutMs: 30_000,
        });
        await core.deleteNamespacedPod({ namespace: "default", name: "a" });
        await waitFor("the informer to drop a", () => !names().has("a") ? true : undefined, {
          timeoutMs: 30_000,
        });
      } finally {
        await informer.stop();
      }
    });
  },
});
