/**
 * The watch's stall detection against a real etcd over gRPC: a quiet stream is asked for
 * progress (and stays open when it answers), and a stream that stops delivering while its
 * endpoint still answers is reopened from the next revision without losing an event.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { Connection } from "./_connection.ts";
import { startTestEtcd } from "./_testing.ts";
import type { Transport, WatchControl } from "./_transport.ts";
import { watch } from "./_watch.ts";
import { putRequest, type Wire } from "./_wire.ts";
import type { WatchEvent } from "./kv_store.ts";

/** A counter of etcd's gRPC metrics for the Watch service (`/metrics` on the client port). */
async function watchMetric(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const line = text.split("\n").find((l) =>
    l.startsWith(`${name}{`) && l.includes('grpc_service="etcdserverpb.Watch"')
  );
  assert.ok(line, `etcd reports no ${name} for the Watch service`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

/**
 * Wraps a transport so that its first watch stream stops delivering after `deliver` answers
 * (they are read from etcd and dropped) while unary calls and later streams work: a stream
 * that stalls for good with its endpoint healthy.
 */
class StallingTransport implements Transport {
  readonly endpoint: string;
  streams = 0;
  #inner: Transport;
  #deliver: number;
  constructor(inner: Transport, deliver: number) {
    this.#inner = inner;
    this.endpoint = inner.endpoint;
    this.#deliver = deliver;
  }
  call(...args: Parameters<Transport["call"]>): Promise<unknown> {
    return this.#inner.call(...args);
  }
  async *watch(create: Wire, signal: AbortSignal, control?: WatchControl) {
    const first = this.streams++ === 0;
    let n = 0;
    for await (const r of this.#inner.watch(create, signal, control)) {
      if (!first || n++ < this.#deliver) yield r;
    }
  }
  setToken(token: string | undefined): void {
    this.#inner.setToken(token);
  }
  close(): void {
    this.#inner.close();
  }
}

/** `it.next()`, or an error naming `what` after `ms`. */
async function nextWithin<T>(
  it: AsyncIterator<T>,
  ms: number,
  what: string,
): Promise<IteratorResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      it.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function put(c: Connection, key: string, value: string): Promise<number> {
  const r = await c.transports[0]!.call("Put", putRequest(key, value), {
    timeoutMs: 5000,
    operation: "put",
  }) as { header: { revision: string } };
  return Number(r.header.revision);
}

Deno.test("watch stall detection over gRPC", async (t) => {
  await using etcd = await startTestEtcd();

  await t.step("a quiet watch answers progress requests and is not reopened", async () => {
    const c = new Connection({ endpoints: etcd.grpcUrl, watchProbeMs: 200 });
    try {
      const started = await watchMetric(etcd.httpUrl, "grpc_server_started_total");
      const received = await watchMetric(etcd.httpUrl, "grpc_server_msg_received_total");
      const ac = new AbortController();
      const it = watch(c, "/quiet/", { prefix: true, signal: ac.signal })[Symbol.asyncIterator]();
      const next = it.next();
      // The create request, then at least three progress requests on the same stream.
      await waitFor(
        "three progress requests on the quiet watch",
        async () =>
          await watchMetric(etcd.httpUrl, "grpc_server_msg_received_total") >= received + 4,
      );
      assert.equal(
        await watchMetric(etcd.httpUrl, "grpc_server_started_total"),
        started + 1,
        "the quiet watch was reopened although it answered",
      );
      // The answers are not events: the first thing the reader gets is the put.
      const rev = await put(c, "/quiet/a", "1");
      const r = await next;
      assert.equal(r.value?.type, "put");
      assert.equal((r.value as Extract<WatchEvent, { type: "put" }>).kv.modRevision, rev);
      ac.abort();
      await it.return?.(undefined);
    } finally {
      c.close();
    }
  });

  await t.step("a stream that stops delivering is reopened and loses nothing", async () => {
    let stalling: StallingTransport | undefined;
    const c = new Connection({
      endpoints: etcd.grpcUrl,
      watchProbeMs: 200,
      wrapTransport: (inner) => stalling = new StallingTransport(inner, 2),
    });
    try {
      const from = await put(c, "/stall/0", "0");
      const ac = new AbortController();
      // Answers 1 and 2 (created, the first put) arrive; the stream then swallows the rest.
      const it = watch(c, "/stall/", { prefix: true, startRevision: from, signal: ac.signal })
        [Symbol.asyncIterator]();
      const first = await it.next();
      assert.equal(first.value?.type, "put");
      const revs: number[] = [];
      for (let i = 1; i <= 20; i++) revs.push(await put(c, `/stall/${i}`, String(i)));
      const got: number[] = [];
      while (got.length < revs.length) {
        // Bounded: without stall detection the watch would wait for good.
        const r = await nextWithin(it, 60_000, `the stalled watch delivered ${got.length}/20`);
        assert.ok(!r.done);
        if (r.value.type === "put") got.push(r.value.kv.modRevision);
      }
      assert.deepEqual(got, revs, "every event after the stall, once, in order");
      assert.equal(stalling!.streams, 2, "the stalled stream was replaced by one new stream");
      ac.abort();
      await it.return?.(undefined);
    } finally {
      c.close();
    }
  });
});
