/**
 * Cascading deletion with the real kubectl: `--cascade=background` (the default),
 * `--cascade=orphan` and `--cascade=foreground`, over owner reference chains.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { startTestCluster, type TestCluster } from "./_testing.ts";

async function create(c: TestCluster, path: string, body: unknown): Promise<string> {
  const res = await c.request(path, { method: "POST", body: JSON.stringify(body) });
  const obj = await res.json();
  assert.equal(res.status, 201, JSON.stringify(obj));
  return obj.metadata.uid;
}

const deployment = (name: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
    },
  },
});

const owned = (kind: string, name: string, owner: { kind: string; name: string; uid: string }) => ({
  apiVersion: kind === "ReplicaSet" ? "apps/v1" : "v1",
  kind,
  metadata: {
    name,
    ownerReferences: [{
      apiVersion: owner.kind === "Deployment" || owner.kind === "ReplicaSet" ? "apps/v1" : "v1",
      kind: owner.kind,
      name: owner.name,
      uid: owner.uid,
      controller: true,
      blockOwnerDeletion: true,
    }],
  },
  ...(kind === "ReplicaSet"
    ? {
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
        },
      },
    }
    : { spec: { containers: [{ name: "c", image: "busybox:1.36" }] } }),
});

const apps = "/apis/apps/v1/namespaces/default";
const core = "/api/v1/namespaces/default";

async function exists(c: TestCluster, path: string): Promise<boolean> {
  const res = await c.request(path);
  await res.body?.cancel();
  return res.status === 200;
}

async function chain(c: TestCluster, name: string) {
  const d = await create(c, `${apps}/deployments`, deployment(name));
  const rs = await create(
    c,
    `${apps}/replicasets`,
    owned("ReplicaSet", `${name}-rs`, { kind: "Deployment", name, uid: d }),
  );
  await create(
    c,
    `${core}/pods`,
    owned("Pod", `${name}-pod`, { kind: "ReplicaSet", name: `${name}-rs`, uid: rs }),
  );
}

Deno.test({
  name: "kubectl delete --cascade background, orphan and foreground follow owner references",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("grpc");

    await t.step(
      "background (default): the owner goes, then its dependents, transitively",
      async () => {
        await chain(c, "bg");
        const r = await c.kubectl(["delete", "deployment", "bg"]);
        assert.match(r.stdout, /deployment.apps "bg" deleted/, r.stderr);
        await waitFor(
          "the replicaset and the pod to go",
          async () =>
            !(await exists(c, `${apps}/replicasets/bg-rs`)) &&
            !(await exists(c, `${core}/pods/bg-pod`)),
        );
      },
    );

    await t.step("orphan: dependents stay, without the owner reference", async () => {
      await chain(c, "or");
      const r = await c.kubectl(["delete", "deployment", "or", "--cascade=orphan"]);
      assert.match(r.stdout, /deployment.apps "or" deleted/, r.stderr);
      assert.equal(await exists(c, `${apps}/deployments/or`), false);
      const rs = await (await c.request(`${apps}/replicasets/or-rs`)).json();
      assert.equal(rs.metadata.ownerReferences, undefined);
      assert.ok(await exists(c, `${core}/pods/or-pod`), "the grandchild keeps its owner");
    });

    await t.step("foreground: dependents go first, kubectl waits for the owner", async () => {
      await chain(c, "fg");
      const r = await c.kubectl(["delete", "deployment", "fg", "--cascade=foreground"]);
      assert.match(r.stdout, /deployment.apps "fg" deleted/, r.stderr);
      await waitFor("the owner to go", async () => !(await exists(c, `${apps}/deployments/fg`)));
      assert.equal(await exists(c, `${apps}/replicasets/fg-rs`), false);
      assert.equal(await exists(c, `${core}/pods/fg-pod`), false);
    });

    await t.step(
      "foreground: only dependents with blockOwnerDeletion hold the owner",
      async () => {
        const cm = (name: string, extra: Record<string, unknown> = {}) => ({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name, ...extra },
        });
        const del = (name: string, body: unknown) =>
          c.request(`${core}/configmaps/${name}`, { method: "DELETE", body: JSON.stringify(body) })
            .then((r) => r.body?.cancel());
        const ref = (name: string, uid: string, block: boolean) => ({
          ownerReferences: [{
            apiVersion: "v1",
            kind: "ConfigMap",
            name,
            uid,
            blockOwnerDeletion: block,
          }],
          finalizers: ["example.com/hold"],
        });
        const release = (name: string) =>
          c.request(`${core}/configmaps/${name}`, {
            method: "PATCH",
            headers: { "content-type": "application/merge-patch+json" },
            body: JSON.stringify({ metadata: { finalizers: null } }),
          }).then((r) => r.body?.cancel());
        // A non-blocking dependent held by its own finalizer does not keep the owner.
        const a = await create(c, `${core}/configmaps`, cm("owner-a"));
        await create(c, `${core}/configmaps`, cm("loose", ref("owner-a", a, false)));
        await del("owner-a", { propagationPolicy: "Foreground" });
        await waitFor(
          "owner-a to go",
          async () => !(await exists(c, `${core}/configmaps/owner-a`)),
        );
        // A blocking one does, until its finalizer is removed.
        const b = await create(c, `${core}/configmaps`, cm("owner-b"));
        await create(c, `${core}/configmaps`, cm("tight", ref("owner-b", b, true)));
        await del("owner-b", { propagationPolicy: "Foreground" });
        await waitFor("tight to be terminating", async () => {
          const o = await (await c.request(`${core}/configmaps/tight`)).json();
          return o.metadata?.deletionTimestamp !== undefined;
        });
        await new Promise((r) => setTimeout(r, 500));
        assert.ok(await exists(c, `${core}/configmaps/owner-b`), "the blocking dependent holds it");
        await release("tight");
        await waitFor(
          "owner-b to go",
          async () => !(await exists(c, `${core}/configmaps/owner-b`)),
        );
        await release("loose");
        await waitFor("loose to go", async () => !(await exists(c, `${core}/configmaps/loose`)));
      },
    );

    await t.step(
      "an orphan finalizer set by the author: a plain delete orphans the dependents",
      async () => {
        const owner = await create(c, `${core}/configmaps`, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "owner-o", finalizers: ["orphan"] },
        });
        await create(c, `${core}/configmaps`, {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: {
            name: "child-o",
            ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner-o", uid: owner }],
          },
        });
        const res = await c.request(`${core}/configmaps/owner-o`, { method: "DELETE" });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.deepEqual(body.metadata.finalizers, ["orphan"]); // kept until the dependents are free
        await waitFor(
          "owner-o to go",
          async () => !(await exists(c, `${core}/configmaps/owner-o`)),
        );
        const child = await (await c.request(`${core}/configmaps/child-o`)).json();
        assert.equal(child.metadata.ownerReferences, undefined);
        assert.equal(child.metadata.deletionTimestamp, undefined);
      },
    );
  },
});
