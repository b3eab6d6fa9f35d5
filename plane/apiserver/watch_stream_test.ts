/**
 * `watchResponse` over a `WatchCache` fed by an in-memory store watch (pure: no etcd): events
 * reach the client in order, and a client that goes away while the stream waits for the next
 * event ends it quietly (no "watch stream failed" line, no enqueue into the closed stream).
 */
import assert from "node:assert/strict";
import { apiResources } from "../api/resources.ts";
import type { KeyValue, KvStore, WatchEvent, WatchOptions } from "../store/kv_store.ts";
import { WatchCache } from "./watch_cache.ts";
import { watchResponse } from "./watch_stream.ts";

const encoder = new TextEncoder();

/** A store whose single prefix watch yields what the test pushes. */
class FakeStore {
  readonly #queue: WatchEvent[] = [];
  #wake: (() => void) | undefined;
  revision = 1;
  list(): Promise<{ kvs: KeyValue[]; revision: number; count: number }> {
    return Promise.resolve({ kvs: [], revision: this.revision, count: 0 });
  }
  async *watch(_key: string, opts: WatchOptions = {}): AsyncIterable<WatchEvent> {
    const signal = opts.signal;
    const aborted = new Promise<void>((r) => signal?.addEventListener("abort", () => r()));
    while (!signal?.aborted) {
      const ev = this.#queue.shift();
      if (ev) {
        yield ev;
        continue;
      }
      await Promise.race([new Promise<void>((r) => this.#wake = r), aborted]);
    }
  }
  putPod(name: string): void {
    this.revision++;
    const value = encoder.encode(JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
    }));
    this.#queue.push({
      type: "put",
      kv: {
        key: `/registry/pods/default/${name}`,
        value,
        createRevision: this.revision,
        modRevision: this.revision,
        version: 1,
        lease: "0",
      },
    });
    this.#wake?.();
  }
}

const pods = apiResources.find((r) => r.resource === "pods" && r.group === "")!;

function open(cache: WatchCache, signal: AbortSignal, log: (l: string) => void): Response {
  return watchResponse(cache, pods, {
    prefix: "/registry/pods/",
    resourceVersion: 1,
    query: {},
    allowBookmarks: false,
    table: undefined,
    timeoutSeconds: 60,
    signal,
    log,
  });
}

/** Bounded wait (500 turns of 1 ms) until the shared cache has applied the store's events. */
async function caughtUp(cache: WatchCache, store: FakeStore): Promise<void> {
  for (let i = 0; i < 500 && cache.revision < store.revision; i++) {
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(cache.revision, store.revision);
}

async function readLine(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<unknown> {
  const { value, done } = await reader.read();
  assert.ok(!done && value);
  return JSON.parse(new TextDecoder().decode(value));
}

Deno.test("watch stream: events arrive in order, one line each", async () => {
  const store = new FakeStore();
  const cache = new WatchCache(store as unknown as KvStore, "/registry/pods/");
  await cache.start();
  const ac = new AbortController();
  const lines: string[] = [];
  const reader = open(cache, ac.signal, (l) => lines.push(l)).body!.getReader();
  for (let i = 0; i < 5; i++) store.putPod(`p${i}`);
  for (let i = 0; i < 5; i++) {
    const ev = await readLine(reader) as { type: string; object: { metadata: { name: string } } };
    assert.equal(ev.type, "ADDED");
    assert.equal(ev.object.metadata.name, `p${i}`);
  }
  await reader.cancel();
  ac.abort();
  cache.close();
  assert.deepEqual(lines, []);
});

Deno.test("watch stream: a client that goes away mid-wait ends it quietly", async () => {
  const store = new FakeStore();
  const cache = new WatchCache(store as unknown as KvStore, "/registry/pods/");
  await cache.start();
  const ac = new AbortController();
  const lines: string[] = [];
  const reader = open(cache, ac.signal, (l) => lines.push(l)).body!.getReader();
  store.putPod("first");
  assert.equal((await readLine(reader) as { type: string }).type, "ADDED");
  // The stream's pull now waits for the next event; the client cancels (as Deno.serve does
  // when the connection closes), then the request's signal aborts and an event arrives.
  const pending = reader.read();
  await new Promise((r) => setTimeout(r, 0)); // one turn: the pull is waiting on the cache
  await reader.cancel();
  assert.equal((await pending).done, true);
  ac.abort();
  store.putPod("late");
  await caughtUp(cache, store);
  // A few turns of the event loop for a pull still waiting to settle.
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
  cache.close();
  assert.deepEqual(lines, []);
});

Deno.test("watch cache: a watch from inside the kept window is served from memory, in order", async () => {
  const store = new FakeStore();
  const cache = new WatchCache(store as unknown as KvStore, "/registry/pods/", { window: 5 });
  await cache.start();
  for (let i = 0; i < 50; i++) store.putPod(`p${i}`);
  await caughtUp(cache, store);
  // The last 5 events (p45..p49): this store cannot replay history, so they come from memory.
  const ac = new AbortController();
  const names: string[] = [];
  for await (const item of cache.subscribe("/registry/pods/", store.revision - 5, ac.signal)) {
    assert.equal(item.type, "ADDED");
    if (item.type === "ADDED") names.push(String(item.object.metadata.name));
    if (names.length === 5) break;
  }
  ac.abort();
  cache.close();
  assert.deepEqual(names, ["p45", "p46", "p47", "p48", "p49"]);
});
