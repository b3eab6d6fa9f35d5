/**
 * `deno task bench cluster`: rk8s as a cluster on one machine, laid out as the tests do it —
 * etcd, `rks start` (scheduler and controllers in-process) and 3 nodes, each a network namespace
 * on a bridge running its own `rkl daemon --cluster` joined over QUIC.
 *
 * - **Pod startup latency** (the Kubernetes pod startup SLI): from a pod's creation to all its
 *   containers running, observed through a watch, over `RKL_BENCH_CLUSTER_PODS` pods (default
 *   60) spread over the 3 nodes; p50/p99. Two rows: pods
 *   created one by one at `RKL_BENCH_CLUSTER_QPS` per second (default 2; the SLI's density tests
 *   create at a fixed rate, a burst on 2 cores measures the queue), then a Deployment of as many
 *   replicas at once. Creation is when
 *   the watch delivers the pod's `ADDED` event (`metadata.creationTimestamp` has one-second
 *   resolution), running is the first event in which every container status has
 *   `state.running`. Anchors: SLO p99 ≤ 5 s; kubemark p50 1.1 s / p99 2.1 s; target here p99 ≤ 1 s.
 * - **CPU per pod** in each row: the machine's busy time (`/proc/stat`: every process — rks,
 *   etcd, the daemons, runc, conmon, CNI plugins), or this benchmark's cgroup's when it runs in
 *   one of its own (other processes of the machine left out), and the node daemons' own and
 *   reaped children's (`/proc/PID/stat`; conmon detaches, so what it runs is not in the
 *   children's), and rks's and etcd's own, divided by the row's pods.
 * - **Node agent RSS** of each node's daemon with its share of those pods: just after the last
 *   one ran, and 20 s later (V8 shrinks the heap it grew during the creations some seconds
 *   after they end).
 * - **QUIC message round trip**: one `request` → `response` over a node's QUIC connection
 *   (rks relays it to its API: a GET of the node's own Node, registered for this), next to the
 *   same GET over HTTPS with the admin token (`RKL_BENCH_CLUSTER_RTT`, default 200 each,
 *   interleaved); p50/p99.
 *
 * @module
 */
import { join } from "node:path";
import { quantile } from "./_harness.ts";
import { withUndo } from "./_peers.ts";
import { run } from "../core/exec.ts";
import { testBundles } from "../core/testing.ts";
import type { UndoStack } from "../core/undo.ts";
import { startTestEtcd } from "../plane/store/_testing.ts";
import { ApiClient, resolveCredentials } from "../plane/apiserver/api_client.ts";
import { KubeClient } from "../plane/client/kube_client.ts";
import type { KubeObject } from "../plane/store/kube_object.ts";
import { connectCluster } from "../plane/node_agent/cluster_session.ts";
import {
  cleanNodeRoot,
  createNodeNetwork,
  type Proc,
  startNodeDaemon,
  startTestRks,
} from "../plane/node_agent/_cluster_testing.ts";

// Overridable for a quick check of the section itself (e.g. 6 pods, 20 round trips).
const PODS = Number(Deno.env.get("RKL_BENCH_CLUSTER_PODS") ?? 60);
const RTT = Number(Deno.env.get("RKL_BENCH_CLUSTER_RTT") ?? 200);
const NODES = Number(Deno.env.get("RKL_BENCH_CLUSTER_NODES") ?? 3);
// Pods created per second in the paced row (the SLI's density tests create at a fixed rate).
const QPS = Number(Deno.env.get("RKL_BENCH_CLUSTER_QPS") ?? 2);
const TIMEOUT_MS = 300_000;
// Which rows run (`paced`, `burst`; default both).
const ROWS = new Set((Deno.env.get("RKL_BENCH_CLUSTER_ROWS") ?? "paced,burst").split(","));
// A directory for a CPU profile of node-1's daemon (`deno run --cpu-prof`), written when it exits.
const CPU_PROF = Deno.env.get("RKL_BENCH_CLUSTER_CPU_PROF");
// How long after the last pod ran the node agents' RSS is read again.
const RSS_SETTLE_MS = 20_000;
// USER_HZ: the unit of the CPU times in /proc (100 on every Linux architecture rk8s runs on).
const TICKS_PER_S = 100;

async function loadAverage(): Promise<string> {
  return (await run(["cat", "/proc/loadavg"])).stdout.split(" ").slice(0, 3).join(" ");
}

async function rssMiB(pid: number): Promise<number> {
  // Deno asks for --allow-all to read /proc/PID files itself; `cat` is on the permission list.
  const status = (await run(["cat", `/proc/${pid}/status`])).stdout;
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN) / 1024;
}

/** Busy CPU time of the whole machine so far, ms (`/proc/stat`: all but idle and iowait). */
async function machineBusyMs(): Promise<number> {
  const line = (await run(["cat", "/proc/stat"])).stdout.split("\n")[0]!;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - f[3]! - f[4]!) * 1000) / TICKS_PER_S;
}

/**
 * CPU used so far by this benchmark's cgroup, ms, when it runs in one of its own (not the root):
 * everything it started (etcd, rks, the daemons, runc, conmon, CNI plugins) but no other
 * process of the machine; the pods' containers run in their own cgroups. Undefined in the root
 * cgroup. cgroup v1 `cpuacct.usage` (ns) or v2 `cpu.stat` `usage_usec`.
 */
async function cgroupCpuMs(): Promise<number | undefined> {
  const lines = (await run(["cat", "/proc/self/cgroup"])).stdout.split("\n");
  const v1 = lines.map((l) => l.split(":")).find((f) => f[1]?.split(",").includes("cpuacct"));
  if (v1 && v1[2] && v1[2] !== "/") {
    const dir = ["cpuacct", "cpu,cpuacct"].map((h) => `/sys/fs/cgroup/${h}${v1[2]}`);
    const r = await run(["cat", `${dir[0]}/cpuacct.usage`], { allowFailure: true });
    const text = r.code === 0
      ? r.stdout
      : (await run(["cat", `${dir[1]}/cpuacct.usage`], { allowFailure: true })).stdout;
    const ns = Number(text.trim());
    return Number.isFinite(ns) && text.trim() !== "" ? ns / 1e6 : undefined;
  }
  const v2 = lines.find((l) => l.startsWith("0::"))?.slice(3);
  if (v1 === undefined && v2 && v2 !== "/") {
    const r = await run(["cat", `/sys/fs/cgroup${v2}/cpu.stat`], { allowFailure: true });
    const us = /^usage_usec (\d+)$/m.exec(r.stdout)?.[1];
    return us === undefined ? undefined : Number(us) / 1000;
  }
  return undefined;
}

/** CPU time of a process so far, ms: its own and its reaped children's (`/proc/PID/stat`). */
async function processCpuMs(pid: number): Promise<{ own: number; children: number }> {
  const stat = (await run(["cat", `/proc/${pid}/stat`])).stdout;
  // Fields after the command name (which may hold spaces): state is field 3, utime 14.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return {
    own: ((f[11]! + f[12]!) * 1000) / TICKS_PER_S,
    children: ((f[13]! + f[14]!) * 1000) / TICKS_PER_S,
  };
}

/** CPU used so far by the machine (or this benchmark's cgroup) and by each node daemon (ms). */
interface CpuSnapshot {
  machine: number;
  cgroup: number | undefined;
  daemons: { own: number; children: number }[];
  /** rks's own CPU (its scheduler and controllers run in it). */
  rks: number;
  /** etcd's own CPU. */
  etcd: number;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function fmt(xs: readonly number[]): string {
  return `p50 ${quantile(xs, 0.5).toFixed(1)} ms, p99 ${
    quantile(xs, 0.99).toFixed(1)
  } ms (n=${xs.length})`;
}

/** Runs the cluster section; every process, pod, namespace and directory is removed after. */
export function clusterBench(): Promise<void> {
  return withUndo("rk8s-bench-cluster-", clusterSection);
}

async function clusterSection(work: string, undo: UndoStack): Promise<void> {
  const loadBefore = await loadAverage();
  const net = await createNodeNetwork(NODES);
  undo.push("delete the node namespaces", async () => {
    await net[Symbol.asyncDispose]();
  });
  const etcd = await startTestEtcd();
  undo.push("stop etcd", () => etcd.stop());
  const rks = await startTestRks({
    dir: work,
    etcdUrl: etcd.grpcUrl,
    nodeHost: "0.0.0.0",
    extraArgs: ["--advertise-address", net.gateway],
    timeoutMs: TIMEOUT_MS,
  });
  undo.push("stop rks", async () => {
    await rks.stop();
  });
  const daemons: { name: string; root: string; netns: string; proc: Proc }[] = [];
  undo.push("stop the nodes and remove their pods", async () => {
    for (const d of daemons) {
      try {
        d.proc.p.kill("SIGTERM");
      } catch { /* exited */ }
      await d.proc.done;
    }
    for (const d of daemons) await cleanNodeRoot(d.root, d.netns);
  });
  for (const [i, n] of net.nodes.entries()) {
    const name = `node-${i + 1}`;
    const root = join(work, name);
    const proc = startNodeDaemon({
      name,
      root,
      manifests: join(work, `${name}-manifests`),
      args: ["--log-format", "json", ...rks.joinArgs],
      netns: n.netns,
      ...(CPU_PROF !== undefined && i === 0
        ? { denoFlags: ["--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`] }
        : {}),
    });
    daemons.push({ name, root, netns: n.netns, proc });
  }
  await until(`${NODES} Ready nodes`, async () => {
    const r = await rks.kubectl(["get", "nodes", "--no-headers"]);
    return (r.stdout.match(/\sReady\s/g) ?? []).length === NODES;
  });
  const rssIdle = await Promise.all(daemons.map((d) => rssMiB(d.proc.p.pid)));

  // Pod startup latency through a watch.
  const creds = await resolveCredentials({ kubeconfig: rks.kubeconfig });
  await using kube = new KubeClient(new ApiClient(creds), { fieldManager: "bench" });
  const added = new Map<string, number>();
  const running = new Map<string, number>();
  const scheduled = new Map<string, number>();
  const nodeOf = new Map<string, string>();
  const nameOf = new Map<string, string>();
  const rowOf = new Map<string, string>();
  const ac = new AbortController();
  const watching = (async () => {
    const list = await kube.list("pods", { namespace: "default", labelSelector: "app=lat" });
    for await (
      const ev of kube.watch<KubeObject>("pods", {
        namespace: "default",
        labelSelector: "app=lat",
        resourceVersion: list.resourceVersion,
        signal: ac.signal,
      })
    ) {
      if (ev.type === "BOOKMARK") continue;
      const now = Date.now();
      const pod = ev.object as KubeObject & {
        spec?: { nodeName?: string; containers?: unknown[] };
        status?: { containerStatuses?: { state?: { running?: unknown } }[] };
      };
      const uid = String(pod.metadata.uid);
      if (!added.has(uid)) added.set(uid, now);
      nameOf.set(uid, String(pod.metadata.name));
      rowOf.set(uid, String(pod.metadata.labels?.row ?? ""));
      if (pod.spec?.nodeName) {
        nodeOf.set(uid, pod.spec.nodeName);
        if (!scheduled.has(uid)) scheduled.set(uid, now);
      }
      const cs = pod.status?.containerStatuses ?? [];
      if (
        !running.has(uid) && cs.length === (pod.spec?.containers?.length ?? 1) &&
        cs.every((c) => c.state?.running !== undefined)
      ) running.set(uid, now);
    }
  })().catch((e) => {
    if (!ac.signal.aborted) throw e;
  });
  undo.push("stop the watch", async () => {
    ac.abort();
    await watching;
  });
  await new Promise((r) => setTimeout(r, 500));
  const runningIn = (row: string) => [...running.keys()].filter((u) => rowOf.get(u) === row);
  const waitRunning = (row: string) =>
    until(`${PODS} ${row} pods running`, () => Promise.resolve(runningIn(row).length >= PODS))
      .catch((e) => {
        throw new Error(
          `${e.message} (${runningIn(row).length} running)\n${
            daemons.map((d) => `${d.name}:\n${d.proc.text().slice(-2000)}`).join("\n")
          }`,
        );
      });
  const cpuNow = async (): Promise<CpuSnapshot> => ({
    machine: await machineBusyMs(),
    cgroup: await cgroupCpuMs(),
    daemons: await Promise.all(daemons.map((d) => processCpuMs(d.proc.p.pid))),
    rks: (await processCpuMs(rks.proc.p.pid)).own,
    etcd: etcd.pid === undefined ? NaN : (await processCpuMs(etcd.pid)).own,
  });
  const cpu = new Map<string, { before: CpuSnapshot; after: CpuSnapshot }>();
  const secs = new Map<string, number>();
  if (ROWS.has("paced")) {
    // Paced: single pods created at QPS per second.
    undo.push("delete the paced pods", async () => {
      await rks.kubectl(["delete", "pods", "-l", "row=paced", "--wait=false"]);
    });
    const before = await cpuNow();
    const t0 = Date.now();
    for (let i = 0; i < PODS; i++) {
      const due = t0 + (i * 1000) / QPS;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      await kube.create("pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `lat-${i}`, namespace: "default", labels: { app: "lat", row: "paced" } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: "app", image: testBundles.busybox, command: ["sleep", "3600"] }],
        },
      }, { namespace: "default" });
    }
    await waitRunning("paced");
    secs.set("paced", (Date.now() - t0) / 1000);
    cpu.set("paced", { before, after: await cpuNow() });
  }
  if (ROWS.has("burst")) {
    // Burst: one Deployment of PODS replicas.
    const before = await cpuNow();
    const t1 = Date.now();
    const apply = await rks.kubectl(
      ["apply", "-f", "-"],
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: lat}
spec:
  replicas: ${PODS}
  selector: {matchLabels: {app: lat, row: burst}}
  template:
    metadata: {labels: {app: lat, row: burst}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: app
          image: ${testBundles.busybox}
          command: [sleep, "3600"]
`,
    );
    if (apply.code !== 0) throw new Error(`kubectl apply: ${apply.stderr}`);
    undo.push("delete the Deployment", async () => {
      await rks.kubectl(["delete", "deployment", "lat", "--wait=false"]);
    });
    await waitRunning("burst");
    secs.set("burst", (Date.now() - t1) / 1000);
    cpu.set("burst", { before, after: await cpuNow() });
  }
  // The daemons' `Created` events (JSON log lines): when each pod's containers were running on
  // its node, before the node reported it.
  const createdAt = new Map<string, number>();
  for (const d of daemons) {
    for (const line of d.proc.text().split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        const ev = JSON.parse(line) as { time: string; reason: string; object: string };
        if (ev.reason === "Created") createdAt.set(ev.object, Date.parse(ev.time));
      } catch { /* not an event line */ }
    }
  }
  const rowStats = (row: string) => {
    const uids = runningIn(row);
    const boundToCreated: number[] = [];
    const createdToReported: number[] = [];
    for (const uid of uids) {
      const c = createdAt.get(`default/${nameOf.get(uid)}`);
      if (c === undefined) continue;
      boundToCreated.push(c - scheduled.get(uid)!);
      createdToReported.push(running.get(uid)! - c);
    }
    return {
      latencies: uids.map((u) => running.get(u)! - added.get(u)!),
      toBound: uids.map((u) => scheduled.get(u)! - added.get(u)!),
      boundToRunning: uids.map((u) => running.get(u)! - scheduled.get(u)!),
      boundToCreated,
      createdToReported,
    };
  };
  const perNode = new Map<string, number>();
  for (const uid of running.keys()) {
    const n = nodeOf.get(uid) ?? "?";
    perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const rssBusy = await Promise.all(daemons.map((d) => rssMiB(d.proc.p.pid)));
  const busyAt = Date.now();

  // QUIC request round trip next to HTTPS.
  const session = await connectCluster({
    address: rks.joinArgs[1]!,
    caCertHash: rks.joinArgs[5]!,
    token: rks.joinArgs[3]!,
    nodeName: "bench-rtt",
    stateDir: join(work, "bench-rtt"),
    agentVersion: "bench",
  });
  undo.push("close the QUIC session", () => session.close());
  const api = new ApiClient(creds);
  undo.push("close the HTTPS client", () => api.close());
  const reg = await session.request("POST", "/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "bench-rtt" },
  });
  if (reg.status !== 201) throw new Error(`cannot register node bench-rtt: HTTP ${reg.status}`);
  undo.push("delete node bench-rtt", async () => {
    await rks.kubectl(["delete", "node", "bench-rtt", "--wait=false"]);
  });
  const quic: number[] = [];
  const https: number[] = [];
  for (let i = 0; i < RTT + 10; i++) {
    const a = performance.now();
    const r = await session.request("GET", "/api/v1/nodes/bench-rtt");
    if (r.status !== 200) throw new Error(`GET over QUIC: HTTP ${r.status}`);
    const b = performance.now();
    await api.request("GET", "/api/v1/nodes/bench-rtt");
    const c = performance.now();
    if (i >= 10) {
      quic.push(b - a);
      https.push(c - b);
    }
  }

  // The same RSS once the pods have run for a while: V8 keeps the heap it grew to while the pods
  // were being created (most of it garbage) for some seconds before it shrinks it.
  await new Promise((r) => setTimeout(r, Math.max(0, busyAt + RSS_SETTLE_MS - Date.now())));
  const rssSettled = await Promise.all(daemons.map((d) => rssMiB(d.proc.p.pid)));

  console.log(`\n(load average ${loadBefore} before, ${await loadAverage()} after)`);
  console.log(
    `\n## pod startup latency: created → all containers running, seen through a watch (${PODS} pods per row, ${NODES} nodes; target p99 ≤ 1000 ms, Kubernetes SLO p99 ≤ 5 s)`,
  );
  for (
    const [row, what] of [
      ["paced", `${PODS} pods created at ${QPS}/s`],
      ["burst", `one Deployment of ${PODS} replicas`],
    ] as const
  ) {
    const took = secs.get(row);
    const used = cpu.get(row);
    if (took === undefined || used === undefined) continue;
    const st = rowStats(row);
    console.log(
      `  ${what}: ${fmt(st.latencies)}; all running ${took.toFixed(1)} s after the first create`,
    );
    console.log(`    created → bound (scheduler): ${fmt(st.toBound)}`);
    console.log(`    bound → running (node agent, daemon, runtime): ${fmt(st.boundToRunning)}`);
    console.log(
      `      bound → the daemon's Created event (pod started): ${fmt(st.boundToCreated)}`,
    );
    console.log(`      Created → status Running seen in the watch: ${fmt(st.createdToReported)}`);
    const perPod = (ms: number) => `${(ms / PODS).toFixed(0)} ms`;
    const own = used.after.daemons.reduce((n, d, i) => n + d.own - used.before.daemons[i]!.own, 0);
    const children = used.after.daemons.reduce(
      (n, d, i) => n + d.children - used.before.daemons[i]!.children,
      0,
    );
    const { before, after } = used;
    const total = after.cgroup !== undefined && before.cgroup !== undefined
      ? `this benchmark's cgroup ${perPod(after.cgroup - before.cgroup)} (machine ${
        perPod(after.machine - before.machine)
      })`
      : `machine ${perPod(after.machine - before.machine)}`;
    console.log(
      `    CPU per pod: ${total}; node daemons ${perPod(own)} own + ${
        perPod(children)
      } reaped children (conmon and what it runs not counted); rks ${
        perPod(after.rks - before.rks)
      }, etcd ${perPod(after.etcd - before.etcd)}`,
    );
  }
  console.log(
    `  pods per node: ${[...perNode].sort().map(([n, c]) => `${n} ${c}`).join(", ")}`,
  );
  console.log(`\n## node agent RSS (rkl daemon --cluster)`);
  for (const [i, d] of daemons.entries()) {
    console.log(
      `  ${d.name}: ${rssIdle[i]!.toFixed(1)} MiB with 0 pods, ${rssBusy[i]!.toFixed(1)} MiB with ${
        perNode.get(d.name) ?? 0
      } pods just after the last one ran, ${rssSettled[i]!.toFixed(1)} MiB ${
        RSS_SETTLE_MS / 1000
      } s later`,
    );
  }
  console.log(`\n## one API GET: over a node's QUIC connection vs HTTPS to rks (${RTT} each)`);
  console.log(`  QUIC request → response (relayed by rks): ${fmt(quic)}`);
  console.log(`  HTTPS GET with the admin token:           ${fmt(https)}`);
  console.log(
    `  QUIC ÷ HTTPS (p50): ${(quantile(quic, 0.5) / quantile(https, 0.5)).toFixed(2)}×`,
  );
}
