/**
 * `deno task bench net`: what networking costs when starting a detached container, side by
 * side in one run (interleaved, medians):
 * - `rkl run, no network` — `runContainer()` in-process with a loopback-only namespace;
 * - `rkl run, bridge network` — the same with rkl's CNI provider (netns + bridge, host-local,
 *   portmap, loopback plugins and the network-wide rules' check, while the runtime creates the
 *   container): the difference is what networking adds to a start;
 * - `podman run -d --network none` and `podman run -d` (its default CNI bridge network), when
 *   podman is installed (the bench setup installs it).
 * Then the provider's own attach (netns + CNI ADD) and detach (CNI DEL + netns) medians.
 *
 * @module
 */
import { join } from "node:path";
import { compare, type Contender, quantile, speedup } from "./_harness.ts";
import { openEngine } from "../core/container/engine.ts";
import { runContainer } from "../core/container/run.ts";
import { removeContainer } from "../core/container/remove.ts";
import { rklPaths } from "../core/paths.ts";
import { CliRuntime, resolveRuntime } from "../core/runtime/oci_runtime.ts";
import { run } from "../core/exec.ts";
import { testBundles } from "../core/testing.ts";
import { UndoStack } from "../core/undo.ts";
import { CniNetworkProvider } from "../net/cni_network_provider.ts";
import { closeContainerEngine, closePodmanPeer, openPodmanPeer, withUndo } from "./_peers.ts";

const RUNS = 12;

/** A bridge name and /24 of its own, so the bench never touches another root's network. */
function benchNetwork(): { bridge: string; subnet: string } {
  const b = crypto.getRandomValues(new Uint8Array(4));
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return { bridge: `rkb${hex}`, subnet: `10.${100 + (b[0]! % 28)}.${b[1]!}.0/24` };
}

/** Runs the net section; whatever it acquired is released even when a step fails. */
export function netBench(): Promise<void> {
  return withUndo("rk8s-bench-net-", netSection);
}

async function netSection(work: string, undo: UndoStack): Promise<void> {
  const resolved = await resolveRuntime(undefined, { PATH: Deno.env.get("PATH") });
  const runtimeFor = (root: string) =>
    new CliRuntime({
      binary: resolved.binary,
      root: rklPaths(root).runtimeRoot,
      name: resolved.name,
    });

  const noneRoot = join(work, "none");
  const plain = await openEngine({ paths: rklPaths(noneRoot), runtime: runtimeFor(noneRoot) });
  undo.push("remove the containers without network", () => closeContainerEngine(plain));
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
  // Registered before the engine's step, so it runs after the containers are gone.
  undo.push("remove the bench network", async () => void await provider.gc(new Set()));
  const networked = await openEngine({
    paths: rklPaths(netRoot),
    runtime: runtimeFor(netRoot),
    network: provider,
  });
  undo.push("remove the networked containers", () => closeContainerEngine(networked));
  const config = (name: string) => ({
    name,
    image: testBundles.busybox,
    args: ["sleep", "100"],
  });

  // podman, isolated storage, run root, tmp dir and config.
  const peer = await openPodmanPeer(work, "rkbn");
  undo.push("remove podman's containers, images and storage", () => closePodmanPeer(peer));
  const { argv: podman, env: podmanEnv, skip } = peer;
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
    console.log(`  rkl vs podman with a bridge network: ${speedup(pmNet, rklNet)}`);
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
}
