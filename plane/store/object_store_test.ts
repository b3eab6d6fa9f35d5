/**
 * The typed object layer and the informer against a real throwaway etcd, over both transports.
 */
import assert from "node:assert/strict";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import { waitFor } from "../../core/testing.ts";
import { connectStore } from "./etcd_client.ts";
import { startTestEtcd } from "./_testing.ts";
import {
  AlreadyExistsError,
  CasConflictError,
  InvalidObjectError,
  StoreDataError,
  StoreUnavailableError,
} from "./errors.ts";
import { Informer } from "./informer.ts";
import type { KubeObject } from "./kube_object.ts";
import { type ObjectEvent, ObjectStore } from "./object_store.ts";
import { startTcpProxy } from "./_tcp_proxy.ts";

interface Pod extends KubeObject {
  spec: { image: string };
}

const pod = (name: string, image = "busybox", namespace?: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec: { image },
});

function show(e: ObjectEvent<Pod>): string {
  switch (e.type) {
    case "RESET":
      return `RESET ${e.items.map((o) => o.metadata.name).join(",")}`;
    case "BOOKMARK":
      return "BOOKMARK";
    default:
      return `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name} ${e.object.spec.image}@${e.object.metadata.resourceVersion}`;
  }
}

for (const transport of ["http", "grpc"] as const) {
  Deno.test({
    name: `ObjectStore and Informer over ${transport}`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      await using etcd = await startTestEtcd();
      const endpoint = (port: number) =>
        transport === "http" ? `http://127.0.0.1:${port}` : `grpc://127.0.0.1:${port}`;
      await using store = connectStore({ endpoints: endpoint(etcd.port) });
      const resource = `pods${crypto.randomUUID().slice(0, 6)}`;
      const pods = new ObjectStore<Pod>(store, resource);

      await t.step("create stores a new object once and sets its metadata", async () => {
        const created = await pods.create(pod("web"));
        assert.equal(created.metadata.namespace, "default");
        assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
        assert.match(created.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        const kv = await store.get(`/registry/${resource}/default/web`);
        assert.ok(kv);
        assert.equal(created.metadata.resourceVersion, String(kv.modRevision));
        // resourceVersion is not stored inside the value: it is the key's mod_revision.
        assert.equal(
          JSON.parse(new TextDecoder().decode(kv.value)).metadata.resourceVersion,
          undefined,
        );
        await assert.rejects(pods.create(pod("web")), (e: unknown) => {
          assert.ok(e instanceof AlreadyExistsError && e instanceof ConflictError);
          assert.equal(e.id, "default/web");
          assert.equal(e.actualRevision, kv.modRevision);
          return true;
        });
        const got = await pods.get("default", "web");
        assert.deepEqual(got, created);
        assert.equal(await pods.get("default", "nope"), undefined);
      });

      await t.step("update is a compare-and-swap on resourceVersion", async () => {
        const a = (await pods.get("default", "web"))!;
        const b = structuredClone(a);
        a.spec.image = "nginx";
        const updated = await pods.update(a);
        assert.ok(Number(updated.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
        b.spec.image = "redis";
        await assert.rejects(pods.update(b), (e: unknown) => {
          assert.ok(e instanceof CasConflictError && e instanceof ConflictError);
          assert.equal(e.expectedRevision, Number(b.metadata.resourceVersion));
          assert.equal(e.actualRevision, Number(updated.metadata.resourceVersion));
          assert.equal(e.key, `/registry/${resource}/default/web`);
          return true;
        });
        assert.equal((await pods.get("default", "web"))!.spec.image, "nginx");
        await assert.rejects(
          pods.update({ ...pod("ghost"), metadata: { name: "ghost", resourceVersion: "5" } }),
          NotFoundError,
        );
        await assert.rejects(pods.update(pod("norv")), InvalidObjectError);
      });

      await t.step("list is one snapshot across namespaces; names are validated", async () => {
        await pods.create(pod("db", "postgres", "prod"));
        await pods.create(pod("cache", "redis", "prod"));
        const all = await pods.list();
        assert.deepEqual(
          all.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
          ["default/web", "prod/cache", "prod/db"],
        );
        const prod = await pods.list("prod");
        assert.equal(prod.items.length, 2);
        assert.ok(
          all.items.every((p) => Number(p.metadata.resourceVersion) <= Number(all.resourceVersion)),
        );
        await assert.rejects(pods.create(pod("a/b")), (e: unknown) => {
          assert.ok(e instanceof InvalidObjectError);
          assert.equal(e.path, "metadata.name");
          return true;
        });
        await store.put(`/registry/${resource}/default/broken`, '{"kind":"Pod"}');
        await assert.rejects(pods.get("default", "broken"), (e: unknown) => {
          assert.ok(e instanceof StoreDataError);
          assert.equal(e.key, `/registry/${resource}/default/broken`);
          assert.match(e.message, /apiVersion: expected a string/);
          return true;
        });
        await store.delete(`/registry/${resource}/default/broken`);
      });

      await t.step("delete honours a resourceVersion precondition", async () => {
        const db = (await pods.get("prod", "db"))!;
        await pods.update(db);
        await assert.rejects(
          pods.delete("prod", "db", { resourceVersion: db.metadata.resourceVersion! }),
          CasConflictError,
        );
        const gone = await pods.delete("prod", "db");
        assert.equal(gone.spec.image, "postgres");
        await assert.rejects(pods.delete("prod", "db"), NotFoundError);
      });

      await t.step("watch yields typed ADDED, MODIFIED and DELETED events", async () => {
        const from = await pods.list();
        const ac = new AbortController();
        const it = pods.watch(undefined, {
          resourceVersion: from.resourceVersion,
          signal: ac.signal,
        });
        const created = await pods.create(pod("api", "deno", "prod"));
        const changed = await pods.update({ ...created, spec: { image: "deno2" } });
        await pods.delete("prod", "api");
        const seen: string[] = [];
        for await (const ev of it) {
          if (ev.type === "BOOKMARK") continue;
          seen.push(show(ev));
          if (seen.length === 3) break;
        }
        ac.abort();
        const rv = Number(changed.metadata.resourceVersion);
        assert.deepEqual(seen, [
          `ADDED prod/api deno@${created.metadata.resourceVersion}`,
          `MODIFIED prod/api deno2@${rv}`,
          `DELETED prod/api deno2@${rv + 1}`,
        ]);
      });

      await t.step("informer caches list + watch and resyncs after a compaction", async () => {
        await using proxy = await startTcpProxy(etcd.port);
        await using viaProxy = connectStore({ endpoints: endpoint(proxy.port) });
        const log: string[] = [];
        const informer = new Informer(new ObjectStore<Pod>(viaProxy, resource), {
          handlers: {
            added: (p) => void log.push(`added ${p.metadata.name}`),
            modified: (p, old) =>
              void log.push(`modified ${p.metadata.name} ${old.spec.image}>${p.spec.image}`),
            deleted: (p) => void log.push(`deleted ${p.metadata.name}`),
          },
        });
        await informer.start();
        assert.deepEqual(log.splice(0), ["added web", "added cache"]);
        await pods.create(pod("one", "x"));
        await waitFor("the informer to see one", () => informer.get("default", "one"));
        assert.deepEqual(log.splice(0), ["added one"]);
        // Cut the informer's watch; change things while it is away; compact the history.
        proxy.pause();
        proxy.cut();
        await pods.delete("default", "one");
        const web = (await pods.get("default", "web"))!;
        await pods.update({ ...web, spec: { image: "httpd" } });
        const two = await pods.create(pod("two", "y"));
        await store.compact(Number(two.metadata.resourceVersion));
        proxy.resume();
        await waitFor("the informer to reset", () => informer.resets === 1);
        assert.deepEqual(log.splice(0).sort(), [
          "added two",
          "deleted one",
          "modified web nginx>httpd",
        ]);
        assert.deepEqual(
          informer.list().map((p) => p.metadata.name).sort(),
          ["cache", "two", "web"],
        );
        assert.equal(informer.get("default", "web")!.spec.image, "httpd");
        await pods.delete("prod", "cache");
        await waitFor("the informer to drop cache", () => !informer.get("prod", "cache"));
        assert.deepEqual(log.splice(0), ["deleted cache"]);
        await informer.stop();
      });

      await t.step("an informer reports a failed watch, re-lists and recovers", async () => {
        await using proxy = await startTcpProxy(etcd.port);
        await using viaProxy = connectStore({
          endpoints: endpoint(proxy.port),
          watchReconnectTimeoutMs: 300,
        });
        const errors: unknown[] = [];
        const log: string[] = [];
        const informer = new Informer(new ObjectStore<Pod>(viaProxy, resource), {
          retryMs: 100,
          handlers: {
            added: (p) => void log.push(`added ${p.metadata.name}`),
            deleted: (p) => void log.push(`deleted ${p.metadata.name}`),
            error: (e) => void errors.push(e),
          },
        });
        await informer.start();
        log.length = 0;
        proxy.pause();
        proxy.cut();
        await waitFor("the watch to give up", () => errors.length > 0);
        assert.ok(errors[0] instanceof StoreUnavailableError, String(errors[0]));
        await pods.create(pod("three", "z"));
        await pods.delete("default", "two");
        proxy.resume();
        await waitFor(
          "the informer to re-list",
          () => informer.get("default", "three") && !informer.get("default", "two"),
        );
        assert.deepEqual(log.sort(), ["added three", "deleted two"]);
        assert.ok(informer.resets >= 1);
        // And it watches again after the re-list.
        await pods.create(pod("four", "w"));
        await waitFor("the informer to see four", () => informer.get("default", "four"));
        await informer.stop();
      });
    },
  });
}
