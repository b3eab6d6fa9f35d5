/**
 * `grpcWorker: true` (the gRPC unary calls in a worker thread) against a real etcd: it applies to
 * gRPC endpoints only, values come back byte for byte (a 6 MiB list too), a failed compare is a
 * failed txn, etcd's error answers and unreachable or stopped servers come back as the same typed
 * errors as in-thread (`LeaseNotFoundError`, `KvStoreError` with the gRPC code,
 * `StoreUnavailableError`, `StoreTimeoutError`), watches work, and closing lets a call in flight
 * finish.
 */
import assert from "node:assert/strict";
import { Connection } from "./_connection.ts";
import { connectStore } from "./etcd_client.ts";
import { startTestEtcd } from "./_testing.ts";
import {
  KvStoreError,
  LeaseNotFoundError,
  StoreTimeoutError,
  StoreUnavailableError,
} from "./errors.ts";
import { errorData, errorFromData } from "./_worker_messages.ts";
import { WorkerGrpcTransport } from "./_worker_transport.ts";
import { putRequest, rangeRequest, record } from "./_wire.ts";

const dec = new TextDecoder();

async function signal(pid: number, sig: "STOP" | "CONT"): Promise<void> {
  const out = await new Deno.Command("kill", { args: [`-${sig}`, String(pid)] }).output();
  assert.equal(out.code, 0);
}

Deno.test("grpc worker: answers, typed errors, watches and close", async (t) => {
  await using etcd = await startTestEtcd();
  await using store = connectStore({ endpoints: etcd.grpcUrl, timeoutMs: 2000, grpcWorker: true });

  await t.step("grpcWorker takes the worker for gRPC endpoints only", () => {
    const c = new Connection({ endpoints: [etcd.grpcUrl, etcd.httpUrl], grpcWorker: true });
    assert.ok(c.transports[0] instanceof WorkerGrpcTransport);
    assert.ok(!(c.transports[1] instanceof WorkerGrpcTransport));
    c.close();
    const plain = new Connection({ endpoints: etcd.grpcUrl });
    assert.ok(!(plain.transports[0] instanceof WorkerGrpcTransport));
    plain.close();
  });

  await t.step("bytes come back as written; a 6 MiB list arrives whole", async () => {
    const all = new Uint8Array(256).map((_, i) => i);
    await store.put("/w/bytes", all);
    // In-thread the value is a Buffer, through the worker a Uint8Array: compare the bytes.
    assert.deepEqual(new Uint8Array((await store.get("/w/bytes"))!.value), all);
    const value = "x".repeat(20_000);
    for (let i = 0; i < 300; i += 50) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, j) => store.put(`/w/big/${String(i + j).padStart(4, "0")}`, value),
        ),
      );
    }
    const list = await store.list("/w/big/");
    assert.equal(list.kvs.length, 300);
    assert.equal(list.kvs[299]!.key, "/w/big/0299");
    assert.ok(list.kvs.every((kv) => kv.value.length === 20_000 && dec.decode(kv.value) === value));
  });

  await t.step("a txn whose compare fails runs its failure branch", async () => {
    const { revision } = await store.put("/w/cas", "1");
    const ok = await store.txn({
      compare: [{ key: "/w/cas", target: "mod", result: "equal", value: revision }],
      success: [{ type: "put", key: "/w/cas", value: "2" }],
    });
    assert.equal(ok.succeeded, true);
    const stale = await store.txn({
      compare: [{ key: "/w/cas", target: "mod", result: "equal", value: revision }],
      success: [{ type: "put", key: "/w/cas", value: "3" }],
      failure: [{ type: "get", key: "/w/cas" }],
    });
    assert.equal(stale.succeeded, false);
    const got = stale.results[0];
    assert.ok(got?.type === "get");
    assert.equal(dec.decode(got.kvs[0]!.value), "2");
    assert.equal(dec.decode((await store.get("/w/cas"))!.value), "2");
  });

  await t.step("etcd's error answers keep their class, code and message", async () => {
    await assert.rejects(store.keepAliveOnce("1234567"), LeaseNotFoundError);
    const { revision } = await store.put("/w/rev", "1");
    await assert.rejects(store.compact(revision + 1000), (e: unknown) => {
      assert.ok(e instanceof KvStoreError, String(e));
      assert.equal(e.code, 11);
      assert.match(e.message, /future revision/);
      return true;
    });
  });

  await t.step("a watch sees a put made through the worker", async () => {
    const { revision } = await store.put("/w/watch", "a");
    const ac = new AbortController();
    const seen: string[] = [];
    for await (
      const ev of store.watch("/w/watch", { startRevision: revision, signal: ac.signal })
    ) {
      if (ev.type === "put") seen.push(dec.decode(ev.kv.value));
      ac.abort();
    }
    assert.deepEqual(seen, ["a"]);
  });

  await t.step("an unreachable endpoint is StoreUnavailableError", async () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    const endpoint = `grpc://127.0.0.1:${port}`;
    await using dead = connectStore({ endpoints: endpoint, timeoutMs: 2000, grpcWorker: true });
    await assert.rejects(dead.get("/x"), (e: unknown) => {
      assert.ok(e instanceof StoreUnavailableError, String(e));
      assert.deepEqual(e.endpoints, [endpoint]);
      assert.equal(e.key, "/x");
      return true;
    });
  });

  await t.step("a stopped server is StoreTimeoutError", async () => {
    await signal(etcd.pid!, "STOP");
    try {
      await assert.rejects(store.put("/w/stalled", "1"), (e: unknown) => {
        assert.ok(e instanceof StoreTimeoutError, String(e));
        assert.equal(e.operation, "put");
        assert.equal(e.key, "/w/stalled");
        return true;
      });
    } finally {
      await signal(etcd.pid!, "CONT");
    }
  });

  await t.step("closing lets a call in flight finish, then refuses calls", async () => {
    const transport = new WorkerGrpcTransport(etcd.grpcUrl);
    const opts = { timeoutMs: 30_000, operation: "put" };
    const put = transport.call("Put", putRequest("/w/closing", "1"), opts);
    transport.close();
    assert.ok(record(await put, "put").header);
    await assert.rejects(transport.call("Range", rangeRequest("/w/closing"), opts), /closed/);
    assert.equal(dec.decode((await store.get("/w/closing"))!.value), "1");
  });
});

Deno.test("worker errors as data come back with their class and fields", () => {
  const cases = [
    new StoreUnavailableError(["grpc://a:1", "grpc://b:2"], "connection refused", { key: "/k" }),
    new StoreTimeoutError("put", 100, { endpoint: "grpc://a:1", key: "/k" }),
    new KvStoreError("etcdserver: mvcc: required revision is a future revision", {
      endpoint: "grpc://a:1",
    }, 11),
  ];
  for (const e of cases) {
    const back = errorFromData(structuredClone(errorData(e)));
    assert.equal(back.constructor, e.constructor);
    assert.equal(back.message, e.message);
    assert.deepEqual({ ...back }, { ...e });
  }
  const plain = errorFromData(structuredClone(errorData(new TypeError("bad"))));
  assert.equal(plain.name, "TypeError");
  assert.equal(plain.message, "bad");
});
