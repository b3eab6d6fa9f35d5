/**
 * The client library against a real etcd + rks: typed verbs, compare-and-swap, each patch
 * type, pods/binding as a CAS, informers (handlers, namespace index, re-list after 410 Gone),
 * and events as `kubectl describe` shows them.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "../apiserver/_testing.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { isAlreadyExists, isConflict, isNotFound } from "./client_errors.ts";
import { ApiListWatch } from "./api_list_watch.ts";
import { EventDroppedError, EventRecorder } from "./event_recorder.ts";
import { KubeClient } from "./kube_client.ts";
import { SharedInformer } from "./shared_informer.ts";

const pod = (name: string, ns = "default", labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: "c", image: "nginx" }] },
});

Deno.test({
  name: "plane/client against a real rks and etcd",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");
    await using kube = await KubeClient.connect({
      kubeconfig: c.kubeconfig,
      fieldManager: "client-test",
    });

    await t.step("create, get, list with selectors and paging, update as CAS", async () => {
      await kube.create("namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "other" },
      });
      for (let i = 0; i < 5; i++) await kube.create("pods", pod(`p${i}`, "default", { i: `${i}` }));
      await kube.create("pods", pod("q", "other", { app: "q" }));
      await assert.rejects(kube.create("pods", pod("p0")), isAlreadyExists);
      const all = await kube.list("pods", { pageSize: 2 });
      assert.deepEqual(all.items.map((p) => p.metadata.name).sort(), [
        "p0",
        "p1",
        "p2",
        "p3",
        "p4",
        "q",
      ]);
      assert.equal(all.items[0]!.kind, "Pod");
      assert.match(all.resourceVersion, /^\d+$/);
      const sel = await kube.list("pods", { labelSelector: "i in (1,3)", namespace: "default" });
      assert.deepEqual(sel.items.map((p) => p.metadata.name).sort(), ["p1", "p3"]);
      const other = await kube.list("pods", { fieldSelector: "metadata.namespace=other" });
      assert.deepEqual(other.items.map((p) => p.metadata.name), ["q"]);

      const p1 = await kube.get("pods", "default", "p1");
      const stale = structuredClone(p1);
      p1.metadata.labels = { ...p1.metadata.labels, changed: "yes" };
      const updated = await kube.update("pods", p1);
      assert.equal(updated.metadata.labels?.changed, "yes");
      assert.notEqual(updated.metadata.resourceVersion, stale.metadata.resourceVersion);
      stale.metadata.labels = { lost: "update" };
      await assert.rejects(kube.update("pods", stale), isConflict);
      assert.equal(isNotFound(await kube.get("pods", "x", "y").catch((e) => e)), true);
      // createOnly: the answer is not decoded, errors are thrown as create throws them.
      const cm = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "quiet", namespace: "default" },
        data: { a: "1" },
      };
      assert.equal(await kube.createOnly("configmaps", cm), undefined);
      assert.deepEqual((await kube.get("configmaps", "default", "quiet")).data, { a: "1" });
      await assert.rejects(kube.createOnly("configmaps", cm), isAlreadyExists);
    });

    await t.step("patch: strategic, merge, json; status subresource", async () => {
      await kube.patch("pods", "default", "p2", { metadata: { labels: { s: "1" } } });
      await kube.patch("pods", "default", "p2", { metadata: { labels: { m: "2" } } }, "merge");
      const p = await kube.patch("pods", "default", "p2", [
        { op: "add", path: "/metadata/annotations", value: { j: "3" } },
      ], "json");
      assert.deepEqual(p.metadata.labels, { i: "2", s: "1", m: "2" });
      assert.deepEqual(p.metadata.annotations, { j: "3" });
      const st = await kube.patch(
        "pods",
        "default",
        "p2",
        {
          status: { phase: "Running" },
          spec: { nodeName: "ignored" },
        },
        "merge",
        { subresource: "status" },
      );
      assert.equal((st.status as { phase: string }).phase, "Running");
      assert.equal((st.spec as { nodeName?: string }).nodeName, undefined);
      const fresh = await kube.get("pods", "default", "p2");
      fresh.status = { ...(fresh.status as object), phase: "Succeeded" };
      const after = await kube.updateStatus("pods", fresh);
      assert.equal((after.status as { phase: string }).phase, "Succeeded");
    });

    await t.step("bind is a compare-and-swap: the second binding gets 409 Conflict", async () => {
      const p = await kube.get("pods", "default", "p3");
      await kube.bind(p, "n1");
      const err = await kube.bind(p, "n2").catch((e) => e);
      assert.equal(isConflict(err), true, String(err));
      assert.match(String(err), /already assigned to node "n1"/);
      const bound = await kube.get("pods", "default", "p3");
      assert.equal((bound.spec as { nodeName: string }).nodeName, "n1");
      // As kube-apiserver's binding: the PodScheduled condition is now True.
      const conds = (bound.status as { conditions: { type: string; status: string }[] }).conditions;
      assert.equal(conds.find((c) => c.type === "PodScheduled")?.status, "True");
      // A binding for another incarnation of the pod (uid) is refused.
      const other = await kube.create("pods", pod("p5"));
      const stale = await kube.bind(
        { metadata: { ...other.metadata, uid: "not-this-pod" } },
        "n1",
      ).catch((e) => e);
      assert.equal(isConflict(stale), true, String(stale));
      assert.match(String(stale), /Precondition failed: UID in precondition: not-this-pod/);
      await kube.delete("pods", "default", "p5", { gracePeriodSeconds: 0 });
    });

    await t.step("delete with preconditions and grace period", async () => {
      const p = await kube.get("pods", "default", "p4");
      const wrong = await kube.delete("pods", "default", "p4", {
        preconditions: { uid: "not-the-uid" },
      }).catch((e) => e);
      assert.equal(isConflict(wrong), true, String(wrong));
      await kube.delete("pods", "default", "p4", {
        gracePeriodSeconds: 0,
        preconditions: { uid: p.metadata.uid! },
      });
      await assert.rejects(kube.get("pods", "default", "p4"), isNotFound);
    });

    await t.step("informer: handlers, cache, namespace index, late handlers replay", async () => {
      const inf = new SharedInformer(kube, "pods");
      const log: string[] = [];
      await inf.addHandlers({
        add: (o) => void log.push(`add ${o.metadata.namespace}/${o.metadata.name}`),
        update: (o, old) =>
          void log.push(
            `update ${o.metadata.name} ${old.metadata.labels?.u ?? "-"}>${o.metadata.labels?.u}`,
          ),
        delete: (o) => void log.push(`delete ${o.metadata.name}`),
      });
      await inf.start();
      assert.equal(inf.list().length, 5);
      assert.deepEqual(inf.byNamespace("other").map((p) => p.metadata.name), ["q"]);
      await kube.patch("pods", "default", "p0", { metadata: { labels: { u: "1" } } });
      await kube.create("pods", pod("new", "other"));
      await kube.delete("pods", "default", "p1", { gracePeriodSeconds: 0 });
      await inf.waitFor(() =>
        inf.get("default", "p1") === undefined && inf.get("other", "new") !== undefined &&
        inf.get("default", "p0")?.metadata.labels?.u === "1"
      );
      assert.deepEqual(log.slice(5), ["update p0 ->1", "add other/new", "delete p1"]);
      assert.deepEqual(inf.byNamespace("other").map((p) => p.metadata.name).sort(), ["new", "q"]);
      const late: string[] = [];
      await inf.addHandlers({ add: (o) => void late.push(o.metadata.name) });
      assert.equal(late.length, 5);
      await inf.stop();
    });

    await t.step("list-watch: a compacted resourceVersion (410 Gone) becomes a RESET", async () => {
      // configmaps: nobody watched them yet, so the server's watch cache cannot serve the old
      // revision from memory and must answer 410 once etcd compacted it.
      const cm = (name: string): KubeObject => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: "default", labels: { app: "q" } },
      });
      await kube.create("configmaps", cm("a"));
      const lw = new ApiListWatch(kube, "configmaps", { labelSelector: "app=q" });
      const first = await lw.list();
      await kube.create("configmaps", cm("b"));
      // One more write: compacting at the head then removes the revision after `first`.
      await kube.create("configmaps", {
        ...cm("z"),
        metadata: { name: "z", namespace: "default" },
      });
      const head = await kube.list("configmaps");
      await c.store.compact(Number(head.resourceVersion));
      const ac = new AbortController();
      const evs = lw.watch(undefined, {
        resourceVersion: first.resourceVersion,
        signal: ac.signal,
      });
      const { value } = await evs.next();
      assert.equal(value?.type, "RESET");
      if (value?.type === "RESET") {
        assert.deepEqual(value.items.map((p: KubeObject) => p.metadata.name).sort(), ["a", "b"]);
      }
      // The watch then carries on from the fresh list.
      await kube.create("configmaps", cm("c"));
      const next = await evs.next();
      assert.equal(next.value?.type, "ADDED");
      ac.abort();
      await evs.return(undefined);
    });

    await t.step(
      "list-watch: each watch request ends after min..2×min seconds and resumes where it was",
      async () => {
        const asked: number[] = [];
        // Records the timeout of each watch request the list-watch makes.
        const counting = Object.create(kube) as KubeClient;
        counting.list = (resource, opts) => kube.list(resource, opts);
        counting.watch = (resource, opts = {}) => {
          asked.push(opts.timeoutSeconds ?? -1);
          return kube.watch(resource, opts);
        };
        const lw = new ApiListWatch(counting, "pods", {
          labelSelector: "rewatch=yes",
          minWatchTimeoutSeconds: 1,
        });
        const first = await lw.list();
        const ac = new AbortController();
        const evs = lw.watch(undefined, {
          resourceVersion: first.resourceVersion,
          signal: ac.signal,
        });
        const seen: string[] = [];
        const reading = (async () => {
          for await (const ev of evs) {
            if (ev.type === "ADDED") seen.push(ev.object.metadata.name);
          }
        })();
        await kube.create("pods", pod("rw-1", "default", { rewatch: "yes" }));
        // The server ends each request after 1–2 s; the list-watch asks again from where it was.
        for (let i = 0; i < 300 && asked.length < 3; i++) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(asked.length >= 3, `watch requests: ${asked.length}`);
        assert.ok(asked.every((s) => s >= 1 && s <= 2), `timeouts: ${asked}`);
        await kube.create("pods", pod("rw-2", "default", { rewatch: "yes" }));
        for (let i = 0; i < 100 && seen.length < 2; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        ac.abort();
        await reading;
        assert.deepEqual(seen, ["rw-1", "rw-2"], "each pod once, none lost across re-watches");
      },
    );

    await t.step("events: aggregated by count, shown by kubectl describe", async () => {
      const errors: unknown[] = [];
      const rec = new EventRecorder(kube, {
        component: "default-scheduler",
        onError: (e) => errors.push(e),
      });
      const p = await kube.get("pods", "default", "p0");
      const msg = "0/1 nodes are available: 1 Insufficient cpu.";
      await rec.event(p, "Warning", "FailedScheduling", msg);
      await rec.event(p, "Warning", "FailedScheduling", msg);
      await rec.event(p, "Warning", "FailedScheduling", msg);
      await rec.flush();
      assert.deepEqual(errors, []);
      const evs = await kube.list("events", {
        namespace: "default",
        fieldSelector: "involvedObject.name=p0",
      });
      assert.equal(evs.items.length, 1);
      const ev = evs.items[0]!;
      assert.equal(ev.count, 3);
      assert.equal(ev.reportingComponent, "default-scheduler");
      assert.deepEqual(ev.source, { component: "default-scheduler" });
      assert.equal((ev.involvedObject as { uid: string }).uid, p.metadata.uid);
      const d = await c.kubectl(["describe", "pod", "p0"]);
      assert.equal(d.code, 0, d.stderr);
      assert.match(
        d.stdout,
        /Warning\s+FailedScheduling\s+\S+\s+\(x3 over \S+\)\s+default-scheduler\s+0\/1 nodes are available: 1 Insufficient cpu\./,
      );
    });

    await t.step(
      "events: similar ones combine, spam is throttled (client-go's correlator)",
      async () => {
        const rec = new EventRecorder(kube, { component: "correlator-test" });
        const p = await kube.create("pods", pod("similar"));
        for (let i = 0; i < 15; i++) await rec.event(p, "Normal", "Created", `message ${i}`);
        // 30 repeats of one message: the object's bucket (25) is empty after 10 more.
        for (let i = 0; i < 30; i++) await rec.event(p, "Normal", "Pulled", "same message");
        await rec.flush();
        const evs = await kube.list("events", {
          namespace: "default",
          fieldSelector: "involvedObject.name=similar",
        });
        const created = evs.items.filter((e) => e.reason === "Created");
        const combined = created.filter((e) => String(e.message).startsWith("(combined"));
        assert.equal(created.length, 10); // 9 single ones, then one combined
        assert.equal(combined.length, 1);
        assert.equal(combined[0]!.message, "(combined from similar events): message 14");
        assert.equal(combined[0]!.count, 6);
        const pulled = evs.items.filter((e) => e.reason === "Pulled");
        assert.equal(pulled.length, 1);
        assert.equal(pulled[0]!.count, 10); // 25 tokens − 15 Created events
      },
    );

    await t.step(
      "events: a burst is bounded — repeats in flight fold, a full backlog drops",
      async () => {
        const errors: unknown[] = [];
        const rec = new EventRecorder(kube, {
          component: "burst-test",
          maxInFlight: 2,
          maxBacklog: 5,
          spamBurst: 0,
          aggregateMaxEvents: 1000,
          onError: (e) => errors.push(e),
        });
        const p = await kube.create("pods", pod("burst"));
        // 30 repeats sent at once: one Event whose count reaches 30, in a few writes.
        await Promise.all(
          Array.from({ length: 30 }, () => rec.event(p, "Normal", "Pulled", "same message")),
        );
        await rec.flush();
        // 20 distinct events sent at once: 2 writing + 5 waiting fit, the rest is dropped.
        for (let i = 0; i < 20; i++) void rec.event(p, "Normal", "Distinct", `message ${i}`);
        await rec.flush();
        const evs = await kube.list("events", {
          namespace: "default",
          fieldSelector: "involvedObject.name=burst",
        });
        const same = evs.items.filter((e) => e.reason === "Pulled");
        assert.equal(same.length, 1);
        assert.equal(same[0]!.count, 30);
        const distinct = evs.items.filter((e) => e.reason === "Distinct");
        const dropped = errors.filter((e) => e instanceof EventDroppedError);
        assert.equal(dropped.length, errors.length, String(errors[0]));
        assert.equal(distinct.length + dropped.length, 20);
        assert.ok(dropped.length > 0 && distinct.length >= 5, `${distinct.length} written`);
        assert.match(String(dropped[0]), /event Distinct about Pod default\/burst dropped/);
      },
    );
  },
});
