import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { startTestCluster } from "./_testing.ts";
import { LeaseManager } from "./lease_manager.ts";

const event = (name: string) => `
apiVersion: v1
kind: Event
metadata: {name: ${name}, namespace: default}
involvedObject: {kind: Pod, name: p, namespace: default}
reason: Testing
message: expires
type: Normal
`;

Deno.test({
  name: "Events expire after --event-ttl under an etcd lease; other objects stay",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using c = await startTestCluster("grpc", undefined, { eventTtlSeconds: 4 });
    for (const name of ["e1", "e2", "e3"]) {
      const r = await c.kubectl(["apply", "-f", "-"], event(name));
      assert.equal(r.code, 0, r.stderr);
    }
    const cm = await c.kubectl(["create", "configmap", "keep", "--from-literal=a=b"]);
    assert.equal(cm.code, 0, cm.stderr);
    // Each Event is under a lease (TTL 4 s: too short for a reuse window, so one each, as
    // kube-apiserver's lease manager does below 20 s); the ConfigMap has none.
    const leases = new Set<string>();
    for (const name of ["e1", "e2", "e3"]) {
      const kv = await c.store.get(`/registry/events/default/${name}`);
      assert.ok(kv, name);
      leases.add(kv.lease);
    }
    assert.ok(!leases.has("0"), [...leases].join());
    assert.equal((await c.store.get("/registry/configmaps/default/keep"))?.lease, "0");
    // Seen through events.k8s.io too, then gone from both once the lease expires.
    const both = await c.kubectl(["get", "events.v1.events.k8s.io", "-o", "name"]);
    assert.match(both.stdout, /e1/);
    await waitFor("the Events to expire", async () => {
      const r = await c.kubectl(["get", "events", "-o", "name"]);
      return r.code === 0 && !/event\/e[123]/.test(r.stdout);
    }, { timeoutMs: 60_000, intervalMs: 250 });
    const kept = await c.kubectl(["get", "configmap", "keep", "-o", "name"]);
    assert.equal(kept.code, 0, kept.stderr);
    // A write after the lease expired gets a new lease (the manager replaces the lost one).
    const again = await c.kubectl(["apply", "-f", "-"], event("e4"));
    assert.equal(again.code, 0, again.stderr);
    const kv = await c.store.get("/registry/events/default/e4");
    assert.ok(kv && kv.lease !== "0" && !leases.has(kv.lease));
  },
});

Deno.test("LeaseManager: one grant for concurrent callers; a forgotten lease is replaced", async () => {
  let grants = 0;
  const ttls: number[] = [];
  const store = {
    grantLease(ttl: number) {
      ttls.push(ttl);
      return Promise.resolve({ id: String(++grants), ttl });
    },
  };
  let now = 1_000_000;
  const m = new LeaseManager(store, () => now);
  const ids = await Promise.all(Array.from({ length: 50 }, () => m.leaseFor(3600)));
  assert.deepEqual(new Set(ids), new Set(["1"]));
  assert.deepEqual(ttls, [3660]); // TTL + min(60 s, 5 % of it)
  assert.equal(await m.leaseFor(100), "2"); // another TTL, another lease: 100 + 5 s
  assert.equal(ttls[1], 105);
  now += 5_000;
  assert.equal(await m.leaseFor(100), "2"); // still lives ≥ 100 s
  now += 1;
  assert.equal(await m.leaseFor(100), "3");
  m.forget("1");
  assert.equal(await m.leaseFor(3600), "4");
  // A failed grant is not kept: the next call tries again.
  const failing = new LeaseManager({
    grantLease: () => Promise.reject(new Error("etcd down")),
  });
  await assert.rejects(failing.leaseFor(60), /etcd down/);
  await assert.rejects(failing.leaseFor(60), /etcd down/);
});
