/**
 * Scheduler benchmark, after upstream `scheduler_perf` SchedulingBasic: 1,000 nodes (4 cpu,
 * 32 GiB, 110 pods each), 1,000 pods already placed, then the measured pods (100m cpu,
 * 500 MiB each). Runs:
 *
 * - **core**: the pure scheduling cycle (`schedulePod` + assuming the pod in the
 *   `SchedulerCache`), as the scheduler loop runs it, without the API — 10,000 pods;
 * - **api create → bound**: the `Scheduler` against a real rks + etcd (in this process), pods
 *   created through the API over HTTPS (50 in flight) while it runs; latency from sending the
 *   create to the bound pod seen by a watch over HTTPS; pods/s from the first create to the last
 *   binding. The scheduler talks to the API server as it does inside rks: through the loopback
 *   client (same handler, authentication, admission and storage; no TLS, no sockets);
 * - **api backlog → bound**: the same number of pods created while no scheduler runs, then a
 *   new `Scheduler` binds them all; pods/s from its caches being synced to the last binding seen
 *   by the scheduler's own pod informer (its rate through the API: cycle, `pods/binding`, `Scheduled`
 *   event);
 * - **api backlog → bound, scheduler over HTTPS**: the same with the scheduler connected over
 *   HTTPS, as a separate scheduler process would be;
 * - **deployment**: a Deployment of 1,000 replicas on 100 simulated nodes with the
 *   controllers (Deployment → ReplicaSet → pods) and the scheduler running on shared informers
 *   (as in `rks start`): time from the Deployment's create to the last pod bound.
 *
 * Each API row and the Deployment run start from a fresh rks + etcd holding only the start state
 * (as `scheduler_perf` gives each workload its own API server and etcd).
 *
 * Reports pods/s, p50/p99 per-pod latency, the process's CPU seconds, CPU per pod of the main
 * thread (API server, scheduler, clients; steadier than pods/s on a loaded machine), of the store
 * client's gRPC worker thread and of etcd, and the load average. The cluster's store client sends
 * its unary calls through a worker thread, as `rks start` does (`RK8S_BENCH_SCHED_GRPC_WORKER=0`
 * keeps them on the main thread, for comparison).
 * Anchor: kube-scheduler's CI threshold is 680 pods/s at 5,000 nodes / 10,000 pods; issue 15's
 * target is ≥ 1,000 pods/s on this 2-core machine.
 *
 * Environment: `RK8S_BENCH_SCHED_CORE_PODS=N` measured pods of the core run (default 10,000;
 * 0 skips it), `RK8S_BENCH_SCHED_API_PODS=N` measured pods of the API runs (default 10,000, as
 * `scheduler_perf` SchedulingBasic measures; 0 skips them), `RK8S_BENCH_SCHED_DEPLOY_REPLICAS=N`
 * replicas of the Deployment run (default 1,000; 0 skips it).
 *
 * @module
 */
import process from "node:process";
import { ApiClient, resolveCredentials } from "../plane/apiserver/api_client.ts";
import { startTestCluster, type TestCluster } from "../plane/apiserver/_testing.ts";
import { KubeClient } from "../plane/client/kube_client.ts";
import { SharedInformer } from "../plane/client/shared_informer.ts";
import { SharedInformerFactory } from "../plane/client/shared_informer_factory.ts";
import { startControllerManager } from "../plane/controllers/controller_manager.ts";
import { podInfo } from "../plane/scheduler/node_info.ts";
import { buildProfile } from "../plane/scheduler/profile.ts";
import { schedulePod } from "../plane/scheduler/schedule_pod.ts";
import { Scheduler } from "../plane/scheduler/scheduler.ts";
import { SchedulerCache } from "../plane/scheduler/scheduler_cache.ts";
import type { Node, Pod } from "../plane/scheduler/types.ts";
import { quantile } from "./_harness.ts";

const NODES = 1000;
const PLACED = 1000;
const DEPLOY_NODES = 100;

function node(i: number): Node {
  const name = `node-${i}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: { "kubernetes.io/hostname": name, "topology.kubernetes.io/zone": `zone-${i % 3}` },
    },
    status: {
      allocatable: { cpu: "4", memory: "32Gi", pods: "110" },
      capacity: { cpu: "4", memory: "32Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
    },
  };
}

const CONTAINER = {
  name: "pause",
  image: "registry.k8s.io/pause:3.10",
  resources: { requests: { cpu: "100m", memory: "500Mi" } },
};

function pod(name: string, nodeName?: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "bench" } },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [CONTAINER] },
  };
}

interface Result {
  what: string;
  pods: number;
  seconds: number;
  /** Per-pod latencies (ms); empty when not measured. */
  latencies: number[];
  /** CPU seconds of this process during the run. */
  cpu: number;
  /**
   * CPU seconds during the run of the main thread (the JavaScript: API server, scheduler,
   * clients; steadier than pods/s on a loaded machine), of the store client's gRPC worker
   * thread, and of etcd.
   */
  threads: CpuSample;
  /** 1-minute load average at the end of the run. */
  load: number;
}

function loadAverage(): number {
  try {
    return Deno.loadavg()[0]!;
  } catch {
    return NaN;
  }
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds so far of this process's threads and of etcd (see {@linkcode cpuSample}). */
interface CpuSample {
  /** The main thread (the JavaScript: API server, scheduler, clients). */
  main: number;
  /** The store client's gRPC worker threads (`worker-N`; 0 without `grpcWorker`). */
  worker: number;
  /** The etcd process (all its threads; NaN when not given). */
  etcd: number;
}

/**
 * Reads utime + stime of this process's threads (`/proc/PID/task/TID/stat`, listed with `ps`
 * and read with `cat`: Deno refuses `/proc/self` paths under a permission set) and of the etcd
 * process `etcdPid`; NaN fields when unreadable.
 */
function cpuSample(etcdPid?: number): CpuSample {
  const run = (cmd: string, args: string[]) =>
    new TextDecoder().decode(new Deno.Command(cmd, { args, stderr: "null" }).outputSync().stdout);
  try {
    const tids = run("ps", ["-L", "-o", "tid=", "-p", String(Deno.pid)]).trim().split(/\s+/);
    const files = tids.map((t) => `/proc/${Deno.pid}/task/${t}/stat`);
    if (etcdPid !== undefined) files.push(`/proc/${etcdPid}/stat`);
    const out: CpuSample = { main: NaN, worker: 0, etcd: NaN };
    for (const line of run("cat", files).split("\n")) {
      if (!line) continue;
      const pid = Number(line.slice(0, line.indexOf(" ")));
      const comm = line.slice(line.indexOf("(") + 1, line.lastIndexOf(")"));
      const f = line.slice(line.lastIndexOf(")") + 2).split(" ");
      const seconds = (Number(f[11]) + Number(f[12])) / 100; // clock ticks (USER_HZ 100)
      if (pid === Deno.pid) out.main = seconds;
      else if (pid === etcdPid) out.etcd = seconds;
      else if (comm.startsWith("worker-")) out.worker += seconds;
    }
    return out;
  } catch {
    return { main: NaN, worker: NaN, etcd: NaN };
  }
}

/** `b - a` per field. */
function cpuSince(a: CpuSample, b: CpuSample): CpuSample {
  return { main: b.main - a.main, worker: b.worker - a.worker, etcd: b.etcd - a.etcd };
}

function print(results: readonly Result[]): void {
  console.log(
    `\n## scheduler: ${NODES} nodes, ${PLACED} pods placed, then the measured pods ` +
      `(deployment: ${DEPLOY_NODES} nodes)`,
  );
  const rows = [
    [
      "run",
      "pods",
      "seconds",
      "pods/s",
      "p50 ms",
      "p99 ms",
      "cpu s",
      "main ms/pod",
      "grpc ms/pod",
      "etcd ms/pod",
      "load",
    ],
  ];
  for (const r of results) {
    const q = (x: number) => r.latencies.length ? quantile(r.latencies, x).toFixed(3) : "-";
    // NaN (not measured) arrives from the row's process as null.
    const perPod = (s: number | null) =>
      s === null || Number.isNaN(s) ? "-" : (s * 1000 / r.pods).toFixed(3);
    rows.push([
      r.what,
      String(r.pods),
      r.seconds.toFixed(2),
      (r.pods / r.seconds).toFixed(0),
      q(0.5),
      q(0.99),
      r.cpu.toFixed(1),
      perPod(r.threads.main),
      perPod(r.threads.worker),
      perPod(r.threads.etcd),
      r.load.toFixed(1),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
}

function coreRun(measured: number): Result {
  const cache = new SchedulerCache();
  for (let i = 0; i < NODES; i++) cache.addNode(node(i));
  for (let i = 0; i < PLACED; i++) cache.addPod(pod(`placed-${i}`, `node-${i % NODES}`));
  const profile = buildProfile();
  let start = 0;
  const latencies: number[] = [];
  const cpu0 = cpuSeconds();
  const cpuAt0 = cpuSample();
  const t0 = performance.now();
  for (let i = 0; i < measured; i++) {
    const s = performance.now();
    const info = podInfo(pod(`p-${i}`));
    const snap = cache.snapshot();
    const r = schedulePod(info, snap.nodes, profile, { ...snap, startIndex: start });
    if (!r.ok) throw new Error(`pod ${i} did not fit: ${r.message}`);
    start = r.nextStartIndex;
    cache.assume(info, r.node);
    latencies.push(performance.now() - s);
  }
  return {
    what: "core (schedulePod + assume)",
    pods: measured,
    seconds: (performance.now() - t0) / 1000,
    latencies,
    cpu: cpuSeconds() - cpu0,
    threads: cpuSince(cpuAt0, cpuSample()),
    load: loadAverage(),
  };
}

async function inFlight(n: number, limit: number, f: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await f(next++);
  }));
}

/**
 * Records when each pod an informer shows is first seen bound: an HTTPS watch of its own for
 * the create → bound latency, or the scheduler's own pod informer for the backlog runs (as
 * upstream `scheduler_perf` counts scheduled pods through the scheduler's informer factory, so
 * observing costs the process no second watch).
 */
class BoundWatch {
  readonly informer: SharedInformer<Pod>;
  readonly prefix: string;
  /** Name (starting with `prefix`) → when the pod was first seen bound (performance.now()). */
  readonly bound = new Map<string, number>();
  constructor(informer: SharedInformer<Pod>, prefix: string) {
    this.informer = informer;
    this.prefix = prefix;
  }
  /** Adds the handler; with `start`, starts the informer too. */
  async watch(start: boolean): Promise<void> {
    const seen = (p: Pod) => {
      const name = p.metadata.name;
      if (p.spec?.nodeName && name.startsWith(this.prefix) && !this.bound.has(name)) {
        this.bound.set(name, performance.now());
      }
    };
    await this.informer.addHandlers({ add: seen, update: seen });
    if (start) await this.informer.start();
  }
  /** Resolves when `n` pods are bound; rejects after `timeoutMs` with how many were. */
  async waitFor(n: number, timeoutMs: number): Promise<void> {
    try {
      await this.informer.waitFor(() => this.bound.size >= n, timeoutMs);
    } catch {
      throw new Error(`only ${this.bound.size} of ${n} pods bound within ${timeoutMs / 1000} s`);
    }
  }
}

/** The store client as `rks start` connects it, unless `RK8S_BENCH_SCHED_GRPC_WORKER=0`. */
function clusterOptions(): { grpcWorker: boolean } {
  return { grpcWorker: Deno.env.get("RK8S_BENCH_SCHED_GRPC_WORKER") !== "0" };
}

/** A client of `c`'s API handler in this process (as rks's scheduler and controllers). */
async function loopbackClient(c: TestCluster, fieldManager: string): Promise<KubeClient> {
  const creds = await resolveCredentials({ kubeconfig: c.kubeconfig });
  return new KubeClient(new ApiClient(creds, { loopback: c.server.loopback }), { fieldManager });
}

/**
 * A fresh rks + etcd with the workload's start state: `NODES` nodes and `PLACED` pods bound to
 * them. Each API row gets its own, as `scheduler_perf` runs each workload against its own API
 * server and etcd: a row must not find the previous row's 10,000 pods in the store.
 */
async function preparedCluster(): Promise<{ c: TestCluster; kube: KubeClient }> {
  const c = await startTestCluster("grpc", undefined, clusterOptions());
  try {
    const kube = await KubeClient.connect({ kubeconfig: c.kubeconfig });
    await inFlight(NODES, 50, (i) => kube.create("nodes", node(i)));
    await inFlight(PLACED, 50, (i) => kube.create("pods", pod(`placed-${i}`, `node-${i % NODES}`)));
    return { c, kube };
  } catch (e) {
    await c[Symbol.asyncDispose]();
    throw e;
  }
}

/** create → bound: pods created over HTTPS (50 in flight) while the scheduler runs. */
async function createRun(measured: number): Promise<Result> {
  const { c, kube } = await preparedCluster();
  await using _c = c;
  await using _kube = kube;
  const watch = new BoundWatch(
    new SharedInformer<Pod>(kube, "pods", { labelSelector: "app=bench" }),
    "p-",
  );
  await watch.watch(true);
  // The scheduler's client as rks runs it: the API handler of this process, no TLS.
  await using loopback = await loopbackClient(c, "kube-scheduler");
  const scheduler = new Scheduler(loopback, { identity: "bench" });
  await scheduler.start();
  const created = new Map<string, number>();
  const cpu0 = cpuSeconds();
  const cpuAt0 = cpuSample(c.etcd.pid);
  const firstCreate = performance.now();
  await inFlight(measured, 50, async (i) => {
    const name = `p-${i}`;
    // Stamped before the request: the bound pod can reach the watch before the create's answer.
    created.set(name, performance.now());
    await kube.create("pods", pod(name));
  });
  await watch.waitFor(measured, TIMEOUT_MS);
  const latencies = [...created].map(([name, t]) => watch.bound.get(name)! - t);
  const lastBound = Math.max(...[...created.keys()].map((n) => watch.bound.get(n)!));
  const result = {
    what: "api create → bound",
    pods: measured,
    seconds: (lastBound - firstCreate) / 1000,
    latencies,
    cpu: cpuSeconds() - cpu0,
    threads: cpuSince(cpuAt0, cpuSample(c.etcd.pid)),
    load: loadAverage(),
  };
  await scheduler.stop();
  await watch.informer.stop();
  return result;
}

/**
 * backlog → bound: pods created while no scheduler runs, then one binds them all (through the
 * loopback client as inside rks, or over HTTPS as a separate process), counted through the
 * scheduler's own pod informer.
 */
async function backlogRun(measured: number, overHttps: boolean): Promise<Result> {
  const { c, kube } = await preparedCluster();
  await using _c = c;
  await using _kube = kube;
  await using loopback = await loopbackClient(c, "kube-scheduler");
  await inFlight(measured, 50, (i) => kube.create("pods", pod(`b-${i}`)));
  const scheduler = new Scheduler(overHttps ? kube : loopback, { identity: "bench-backlog" });
  const seen = new BoundWatch(scheduler.informers.pods, "b-");
  await seen.watch(false);
  const cpu0 = cpuSeconds();
  const cpuAt0 = cpuSample(c.etcd.pid);
  await scheduler.start();
  // From the scheduler's caches being synced (start resolves then and its loop begins) to the
  // last binding seen.
  const t0 = performance.now();
  await seen.waitFor(measured, TIMEOUT_MS);
  await scheduler.stop();
  const times = [...seen.bound.values()];
  return {
    what: overHttps ? "api backlog → bound, scheduler over HTTPS" : "api backlog → bound",
    pods: measured,
    seconds: (Math.max(...times) - Math.min(t0, ...times)) / 1000,
    latencies: [],
    cpu: cpuSeconds() - cpu0,
    threads: cpuSince(cpuAt0, cpuSample(c.etcd.pid)),
    load: loadAverage(),
  };
}

const TIMEOUT_MS = 10 * 60_000;

async function deploymentRun(replicas: number): Promise<Result> {
  await using c = await startTestCluster("grpc", undefined, clusterOptions());
  await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig });
  await inFlight(DEPLOY_NODES, 50, (i) => kube.create("nodes", node(i)));
  // Controllers and scheduler reach the API as inside rks: the loopback client, and one
  // informer per resource for both (as `rks start` shares them).
  await using loopback = await loopbackClient(c, "kube-controller-manager");
  await using informerClient = await loopbackClient(c, "rks-informers");
  await using informers = new SharedInformerFactory(informerClient);
  // The simulated nodes post no Leases: the node lifecycle controller must not time them out.
  await using _cm = await startControllerManager({
    kube: loopback,
    nodeLifecycle: { gracePeriodSeconds: 3600, startupGracePeriodSeconds: 3600 },
    informers,
  });
  const scheduler = new Scheduler(loopback, { identity: "bench-deploy", informers });
  await scheduler.start();
  const watch = new BoundWatch(
    new SharedInformer<Pod>(kube, "pods", { labelSelector: "app=web" }),
    "web-",
  );
  await watch.watch(true);
  const cpu0 = cpuSeconds();
  const cpuAt0 = cpuSample(c.etcd.pid);
  const t0 = performance.now();
  await kube.create("apps/deployments", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [CONTAINER] } },
    },
  });
  await watch.waitFor(replicas, 10 * 60_000);
  const seconds = (Math.max(...watch.bound.values()) - t0) / 1000;
  const result = {
    what: `deployment ${replicas} replicas → bound`,
    pods: replicas,
    seconds,
    latencies: [],
    cpu: cpuSeconds() - cpu0,
    threads: cpuSince(cpuAt0, cpuSample(c.etcd.pid)),
    load: loadAverage(),
  };
  await watch.informer.stop();
  await scheduler.stop();
  return result;
}

function count(name: string, fallback: number): number {
  const v = Deno.env.get(name);
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: expected a whole number, got ${v}`);
  return n;
}

/** The rows, each run by {@linkcode runRow} in a process of its own. */
type Row = "core" | "create" | "backlog" | "https" | "deploy";
const ROW_ENV = "RK8S_BENCH_SCHED_ROW";

function runRow(row: Row, n: number): Promise<Result> {
  switch (row) {
    case "core":
      return Promise.resolve(coreRun(n));
    case "create":
      return createRun(n);
    case "backlog":
      return backlogRun(n, false);
    case "https":
      return backlogRun(n, true);
    case "deploy":
      return deploymentRun(n);
  }
}

/**
 * Runs one row in a fresh Deno process (this module with {@linkcode ROW_ENV} set), so that no
 * row runs on a heap, JIT state or garbage left by another: in one process the backlog row's
 * rate varied from 586 to 1,052 pods/s depending on which rows had run before it.
 */
async function rowInFreshProcess(row: Row, n: number): Promise<Result> {
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      "-q",
      "--frozen",
      `--config=${new URL("../deno.json", import.meta.url).pathname}`,
      "-P=dev",
      new URL(import.meta.url).pathname,
    ],
    env: { [ROW_ENV]: `${row}:${n}` },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  if (!out.success) throw new Error(`scheduler bench row ${row} failed (exit code ${out.code})`);
  return JSON.parse(lines.at(-1)!) as Result;
}

/** Runs the scheduler benchmark (each row in a fresh process) and prints its table. */
export async function schedulerBench(): Promise<void> {
  const measured = count("RK8S_BENCH_SCHED_API_PODS", 10_000);
  const replicas = count("RK8S_BENCH_SCHED_DEPLOY_REPLICAS", 1000);
  const core = count("RK8S_BENCH_SCHED_CORE_PODS", 10_000);
  const plan: [Row, number][] = [
    ["core", core],
    ["create", measured],
    ["backlog", measured],
    ["https", measured],
    ["deploy", replicas],
  ];
  const results: Result[] = [];
  for (const [row, n] of plan) if (n > 0) results.push(await rowInFreshProcess(row, n));
  print(results);
}

if (import.meta.main) {
  const [row, n] = (Deno.env.get(ROW_ENV) ?? "").split(":");
  if (!["core", "create", "backlog", "https", "deploy"].includes(row!) || !Number(n)) {
    throw new Error(`${ROW_ENV}: expected ROW:COUNT, got "${Deno.env.get(ROW_ENV) ?? ""}"`);
  }
  console.log(JSON.stringify(await runRow(row as Row, Number(n))));
  // The cluster's clients may keep timers; the row is done.
  Deno.exit(0);
}
