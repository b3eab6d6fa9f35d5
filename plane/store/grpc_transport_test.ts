/**
 * The gRPC transport against a real etcd: a 6 MiB answer (flow control, messages across many
 * HTTP/2 DATA frames), a watch whose reader falls behind (its stream paused and resumed) still
 * gets every event in order, one that falls behind a compaction gets a reset instead of a gap,
 * an unreachable endpoint is `StoreUnavailableError`, and a server that stops answering is a
 * `StoreTimeoutError` on the call's deadline.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { connectStore } from "./etcd_client.ts";
import { startTestEtcd } from "./_testing.ts";
import { StoreTimeoutError, StoreUnavailableError } from "./errors.ts";

async function signal(pid: number, sig: "STOP" | "CONT"): Promise<void> {
  const out = await new Deno.Command("kill", { args: [`-${sig}`, String(pid)] }).output();
  assert.equal(out.code, 0);
}

Deno.test("grpc transport: 6 MiB answers, a slow reader, unreachable and stopped servers", async (t) => {
  await using etcd = await startTestEtcd();
  await using store = connectStore({ endpoints: etcd.grpcUrl, timeoutMs: 2000 });

  await t.step("a 6 MiB list arrives whole", async () => {
    const value = "x".repeat(20_000);
    for (let i = 0; i < 300; i += 50) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, j) => store.put(`/big/${String(i + j).padStart(4, "0")}`, value),
        ),
      );
    }
    const list = await store.list("/big/");
    assert.equal(list.kvs.length, 300);
    assert.equal(list.kvs[299]!.key, "/big/0299");
    assert.ok(list.kvs.every((kv) => kv.value.length === 20_000));
  });

  await t.step("a watch read slowly gets every event in order", async () => {
    // The watch starts at a known revision: a watch without one starts when etcd creates it,
    // and the put below could land first and never be delivered (what hung this step before).
    const { revision } = await store.list("/slow/");
    const ac = new AbortController();
    const it = store.watch("/slow/", {
      prefix: true,
      startRevision: revision + 1,
      signal: ac.signal,
    })
      [Symbol.asyncIterator]();
    const first = store.put("/slow/start", "0");
    const ev = await it.next();
    assert.equal(ev.value?.type, "put");
    await first;
    // 5,000 events (6 MB of values) written while nobody reads: past the transport's 1,024
    // unread answers, so its stream is paused and must be resumed as the reader catches up.
    const value = "y".repeat(1200);
    for (let i = 0; i < 5000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => store.put(`/slow/${i + j}`, value)),
      );
    }
    const seen = new Set<string>();
    let last = 0;
    while (seen.size < 5000) {
      const r = await it.next();
      assert.ok(!r.done);
      const e = r.value;
      if (e.type !== "put") continue;
      assert.ok(e.kv.modRevision > last, "revisions increase");
      last = e.kv.modRevision;
      seen.add(e.kv.key);
    }
    ac.abort();
    await it.return?.(undefined);
  });

  await t.step(
    "a reader behind a compaction gets every event or a reset, never a gap",
    async () => {
      // etcd's answer to a watcher that cannot keep up: it holds the events back (the stream is
      // paused past 1,024 unread answers) and, once their history is compacted away, cancels the
      // watch with the compaction revision; the client then re-lists and yields a reset.
      const { revision } = await store.list("/behind/");
      const ac = new AbortController();
      const it = store.watch("/behind/", {
        prefix: true,
        startRevision: revision + 1,
        signal: ac.signal,
      })
        [Symbol.asyncIterator]();
      const first = store.put("/behind/start", "0");
      const ev = await it.next();
      assert.equal(ev.value?.type, "put");
      let next = (await first).revision + 1;
      const values = new Map<string, string>([["/behind/start", "0"]]);
      let last = 0;
      for (let i = 0; i < 8000; i += 200) {
        const batch = await Promise.all(
          Array.from(
            { length: 200 },
            (_, j) => store.put(`/behind/${(i + j) % 500}`, String(i + j)),
          ),
        );
        for (let j = 0; j < 200; j++) {
          values.set(`/behind/${(i + j) % 500}`, String(i + j));
        }
        last = Math.max(last, ...batch.map((p) => p.revision));
      }
      await store.compact(last);
      const dec = new TextDecoder();
      while (next <= last) {
        const r = await it.next();
        assert.ok(!r.done);
        const e = r.value;
        if (e.type === "progress") continue;
        if (e.type === "reset") {
          assert.ok(e.revision >= last, "the snapshot is taken after the compaction");
          assert.deepEqual(
            new Map(e.kvs.map((kv) => [kv.key, dec.decode(kv.value)])),
            values,
            "the snapshot holds every key's last value",
          );
          break;
        }
        assert.equal(e.type, "put");
        assert.equal(e.kv.modRevision, next, "no event is skipped");
        next++;
      }
      ac.abort();
      await it.return?.(undefined);
    },
  );

  await t.step("an unreachable endpoint is StoreUnavailableError", async () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (l.addr as Deno.NetAddr).port;
    l.close();
    await using dead = connectStore({ endpoints: `grpc://127.0.0.1:${port}`, timeoutMs: 2000 });
    await assert.rejects(() => dead.get("/x"), StoreUnavailableError);
  });

  await t.step(
    "a stopped server is StoreTimeoutError after the deadline, then answers again",
    async () => {
      await signal(etcd.pid!, "STOP");
      try {
        await assert.rejects(() => store.put("/stalled", "1"), StoreTimeoutError);
      } finally {
        await signal(etcd.pid!, "CONT");
      }
      // etcd first works through what queued up while it was stopped: under load one 2 s
      // deadline may not be enough, so only a timeout is retried, within a bounded wait.
      await waitFor("etcd to answer again after SIGCONT", async () => {
        try {
          await store.put("/after", "2");
          return true;
        } catch (e) {
          if (e instanceof StoreTimeoutError) return false;
          throw e;
        }
      }, { timeoutMs: 30_000 });
      assert.equal(new TextDecoder().decode((await store.get("/after"))!.value), "2");
    },
  );
});
