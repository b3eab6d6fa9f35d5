/**
 * The KvStore conformance suite, run unchanged against both transports (JSON gateway and
 * gRPC) on a real throwaway etcd.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { connectStore } from "./etcd_client.ts";
import { freePort } from "./etcd_server.ts";
import { startTestEtcd } from "./_testing.ts";
import {
  CompactedError,
  LeaseNotFoundError,
  StoreTimeoutError,
  StoreUnavailableError,
  ValueTooLargeError,
} from "./errors.ts";
import type { KvStore, WatchEvent } from "./kv_store.ts";
import { startTcpProxy } from "./_tcp_proxy.ts";

const dec = new TextDecoder();
const uniq = () => crypto.randomUUID().slice(0, 8);

/** Short text form of an event: `put /k=v@rev`, `delete /k@rev`, `reset n@rev`. */
function show(e: WatchEvent): string {
  switch (e.type) {
    case "put":
      return `put ${e.kv.key}=${dec.decode(e.kv.value)}@${e.kv.modRevision}`;
    case "delete":
      return `delete ${e.kv.key}@${e.kv.modRevision}`;
    case "progress":
      return `progress@${e.revision}`;
    case "reset":
      return `reset ${e.kvs.map((kv) => kv.key).join(",")}@${e.revision}`;
  }
}

/** Reads a watch one event at a time with a deadline; progress events are skipped. */
function eventReader(events: AsyncIterable<WatchEvent>) {
  const it = events[Symbol.asyncIterator]();
  return {
    async next(what: string, timeoutMs = 15_000): Promise<WatchEvent> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)),
          timeoutMs,
        );
      });
      try {
        for (;;) {
          const r = await Promise.race([it.next(), timeout]);
          if (r.done) throw new Error(`watch ended while waiting for ${what}`);
          if (r.value.type !== "progress") return r.value;
        }
      } finally {
        clearTimeout(timer);
      }
    },
    async take(n: number, what: string): Promise<string[]> {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(show(await this.next(`${what} (${i + 1}/${n})`)));
      return out;
    },
    async close(): Promise<void> {
      await it.return?.();
    },
  };
}

type Transport = "http" | "grpc";

function endpointOf(etcd: { port: number }, transport: Transport, port = etcd.port): string {
  return transport === "http" ? `http://127.0.0.1:${port}` : `grpc://127.0.0.1:${port}`;
}

/** Runs every KvStore behaviour against one transport. */
function conformance(transport: Transport): void {
  Deno.test({
    name: `KvStore conformance over ${transport}`,
    // grpc-js keeps channel timers and sockets in its own pool; the suite cleans up via close().
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      // Progress notifications every 300 ms instead of 10 min, to test them.
      await using etcd = await startTestEtcd({
        extraArgs: ["--experimental-watch-progress-notify-interval=300ms"],
      });
      const open = (port = etcd.port, extra: { timeoutMs?: number } = {}): KvStore =>
        connectStore({ endpoints: endpointOf(etcd, transport, port), ...extra });
      await using store = open();
      const root = `/conf-${transport}-${uniq()}`;

      await t.step("put, get, delete with prev_kv, keys_only and count_only", async () => {
        const k = `${root}/crud/a`;
        const first = await store.put(k, "v1");
        assert.equal(first.prevKv, undefined);
        const got = await store.get(k);
        assert.ok(got);
        assert.equal(dec.decode(got.value), "v1");
        assert.equal(got.version, 1);
        assert.equal(got.createRevision, first.revision);
        assert.equal(got.modRevision, first.revision);
        const second = await store.put(k, "v2", { prevKv: true });
        assert.equal(dec.decode(second.prevKv!.value), "v1");
        assert.ok(second.revision > first.revision);
        assert.equal((await store.get(k))!.version, 2);
        assert.equal(dec.decode((await store.get(k, { revision: first.revision }))!.value), "v1");
        await store.put(`${root}/crud/b`, "vb");
        const keys = await store.range(`${root}/crud/`, { prefix: true, keysOnly: true });
        assert.deepEqual(keys.kvs.map((kv) => kv.key), [k, `${root}/crud/b`]);
        assert.equal(keys.kvs[0]!.value.length, 0);
        const count = await store.range(`${root}/crud/`, { prefix: true, countOnly: true });
        assert.equal(count.count, 2);
        assert.equal(count.kvs.length, 0);
        const del = await store.delete(k, { prevKv: true });
        assert.equal(del.deleted, 1);
        assert.equal(dec.decode(del.prevKvs[0]!.value), "v2");
        assert.equal(await store.get(k), undefined);
        assert.equal((await store.delete(k)).deleted, 0);
        assert.equal((await store.delete(`${root}/crud/`, { prefix: true })).deleted, 1);
      });

      await t.step("prefix list paginates over 1,100 keys at one revision", async () => {
        const prefix = `${root}/many/`;
        const total = 1100;
        for (let i = 0; i < total; i += 100) {
          const ops = [];
          for (let j = i; j < Math.min(total, i + 100); j++) {
            ops.push({
              type: "put" as const,
              key: `${prefix}${String(j).padStart(5, "0")}`,
              value: `v${j}`,
            });
          }
          assert.ok((await store.txn({ compare: [], success: ops })).succeeded);
        }
        const full = await store.list(prefix, { pageSize: 250 });
        assert.equal(full.kvs.length, total);
        assert.equal(full.kvs[0]!.key, `${prefix}00000`);
        assert.equal(full.kvs.at(-1)!.key, `${prefix}01099`);
        assert.equal(new Set(full.kvs.map((kv) => kv.key)).size, total);
        assert.equal(dec.decode(full.kvs[777]!.value), "v777");
        // Writes after the snapshot revision do not show up in a list pinned to it.
        await store.put(`${prefix}00500`, "changed");
        await store.put(`${prefix}zzz`, "new");
        const pinned = await store.list(prefix, { pageSize: 300, revision: full.revision });
        assert.equal(pinned.kvs.length, total);
        assert.equal(pinned.revision, full.revision);
        assert.equal(dec.decode(pinned.kvs[500]!.value), "v500");
        const page = await store.range(prefix, { prefix: true, limit: 10 });
        assert.equal(page.kvs.length, 10);
        assert.equal(page.more, true);
        assert.equal(page.count, total + 1);
        const keysOnly = await store.list(prefix, { keysOnly: true });
        assert.equal(keysOnly.kvs.length, total + 1);
        assert.ok(keysOnly.kvs.every((kv) => kv.value.length === 0));
        assert.equal((await store.delete(prefix, { prefix: true })).deleted, total + 1);
      });

      await t.step(
        "compare-and-swap on mod_revision wins once, the loser sees the value",
        async () => {
          const k = `${root}/cas`;
          const { revision } = await store.put(k, "base");
          const win = await store.txn({
            compare: [{ key: k, target: "mod", result: "equal", value: revision }],
            success: [{ type: "put", key: k, value: "winner" }],
            failure: [{ type: "get", key: k }],
          });
          assert.equal(win.succeeded, true);
          assert.equal(win.results[0]!.type, "put");
          const lose = await store.txn({
            compare: [{ key: k, target: "mod", result: "equal", value: revision }],
            success: [{ type: "put", key: k, value: "loser" }],
            failure: [{ type: "get", key: k }],
          });
          assert.equal(lose.succeeded, false);
          const current = lose.results[0]!;
          assert.equal(current.type, "get");
          assert.equal(current.type === "get" && dec.decode(current.kvs[0]!.value), "winner");
          const byValue = await store.txn({
            compare: [{ key: k, target: "value", result: "equal", value: "winner" }],
            success: [{ type: "delete", key: k, prevKv: true }],
          });
          assert.equal(byValue.succeeded, true);
          const d = byValue.results[0]!;
          assert.equal(d.type === "delete" && d.deleted, 1);
        },
      );

      await t.step("create-if-absent succeeds once", async () => {
        const k = `${root}/create`;
        const create = (value: string) =>
          store.txn({
            compare: [{ key: k, target: "create", result: "equal", value: 0 }],
            success: [{ type: "put", key: k, value }],
            failure: [{ type: "get", key: k }],
          });
        assert.equal((await create("first")).succeeded, true);
        const again = await create("second");
        assert.equal(again.succeeded, false);
        assert.equal(dec.decode((await store.get(k))!.value), "first");
        const version = await store.txn({
          compare: [{ key: k, target: "version", result: "greater", value: 0 }],
          success: [],
        });
        assert.equal(version.succeeded, true);
      });

      await t.step("lease expiry removes its keys", async () => {
        // etcd raises TTLs below its minimum (1.5 election timeouts) to 2 s.
        const lease = await store.grantLease(1);
        assert.ok(lease.ttl >= 1 && lease.ttl <= 2, `granted TTL ${lease.ttl}`);
        const k = `${root}/lease/expire`;
        await store.put(k, "x", { lease: lease.id });
        assert.equal((await store.get(k))!.lease, lease.id);
        const status = await store.leaseTimeToLive(lease.id);
        assert.deepEqual(status.keys, [k]);
        assert.equal(status.grantedTtl, lease.ttl);
        await waitFor(
          "the leased key to disappear",
          async () => (await store.get(k)) === undefined,
          {
            timeoutMs: 10_000,
            intervalMs: 100,
          },
        );
        await assert.rejects(store.keepAliveOnce(lease.id), LeaseNotFoundError);
        assert.equal((await store.leaseTimeToLive(lease.id)).ttl, -1);
        await assert.rejects(store.revokeLease(lease.id), (e: unknown) => {
          assert.ok(e instanceof LeaseNotFoundError);
          assert.equal(e.leaseId, lease.id);
          return true;
        });
        await assert.rejects(
          store.put(`${root}/lease/none`, "x", { lease: lease.id }),
          LeaseNotFoundError,
        );
      });

      await t.step("keep-alive holds a leased key past its TTL; revoke deletes it", async () => {
        const lease = await store.grantLease(1);
        const k = `${root}/lease/held`;
        await store.put(k, "x", { lease: lease.id });
        const keeper = await store.keepAlive(lease.id, { intervalMs: 250 });
        const t0 = Date.now();
        await waitFor("three TTLs with the key still present", async () => {
          assert.ok(await store.get(k), "the key vanished while kept alive");
          return Date.now() - t0 > 3000;
        }, { intervalMs: 200 });
        await keeper.stop();
        await waitFor(
          "the key to expire after keep-alive stopped",
          async () => (await store.get(k)) === undefined,
          { timeoutMs: 10_000, intervalMs: 100 },
        );
        const lease2 = await store.grantLease(30);
        await store.put(k, "y", { lease: lease2.id });
        const keeper2 = await store.keepAlive(lease2.id, { intervalMs: 200 });
        await store.revokeLease(lease2.id);
        assert.ok((await keeper2.lost) instanceof LeaseNotFoundError);
        await keeper2.stop();
        assert.equal(await store.get(k), undefined);
      });

      await t.step("watch delivers a txn's events in order with one revision", async () => {
        const prefix = `${root}/wtxn/`;
        await store.put(`${prefix}old`, "o");
        const rev0 = (await store.put(`${prefix}a`, "0")).revision;
        const ac = new AbortController();
        const w = eventReader(
          store.watch(prefix, { prefix: true, startRevision: rev0, signal: ac.signal }),
        );
        const e0 = await w.next("first put");
        assert.equal(show(e0), `put ${prefix}a=0@${rev0}`);
        const txn = await store.txn({
          compare: [],
          success: [
            { type: "put", key: `${prefix}b`, value: "1" },
            { type: "put", key: `${prefix}c`, value: "2" },
            { type: "delete", key: `${prefix}old` },
            { type: "put", key: `${prefix}a`, value: "3" },
          ],
        });
        const after = await store.put(`${prefix}d`, "4");
        const r = txn.revision;
        assert.deepEqual(await w.take(5, "txn events"), [
          `put ${prefix}b=1@${r}`,
          `put ${prefix}c=2@${r}`,
          `delete ${prefix}old@${r}`,
          `put ${prefix}a=3@${r}`,
          `put ${prefix}d=4@${after.revision}`,
        ]);
        ac.abort();
        await w.close();
      });

      await t.step(
        "watch resumes after its connection is cut, without loss or repeats",
        async () => {
          await using proxy = await startTcpProxy(etcd.port);
          await using viaProxy = open(proxy.port);
          const prefix = `${root}/wcut/`;
          const ac = new AbortController();
          const { revision: start } = await store.put(`${prefix}0`, "0");
          const w = eventReader(viaProxy.watch(prefix, {
            prefix: true,
            startRevision: start,
            signal: ac.signal,
          }));
          assert.equal(show(await w.next("event 0")), `put ${prefix}0=0@${start}`);
          const p1 = await store.put(`${prefix}1`, "1");
          assert.equal(show(await w.next("event 1")), `put ${prefix}1=1@${p1.revision}`);
          const before = proxy.accepted;
          proxy.pause();
          proxy.cut();
          const p2 = await store.put(`${prefix}2`, "2");
          const p3 = await store.put(`${prefix}1`, "1b");
          proxy.resume();
          const p4 = await store.put(`${prefix}4`, "4");
          assert.deepEqual(await w.take(3, "events after the cut"), [
            `put ${prefix}2=2@${p2.revision}`,
            `put ${prefix}1=1b@${p3.revision}`,
            `put ${prefix}4=4@${p4.revision}`,
          ]);
          assert.ok(proxy.accepted > before, "the watch did not reconnect through the proxy");
          const p5 = await store.put(`${prefix}5`, "5");
          assert.equal(show(await w.next("event 5")), `put ${prefix}5=5@${p5.revision}`);
          ac.abort();
          await w.close();
        },
      );

      await t.step("an idle watch with progressNotify reports progress", async () => {
        const { revision } = await store.put(`${root}/progress-other`, "1");
        const ac = new AbortController();
        const deadline = setTimeout(() => ac.abort(), 10_000);
        let progress: number | undefined;
        for await (
          const ev of store.watch(`${root}/progress-idle/`, {
            prefix: true,
            progressNotify: true,
            signal: ac.signal,
          })
        ) {
          assert.equal(ev.type, "progress", `unexpected event ${show(ev)}`);
          if (ev.type === "progress") progress = ev.revision;
          break;
        }
        clearTimeout(deadline);
        assert.ok(progress !== undefined, "no progress event within 10 s");
        assert.ok(progress >= revision, `progress at ${progress}, store at ${revision}`);
      });

      await t.step("a watch fails over to the next endpoint", async () => {
        await using proxy = await startTcpProxy(etcd.port);
        await using two = connectStore({
          endpoints: [endpointOf(etcd, transport, proxy.port), endpointOf(etcd, transport)],
        });
        const prefix = `${root}/wfailover/`;
        const ac = new AbortController();
        const a = await store.put(`${prefix}a`, "1");
        const w = eventReader(
          two.watch(prefix, { prefix: true, startRevision: a.revision, signal: ac.signal }),
        );
        assert.equal(show(await w.next("put a")), `put ${prefix}a=1@${a.revision}`);
        assert.ok(proxy.accepted > 0, "the watch did not start on the first endpoint");
        // The first endpoint goes away for good; events keep coming from the second.
        proxy.pause();
        proxy.cut();
        const b = await store.put(`${prefix}b`, "2");
        const c = await store.put(`${prefix}c`, "3");
        assert.deepEqual(await w.take(2, "events after failover"), [
          `put ${prefix}b=2@${b.revision}`,
          `put ${prefix}c=3@${c.revision}`,
        ]);
        ac.abort();
        await w.close();
      });

      await t.step("a watch on a path that goes silent moves to the next endpoint", async () => {
        await using proxy = await startTcpProxy(etcd.port);
        await using two = connectStore({
          endpoints: [endpointOf(etcd, transport, proxy.port), endpointOf(etcd, transport)],
          watchProbeMs: 200,
        });
        const prefix = `${root}/wsilent/`;
        const ac = new AbortController();
        const a = await store.put(`${prefix}a`, "1");
        const w = eventReader(
          two.watch(prefix, { prefix: true, startRevision: a.revision, signal: ac.signal }),
        );
        assert.equal(show(await w.next("put a")), `put ${prefix}a=1@${a.revision}`);
        // Nothing is closed: bytes just stop flowing (gRPC keepalive alone would take ~15 s,
        // an HTTP stream would wait forever).
        proxy.freeze();
        const b = await store.put(`${prefix}b`, "2");
        assert.equal(
          show(await w.next("put b after the freeze", 6000)),
          `put ${prefix}b=2@${b.revision}`,
        );
        ac.abort();
        await w.close();
      });

      await t.step("a watch reader that falls 2,000 events behind loses none", async () => {
        const prefix = `${root}/wslow/`;
        const { revision } = await store.put(`${prefix}start`, "x");
        const ac = new AbortController();
        const it = store.watch(prefix, {
          prefix: true,
          startRevision: revision + 1,
          signal: ac.signal,
        })[Symbol.asyncIterator]();
        const first = it.next(); // the stream opens; nobody reads while 2,000 puts happen
        let next = 0;
        const writer = async () => {
          while (next < 2000) {
            const i = next++;
            await store.put(`${prefix}${i}`, String(i));
          }
        };
        await Promise.all(Array.from({ length: 16 }, writer));
        const seen = new Set<string>();
        let last = 0;
        for (let r = await first; !r.done; r = await it.next()) {
          if (r.value.type !== "put") continue;
          assert.ok(r.value.kv.modRevision > last, "events out of order");
          last = r.value.kv.modRevision;
          seen.add(r.value.kv.key);
          if (seen.size === 2000) break;
        }
        ac.abort();
        await it.return?.();
        assert.equal(seen.size, 2000);
      });

      await t.step("a compacted resume revision gives a reset with a fresh snapshot", async () => {
        await using proxy = await startTcpProxy(etcd.port);
        await using viaProxy = open(proxy.port);
        const prefix = `${root}/wcompact/`;
        const ac = new AbortController();
        const a = await store.put(`${prefix}a`, "1");
        const w = eventReader(
          viaProxy.watch(prefix, { prefix: true, startRevision: a.revision, signal: ac.signal }),
        );
        assert.equal(show(await w.next("put a")), `put ${prefix}a=1@${a.revision}`);
        proxy.pause();
        proxy.cut();
        await store.put(`${prefix}b`, "2");
        await store.delete(`${prefix}a`);
        const last = await store.put(`${prefix}c`, "3");
        await store.compact(last.revision);
        proxy.resume();
        const reset = await w.next("reset");
        assert.equal(reset.type, "reset");
        assert.ok(reset.type === "reset");
        assert.equal(reset.compactRevision, last.revision);
        assert.ok(reset.revision >= last.revision);
        assert.deepEqual(reset.kvs.map((kv) => `${kv.key}=${dec.decode(kv.value)}`), [
          `${prefix}b=2`,
          `${prefix}c=3`,
        ]);
        const d = await store.put(`${prefix}d`, "4");
        assert.equal(show(await w.next("put d after reset")), `put ${prefix}d=4@${d.revision}`);
        ac.abort();
        await w.close();
        await assert.rejects(store.get(`${prefix}b`, { revision: 2 }), (e: unknown) => {
          assert.ok(e instanceof CompactedError);
          assert.equal(e.revision, 2);
          assert.equal(e.key, `${prefix}b`);
          return true;
        });
      });

      await t.step("20 writers x 50 CAS increments lose no update", async () => {
        const k = `${root}/counter`;
        const base = await store.put(k, "0");
        let conflicts = 0;
        const writer = async () => {
          for (let i = 0; i < 50; i++) {
            let cur = (await store.get(k))!;
            for (;;) {
              const next = String(Number(dec.decode(cur.value)) + 1);
              const r = await store.txn({
                compare: [{ key: k, target: "mod", result: "equal", value: cur.modRevision }],
                success: [{ type: "put", key: k, value: next }],
                failure: [{ type: "get", key: k }],
              });
              if (r.succeeded) break;
              conflicts++;
              const got = r.results[0];
              assert.ok(got?.type === "get" && got.kvs[0]);
              cur = got.kvs[0];
            }
          }
        };
        await Promise.all(Array.from({ length: 20 }, writer));
        const final = (await store.get(k))!;
        assert.equal(dec.decode(final.value), "1000");
        assert.equal(final.version, 1001);
        assert.ok(conflicts > 0, "20 concurrent writers never conflicted: the test proves nothing");
        // Replaying the key's history from its first revision gives every value once, in order
        // (etcd packs many revisions into one response while a watch catches up).
        const ac = new AbortController();
        const values: string[] = [];
        for await (
          const ev of store.watch(k, { startRevision: base.revision, signal: ac.signal })
        ) {
          if (ev.type !== "put") continue;
          values.push(dec.decode(ev.kv.value));
          if (values.length % 100 === 0) await new Promise((r) => setTimeout(r, 0)); // slow reader
          if (values.length === 1001) break;
        }
        ac.abort();
        assert.deepEqual(values, Array.from({ length: 1001 }, (_, i) => String(i)));
      });

      await t.step("store errors are typed and name the endpoint and key", async () => {
        const dead = freePort();
        await using down = open(dead);
        await assert.rejects(down.get("/x"), (e: unknown) => {
          assert.ok(e instanceof StoreUnavailableError, String(e));
          assert.deepEqual(e.endpoints, [endpointOf(etcd, transport, dead)]);
          assert.equal(e.key, "/x");
          return true;
        });
        // Failover: the first endpoint is down, the second answers.
        await using failover = connectStore({
          endpoints: [endpointOf(etcd, transport, dead), endpointOf(etcd, transport)],
        });
        await failover.put(`${root}/failover`, "ok");
        assert.equal(dec.decode((await failover.get(`${root}/failover`))!.value), "ok");
        // A server that accepts connections but never answers.
        const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const held: Deno.Conn[] = [];
        const accepting = (async () => {
          for await (const c of silent) held.push(c);
        })();
        await using slow = open((silent.addr as Deno.NetAddr).port, { timeoutMs: 300 });
        await assert.rejects(slow.put("/slow", "x"), (e: unknown) => {
          assert.ok(e instanceof StoreTimeoutError, String(e));
          assert.equal(e.timeoutMs, 300);
          assert.equal(e.key, "/slow");
          return true;
        });
        // Reads move on to the next endpoint after a timeout; writes (maybe applied) do not.
        await using slowFirst = connectStore({
          endpoints: [
            endpointOf(etcd, transport, (silent.addr as Deno.NetAddr).port),
            endpointOf(etcd, transport),
          ],
          timeoutMs: 300,
        });
        assert.equal(dec.decode((await slowFirst.get(`${root}/failover`))!.value), "ok");
        await using slowWrite = connectStore({
          endpoints: [
            endpointOf(etcd, transport, (silent.addr as Deno.NetAddr).port),
            endpointOf(etcd, transport),
          ],
          timeoutMs: 300,
        });
        await assert.rejects(slowWrite.put(`${root}/maybe`, "x"), StoreTimeoutError);
        assert.equal(await store.get(`${root}/maybe`), undefined);
        await slowWrite.close();
        await slowFirst.close();
        await slow.close();
        silent.close();
        await accepting;
        for (const c of held) c.close();
        const big = new Uint8Array(2 * 1024 * 1024);
        await assert.rejects(store.put(`${root}/big`, big), (e: unknown) => {
          assert.ok(e instanceof ValueTooLargeError, String(e));
          assert.equal(e.key, `${root}/big`);
          assert.equal(e.size, big.length);
          return true;
        });
      });

      await t.step("closing a client ends its watches", async () => {
        const other = open();
        const { revision } = await other.put(`${root}/closing`, "1");
        const seen: string[] = [];
        const watching = (async () => {
          for await (const ev of other.watch(`${root}/closing`, { startRevision: revision })) {
            seen.push(show(ev));
          }
        })();
        await waitFor("the first event", () => seen.length === 1);
        await other.close();
        await watching;
        assert.deepEqual(seen, [`put ${root}/closing=1@${revision}`]);
        await assert.rejects(other.get("/x"), /closed/);
      });

      await t.step("a watch survives an etcd restart", async () => {
        const prefix = `${root}/wrestart/`;
        const ac = new AbortController();
        const a = await store.put(`${prefix}a`, "1");
        const w = eventReader(
          store.watch(prefix, { prefix: true, startRevision: a.revision, signal: ac.signal }),
        );
        assert.equal(show(await w.next("put a")), `put ${prefix}a=1@${a.revision}`);
        await etcd.restart(); // SIGTERM, then the same port and data directory
        const b = await waitFor("a put after the restart", () => store.put(`${prefix}b`, "2"));
        const c = await store.put(`${prefix}a`, "3");
        assert.deepEqual(await w.take(2, "events after the restart"), [
          `put ${prefix}b=2@${b.revision}`,
          `put ${prefix}a=3@${c.revision}`,
        ]);
        ac.abort();
        await w.close();
      });
    },
  });
}

conformance("http");
conformance("grpc");
