/**
 * `deno task bench compose`: `rkl compose up -d` and `down` of a 2-service and a 12-service app,
 * side by side in one run (interleaved, medians) with `podman-compose` and with `docker-compose`
 * driving podman's API socket (`podman system service`), all on the same busybox image with
 * `sleep` services on one bridge network. rkl runs as the real CLI process with the `rkl` task's
 * permissions (Deno start-up included). A fourth row is the floor on this machine: per service a
 * network namespace, the CNI chain and `runc create` + `start` of two containers, all services in
 * parallel, no CLI and no state (see `floorTool`).
 *
 * `RKL_BENCH_COMPOSE_RUNS` (default 3), `RKL_BENCH_COMPOSE_SIZES` (default `2,12`) and
 * `RKL_BENCH_COMPOSE_TOOLS` (name prefixes, e.g. `rkl,floor`) keep development runs short.
 *
 * After the table, "where the time goes": `up -d` and `down -t 0` of the largest size run
 * in-process through the CLI's own entry point (`main()`, so parsing, loading and the state are
 * included) under a phase trace: each SQLite statement, pod phase, CNI plugin and spawned
 * program, with how often it ran — the processes rkl spawns per service are what it adds over the
 * floor on a 2-core machine (each spawn also costs the Deno process a fork on its main thread).
 *
 * @module
 */
import { join } from "node:path";
import { printTable, quantile, type Row, speedup } from "./_harness.ts";
import { closePodmanPeer, openPodmanPeer, rklTaskArgs, runRklCli, withUndo } from "./_peers.ts";
import { run } from "../core/exec.ts";
import { pathExists } from "../core/fs.ts";
import { testBundles } from "../core/testing.ts";
import type { UndoStack } from "../core/undo.ts";
import { buildSpec } from "../core/oci/spec.ts";
import { removeCgroup } from "../core/cgroup/cgroup_dirs.ts";
import { resolveRuntime } from "../core/runtime/oci_runtime.ts";
import { NetnsManager } from "../net/netns.ts";
import { main } from "../cli/main.ts";
import { printPhases, type TracedRun, traceRuns } from "./_phases.ts";
import { CniRuntime } from "../net/cni_runtime.ts";
import type { CniResult } from "../net/cni_types.ts";
import { hostPluginExecutor } from "../net/cni_exec.ts";
import { bridgeNetworkConfig } from "../net/bridge_network.ts";
import { parseNetworkConfig } from "../net/cni_config.ts";
import { testLease } from "../core/test_lease.ts";

/** Measured rounds per tool and size (after one warm-up round). */
const RUNS = Number(Deno.env.get("RKL_BENCH_COMPOSE_RUNS") ?? 3);
/** Only the tools whose names start with one of these, comma-separated (e.g. `rkl,floor`). */
const ONLY = Deno.env.get("RKL_BENCH_COMPOSE_TOOLS")?.split(",");
/** Service counts, comma-separated. */
const SIZES = (Deno.env.get("RKL_BENCH_COMPOSE_SIZES") ?? "2,12").split(",").map(Number);
const PODMAN_COMPOSE = "/usr/bin/podman-compose";
const DOCKER_COMPOSE = "/usr/bin/docker-compose";

function composeFile(services: number, image: string): string {
  const lines = ["services:"];
  for (let i = 0; i < services; i++) {
    lines.push(
      `  s${i}:`,
      `    image: ${image}`,
      `    command: ["sleep", "3600"]`,
      `    stop_grace_period: 0s`,
    );
  }
  return lines.join("\n") + "\n";
}

interface Tool {
  name: string;
  skip?: string;
  up(file: string): Promise<void>;
  down(file: string): Promise<void>;
}

async function sh(argv: string[], env: Record<string, string> = {}): Promise<void> {
  await run(argv, { env, timeoutMs: 300_000 });
}

/** Runs the compose section. */
export async function composeBench(): Promise<void> {
  await withUndo("rkl-bench-compose-", async (work, undo) => {
    const task = await rklTaskArgs();
    const root = join(work, "rkl-root");
    const peer = await openPodmanPeer(work, "rkc-");
    undo.push("close podman", () => closePodmanPeer(peer));
    const socket = join(peer.dir, "podman.sock");
    const haveDockerCompose = peer.installed && await pathExists(DOCKER_COMPOSE);
    if (haveDockerCompose) {
      const service = new Deno.Command(peer.argv[0]!, {
        args: [...peer.argv.slice(1), "system", "service", "--time", "0", `unix://${socket}`],
        env: peer.env,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      testLease().holdChild(service, "podman system service");
      undo.push("stop podman system service", async () => {
        service.kill("SIGTERM");
        await service.status;
      });
      for (let i = 0; i < 200 && !await pathExists(socket); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const tools: Tool[] = [
      {
        name: "rkl compose (CLI)",
        up: (f) => runRklCli(task, ["--root", root, "compose", "-f", f, "up", "-d"]),
        down: (f) => runRklCli(task, ["--root", root, "compose", "-f", f, "down", "-t", "0"]),
      },
      {
        name: "podman-compose",
        ...(peer.installed && await pathExists(PODMAN_COMPOSE) ? {} : {
          skip: "podman-compose not installed (deno task bench installs it)",
        }),
        up: (f) =>
          sh(
            [PODMAN_COMPOSE, "--podman-args", peer.argv.slice(1).join(" "), "-f", f, "up", "-d"],
            peer.env,
          ),
        down: (f) =>
          sh([
            PODMAN_COMPOSE,
            "--podman-args",
            peer.argv.slice(1).join(" "),
            "-f",
            f,
            "down",
            "-t",
            "0",
          ], peer.env),
      },
      {
        name: "docker-compose → podman socket",
        ...(haveDockerCompose
          ? {}
          : { skip: "docker-compose not installed (deno task bench installs it)" }),
        up: (f) => sh([DOCKER_COMPOSE, "-f", f, "up", "-d"], { DOCKER_HOST: `unix://${socket}` }),
        down: (f) =>
          sh([DOCKER_COMPOSE, "-f", f, "down", "-t", "0"], { DOCKER_HOST: `unix://${socket}` }),
      },
    ];
    tools.push(await floorTool(work, undo));
    for (const services of SIZES) {
      const times = new Map<string, { up: number[]; down: number[] }>();
      const active = tools.filter((t) =>
        !t.skip && (ONLY === undefined || ONLY.some((w) => t.name.startsWith(w)))
      );
      const files = new Map<string, string>();
      for (const t of active) {
        const dir = join(work, `${t.name.split(" ")[0]}-${services}`, "app");
        await Deno.mkdir(dir, { recursive: true });
        const file = join(dir, "compose.yaml");
        await Deno.writeTextFile(
          file,
          composeFile(
            services,
            t.name.startsWith("rkl") ? testBundles.busybox : "localhost/busybox",
          ),
        );
        files.set(t.name, file);
        times.set(t.name, { up: [], down: [] });
        undo.push(`down ${t.name} ${services}`, () => t.down(file));
      }
      for (let i = 0; i < RUNS + 1; i++) {
        for (const t of active) {
          const f = files.get(t.name)!;
          let t0 = performance.now();
          // podman 4.3's network create fails now and then while other processes add and remove
          // interfaces ("route ip+net: no such network interface"): clean up and try again
          // (bounded); only the attempt that succeeded is timed.
          for (let attempt = 1;; attempt++) {
            try {
              await t.up(f);
              break;
            } catch (e) {
              if (attempt >= 3) throw e;
              console.log(
                `  (${t.name} up failed, attempt ${attempt}: ${String(e).slice(0, 160)})`,
              );
              await t.down(f).catch(() => {});
              t0 = performance.now();
            }
          }
          const t1 = performance.now();
          await t.down(f);
          const t2 = performance.now();
          if (i > 0) {
            times.get(t.name)!.up.push(t1 - t0);
            times.get(t.name)!.down.push(t2 - t1);
          }
        }
      }
      for (const phase of ["up", "down"] as const) {
        const rows: Row[] = active.map((t) => {
          const v = times.get(t.name)![phase];
          return {
            name: t.name,
            median: quantile(v, 0.5),
            p90: quantile(v, 0.9),
            min: Math.min(...v),
            runs: v.length,
          };
        });
        printTable(`${services} services: ${phase === "up" ? "up -d" : "down -t 0"}`, rows);
        const ours = rows[0]!;
        for (const r of rows.slice(1)) {
          console.log(`  rkl vs ${r.name}: ${speedup(r.median, ours.median)}`);
        }
      }
      for (const t of tools.filter((t) => t.skip)) console.log(`  (skipped ${t.name}: ${t.skip})`);
      console.log(`  load average: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    }
    if (ONLY === undefined || ONLY.some((w) => "rkl".startsWith(w))) {
      await composePhases(work, Math.max(...SIZES), undo);
    }
  });
}

/** "Where the time goes" for rkl's `up -d` and `down -t 0` of `services` services (in-process). */
async function composePhases(work: string, services: number, undo: UndoStack): Promise<void> {
  const root = join(work, "rkl-phases-root");
  const dir = join(work, `rkl-phases-${services}`, "app");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "compose.yaml"), composeFile(services, testBundles.busybox));
  const io = {
    stdout() {},
    stderr() {},
    env: { PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
    cwd: dir,
  };
  const cli = async (...argv: string[]) => {
    const code = await main(["--root", root, "compose", ...argv], io);
    if (code !== 0) throw new Error(`rkl compose ${argv.join(" ")} exited with ${code}`);
  };
  undo.push("down the traced project", () => cli("down", "-t", "0"));
  const ups: TracedRun[] = [];
  const downs: TracedRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    ups.push(...await traceRuns(1, () => cli("up", "-d")));
    downs.push(...await traceRuns(1, () => cli("down", "-t", "0")));
  }
  await printPhases(`rkl compose up -d, ${services} services (in-process CLI)`, ups);
  await printPhases(`rkl compose down -t 0, ${services} services (in-process CLI)`, downs);
}

/**
 * The floor under any compose tool on this machine: per service what rkl's pod layer cannot do
 * without — a network namespace, the compose network's CNI chain (`bridge`, `portmap`,
 * `loopback`, as rkl configures compose networks) and `runc create` + `runc start` of two
 * containers (the pause and the app container) on a prepared read-only bundle — all services in
 * parallel, with no state, no monitor and no CLI. `down` is `runc delete --force` of both, CNI DEL
 * and the namespace's removal. Its files name the tool's own state ("floor-N").
 */
async function floorTool(work: string, undo: UndoStack): Promise<Tool> {
  const resolved = await resolveRuntime(undefined, { PATH: Deno.env.get("PATH") });
  const runc = resolved.binary;
  const runcRoot = join(work, "floor-runc");
  const netns = new NetnsManager(join(work, "floor-netns"));
  const cni = new CniRuntime({ executor: hostPluginExecutor() });
  const bridge = `rkbf${crypto.randomUUID().slice(0, 6)}`;
  const raw = bridgeNetworkConfig({
    name: "rkl-bench-floor",
    bridge,
    subnet: "10.231.77.0/24",
    ipamDataDir: join(work, "floor-ipam"),
    networkRules: true,
  });
  const list = parseNetworkConfig(JSON.stringify(raw), "floor.conflist").list;
  const quiet = { stdin: "null", stdout: "null", stderr: "null" } as const;
  const runcCmd = async (...args: string[]) => {
    const st = await new Deno.Command(runc, { args: ["--root", runcRoot, ...args], ...quiet })
      .output();
    if (!st.success) throw new Error(`runc ${args.join(" ")} failed with exit code ${st.code}`);
  };
  const bundle = async (id: string): Promise<string> => {
    const dir = join(work, "floor-bundles", id);
    if (await pathExists(join(dir, "config.json"))) return dir;
    await Deno.mkdir(dir, { recursive: true });
    const spec = buildSpec({
      args: ["sleep", "3600"],
      rootfs: join(testBundles.busybox, "rootfs"),
      readonlyRootfs: true,
      hostname: id,
      cgroupsPath: `/rk8s-bench-floor/${id}`,
    });
    await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(spec));
    return dir;
  };
  const count = { n: 0 };
  const results = new Map<string, CniResult>();
  undo.push("remove the floor's containers, namespaces and bridge", async () => {
    if (await pathExists(runcRoot)) {
      const ids = await run([runc, "--root", runcRoot, "list", "-q"]);
      for (const id of ids.stdout.split("\n").filter(Boolean)) {
        await runcCmd("delete", "--force", id);
      }
    }
    for (let i = 0; i < count.n; i++) await netns.remove(`floor-${i}`);
    await run(["ip", "link", "del", bridge], { allowFailure: true });
    await removeCgroup("/rk8s-bench-floor");
  });
  // The same compose file as the others get: its service count.
  const n = async (file: string) =>
    (await Deno.readTextFile(file)).match(/^ {2}s\d+:$/gm)?.length ?? 0;
  return {
    name: "floor: netns + CNI + runc ×2 per service",
    up: async (file) => {
      const services = await n(file);
      count.n = Math.max(count.n, services);
      await Promise.all(Array.from({ length: services }, async (_, i) => {
        const id = `floor-${i}`;
        const path = await netns.create(id);
        results.set(id, await cni.add(list, { containerId: id, netns: path, ifName: "eth0" }, {}));
        for (const c of [`${id}-pause`, `${id}-app`]) {
          await runcCmd("create", "--bundle", await bundle(c), c);
          await runcCmd("start", c);
        }
      }));
    },
    down: async (file) => {
      await Promise.all(Array.from({ length: await n(file) }, async (_, i) => {
        const id = `floor-${i}`;
        for (const c of [`${id}-app`, `${id}-pause`]) await runcCmd("delete", "--force", c);
        const rt = { containerId: id, netns: netns.path(id), ifName: "eth0" };
        await cni.del(list, rt, {}, results.get(id));
        results.delete(id);
        await netns.remove(id);
      }));
    },
  };
}
