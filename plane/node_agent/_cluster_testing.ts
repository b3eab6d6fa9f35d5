/**
 * Helpers of the node agent's root tests: processes of the real `rks` and `rkl daemon` with
 * their stderr collected, `rkl` runs, and test "nodes" in network namespaces of their own. What
 * they start is held by the process's test lease (`core/test_lease.ts`) until it is undone, so
 * that a killed test run's leftovers are removed by the next sweep (`core/test_sweep.ts`),
 * which the helpers that start a cluster run first. Not exported from `mod.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { testBundles } from "../../core/testing.ts";
import { testLease } from "../../core/test_lease.ts";
import { sweepTestLeftovers } from "../../core/test_sweep.ts";

const repo = new URL("../..", import.meta.url).pathname;
const dec = new TextDecoder();

/** `deno run` of this repository's entry point with a named permission set (and extra `env`). */
export function denoRun(
  permissionSet: string,
  args: string[],
  prefix: string[] = [],
  env?: Record<string, string>,
): Deno.Command {
  const deno = ["deno", "run", "-q", "--frozen", `-P=${permissionSet}`, ...args];
  const [cmd, ...rest] = [...prefix, ...deno];
  return new Deno.Command(cmd!, {
    args: rest,
    cwd: repo,
    ...(env ? { env } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** A child whose stderr is collected as text. */
export interface Proc {
  /** The child. */
  p: Deno.ChildProcess;
  /** Its stderr so far. */
  text: () => string;
  /** Its exit code, once its stderr ended and it exited. */
  done: Promise<number>;
}

/**
 * Starts collecting a child's stderr (its stdout is discarded); the child is held by the test
 * lease until it exits.
 */
export function collect(p: Deno.ChildProcess, what = "test child"): Proc {
  testLease().holdChild(p, what);
  let text = "";
  const reading = (async () => {
    for await (const c of p.stderr.pipeThrough(new TextDecoderStream())) text += c;
  })();
  p.stdout.cancel();
  return { p, text: () => text, done: reading.then(() => p.status).then((s) => s.code) };
}

/** A real `rks start` of a test, with what the tests need around it. */
export interface TestRks extends AsyncDisposable {
  /** rks's data directory (PKI, admin kubeconfig). */
  dataDir: string;
  /** The admin kubeconfig. */
  kubeconfig: string;
  /** kubectl's `HOME` (an empty `~/.kube/cache` per test). */
  home: string;
  /** The HTTPS API port (loopback). */
  apiPort: number;
  /** The QUIC node port. */
  nodePort: number;
  /** The running rks process (replaced by {@linkcode TestRks.restart}). */
  proc: Proc;
  /** The join command `rks token create` printed (`deno task daemon --cluster … --token … …`). */
  joinCommand: string;
  /** Its arguments after `deno task daemon`: `--cluster ADDR --token T --ca-cert-hash H`. */
  joinArgs: string[];
  /** kubectl against this rks. */
  kubectl(
    args: string[],
    stdin?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Stops rks (SIGTERM; asserts exit 0) and starts it again on the same ports and data. */
  restart(): Promise<void>;
  /** Stops rks (SIGTERM) and returns its exit code. */
  stop(): Promise<number>;
}

/**
 * Starts `rks start` on `etcdUrl` with its data under `dir/rks` (API on `apiHost`, default
 * `127.0.0.1`, nodes on `nodeHost`, default `127.0.0.1`; `extraArgs` such as
 * `--advertise-address`), waits until it
 * listens for nodes and `/readyz` answers, and creates a bootstrap token (`rks token create`).
 * Disposing stops it. Throws with rks's log when it does not come up within `timeoutMs`.
 */
export async function startTestRks(opts: {
  dir: string;
  etcdUrl: string;
  apiHost?: string;
  nodeHost?: string;
  extraArgs?: string[];
  timeoutMs?: number;
}): Promise<TestRks> {
  await sweepTestLeftovers();
  const { join } = await import("node:path");
  const { freePort } = await import("../store/etcd_server.ts");
  const { runKubectl } = await import("../apiserver/_testing.ts");
  const { waitFor } = await import("../../core/testing.ts");
  const dataDir = join(opts.dir, "rks");
  const home = join(opts.dir, "home");
  await Deno.mkdir(home, { recursive: true });
  const kubeconfig = join(dataDir, "admin.kubeconfig");
  let apiPort = freePort();
  let nodePort = freePort();
  const kubectl = (args: string[], stdin?: string) => runKubectl(home, kubeconfig, args, stdin);
  const spawn = () =>
    collect(
      denoRun("rks", [
        "cli/rks.ts",
        "start",
        "--listen",
        `${opts.apiHost ?? "127.0.0.1"}:${apiPort}`,
        "--node-listen",
        `${opts.nodeHost ?? "127.0.0.1"}:${nodePort}`,
        "--store",
        opts.etcdUrl,
        "--data-dir",
        dataDir,
        ...(opts.extraArgs ?? []),
      ]).spawn(),
      "rks",
    );
  const serving = async (p: Proc) => {
    const ready = new AbortController();
    // An rks that exits (a refused flag, a missing permission) ends the wait at once.
    const exited = p.done.then((code) => {
      if (!ready.signal.aborted) throw new Error(`rks exited with code ${code}`);
    });
    await Promise.race([
      waitFor("rks to serve", async () => {
        if (ready.signal.aborted) return true; // rks exited: the race is decided
        if (!p.text().includes("listening for nodes")) return false;
        return (await kubectl(["get", "--raw", "/readyz"])).code === 0;
      }, { timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 300 }),
      exited,
    ]).catch((e) => {
      throw new Error(`${e.message}\nrks:\n${p.text().slice(-4000)}`);
    }).finally(() => ready.abort());
  };
  const stopProc = async (p: Proc) => {
    try {
      p.p.kill("SIGTERM");
    } catch { /* exited */ }
    return await p.done;
  };
  const rks: TestRks = {
    dataDir,
    kubeconfig,
    home,
    apiPort,
    nodePort,
    proc: spawn(),
    joinCommand: "",
    joinArgs: [],
    kubectl,
    async restart() {
      const code = await stopProc(rks.proc);
      assert.equal(code, 0, rks.proc.text());
      rks.proc = spawn();
      await serving(rks.proc);
    },
    stop: () => stopProc(rks.proc),
    async [Symbol.asyncDispose]() {
      await stopProc(rks.proc);
    },
  };
  try {
    // The ports were free when picked; another process may take one before rks binds it (other
    // test runs on this machine): then rks exits at once, and it is started on new ports.
    for (let attempt = 1;; attempt++) {
      try {
        await serving(rks.proc);
        break;
      } catch (e) {
        const taken = /AddrInUse|address already in use/i.test(rks.proc.text());
        await stopProc(rks.proc);
        if (!taken || attempt >= 3) throw e;
        rks.apiPort = apiPort = freePort();
        rks.nodePort = nodePort = freePort();
        rks.proc = spawn();
      }
    }
    const out = await denoRun("rks", ["cli/rks.ts", "token", "create", "--data-dir", dataDir])
      .output();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    rks.joinCommand = dec.decode(out.stdout).trim();
    // A command that runs as written from the project (rkl is not on PATH in a checkout).
    assert.match(
      rks.joinCommand,
      /^deno task daemon --cluster \S+ --token \S+ --ca-cert-hash sha256:[0-9a-f]{64}$/,
    );
    rks.joinArgs = rks.joinCommand.split(/\s+/).slice(3);
  } catch (e) {
    await stopProc(rks.proc);
    throw e;
  }
  return rks;
}

/** Runs `rkl ARGS` (permission set `rkl`), optionally inside a network namespace, with `env`. */
export async function rkl(
  args: string[],
  netns?: string,
  env?: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  const prefix = netns ? ["nsenter", `--net=/run/netns/${netns}`] : [];
  const o = await denoRun("rkl", ["cli/main.ts", ...args], prefix, env).output();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

/** One pod as `rkl pod list -o json` prints it (the fields the tests read). */
export interface LocalPod {
  /** Name. */
  name: string;
  /** Uid. */
  uid: string;
  /** IP. */
  ip: string;
  /** STATUS column. */
  status: string;
  /** Containers. */
  containers: { name: string; id?: string; restartCount: number; state: string }[];
}

/** The pods of a node root. */
export async function localPods(root: string, netns?: string): Promise<LocalPod[]> {
  const r = await rkl(["--root", root, "pod", "list", "-o", "json"], netns);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as LocalPod[];
}

/**
 * Removes every pod of a node root and collects its garbage; once the root is empty, releases
 * it from the test lease.
 */
export async function cleanNodeRoot(root: string, netns?: string): Promise<void> {
  for (const p of await localPods(root, netns).catch(() => [])) {
    await rkl(["--root", root, "pod", "rm", "-f", p.name], netns);
  }
  await rkl(["--root", root, "gc"], netns);
  if ((await localPods(root, netns).catch(() => undefined))?.length === 0) {
    testLease().release(netns ? { kind: "root", path: root, netns } : { kind: "root", path: root });
  }
}

async function ip(args: string[], allowFailure = false): Promise<string> {
  const o = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (!allowFailure && o.code !== 0) {
    throw new Error(`ip ${args.join(" ")}: ${dec.decode(o.stderr).trim()}`);
  }
  return dec.decode(o.stdout);
}

/** Test nodes: network namespaces on a test bridge (the issue's multi-node layout). */
export interface NodeNetwork extends AsyncDisposable {
  /** The bridge's address (where rks is reached). */
  gateway: string;
  /** Per node: its network namespace and address. */
  nodes: { netns: string; address: string }[];
}

/**
 * Creates a bridge with `10.250.N.1/24` (N picked from the free ones) and `count` network
 * namespaces, each with a veth on the bridge (`eth0`, `10.250.N.(10+i)/24`) and `lo` up.
 * Disposing deletes them all.
 */
export async function createNodeNetwork(count: number): Promise<NodeNetwork> {
  await sweepTestLeftovers();
  const lease = testLease();
  const used = await ip(["-4", "-o", "addr"]);
  let n = 0;
  for (let tries = 0; tries < 50; tries++) {
    const c = 100 + Math.floor(Math.random() * 100);
    if (!used.includes(`10.250.${c}.`)) {
      n = c;
      break;
    }
  }
  if (n === 0) throw new Error("no free 10.250.N.0/24 for the test nodes");
  const tag = crypto.randomUUID().slice(0, 4);
  const bridge = `rkn${tag}br`;
  const nodes: NodeNetwork["nodes"] = [];
  const dispose = async () => {
    for (const node of nodes) {
      await ip(["netns", "del", node.netns], true);
      lease.release({ kind: "netns", name: node.netns });
    }
    await ip(["link", "del", bridge], true);
    lease.release({ kind: "link", name: bridge });
  };
  try {
    lease.hold({ kind: "link", name: bridge });
    await ip(["link", "add", bridge, "type", "bridge"]);
    await ip(["addr", "add", `10.250.${n}.1/24`, "dev", bridge]);
    await ip(["link", "set", bridge, "up"]);
    for (let i = 0; i < count; i++) {
      const netns = `rkn${tag}n${i}`;
      const host = `rkn${tag}h${i}`;
      const peer = `rkn${tag}p${i}`;
      const address = `10.250.${n}.${10 + i}`;
      lease.hold({ kind: "netns", name: netns });
      nodes.push({ netns, address });
      await ip(["netns", "add", netns]);
      await ip(["link", "add", host, "type", "veth", "peer", "name", peer]);
      await ip(["link", "set", peer, "netns", netns]);
      await ip(["link", "set", host, "master", bridge, "up"]);
      await ip(["-n", netns, "link", "set", peer, "name", "eth0"]);
      await ip(["-n", netns, "addr", "add", `${address}/24`, "dev", "eth0"]);
      await ip(["-n", netns, "link", "set", "eth0", "up"]);
      await ip(["-n", netns, "link", "set", "lo", "up"]);
    }
  } catch (e) {
    await dispose();
    throw e;
  }
  return { gateway: `10.250.${n}.1`, nodes, [Symbol.asyncDispose]: dispose };
}

/** Options of {@linkcode startNodeDaemon}. */
export interface NodeDaemonOptions {
  /** The node's name (`--node-name`). */
  name: string;
  /** Its state root (`--root`). */
  root: string;
  /** Its static pod directory (`--manifests`; created when missing). */
  manifests: string;
  /**
   * What follows `--node-name NAME`: flags (`--node-lease-interval 1000`, `--log-format json`)
   * and then the join arguments (`--cluster ADDR --token T --ca-cert-hash H`).
   */
  args: readonly string[];
  /** The network namespace it runs in (`nsenter --net=/run/netns/NETNS`); default the host's. */
  netns?: string;
  /** Flags for `deno run` itself, e.g. `--cpu-prof` (a benchmark's profile of one node). */
  denoFlags?: readonly string[];
}

/**
 * Starts a node: `rkl --root ROOT daemon --manifests DIR --node-name NAME ARGS` (permission
 * set `daemon`), inside `netns` when given, with its stderr collected. Stop it with SIGTERM
 * and `await proc.done`.
 */
export function startNodeDaemon(o: NodeDaemonOptions): Proc {
  testLease().hold(
    o.netns ? { kind: "root", path: o.root, netns: o.netns } : { kind: "root", path: o.root },
  );
  Deno.mkdirSync(o.manifests, { recursive: true });
  return collect(
    denoRun(
      "daemon",
      [
        ...o.denoFlags ?? [],
        "cli/main.ts",
        "--root",
        o.root,
        "daemon",
        "--manifests",
        o.manifests,
        "--node-name",
        o.name,
        ...o.args,
      ],
      o.netns ? ["nsenter", `--net=/run/netns/${o.netns}`] : [],
    ).spawn(),
    `rkl daemon ${o.name}`,
  );
}

/** One test node of {@linkcode RksWithNodeNetwork}: its namespace, root and daemon. */
export interface TestNode {
  /** `node-N` (from 1). */
  name: string;
  /** Its network namespace. */
  netns: string;
  /** Its address on the test bridge. */
  address: string;
  /** Its state root, `DIR/node-N`. */
  root: string;
  /** Its static pod directory, `DIR/node-N-manifests`. */
  manifests: string;
  /** Its daemon, once {@linkcode RksWithNodeNetwork.startNode} started it (the last one). */
  daemon?: Proc;
}

/** etcd, rks and node namespaces whose daemons the test starts itself. */
export interface RksWithNodeNetwork extends AsyncDisposable {
  /** The temporary directory (rks data, node roots, manifests). */
  dir: string;
  /** The node namespaces on their bridge. */
  net: NodeNetwork;
  /** rks, reached by the nodes at the bridge address. */
  rks: TestRks;
  /** The nodes, one per namespace; no daemon runs until `startNode`. */
  nodes: TestNode[];
  /** Starts `node`'s daemon in its namespace with `flags` before the join arguments. */
  startNode(node: TestNode, flags?: readonly string[]): Proc;
  /** Stops `node`'s daemon (SIGTERM) and waits for it to exit. */
  stopNode(node: TestNode): Promise<void>;
  /** Adds the daemons' and rks's logs to an error. */
  explain(e: Error): Error;
}

/**
 * The multi-node layout without its daemons: a temporary directory (`prefix`), `count`
 * network namespaces on a test bridge ({@linkcode createNodeNetwork}), etcd, and `rks start`
 * listening for nodes on every address and advertising the bridge address (`rksArgs` added,
 * e.g. `--node-monitor-grace-period 6s`; `rksConfig` is written to `DIR/rks.yaml` and passed
 * as `--config`, e.g. `network_config`; with `apiOnBridge` the API listens on every address,
 * the bridge's included, where the `default/kubernetes` Endpoints point, so pods reach it
 * through 10.96.0.1; otherwise on loopback only). Disposing stops every daemon
 * started, removes every pod of every node root, stops rks and etcd, removes the directory
 * and deletes the namespaces. A failed start leaves nothing behind.
 */
export async function startRksWithNodeNetwork(
  count: number,
  opts: {
    prefix: string;
    rksArgs?: readonly string[];
    rksConfig?: string;
    timeoutMs?: number;
    apiOnBridge?: boolean;
  },
): Promise<RksWithNodeNetwork> {
  const { join } = await import("node:path");
  const { startTestEtcd } = await import("../store/_testing.ts");
  const lease = testLease();
  const dir = lease.makeTempDir(opts.prefix);
  const undo: (() => PromiseLike<unknown>)[] = [async () => {
    await Deno.remove(dir, { recursive: true });
    lease.release({ kind: "dir", path: dir });
  }];
  const undoAll = async () => {
    for (const u of undo.splice(0).reverse()) await u();
  };
  let net: NodeNetwork;
  let rks: TestRks;
  try {
    net = await createNodeNetwork(count);
    const n = net;
    undo.push(() => n[Symbol.asyncDispose]());
    const etcd = await startTestEtcd();
    undo.push(() => etcd.stop());
    const config: string[] = [];
    if (opts.rksConfig !== undefined) {
      await Deno.writeTextFile(join(dir, "rks.yaml"), opts.rksConfig);
      config.push("--config", join(dir, "rks.yaml"));
    }
    rks = await startTestRks({
      dir,
      etcdUrl: etcd.grpcUrl,
      // rks's permission set may listen on loopback and 0.0.0.0 only.
      ...(opts.apiOnBridge ? { apiHost: "0.0.0.0" } : {}),
      nodeHost: "0.0.0.0",
      extraArgs: ["--advertise-address", net.gateway, ...config, ...(opts.rksArgs ?? [])],
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
  } catch (e) {
    await undoAll();
    throw e;
  }
  const nodes: TestNode[] = net.nodes.map((n, i) => ({
    name: `node-${i + 1}`,
    netns: n.netns,
    address: n.address,
    root: join(dir, `node-${i + 1}`),
    manifests: join(dir, `node-${i + 1}-manifests`),
  }));
  const stopNode = async (node: TestNode) => {
    try {
      node.daemon?.p.kill("SIGTERM");
    } catch { /* exited */ }
    await node.daemon?.done;
  };
  const r = rks;
  undo.push(async () => {
    for (const n of nodes) await stopNode(n);
    for (const n of nodes) await cleanNodeRoot(n.root, n.netns);
    await r.stop();
  });
  return {
    dir,
    net,
    rks,
    nodes,
    startNode(node, flags = []) {
      node.daemon = startNodeDaemon({
        name: node.name,
        root: node.root,
        manifests: node.manifests,
        args: [...flags, ...r.joinArgs],
        netns: node.netns,
      });
      return node.daemon;
    },
    stopNode,
    explain: (e) =>
      new Error(
        `${e.message}\n${
          nodes.map((n) => `${n.name}:\n${n.daemon?.text().slice(-4000)}`).join("\n")
        }\nrks:\n${r.proc.text().slice(-4000)}`,
      ),
    [Symbol.asyncDispose]: undoAll,
  };
}

/**
 * A Deployment `web` (`app: web` pods) of `replicas` busybox containers `app` that run
 * `sh -c script`, with `terminationGracePeriodSeconds` `grace`.
 */
export function webDeployment(replicas: number, script: string, grace: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: ${grace}
      containers:
        - name: app
          image: ${testBundles.busybox}
          args: ${JSON.stringify(["sh", "-c", script])}
`;
}

/** A running test cluster: etcd, rks and one `rkl daemon --cluster` per node namespace. */
export interface TestCluster extends AsyncDisposable {
  /** The node namespaces. */
  net: NodeNetwork;
  /** Per node: name, namespace, address, root and its daemon. */
  nodes: { name: string; netns: string; address: string; root: string; daemon: Proc }[];
  /** rks. */
  rks: Proc;
  /** `kubectl` against rks (admin kubeconfig). */
  kubectl: (
    args: string[],
    stdin?: string,
  ) => Promise<{ code: number; stdout: string; stderr: string }>;
  /** Adds the daemons' and rks's logs to an error. */
  explain: (e: Error) => Error;
  /** Stops node `i`'s daemon (SIGTERM) and waits for it to exit. */
  stopNode: (i: number) => Promise<void>;
}

/**
 * Starts etcd, `rks start` (reached by the nodes at the test bridge address; `rksConfig` is
 * written as its `--config`, e.g. `network_config`) and `count` nodes, each `rkl daemon
 * --cluster` in its own network namespace with its own `--root`; resolves once every node is
 * Ready. Disposing stops the daemons, removes every pod of every node root, and stops rks and
 * etcd and deletes the namespaces.
 */
export async function startTestCluster(
  count: number,
  opts: { rksConfig?: string; timeoutMs?: number } = {},
): Promise<TestCluster> {
  const { waitFor } = await import("../../core/testing.ts");
  const long = { timeoutMs: opts.timeoutMs ?? 180_000, intervalMs: 500 };
  const c = await startRksWithNodeNetwork(count, {
    prefix: "rk8s-cluster-",
    ...(opts.rksConfig !== undefined ? { rksConfig: opts.rksConfig } : {}),
    timeoutMs: long.timeoutMs,
  });
  try {
    for (const n of c.nodes) c.startNode(n);
    await waitFor(`${count} Ready nodes`, async () => {
      const r = await c.rks.kubectl(["get", "nodes", "--no-headers"]);
      return (r.stdout.match(/\sReady\s/g) ?? []).length === count;
    }, long).catch((e) => {
      throw c.explain(e);
    });
  } catch (e) {
    await c[Symbol.asyncDispose]();
    throw e;
  }
  return {
    net: c.net,
    nodes: c.nodes.map((n) => ({ ...n, daemon: n.daemon! })),
    rks: c.rks.proc,
    kubectl: c.rks.kubectl,
    explain: c.explain,
    stopNode: (i) => c.nodes[i] ? c.stopNode(c.nodes[i]) : Promise.resolve(),
    [Symbol.asyncDispose]: () => c[Symbol.asyncDispose](),
  };
}
