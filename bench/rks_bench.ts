/**
 * rks benchmark: the Kubernetes API server against one throwaway etcd (gRPC), side by side with
 * the same operations straight through `plane/store` (the floor): create 1,000 pods
 * (sequential and 50 in flight), list 1,000 pods as JSON and as a Table, and one change seen by
 * 100 API watchers (one shared store watch) against 100 direct store watches; the watchers run
 * in a worker thread (bench/_rks_watchers.ts), as real watchers are other processes. p50/p99 per
 * call. `RK8S_BENCH_RKS_PODS` and `RK8S_BENCH_RKS_CHANGES` make a run smaller.
 *
 * Targets (issue 14): create p99 ≤ 20 ms sequential, list of 1,000 pods p99 ≤ 150 ms, watch event
 * to 100 watchers p99 ≤ 50 ms.
 *
 * @module
 */
import { join } from "node:path";
import { connectStore } from "../plane/store/etcd_client.ts";
import { startTestEtcd } from "../plane/store/_testing.ts";
import { startApiServer } from "../plane/apiserver/api_server.ts";
import { ensureClusterPki } from "../plane/apiserver/cluster_pki.ts";
import { quantile } from "./_harness.ts";
import { testLease } from "../core/test_lease.ts";

/** Pods per create/list run (`RK8S_BENCH_RKS_PODS`, default 1,000; smaller while developing). */
const N = Number(Deno.env.get("RK8S_BENCH_RKS_PODS") ?? 1000);
const WATCHERS = 100;
/** Changes in the watch fan-out (`RK8S_BENCH_RKS_CHANGES`, default 30). */
const CHANGES = Number(Deno.env.get("RK8S_BENCH_RKS_CHANGES") ?? 30);

function pod(i: number, prefix: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${prefix}-${i}`, labels: { app: "bench", i: String(i) } },
    spec: {
      containers: [{
        name: "main",
        image: "busybox:1.36",
        args: ["sleep", "3600"],
        resources: { limits: { cpu: "100m", memory: "64Mi" } },
      }],
    },
  };
}

interface Line {
  what: string;
  rks: number[];
  floor: number[];
  target?: string;
}

function fmt(v: number): string {
  return v < 10 ? v.toFixed(2) : v.toFixed(1);
}

function print(lines: readonly Line[]): void {
  console.log("\n## rks API vs plane/store (ms per call)");
  const rows = [[
    "what",
    "rks p50",
    "rks p99",
    "store p50",
    "store p99",
    "rks p99 ÷ store",
    "target",
  ]];
  for (const l of lines) {
    const p99 = quantile(l.rks, 0.99);
    const f99 = quantile(l.floor, 0.99);
    rows.push([
      l.what,
      fmt(quantile(l.rks, 0.5)),
      fmt(p99),
      fmt(quantile(l.floor, 0.5)),
      fmt(f99),
      `${(p99 / f99).toFixed(1)}×`,
      l.target ?? "",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log("  " + r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
}

async function inFlight<T>(
  n: number,
  width: number,
  op: (i: number) => Promise<T>,
): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      times.push(performance.now() - t0);
    }
  }));
  return times;
}

/** Runs the section. */
export async function rksBench(): Promise<void> {
  await using etcd = await startTestEtcd();
  await using store = connectStore({ endpoints: etcd.grpcUrl });
  const dir = testLease().makeTempDir("rks-bench-");
  const pki = await ensureClusterPki(join(dir, "pki"), []);
  await using server = await startApiServer({
    store,
    port: 0,
    cert: pki.serverCert,
    key: pki.serverKey,
    token: pki.adminToken,
  });
  const client = Deno.createHttpClient({ caCerts: [pki.caCert] });
  const api = async (method: string, path: string, body?: unknown, accept = "application/json") => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      client,
      headers: {
        authorization: `Bearer ${pki.adminToken}`,
        accept,
        "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text;
  };
  const enc = new TextEncoder();
  const floorCreate = async (key: string, value: Record<string, unknown>) => {
    const r = await store.txn({
      compare: [{ key, target: "create", result: "equal", value: 0 }],
      success: [{ type: "put", key, value: enc.encode(JSON.stringify(value)) }],
    });
    if (!r.succeeded) throw new Error(`${key} exists`);
  };
  const lines: Line[] = [];
  try {
    const nsPods = "/api/v1/namespaces/default/pods";
    // Warm up connections and code paths.
    for (let i = 0; i < 20; i++) await api("POST", nsPods, pod(i, "warm"));
    for (let i = 0; i < 20; i++) await floorCreate(`/bench/warm/${i}`, pod(i, "warm"));

    const seqApi: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      await api("POST", nsPods, pod(i, "seq"));
      seqApi.push(performance.now() - t0);
    }
    const seqFloor: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      await floorCreate(`/bench/seq/${i}`, pod(i, "seq"));
      seqFloor.push(performance.now() - t0);
    }
    lines.push({
      what: `create ${N} pods, sequential`,
      rks: seqApi,
      floor: seqFloor,
      target: "p99 ≤ 20",
    });

    const parApi = await inFlight(
      N,
      50,
      (i) => api("POST", "/api/v1/namespaces/kube-public/pods", pod(i, "par")),
    );
    const parFloor = await inFlight(N, 50, (i) => floorCreate(`/bench/par/${i}`, pod(i, "par")));
    lines.push({ what: `create ${N} pods, 50 in flight`, rks: parApi, floor: parFloor });

    const listRuns = 30;
    const listJson: number[] = [];
    const listTable: number[] = [];
    const listFloor: number[] = [];
    for (let r = 0; r < listRuns; r++) {
      let t0 = performance.now();
      await api("GET", "/api/v1/namespaces/kube-public/pods");
      listJson.push(performance.now() - t0);
      t0 = performance.now();
      await api(
        "GET",
        "/api/v1/namespaces/kube-public/pods?limit=500",
        undefined,
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      );
      listTable.push(performance.now() - t0);
      t0 = performance.now();
      await store.list("/registry/pods/kube-public/");
      listFloor.push(performance.now() - t0);
    }
    lines.push({
      what: `list ${N} pods (JSON)`,
      rks: listJson,
      floor: listFloor,
      target: "p99 ≤ 150",
    });
    lines.push({
      what: `list ${N} pods (Table, limit=500)`,
      rks: listTable,
      floor: listFloor,
      target: "p99 ≤ 150",
    });

    // Watch fan-out: WATCHERS API watches (one shared store watch) vs WATCHERS store watches,
    // all opened by a worker thread (the clients), so only the server runs on this thread.
    const head = JSON.parse(await api("GET", "/api/v1/namespaces/default/pods?limit=1"));
    const worker = new Worker(new URL("./_rks_watchers.ts", import.meta.url).href, {
      type: "module",
    });
    const rounds = new Map<string, number[]>();
    let ready: () => void = () => {};
    let stopped: () => void = () => {};
    const readyP = new Promise<void>((r) => ready = r);
    const stoppedP = new Promise<void>((r) => stopped = r);
    worker.onmessage = (e: MessageEvent) => {
      const m = e.data as { kind: string; key?: string; times?: number[] };
      if (m.kind === "ready") ready();
      else if (m.kind === "stopped") stopped();
      else if (m.kind === "round") rounds.set(m.key!, m.times!);
    };
    worker.postMessage({
      kind: "start",
      url: server.url,
      token: pki.adminToken,
      caCert: pki.caCert,
      etcd: etcd.grpcUrl,
      rv: head.metadata.resourceVersion,
      watchers: WATCHERS,
    });
    await readyP;
    await new Promise((r) => setTimeout(r, 500)); // let every store watch start
    const apiLat: number[] = [];
    const storeLat: number[] = [];
    const now = () => performance.timeOrigin + performance.now();
    const waitAll = async (key: string) => {
      const deadline = Date.now() + 10_000;
      while (!rounds.has(key) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    for (let r = 0; r < CHANGES; r++) {
      let t0 = now();
      await api("PATCH", `${nsPods}/seq-0`, { metadata: { labels: { round: String(r) } } });
      await waitAll(`api-${r}`);
      for (const t of rounds.get(`api-${r}`) ?? []) apiLat.push(t - t0);
      t0 = now();
      const obj = pod(0, "seq");
      (obj.metadata as { labels: Record<string, string> }).labels.round = String(r);
      await store.put("/bench/seq/0", JSON.stringify(obj));
      await waitAll(`store-${r}`);
      for (const t of rounds.get(`store-${r}`) ?? []) storeLat.push(t - t0);
    }
    worker.postMessage({ kind: "stop" });
    await stoppedP;
    worker.terminate();
    lines.push({
      what: `1 change → ${WATCHERS} watchers (request start → event)`,
      rks: apiLat,
      floor: storeLat,
      target: "p99 ≤ 50",
    });
    console.log(
      `  API watches: ${apiLat.length}/${
        WATCHERS * CHANGES
      } events arrived (every watcher of a round) over ${server.handler.storeWatchCount} shared store watch(es)`,
    );
  } finally {
    client.close();
    await testLease().removeDir(dir);
  }
  print(lines);
}

if (import.meta.main) await rksBench();
