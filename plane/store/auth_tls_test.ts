/**
 * Username/password authentication and TLS (with client certificates) against real etcd
 * servers configured for them, over each transport (gRPC also with its calls in a worker thread). The certificates in testdata/tls were
 * generated once with openssl for 127.0.0.1 (valid until 2126).
 */
import assert from "node:assert/strict";
import { connectStore } from "./etcd_client.ts";
import { startTestEtcd } from "./_testing.ts";
import { KvStoreError, StoreUnavailableError } from "./errors.ts";
import { startTcpProxy } from "./_tcp_proxy.ts";

const tlsDir = new URL("./testdata/tls/", import.meta.url).pathname;
const dec = new TextDecoder();

/** Calls the etcd JSON gateway directly (used to set up users before auth is on). */
async function gateway(url: string, path: string, body: unknown, token?: string): Promise<void> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: token ? { authorization: token } : {},
  });
  const text = await res.text();
  assert.ok(res.ok, `${path}: HTTP ${res.status} ${text}`);
}

/** Each transport: the JSON gateway, gRPC, and gRPC with its unary calls in a worker thread. */
function variants(etcd: { httpUrl: string; grpcUrl: string }): [string, boolean][] {
  return [[etcd.httpUrl, false], [etcd.grpcUrl, false], [etcd.grpcUrl, true]];
}

Deno.test({
  name: "username/password authentication over each transport",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using etcd = await startTestEtcd();
    await gateway(etcd.httpUrl, "/v3/auth/role/add", { name: "root" });
    await gateway(etcd.httpUrl, "/v3/auth/user/add", { name: "root", password: "rootpw" });
    await gateway(etcd.httpUrl, "/v3/auth/user/grant", { user: "root", role: "root" });
    await gateway(etcd.httpUrl, "/v3/auth/enable", {});
    for (const [endpoint, grpcWorker] of variants(etcd)) {
      const label = `${endpoint.split(":")[0]}${grpcWorker ? " (worker)" : ""}`;
      await t.step(
        `${label}: a client with the password reads and writes`,
        async () => {
          await using store = connectStore({
            endpoints: endpoint,
            grpcWorker,
            username: "root",
            password: "rootpw",
          });
          await store.put("/auth/k", endpoint);
          assert.equal(dec.decode((await store.get("/auth/k"))!.value), endpoint);
          const seen: string[] = [];
          const ac = new AbortController();
          const { revision } = await store.put("/auth/w", "1");
          for await (
            const ev of store.watch("/auth/w", { startRevision: revision, signal: ac.signal })
          ) {
            if (ev.type === "put") seen.push(dec.decode(ev.kv.value));
            ac.abort();
          }
          assert.deepEqual(seen, ["1"]);
        },
      );
      await t.step(`${label}: no or wrong credentials are refused`, async () => {
        await using anonymous = connectStore({ endpoints: endpoint, grpcWorker });
        await assert.rejects(anonymous.get("/auth/k"), (e: unknown) => {
          assert.ok(e instanceof KvStoreError, String(e));
          assert.match(e.message, /user name is empty|permission denied|invalid auth token/);
          assert.equal(e.key, "/auth/k");
          return true;
        });
        await using wrong = connectStore({
          endpoints: endpoint,
          grpcWorker,
          username: "root",
          password: "nope",
        });
        await assert.rejects(wrong.get("/auth/k"), (e: unknown) => {
          assert.ok(e instanceof KvStoreError, String(e));
          assert.match(e.message, /authentication failed/);
          return true;
        });
      });
    }
  },
});

Deno.test({
  name: "TLS with client certificates over each transport",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using etcd = await startTestEtcd({
      tls: {
        caFile: `${tlsDir}ca.pem`,
        certFile: `${tlsDir}server.pem`,
        keyFile: `${tlsDir}server.key`,
        clientCertFile: `${tlsDir}client.pem`,
        clientKeyFile: `${tlsDir}client.key`,
      },
    });
    assert.match(etcd.httpUrl, /^https:/);
    const tls = {
      caCert: await Deno.readTextFile(`${tlsDir}ca.pem`),
      cert: await Deno.readTextFile(`${tlsDir}client.pem`),
      key: await Deno.readTextFile(`${tlsDir}client.key`),
    };
    for (const [endpoint, grpcWorker] of variants(etcd)) {
      const label = `${endpoint.split(":")[0]}${grpcWorker ? " (worker)" : ""}`;
      await t.step(`${label}: mutual TLS works`, async () => {
        await using store = connectStore({ endpoints: endpoint, tls, grpcWorker });
        await store.put("/tls/k", endpoint);
        assert.equal(dec.decode((await store.get("/tls/k"))!.value), endpoint);
        assert.equal((await store.list("/tls/")).kvs.length >= 1, true);
      });
      await t.step(
        `${label}: a client without a certificate is refused`,
        async () => {
          await using store = connectStore({
            endpoints: endpoint,
            grpcWorker,
            tls: { caCert: tls.caCert },
            timeoutMs: 3000,
          });
          await assert.rejects(store.get("/tls/k"), (e: unknown) => {
            assert.ok(e instanceof StoreUnavailableError, String(e));
            assert.deepEqual(e.endpoints, [endpoint]);
            return true;
          });
        },
      );
      await t.step(
        `${label}: a certificate for another address is refused`,
        async () => {
          // The server certificate names 127.0.0.1 only; reach the same server as 127.0.0.2.
          await using proxy = await startTcpProxy(etcd.port, { hostname: "127.0.0.2" });
          const other = endpoint.replace(`127.0.0.1:${etcd.port}`, `127.0.0.2:${proxy.port}`);
          await using store = connectStore({
            endpoints: other,
            tls,
            timeoutMs: 3000,
            grpcWorker,
          });
          await assert.rejects(store.get("/tls/k"), (e: unknown) => {
            assert.ok(e instanceof StoreUnavailableError, String(e));
            return true;
          });
          assert.ok(proxy.accepted > 0, "the client never connected, so nothing was verified");
          // The same certificate through the same proxy is accepted under its own name.
          await using good = await startTcpProxy(etcd.port);
          await using ok = connectStore({
            endpoints: endpoint.replace(`:${etcd.port}`, `:${good.port}`),
            tls,
            grpcWorker,
          });
          assert.ok(await ok.get("/tls/k"));
        },
      );
    }
  },
});
