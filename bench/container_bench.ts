/**
 * `deno task bench container`: starting one detached container until it runs, side by side in
 * one run (interleaved, medians):
 * - `runc create+start` — the bare runtime on a prepared bundle (the floor);
 * - `rkl (library)` — `runContainer()` called in-process: what rkl itself adds (SQLite record,
 *   overlay mount, generated config, conmon) without Deno's process start-up; no network
 *   provider, so the container gets a fresh loopback-only namespace like the bare runc one;
 * - `rkl container run (CLI)` — the real `rkl` process as a user runs it (the `rkl` task's
 *   permissions), including Deno start-up and module loading; its manifest says
 *   `hostNetwork: true` so that no CNI network is set up (the network section measures that);
 * - `podman run -d --network none` — when podman is installed (the bench setup installs it).
 * Then a breakdown of where the library call spends its time.
 *
 * @module
 */
import { join } from "node:path";
import { compare, type Contender, quantile, speedup } from "./_harness.ts";
import { type CreateStep, type Engine, openEngine } from "../core/container/engine.ts";
import { runContainer } from "../core/container/run.ts";
import { removeContainer } from "../core/container/remove.ts";
import { buildSpec } from "../core/oci/spec.ts";
import { linuxResources } from "../core/cgroup/linux_resources.ts";
import { rklPaths } from "../core/paths.ts";
import { CliRuntime, resolveRuntime } from "../core/runtime/oci_runtime.ts";
import { run } from "../core/exec.ts";
import { removeCgroup } from "../core/cgroup/cgroup_dirs.ts";
import { testBundles } from "../core/testing.ts";
import { pathExists } from "../core/fs.ts";
import type { UndoStack } from "../core/undo.ts";
import {
  closeContainerEngine,
  closePodmanPeer,
  openPodmanPeer,
  rklTaskArgs,
  runRklCli,
  withUndo,
} from "./_peers.ts";

/** Runs per contender (`RKL_BENCH_CONTAINER_RUNS`, default 15; small counts for development). */
const RUNS = Math.max(1, Number(Deno.env.get("RKL_BENCH_CONTAINER_RUNS") ?? 15));

/** Runs the container section; whatever it acquired is released even when a step fails. */
export function containerBench(): Promise<void> {
  return withUndo("rk8s-bench-container-", containerSection);
}

async function containerSection(work: string, undo: UndoStack): Promise<void> {
  undo.push("remove the bench cgroup", () => removeCgroup("/rk8s-bench"));
  const resolved = await resolveRuntime(undefined, { PATH: Deno.env.get("PATH") });
  const runc = resolved.binary;

  // Bare runtime: one prepared bundle (read-only shared rootfs), a fresh id per run.
  const bareRoot = join(work, "runc-root");
  const bundle = join(work, "bundle");
  await Deno.mkdir(bundle, { recursive: true });
  const spec = buildSpec({
    args: ["sleep", "100"],
    rootfs: join(testBundles.busybox, "rootfs"),
    readonlyRootfs: true,
    hostname: "bench",
    nofileHardLimit: 20000,
    // Same limits as the rkl contenders (runc writes the same cgroup files).
    cgroupsPath: "/rk8s-bench/bare",
    resources: linuxResources({ limits: { cpu: "500m", memory: "233Mi" } }),
  });
  await Deno.writeTextFile(join(bundle, "config.json"), JSON.stringify(spec));
  // The container inherits runc's stdio: never pipe it, or reading waits for the container.
  const quiet = { stdin: "null", stdout: "null", stderr: "null" } as const;
  const runcCmd = async (...args: string[]) => {
    const st = await new Deno.Command(runc, { args: ["--root", bareRoot, ...args], ...quiet })
      .output();
    if (!st.success) throw new Error(`runc ${args.join(" ")} failed with exit code ${st.code}`);
  };
  undo.push("delete the bare runc containers", async () => {
    if (!(await pathExists(bareRoot))) return;
    const ids = await run([runc, "--root", bareRoot, "list", "-q"]);
    for (const id of ids.stdout.split("\n").filter(Boolean)) await runcCmd("delete", "--force", id);
  });

  // rkl in-process.
  const libPaths = rklPaths(join(work, "rkl-lib"));
  const engine = await openEngine({
    paths: libPaths,
    runtime: new CliRuntime({ binary: runc, root: libPaths.runtimeRoot, name: resolved.name }),
  });
  undo.push("remove the library's containers", () => closeContainerEngine(engine));
  const config = (i: number) => ({
    name: `bench-${i}`,
    image: testBundles.busybox,
    args: ["sleep", "100"],
    resources: { limits: { cpu: "500m", memory: "233Mi" } },
  });

  // rkl as a process.
  const cliRoot = join(work, "rkl-cli");
  const cliPaths = rklPaths(cliRoot);
  const cliEngine = await openEngine({
    paths: cliPaths,
    runtime: new CliRuntime({ binary: runc, root: cliPaths.runtimeRoot, name: resolved.name }),
  });
  undo.push("remove the CLI's containers", () => closeContainerEngine(cliEngine));
  const taskArgs = await rklTaskArgs();
  const manifest = (i: number) => join(work, `cli-${i}.yaml`);
  for (let i = 0; i < RUNS + 2; i++) {
    await Deno.writeTextFile(
      manifest(i),
      `name: cli-${i}\nimage: ${testBundles.busybox}\nargs: [sleep, "100"]\nhostNetwork: true\n` +
        `resources:\n  limits: { cpu: 500m, memory: 233Mi }\n`,
    );
  }

  // podman, isolated storage, run root, tmp dir and config.
  const peer = await openPodmanPeer(work, "rkbp");
  undo.push("remove podman's containers, images and storage", () => closePodmanPeer(peer));
  const { argv: podman, env: podmanEnv } = peer;

  const contenders: Contender[] = [
    {
      name: "runc create+start",
      run: async (i) => {
        await runcCmd("create", "--bundle", bundle, `bare-${i}`);
        await runcCmd("start", `bare-${i}`);
      },
      cleanup: (i) => runcCmd("delete", "--force", `bare-${i}`),
    },
    {
      name: "rkl (library)",
      run: async (i) => {
        await runContainer(engine, config(i));
      },
      cleanup: async (i) => {
        await removeContainer(engine, `bench-${i}`, { force: true });
      },
    },
    {
      name: "rkl container run (CLI)",
      // rkl's own stdio is not inherited by the container (conmon holds it): piped.
      run: (i) => runRklCli(taskArgs, ["--root", cliRoot, "container", "run", manifest(i)]),
      cleanup: async (i) => {
        await removeContainer(cliEngine, `cli-${i}`, { force: true });
      },
    },
    {
      name: "podman run -d",
      ...peer.skip,
      run: async (i) => {
        await run(
          [
            ...podman,
            "run",
            "-d",
            "--network",
            "none",
            "--name",
            `pm-${i}`,
            "localhost/busybox",
            "sleep",
            "100",
          ],
          { env: podmanEnv },
        );
      },
      cleanup: async (i) => {
        await run([...podman, "rm", "-f", "-t", "0", `pm-${i}`], { env: podmanEnv });
      },
    },
  ];

  const rows = await compare("container run, detached, until running", contenders, {
    runs: RUNS,
    baseline: "runc create+start",
  });
  const med = (name: string) => rows.find((r) => r.name === name)?.median;
  const pm = med("podman run -d");
  const lib = med("rkl (library)");
  const cli = med("rkl container run (CLI)");
  const bare = med("runc create+start");
  if (bare && lib && cli) {
    console.log(
      `  rkl/runc: library ${(lib / bare).toFixed(2)}×, CLI process ${
        (cli / bare).toFixed(2)
      }× (targets: library ≤ 1.5×, the container issue; CLI ≤ 2×, issue 11)`,
    );
  }
  if (pm && lib && cli) {
    console.log(
      `  rkl vs podman: library ${speedup(pm, lib)}, CLI process ${
        speedup(pm, cli)
      } (targets: library ≥ 3× faster; CLI ≥ 1.5× faster, issue 11)`,
    );
  }
  await breakdown(engine);
  await cliBreakdown(taskArgs, cliRoot, cliEngine, work);
}

/**
 * Where `rkl container run` (the CLI process) spends its time after Deno's own start-up:
 * `bench/_run_probe.ts` runs the command's steps in fresh processes with the task's flags —
 * importing its modules, reading the manifest (the YAML library is evaluated here), opening
 * the state database, and `runContainer`'s traced phases (`exec cat` is the first spawn of the
 * process: this process's start time for the record's creator) — and prints the medians.
 */
async function cliBreakdown(
  taskArgs: readonly string[],
  root: string,
  engine: Engine,
  work: string,
): Promise<void> {
  const runs = Math.max(1, Math.round(RUNS / 3));
  const flags = taskArgs.slice(0, -1); // without cli/main.ts
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    const file = join(work, `probe-${i}.yaml`);
    await Deno.writeTextFile(
      file,
      `name: probe-${i}\nimage: ${testBundles.busybox}\nargs: [sleep, "100"]\nhostNetwork: true\n` +
        `resources:\n  limits: { cpu: 500m, memory: 233Mi }\n`,
    );
    try {
      const out = await new Deno.Command("deno", {
        args: [...flags, "bench/_run_probe.ts", root, file],
        cwd: new URL("../", import.meta.url).pathname,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
      const times = JSON.parse(new TextDecoder().decode(out.stdout)) as Record<string, number>;
      for (const [k, v] of Object.entries(times)) (samples[k] ??= []).push(v);
    } finally {
      await removeContainer(engine, `probe-${i}`, { force: true }).catch(() => {});
    }
  }
  console.log(
    `\n## where \`rkl container run\` (CLI) spends its time after Deno's start-up ` +
      `(median ms of ${runs} fresh processes; phases overlap)`,
  );
  for (const [k, v] of Object.entries(samples)) {
    console.log(`  ${k.padEnd(46)} ${quantile(v, 0.5).toFixed(1)}`);
  }
}

/** Medians of the phases of `runContainer()`, measured through the engine's step hook. */
async function breakdown(engine: Engine): Promise<void> {
  const phases: Record<string, number[]> = {};
  const order: (CreateStep | "start" | "validate")[] = [];
  for (let i = 0; i < RUNS; i++) {
    let last = performance.now();
    const mark = (phase: string) => {
      const now = performance.now();
      (phases[phase] ??= []).push(now - last);
      if (i === 0) order.push(phase as CreateStep);
      last = now;
    };
    engine.faults = (step) => mark(step);
    await runContainer(engine, {
      name: `phase-${i}`,
      image: testBundles.busybox,
      args: ["sleep", "100"],
    });
    mark("start");
    engine.faults = undefined;
    await removeContainer(engine, `phase-${i}`, { force: true });
  }
  const label: Record<string, string> = {
    "after-record": "validate + SQLite insert (BEGIN IMMEDIATE)",
    "after-rootfs": "overlay mount (spawn mount)",
    "after-network": "network (none here)",
    "before-runtime-create": "build + write config.json",
    "after-runtime-create": "conmon + runtime create (wait for pid file)",
    "before-start": "record pid",
    "start": "runtime start + record",
  };
  console.log("\n## where rkl (library) spends its time (median ms per phase)");
  for (const p of order) {
    console.log(`  ${(label[p] ?? p).padEnd(46)} ${quantile(phases[p]!, 0.5).toFixed(1)}`);
  }
}
