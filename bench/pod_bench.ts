/**
 * `deno task bench pod`: Kubernetes-style pods, side by side with `podman play kube` in one run
 * (interleaved, medians), on the same 2-container pod with network:
 * - run until every container runs: `rkl (library)` (`runPod()` in-process, the engine the CLI
 *   builds, with its CNI provider), `rkl pod run (CLI)` (the real `rkl` process with the task's
 *   permissions), `podman play kube`;
 * - where the time of one library pod run goes, per phase (SQLite, netns, each CNI plugin,
 *   conmon + runtime create per container, starts, spawned programs), from `traced()` spans;
 * - teardown: `rkl pod rm -f` (library and CLI) vs `podman play kube --down`, and its phases;
 * - 20 pods one after another (the first and the 20th pod's own time too);
 * - scaling: 100 pods one after another in-process, per-pod start by tens, and how many
 *   iptables rules they added;
 * - host memory per idle pod: rkl's conmon monitors + pause process vs podman's conmon monitors
 *   + infra (catatonit), RSS from `ps`.
 *
 * Environment: `RK8S_BENCH_POD_RUNS` (default 10) timed runs per table, `RK8S_BENCH_POD_SERIES`
 * (default 20) pods per series, `RK8S_BENCH_POD_SCALE` (default 100; 0 skips) pods in the
 * scaling run.
 *
 * @module
 */
import { join } from "node:path";
import { compare, quantile, speedup } from "./_harness.ts";
import {
  closePodmanPeer,
  openPodmanPeer,
  podmanRemoveAll,
  rklTaskArgs,
  runRklCli,
  withUndo,
} from "./_peers.ts";
import type { Engine } from "../core/container/engine.ts";
import { run } from "../core/exec.ts";
import type { UndoStack } from "../core/undo.ts";
import { testBundles } from "../core/testing.ts";
import { loadPodManifest, type PodManifest } from "../core/pod/pod_manifest.ts";
import { runPod } from "../core/pod/pod_runner.ts";
import { listSandboxRecords } from "../core/pod/pod_store.ts";
import { LABEL_SANDBOX_ROLE } from "../core/pod/sandbox.ts";
import { removePodSandbox } from "../core/pod/sandbox_remove.ts";
import { listContainers } from "../core/container/list.ts";
import { engineFor } from "../cli/engine.ts";
import { loadAverage, printPhases, traceRuns } from "./_phases.ts";
import type { CliIo } from "../cli/context.ts";

const projectDir = new URL("../", import.meta.url).pathname;
const RUNS = Number(Deno.env.get("RK8S_BENCH_POD_RUNS") ?? "10");
const SCALE = Number(Deno.env.get("RK8S_BENCH_POD_SCALE") ?? "100");
const SERIES = Number(Deno.env.get("RK8S_BENCH_POD_SERIES") ?? "20");
const IDLE_PODS = 5;

function podYaml(name: string, image: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: a
      image: ${image}
      command: [sleep, "3600"]
    - name: b
      image: ${image}
      command: [sleep, "3600"]
`;
}

/** Sum of the resident set sizes (KiB) of `pids`, from `ps`. */
async function rssKiB(pids: readonly number[]): Promise<number> {
  if (pids.length === 0) return 0;
  const r = await run(["ps", "-o", "rss=", "-p", pids.join(",")]);
  return r.stdout.split("\n").map((l) => Number(l.trim())).filter((n) => n > 0)
    .reduce((a, b) => a + b, 0);
}

const silentIo: CliIo = {
  stdout() {},
  stderr() {},
  env: { PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
  cwd: projectDir,
};

/** Runs the pod section; whatever it acquired is released even when a step fails. */
export function podBench(): Promise<void> {
  return withUndo("rk8s-bench-pod-", podSection);
}

async function podSection(work: string, undo: UndoStack): Promise<void> {
  const taskArgs = await rklTaskArgs();

  // Manifests: one per pod name, for rkl (bundle paths) and podman (imported image).
  const rklFile = (name: string) => join(work, `rkl-${name}.yaml`);
  const pmFile = (name: string) => join(work, `pm-${name}.yaml`);
  const names = new Set<string>();
  const manifests = new Map<string, PodManifest>();
  const prepare = async (name: string) => {
    if (names.has(name)) return;
    names.add(name);
    await Deno.writeTextFile(rklFile(name), podYaml(name, testBundles.busybox));
    await Deno.writeTextFile(pmFile(name), podYaml(name, "localhost/busybox"));
    manifests.set(name, (await loadPodManifest(rklFile(name), { baseDir: projectDir })).pod);
  };

  // rkl: the library with the engine the CLI builds (runtime, conmon, CNI provider), and the
  // CLI process, each on its own state root (own bridge and subnet).
  const libRoot = join(work, "rkl-lib");
  const cliRoot = join(work, "rkl-cli");
  const lib = await engineFor(silentIo, { root: libRoot, runtime: undefined });
  undo.push("remove the library's pods", () => closeEngine(lib));
  const cli = await engineFor(silentIo, { root: cliRoot, runtime: undefined });
  undo.push("remove the CLI's pods", () => closeEngine(cli));
  const rklCli = (...args: string[]) => runRklCli(taskArgs, ["--root", cliRoot, ...args]);
  const libRun = async (name: string) => {
    await prepare(name);
    const r = await runPod(lib, manifests.get(name)!);
    if (r.failure) throw new Error(r.failure.reason);
  };
  // Every pod but the keeper (see below).
  const rmAll = async (engine: Engine) => {
    for (const rec of listSandboxRecords(engine.db)) {
      if (rec.name !== "keeper") await removePodSandbox(engine, rec.id);
    }
  };

  // podman, isolated storage, run root, tmp dir and config.
  const peer = await openPodmanPeer(work, "rkpp");
  undo.push("remove podman's pods, images and storage", () => closePodmanPeer(peer));
  const { argv: podman, env, installed: havePodman, skip } = peer;
  const pmPlay = async (name: string) => {
    await prepare(name);
    await run([...podman, "play", "kube", pmFile(name)], { env });
  };
  const pmRmAll = () => podmanRemoveAll(peer);
  // When `--down` hits podman's shm flake, the pod is removed the way a user would, with
  // `pod rm -f -t 0` (as slow as `--down`), counted in the time and reported below the table.
  let downFailures = 0;
  const pmDown = async (name: string) => {
    const r = await run([...podman, "play", "kube", "--down", pmFile(name)], {
      env,
      allowFailure: true,
    });
    if (r.code === 0) return;
    downFailures++;
    await run([...podman, "pod", "rm", "-f", "-t", "0", name], { env, allowFailure: true });
    await pmRmAll();
  };

  // One idle pod stays on each rkl root for the whole section, like a node with other pods:
  // the network's bridge then exists, as podman's does (rkl deletes a custom root's bridge
  // when its last pod goes, so that tests leave nothing behind).
  await libRun("keeper");
  await rklCli("pod", "run", rklFile("keeper"));
  const rows = await compare("pod run: 2 containers with network, until all running", [
    {
      name: "rkl (library)",
      run: (i) => libRun(`run-${i}`),
      cleanup: () => rmAll(lib),
    },
    {
      name: "rkl pod run (CLI)",
      run: async (i) => {
        await prepare(`run-${i}`);
        await rklCli("pod", "run", rklFile(`run-${i}`));
      },
      cleanup: () => rmAll(cli),
    },
    {
      name: "podman play kube",
      ...skip,
      run: (i) => pmPlay(`run-${i}`),
      cleanup: async () => void await pmRmAll(),
    },
  ], { runs: RUNS, baseline: "rkl (library)" });
  const med = (name: string) => rows.find((r) => r.name === name)?.median;
  const pm = med("podman play kube");
  for (const name of ["rkl (library)", "rkl pod run (CLI)"]) {
    const m = med(name);
    if (m === undefined) continue;
    console.log(
      `  ${name}: ${m.toFixed(0)} ms (target ≤ 180 ms)` +
        (pm ? `, ${speedup(pm, m)} than podman play kube (target ≥ 2.5× faster)` : ""),
    );
  }
  await printPhases(
    "one pod run (library), phases",
    await traceRuns(RUNS, (i) => libRun(`prof-${i}`), () => rmAll(lib)),
  );

  // Teardown: each timed run removes the pod the previous cleanup created.
  await libRun("down-0");
  await rklCli("pod", "run", (await prepare("down-0"), rklFile("down-0")));
  if (havePodman) await pmPlay("down-0");
  const down = await compare("pod teardown (stop + remove everything)", [
    {
      name: "rkl (library)",
      run: (i) => removePodSandbox(lib, `down-${i}`),
      cleanup: (i) => libRun(`down-${i + 1}`),
    },
    {
      name: "rkl pod rm -f (CLI)",
      run: (i) => rklCli("pod", "rm", "-f", `down-${i}`),
      cleanup: async (i) => {
        await prepare(`down-${i + 1}`);
        await rklCli("pod", "run", rklFile(`down-${i + 1}`));
      },
    },
    {
      name: "podman play kube --down",
      ...skip,
      run: async (i) => void await pmDown(`down-${i}`),
      cleanup: (i) => pmPlay(`down-${i + 1}`),
    },
  ], { runs: RUNS, baseline: "rkl (library)" });
  await rmAll(lib);
  await rmAll(cli);
  if (havePodman) await pmRmAll();
  if (downFailures > 0) {
    console.log(
      `  podman play kube --down failed ${downFailures} time(s) (podman 4.3 shm unmount flake); ` +
        "those runs time --down + pod rm -f",
    );
  }
  const dm = (name: string) => down.find((r) => r.name === name)?.median;
  for (const name of ["rkl (library)", "rkl pod rm -f (CLI)"]) {
    const m = dm(name);
    if (m !== undefined) console.log(`  ${name}: ${m.toFixed(0)} ms (target ≤ 150 ms)`);
  }
  for (let i = 0; i < RUNS; i++) await libRun(`tdp-${i}`);
  await printPhases(
    "one pod teardown (library), phases",
    await traceRuns(RUNS, (i) => removePodSandbox(lib, `tdp-${i}`)),
  );

  // Each pod's own time by position in the series, to compare the 20th with the first.
  const perPod = new Map<string, number[][]>([["rkl (library)", []], ["rkl pod run (CLI)", []]]);
  const timed = async (name: string, k: number, op: () => Promise<void>) => {
    const t0 = performance.now();
    await op();
    const byPos = perPod.get(name)!;
    (byPos[k] ??= []).push(performance.now() - t0);
  };
  const series = await compare(`${SERIES} pods one after another (run only; removal untimed)`, [
    {
      name: "rkl (library)",
      run: async (i) => {
        for (let k = 0; k < SERIES; k++) {
          await timed("rkl (library)", k, () => libRun(`s${i}-${k}`));
        }
      },
      cleanup: () => rmAll(lib),
    },
    {
      name: "rkl pod run (CLI)",
      run: async (i) => {
        for (let k = 0; k < SERIES; k++) {
          await prepare(`s${i}-${k}`);
          await timed(
            "rkl pod run (CLI)",
            k,
            () => rklCli("pod", "run", rklFile(`s${i}-${k}`)),
          );
        }
      },
      cleanup: () => rmAll(cli),
    },
    {
      name: "podman play kube",
      ...skip,
      run: async (i) => {
        for (let k = 0; k < SERIES; k++) await pmPlay(`s${i}-${k}`);
      },
      cleanup: async () => void await pmRmAll(),
    },
  ], { runs: RUNS, warmup: 0, baseline: "rkl (library)" });
  const sm = (name: string) => series.find((r) => r.name === name)?.median;
  for (const name of ["rkl (library)", "rkl pod run (CLI)"]) {
    const m = sm(name);
    if (m !== undefined) console.log(`  ${name}: ${(m / 1000).toFixed(2)} s (target ≤ 3 s)`);
    const byPos = perPod.get(name) ?? [];
    const at = (k: number) => byPos[k] ? quantile(byPos[k]!, 0.5) : undefined;
    const first = at(0);
    const last = at(SERIES - 1);
    if (first && last) {
      console.log(
        `    pod 1: ${first.toFixed(0)} ms, pod ${SERIES}: ${last.toFixed(0)} ms (${
          ((last / first - 1) * 100).toFixed(0)
        } %, target within 20 %)`,
      );
    }
  }

  if (SCALE > 0) await scaling(lib, libRun, () => rmAll(lib));

  await idleMemory(lib, podman, env, havePodman, libRun, pmPlay, pmRmAll);
}

/** Lines of `iptables -S` in the nat and filter tables (every rule and chain). */
async function iptablesRuleCount(): Promise<number> {
  let n = 0;
  for (const table of ["nat", "filter"]) {
    const r = await run(["iptables", "-w", "-t", table, "-S"]);
    n += r.stdout.split("\n").filter(Boolean).length;
  }
  return n;
}

/**
 * `SCALE` pods one after another in-process: each pod's start time by tens (flat when no
 * per-pod cost grows), and how many iptables rules and chains the pods added (other users of
 * the host's iptables in the meantime count too).
 */
async function scaling(
  lib: Engine,
  libRun: (name: string) => Promise<void>,
  rmAll: () => Promise<void>,
): Promise<void> {
  const rulesBefore = await iptablesRuleCount();
  const times: number[] = [];
  try {
    for (let k = 0; k < SCALE; k++) {
      const t0 = performance.now();
      await libRun(`scale-${k}`);
      times.push(performance.now() - t0);
    }
    const rulesAfter = await iptablesRuleCount();
    console.log(
      `\n## ${SCALE} pods one after another (library), per-pod start by tens (load average ${await loadAverage()})`,
    );
    const tens: number[] = [];
    for (let k = 0; k < times.length; k += 10) {
      const m = quantile(times.slice(k, k + 10), 0.5);
      tens.push(m);
      console.log(`  pods ${k + 1}–${Math.min(k + 10, times.length)}: median ${m.toFixed(1)} ms`);
    }
    if (tens.length > 1) {
      console.log(
        `  last tens vs first: ${((tens.at(-1)! / tens[0]! - 1) * 100).toFixed(0)} % ` +
          `(flat: within noise); iptables rules and chains added by ${SCALE} pods: ${
            rulesAfter - rulesBefore
          }; pods on the root: ${listSandboxRecords(lib.db).length}`,
      );
    }
  } finally {
    await rmAll();
  }
}

/** Removes every pod of `engine` (the keeper too) and closes it. */
async function closeEngine(engine: Engine): Promise<void> {
  for (const rec of listSandboxRecords(engine.db)) await removePodSandbox(engine, rec.id);
  engine.close();
}

/** Host memory per idle pod: monitors + pause (rkl) vs conmon + infra (podman). */
async function idleMemory(
  lib: Engine,
  podman: string[],
  env: Record<string, string>,
  havePodman: boolean,
  libRun: (name: string) => Promise<void>,
  pmPlay: (name: string) => Promise<void>,
  pmRmAll: () => Promise<unknown>,
): Promise<void> {
  for (let k = 0; k < IDLE_PODS; k++) await libRun(`idle-${k}`);
  const keeper = listSandboxRecords(lib.db).find((r) => r.name === "keeper")?.id;
  const views = (await listContainers(lib)).filter((v) => v.record.owner !== keeper);
  const monitors = views.flatMap((v) => (v.record.monitorPid ? [v.record.monitorPid] : []));
  const pauses = views.filter((v) => v.record.labels[LABEL_SANDBOX_ROLE] === "pause")
    .flatMap((v) => (v.pid ? [v.pid] : []));
  const rklMon = await rssKiB(monitors) / IDLE_PODS;
  const rklPause = await rssKiB(pauses) / IDLE_PODS;
  console.log(`\n## host memory per idle pod (2 containers, RSS, ${IDLE_PODS} pods)`);
  console.log(
    `  rkl:    monitors (conmon ×3) ${rklMon.toFixed(0)} KiB + pause ${rklPause.toFixed(0)} KiB = ${
      (rklMon + rklPause).toFixed(0)
    } KiB (no daemon)`,
  );
  if (!havePodman) {
    console.log("  (skipped podman: not installed)");
    return;
  }
  for (let k = 0; k < IDLE_PODS; k++) await pmPlay(`idle-${k}`);
  const ids = (await run([...podman, "ps", "-q", "--no-trunc"], { env })).stdout.split("\n")
    .filter(Boolean);
  const conmons: number[] = [];
  const infras: number[] = [];
  for (const id of ids) {
    const r = await run(
      [...podman, "inspect", "--format", "{{.State.ConmonPid}} {{.State.Pid}} {{.IsInfra}}", id],
      { env },
    );
    const [conmon, pid, infra] = r.stdout.trim().split(" ");
    conmons.push(Number(conmon));
    if (infra === "true") infras.push(Number(pid));
  }
  const pmMon = await rssKiB(conmons) / IDLE_PODS;
  const pmInfra = await rssKiB(infras) / IDLE_PODS;
  console.log(
    `  podman: conmon ×${conmons.length / IDLE_PODS} ${pmMon.toFixed(0)} KiB + infra ${
      pmInfra.toFixed(0)
    } KiB = ${(pmMon + pmInfra).toFixed(0)} KiB (no daemon)`,
  );
  await pmRmAll();
}
