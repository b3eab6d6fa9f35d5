/**
 * Store benchmark: the rk8s store client over the JSON gateway and over gRPC, side by side
 * with `etcdctl` (etcd's own Go client), against one throwaway etcd on loopback.
 *
 * `etcdctl` runs one request per process, so its rows include process start and connection
 * set-up; the `etcdctl version` row (process start, no request) is printed so the request
 * part can be read off. Watch latency for `etcdctl` uses one long-running `etcdctl watch`.
 *
 * @module
 */
import { run } from "../core/exec.ts";
import { pathExists } from "../core/fs.ts";
import { connectStore } from "../plane/store/etcd_client.ts";
import { startTestEtcd } from "../plane/store/_testing.ts";
import type { KvStore } from "../plane/store/kv_store.ts";
import { compare, quantile } from "./_harness.ts";

const ETCDCTL = "/usr/bin/etcdctl";

/** A Kubernetes-sized value (~400 bytes of JSON). */
function podJson(i: number): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${i}`, namespace: "default", labels: { app: "bench", i: String(i) } },
    spec: {
      containers: [{
        name: "main",
        image: "busybox",
        args: ["sleep", "3600"],
        resources: { limits: { cpu: "100m", memory: "64Mi" } },
      }],
    },
  });
}

async function concurrentPuts(store: KvStore, prefix: string, total: number, width: number) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      await store.put(`${prefix}${i % 64}`, podJson(i));
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** Arrival times of keys at one watcher; `when(key)` resolves when the key has arrived. */
class Arrivals {
  #seen = new Map<string, number>();
  #waiters = new Map<string, (t: number) => void>();
  record(key: string, t: number): void {
    const w = this.#waiters.get(key);
    if (w) {
      this.#waiters.delete(key);
      w(t);
    } else this.#seen.set(key, t);
  }
  when(key: string): Promise<number> {
    const t = this.#seen.get(key);
    return t !== undefined ? Promise.resolve(t) : new Promise((r) => this.#waiters.set(key, r));
  }
}

/** Records every line `etcdctl watch` prints (its key lines) as an arrival. */
async function readLines(stream: ReadableStream<Uint8Array>, arrivals: Arrivals): Promise<void> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const t = performance.now();
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      arrivals.record(buf.slice(0, nl), t);
      buf = buf.slice(nl + 1);
    }
  }
}

/** Runs the store section: sequential put, 64-concurrent put, list 1,000, watch latency. */
export async function storeBench(): Promise<void> {
  const haveEtcdctl = await pathExists(ETCDCTL);
  const noEtcdctl = haveEtcdctl ? undefined : `${ETCDCTL} not installed`;
  await using etcd = await startTestEtcd();
  await using http = connectStore({ endpoints: etcd.httpUrl });
  await using grpc = connectStore({ endpoints: etcd.grpcUrl });
  const ctl = (...args: string[]) => run([ETCDCTL, `--endpoints=${etcd.httpUrl}`, ...args]);
  const clients: [string, KvStore][] = [["rk8s http (JSON gateway)", http], ["rk8s gRPC", grpc]];
  console.log(`etcd 3.4 on ${etcd.httpUrl}, data dir ${etcd.dataDir}`);

  // 1. Sequential put: one put per timed run.
  const value = podJson(0);
  const seq = await compare("sequential put (one ~400 B put per timed run, 100 runs)", [
    ...clients.map(([name, c]) => ({
      name,
      run: async (i: number) => {
        await c.put(`/bench/seq/${name.length}/${i}`, value);
      },
    })),
    {
      name: "etcdctl put (new process per put)",
      ...(noEtcdctl ? { skip: noEtcdctl } : {}),
      run: async (i: number) => {
        await ctl("put", `/bench/seq/ctl/${i}`, value);
      },
    },
    {
      name: "etcdctl version (process start only)",
      ...(noEtcdctl ? { skip: noEtcdctl } : {}),
      run: async () => {
        await run([ETCDCTL, "version"]);
      },
    },
  ], { runs: 100, warmup: 3, baseline: "etcdctl put (new process per put)" });
  const median = (name: string) => seq.find((r) => r.name === name)?.median;
  const ctlPut = median("etcdctl put (new process per put)");
  const ctlStart = median("etcdctl version (process start only)");
  if (ctlPut !== undefined && ctlStart !== undefined) {
    const net = ctlPut - ctlStart;
    console.log(
      `  etcdctl request part ≈ put − version = ${net.toFixed(1)} ms (includes its connection ` +
        `set-up); rk8s gRPC ÷ that = ${(median("rk8s gRPC")! / net).toFixed(2)}×, ` +
        `rk8s http ÷ that = ${(median("rk8s http (JSON gateway)")! / net).toFixed(2)}×`,
    );
  }

  // 2. 64 puts in flight: 640 puts per timed run.
  await compare("64-concurrent put (640 puts, 64 in flight, per timed run)", [
    ...clients.map(([name, c]) => ({
      name,
      run: () => concurrentPuts(c, `/bench/conc/${name.length}/`, 640, 64),
    })),
    {
      name: "etcdctl put (64 processes at once, 1 put each)",
      ...(noEtcdctl ? { skip: noEtcdctl } : {}),
      run: async (i: number) => {
        await Promise.all(
          Array.from({ length: 64 }, (_, j) => ctl("put", `/bench/conc/ctl/${i}/${j}`, value)),
        );
      },
    },
  ], { runs: 10, warmup: 1 });

  // 3. List 1,000 objects.
  for (let i = 0; i < 1000; i += 100) {
    await grpc.txn({
      compare: [],
      success: Array.from({ length: 100 }, (_, j) => ({
        type: "put" as const,
        key: `/bench/list/pod-${String(i + j).padStart(4, "0")}`,
        value: podJson(i + j),
      })),
    });
  }
  const check = await grpc.list("/bench/list/");
  if (check.kvs.length !== 1000) throw new Error(`expected 1000 keys, got ${check.kvs.length}`);
  await compare("list 1,000 objects (~400 B each) at one revision", [
    ...clients.map(([name, c]) => ({
      name: `${name}, pages of 500`,
      run: async () => {
        const r = await c.list("/bench/list/");
        if (r.kvs.length !== 1000) throw new Error("short list");
      },
    })),
    ...clients.map(([name, c]) => ({
      name: `${name}, one request`,
      run: async () => {
        const r = await c.list("/bench/list/", { pageSize: 1000 });
        if (r.kvs.length !== 1000) throw new Error("short list");
      },
    })),
    {
      name: "etcdctl get --prefix (new process, one request)",
      ...(noEtcdctl ? { skip: noEtcdctl } : {}),
      run: async () => {
        const r = await ctl("get", "--prefix", "/bench/list/");
        // Key and value lines.
        if (r.stdout.split("\n").filter(Boolean).length !== 2000) throw new Error("short list");
      },
    },
  ], { runs: 10, warmup: 1 });

  // 4. Watch latency: one writer; every watcher sees the same puts.
  const ac = new AbortController();
  const watchers: { name: string; arrivals: Arrivals; done: Promise<void> }[] = [];
  const { revision: start } = await grpc.put("/bench/watch/start", "1");
  for (const [name, c] of clients) {
    const arrivals = new Arrivals();
    const done = (async () => {
      const events = c.watch("/bench/watch/", {
        prefix: true,
        startRevision: start + 1,
        signal: ac.signal,
      });
      for await (const ev of events) {
        if (ev.type === "put") arrivals.record(ev.kv.key, performance.now());
      }
    })();
    watchers.push({ name, arrivals, done });
  }
  let ctlWatch: Deno.ChildProcess | undefined;
  const samples = new Map<string, number[]>();
  // The watchers and the etcdctl process stop even when a put or the probe fails.
  try {
    if (haveEtcdctl) {
      ctlWatch = new Deno.Command(ETCDCTL, {
        args: [`--endpoints=${etcd.httpUrl}`, "watch", "--prefix", "/bench/watch/"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const arrivals = new Arrivals();
      const done = readLines(ctlWatch.stdout, arrivals);
      // Wait until etcdctl's watch is established: repeat a probe put until it shows up.
      for (let i = 0;; i++) {
        const probe = `/bench/watch/probe-${i}`;
        await grpc.put(probe, "p");
        const got = await Promise.race([
          arrivals.when(probe).then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), 200)),
        ]);
        if (got) break;
        if (i > 50) throw new Error("etcdctl watch did not start");
      }
      watchers.push({ name: "etcdctl watch (one long-running process)", arrivals, done });
    }
    for (const w of watchers) samples.set(w.name, []);
    for (let i = 0; i < 200; i++) {
      const key = `/bench/watch/k${i}`;
      const t0 = performance.now();
      const arrived = watchers.map((w) => w.arrivals.when(key));
      await grpc.put(key, value);
      const times = await Promise.all(arrived);
      watchers.forEach((w, j) => samples.get(w.name)!.push(times[j]! - t0));
    }
  } finally {
    ac.abort();
    if (ctlWatch) {
      ctlWatch.kill("SIGTERM");
      await ctlWatch.status;
    }
  }
  await Promise.all(watchers.map((w) => w.done));
  console.log(
    "\n## watch latency (gRPC put start → event received, 200 puts, all watchers at once)",
  );
  const width = Math.max(...watchers.map((w) => w.name.length));
  const base = quantile(samples.get(watchers.at(-1)!.name)!, 0.99);
  console.log(`${"watcher".padEnd(width)}  p50 ms  p99 ms  max ms  events  p99 ÷ last row`);
  for (const w of watchers) {
    const v = samples.get(w.name)!;
    const cells = [quantile(v, 0.5), quantile(v, 0.99), Math.max(...v)].map((x) =>
      x.toFixed(2).padStart(6)
    );
    const ratio = (quantile(v, 0.99) / base).toFixed(2);
    console.log(
      `${w.name.padEnd(width)}  ${cells.join("  ")}  ${String(v.length).padStart(6)}  ${ratio}×`,
    );
  }
}
