/**
 * Worker of the rks benchmark's watch fan-out: the watching clients run on their own thread,
 * as kubectl watchers run in their own processes, so their parsing does not take turns with the
 * API server on the server's thread.
 *
 * Messages in: `{kind: "start", url, token, caCert, etcd, rv, watchers, rounds}` opens
 * `watchers` API watches of pod `seq-0` (from `rv`) and as many store watches of
 * `/bench/seq/0`; `{kind: "stop"}` ends them. Messages out: `{kind: "ready"}` once every API
 * watch answered; `{kind: "round", key, times}` when every watcher of one side saw label
 * `round=N` (`key` is `api-N` or `store-N`, `times` epoch ms from `performance.timeOrigin`);
 * `{kind: "stopped"}`.
 *
 * @module
 */
import { connectStore } from "../plane/store/etcd_client.ts";

interface Start {
  kind: "start";
  url: string;
  token: string;
  caCert: string;
  etcd: string;
  rv: string;
  watchers: number;
}

const self = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Start | { kind: "stop" }>) => void) | null;
  postMessage(m: unknown): void;
};

const now = () => performance.timeOrigin + performance.now();

self.onmessage = async (e) => {
  if (e.data.kind !== "start") return;
  const o = e.data;
  const arrivals = new Map<string, number[]>();
  const seen = (key: string) => {
    const t = now();
    const a = arrivals.get(key) ?? [];
    a.push(t);
    arrivals.set(key, a);
    if (a.length === o.watchers) self.postMessage({ kind: "round", key, times: a });
  };
  const ac = new AbortController();
  const client = Deno.createHttpClient({ caCerts: [o.caCert] });
  const store = connectStore({ endpoints: o.etcd });
  const running: Promise<void>[] = [];
  for (let w = 0; w < o.watchers; w++) {
    const res = await fetch(
      `${o.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${o.rv}&fieldSelector=metadata.name%3Dseq-0`,
      { client, headers: { authorization: `Bearer ${o.token}` }, signal: ac.signal },
    );
    running.push((async () => {
      let buf = "";
      try {
        for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
          buf += chunk;
          let nl;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            const v = JSON.parse(line).object?.metadata?.labels?.round;
            if (v) seen(`api-${v}`);
          }
        }
      } catch { /* aborted */ }
    })());
  }
  const dec = new TextDecoder();
  for (let w = 0; w < o.watchers; w++) {
    running.push((async () => {
      try {
        for await (const ev of store.watch("/bench/seq/0", { signal: ac.signal })) {
          if (ev.type !== "put") continue;
          const v = JSON.parse(dec.decode(ev.kv.value)).metadata?.labels?.round;
          if (v) seen(`store-${v}`);
        }
      } catch { /* aborted */ }
    })());
  }
  self.onmessage = async () => {
    ac.abort();
    await Promise.allSettled(running);
    client.close();
    await store.close();
    self.postMessage({ kind: "stopped" });
  };
  self.postMessage({ kind: "ready" });
};
