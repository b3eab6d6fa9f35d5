import assert from "node:assert/strict";
import { findResource } from "../api/resources.ts";
import { connectStore } from "../store/etcd_client.ts";
import { startTestEtcd } from "../store/_testing.ts";
import { ApiError } from "./api_error.ts";
import type { ApiObject } from "./object_codec.ts";
import { type NamespaceGate, RestStorage } from "./rest_storage.ts";

const noNamespaces: NamespaceGate = {
  view: () => Promise.reject(new Error("cluster-scoped only")),
  keyOf: (ns) => `/registry/namespaces/${ns}`,
  observe: () => {
    throw new Error("cluster-scoped only");
  },
};

Deno.test("RestStorage.update starts from the watch cache's copy and retries a stale one from the store", async (t) => {
  await using etcd = await startTestEtcd();
  await using store = connectStore({ endpoints: etcd.grpcUrl });
  const nodes = findResource("", "v1", "nodes")!;
  let copy: ApiObject | undefined;
  let asked = 0;
  const st = new RestStorage(store, nodes, noNamespaces, () => {}, () => {
    asked++;
    return copy;
  });
  const first = await st.create(undefined, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1", labels: { a: "1" } },
  });
  const label = (v: string) => (cur: ApiObject) => {
    cur.metadata.labels = { a: v };
    delete cur.metadata.resourceVersion;
    return cur;
  };

  await t.step("a current copy: one txn, the change stored", async () => {
    copy = first;
    const out = await st.update(undefined, "n1", undefined, label("2"));
    assert.equal(asked, 1);
    assert.deepEqual(out.metadata.labels, { a: "2" });
    assert.ok(Number(out.metadata.resourceVersion) > Number(first.metadata.resourceVersion));
    assert.deepEqual((await st.get(undefined, "n1")).metadata.labels, { a: "2" });
  });

  await t.step(
    "a stale copy: the compare fails and the update is redone on the stored object",
    async () => {
      copy = first; // still says a=1 at the first revision
      const seen: string[] = [];
      const out = await st.update(undefined, "n1", undefined, (cur) => {
        seen.push(String(cur.metadata.labels && (cur.metadata.labels as Record<string, string>).a));
        return label("3")(cur);
      });
      assert.deepEqual(seen, ["1", "2"]);
      assert.deepEqual(out.metadata.labels, { a: "3" });
      assert.deepEqual((await st.get(undefined, "n1")).metadata.labels, { a: "3" });
    },
  );

  await t.step("a stale copy that would be a no-op is checked against the store", async () => {
    copy = { ...first, metadata: { ...first.metadata, labels: { a: "4" } } };
    const out = await st.update(undefined, "n1", undefined, label("4"));
    assert.deepEqual((await st.get(undefined, "n1")).metadata.labels, { a: "4" });
    assert.deepEqual(out.metadata.labels, { a: "4" });
  });

  await t.step(
    "the client's resourceVersion is checked against the store, not the copy",
    async () => {
      const now = await st.get(undefined, "n1");
      copy = first; // stale: its resourceVersion differs from the client's current one
      const ok = await st.update(undefined, "n1", undefined, (cur) => {
        cur.metadata.labels = { a: "5" };
        cur.metadata.resourceVersion = now.metadata.resourceVersion;
        return cur;
      });
      assert.deepEqual(ok.metadata.labels, { a: "5" });
      copy = undefined;
      await assert.rejects(
        st.update(undefined, "n1", undefined, (cur) => {
          cur.metadata.labels = { a: "6" };
          cur.metadata.resourceVersion = now.metadata.resourceVersion; // now outdated
          return cur;
        }),
        (e) => e instanceof ApiError && e.status.code === 409,
      );
    },
  );

  await t.step("a copy of a deleted object ends in 404 from the store", async () => {
    const last = await st.get(undefined, "n1");
    await st.delete(undefined, "n1");
    copy = last;
    await assert.rejects(
      st.update(undefined, "n1", undefined, label("7")),
      (e) => e instanceof ApiError && e.status.code === 404,
    );
  });
});
