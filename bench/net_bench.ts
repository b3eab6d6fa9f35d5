/**
 * `deno task bench net`: what networking costs when starting a detached container, side by
 * side in one run (interleaved, medians):
 * - `rkl run, no network` — `runContainer()` in-process with a loopback-only namespace;
 * - `rkl run, bridge network` — the same with rkl's CNI provider (netns + bridge, host-local,
 *   portmap, firewall, loopback plugins): the difference is the CNI ADD overhead;
 * - `podman run -d --network none` and `podman run -d` (its default CNI bridge network), when
 *   podman is installed (the bench setup installs it).
 * Then the provider's own attach (netns + CNI ADD) and detach (CNI DEL + netns) medians.
 *
 * @module
 */
import { join } from "node:path";
import { compare, type Contender, quantile } from "./_harness.ts";
import { openEngine } from "../core/container/engine.ts";
import { runContainer } from "../core/container/run.ts";
import { removeContainer } from "../core/container/remove.ts";
import { listContainers } from "../core/container/list.ts";
import { rklPaths } from "../core/paths.ts";
import { CliRuntime, resolveRuntime } from "../core/runtime/oci_runtime.ts";
import { run } from "../core/exec.ts";
import { testBundles } from "../core/testing.ts";
import { UndoStack } from "../core/undo.ts";
import { CniNetworkProvider } from "../net/cni_network_provider.ts";

const RUNS = 12;

const PODMAN_CONF = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Imports the busybox rootfs into podman's (isolated) storage as localhost/busybox. */
async function podmanImport(podman: string[], env: Record<string, string>): Promise<void> {
  const tar = new Deno.Command("tar", {
    args: ["-C", join(testBundles.busybox, "rootfs"), "-c", "."],
    stdout: "piped",
  }).spawn();
  const [cmd, ...args] = [
    ...podman,
    "import",
    "--change",
    "ENV=PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "--change",
    'CMD=["sh"]',
    "-",
    "localhost/busybox",
  ];
  const imp = new Deno.Command(cmd!, { args, env, stdin: "piped", stdout: "null" }).spawn();
  await tar.stdout.pipeTo(imp.stdin);
  const [t, i] = await Promise.all([tar.status, imp.status]);
  if (!t.success || !i.success) throw new Error("podman import of the busybox rootfs failed");
}

/** A bridge name and /24 of its own, so the bench never touches another root's network. */
function benchNetwork(): { bridge: string; subnet: string } {
  const b = crypto.getRandomValues(new Uint8Array(4));
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return { bridge: `rkb${hex}`, subnet: `10.${100 + (b[0]! % 28)}.${b[1]!}.0/24` };
}

/** Runs the net section. */
export async function netBench(): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "rk8s-bench-net-" });
  const resolved = await resolveRuntime(undefined, { PATH: Deno.env.get("PATH") });
  const runtimeFor = (root: string) =>
    new CliRuntime({
      binary: resolved.binary,
      root: rklPaths(root).runtimeRoot,
      name: resolved.name,
    });

  const noneRoot = join(work, "none");
  const plain = await openEngine({ paths: rklPaths(noneRoot), runtime: runtimeFor(noneRoot) });
  const netRoot = join(work, "net");
  const { bridge, subnet } = benchNetwork();
  // The bridge is kept between runs (as for the system root), so every run measures the
  // steady state: a veth, an address and the plugin chain, not the bridge's creation.
  const provider = new CniNetworkProvider({
    paths: rklPaths(netRoot),
    root: netRoot,
    defaultBridge: bridge,
    defaultSubnet: subnet,
    removeIdleBridges: false,
  });
  const networked = await openEngine({
    paths: rklPaths(netRoot),
    runtime: runtimeFor(netRoot),
    network: provider,
  });
  const config = (name: string) => ({
    name,
    image: testBundles.busybox,
    args: ["sleep", "100"],
  });

  const podmanBin = "/usr/bin/podman";
  const havePodman = await exists(podmanBin);
  const confFile = join(work, "containers.conf");
  await Deno.writeTextFile(confFile, PODMAN_CONF);
  const podmanEnv = { CONTAINERS_CONF: confFile };
  // podman limits the run root to 50 characters: keep it short.
  const podmanDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "rkbn" });
  const podman = [
    podmanBin,
    "--root",
    join(podmanDir, "root"),
    "--runroot",
    join(podmanDir, "run"),
  ];
  if (havePodman) await podmanImport(podman, podmanEnv);
  const skip = havePodman ? {} : { skip: "podman not installed (deno task bench installs it)" };
  const podmanRun = (network: string[]) => (i: number) =>
    run([
      ...podman,
      "run",
      "-d",
      ...network,
      "--name",
      `pm-${network.length}-${i}`,
      "localhost/busybox",
      "sleep",
      "100",
    ], { env: podmanEnv })
      .then(() => undefined);
  const podmanRm = (network: string[]) => (i: number) =>
    run([...podman, "rm", "-f", "-t", "0", `pm-${network.length}-${i}`], { env: podmanEnv })
      .then(() => undefined);

  const contenders: Contender[] = [
    {
      name: "rkl run, no network",
      run: async (i) => void await runContainer(plain, config(`none-${i}`)),
      cleanup: async (i) => void await removeContainer(plain, `none-${i}`, { force: true }),
    },
    {
      name: "rkl run, bridge network",
      run: async (i) => void await runContainer(networked, config(`net-${i}`)),
      cleanup: async (i) => void await removeContainer(networked, `net-${i}`, { force: true }),
    },
    {
      name: "podman run -d --network none",
      ...skip,
      run: podmanRun(["--network", "none"]),
      cleanup: podmanRm(["--network", "none"]),
    },
    { name: "podman run -d (bridge)", ...skip, run: podmanRun([]), cleanup: podmanRm([]) },
  ];

  try {
    const rows = await compare("container run with and without a network", contenders, {
      runs: RUNS,
      baseline: "rkl run, no network",
    });
    const med = (name: string) => rows.find((r) => r.name === name)?.median;
    const rklNone = med("rkl run, no network");
    const rklNet = med("rkl run, bridge network");
    const pmNone = med("podman run -d --network none");
    const pmNet = med("podman run -d (bridge)");
    if (rklNone !== undefined && rklNet !== undefined) {
      console.log(`  rkl network overhead (CNI ADD + netns): ${(rklNet - rklNone).toFixed(1)} ms`);
    }
    if (pmNone !== undefined && pmNet !== undefined) {
      console.log(`  podman network overhead: ${(pmNet - pmNone).toFixed(1)} ms`);
    }
    if (rklNet !== undefined && pmNet !== undefined) {
      console.log(`  podman/rkl with a bridge network: ${(pmNet / rklNet).toFixed(1)}× faster`);
    }

    // The provider alone: attach (netns + ADD chain) and detach (DEL chain + netns).
    const attach: number[] = [];
    const detach: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = `bench-${crypto.randomUUID().slice(0, 8)}`;
      const t0 = performance.now();
      await provider.attach({ id, name: "bench", ports: [] }, new UndoStack());
      const t1 = performance.now();
      await provider.detach(id);
      attach.push(t1 - t0);
      detach.push(performance.now() - t1);
    }
    console.log(
      `  provider attach median ${quantile(attach, 0.5).toFixed(1)} ms, ` +
        `detach median ${quantile(detach, 0.5).toFixed(1)} ms (${RUNS} runs)`,
    );
  } finally {
    for (const e of [plain, networked]) {
      for (const v of await listContainers(e)) {
        await removeContainer(e, v.record.id, { force: true });
      }
      e.close();
    }
    await provider.gc(new Set());
    await Deno.remove(work, { recursive: true });
    if (havePodman) {
      await run([...podman, "system", "reset", "--force"], { env: podmanEnv, allowFailure: true });
    }
    await Deno.remove(podmanDir, { recursive: true });
  }
}
