/**
 * Shared informers against a real etcd + rks: views of one informer share its cache and watch,
 * a view's stop removes only its own handlers, late handlers get the cache replayed exactly
 * once, and the factory keys informers by resource and scope.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "../apiserver/_testing.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { KubeClient } from "./kube_client.ts";
import { SharedInformerFactory } from "./shared_informer_factory.ts";

const pod = (name: string, ns = "default"): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns },
  spec: { containers: [{ name: "c", image: "nginx" }] },
});

Deno.test({
  name: "plane/client shared informers: views of one cache and watch",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");
    await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig });
    await kube.create("namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "other" },
    });
    for (let i = 0; i < 20; i++) await kube.create("pods", pod(`p${i}`));
    await using factory = new SharedInformerFactory(kube);

    await t.step("a handler added while the first list runs sees every object once", async () => {
      const a = factory.informer("pods");
      const b = factory.informer("pods");
      const seenA: string[] = [];
      const seenB: string[] = [];
      await a.addHandlers({ add: (p) => void seenA.push(p.metadata.name) });
      const started = a.start();
      // Joins while the list is being applied: gets the whole cache once, after it.
      await b.addHandlers({ add: (p) => void seenB.push(p.metadata.name) });
      await started;
      await b.start(); // already synced: resolves at once, lists nothing again
      const want = Array.from({ length: 20 }, (_, i) => `p${i}`).sort();
      assert.deepEqual([...seenA].sort(), want);
      assert.deepEqual([...seenB].sort(), want);
      assert.equal(factory.size, 1);
      assert.equal(b.list().length, 20);
      assert.equal(a.resourceVersion, b.resourceVersion);
      await a.stop();
      await b.stop();
    });

    await t.step("a view's stop removes only its handlers; the watch goes on", async () => {
      const a = factory.informer("pods");
      const b = factory.informer("pods");
      const gotA: string[] = [];
      const gotB: string[] = [];
      await a.addHandlers({ add: (p) => void gotA.push(p.metadata.name) });
      await b.addHandlers({ add: (p) => void gotB.push(p.metadata.name) });
      await a.start();
      await b.start();
      gotA.length = 0;
      gotB.length = 0;
      await kube.create("pods", pod("one"));
      await b.waitFor(() => gotA.includes("one") && gotB.includes("one"));
      await a.stop();
      await kube.create("pods", pod("two"));
      await b.waitFor(() => gotB.includes("two"));
      assert.deepEqual(gotA, ["one"]);
      assert.deepEqual(gotB, ["one", "two"]);
      // The stopped view still reads the shared cache, which keeps following the store.
      assert.equal(a.get("default", "two")?.metadata.name, "two");
      await b.stop();
      assert.equal(factory.size, 1);
    });

    await t.step("another scope is another informer", async () => {
      const other = factory.informer("pods", { namespace: "other" });
      await other.start();
      assert.equal(factory.size, 2);
      await kube.create("pods", pod("x", "other"));
      await kube.create("pods", pod("y"));
      await other.waitFor(() => other.get("other", "x") !== undefined);
      assert.deepEqual(other.list().map((p) => p.metadata.name), ["x"]);
    });

    await t.step("stop ends every watch", async () => {
      const v = factory.informer("pods");
      await factory.stop();
      assert.equal(factory.size, 0);
      const before = v.list().length;
      await kube.create("pods", pod("after"));
      // A fresh informer sees the new pod; the stopped one never does.
      const fresh = factory.informer("pods");
      await fresh.start();
      assert.ok(fresh.get("default", "after"));
      assert.equal(v.get("default", "after"), undefined);
      assert.equal(v.list().length, before);
    });
  },
});
