/**
 * `rkl pod list` with many pods (issue 11: 100 pods, ≤ 100 ms): a state root with N running
 * one-container pods (`RKL_BENCH_LIST_PODS`, default 100; started through the library to keep
 * the set-up short), then side by side in one run: an empty Deno program (the floor), `rkl pod
 * list` on an empty root, `rkl pod list` on the N-pod root (fresh processes, the `rkl` task's
 * flags), the runtime's own `list` over the 2N containers (what listing asked of it before the
 * status came from `/proc` and exit files) and the library's `listPods` in this process. Then
 * where the time goes: each step of `rkl pod list` (`bench/_list_probe.ts`). Development runs:
 * `RKL_BENCH_LIST_PODS=3 RKL_BENCH_LIST_RUNS=2`.
 *
 * @module
 */
import { join } from "../core/path.ts";
import { compare } from "./_harness.ts";
import { rklTaskArgs, withUndo } from "./_peers.ts";
import { listPhases } from "./startup_bench.ts";
import type { CliIo } from "../cli/context.ts";
import { engineFor } from "../cli/engine.ts";
import type { Engine } from "../core/container/engine.ts";
import { loadPodManifest } from "../core/pod/pod_manifest.ts";
import { runPod } from "../core/pod/pod_runner.ts";
import { listPods } from "../core/pod/pod_view.ts";
import { listSandboxRecords } from "../core/pod/pod_store.ts";
import { removePodSandbox } from "../core/pod/sandbox_remove.ts";
import { testBundles } from "../core/testing.ts";

const projectDir = new URL("../", import.meta.url).pathname;
/** Runs per contender (`RKL_BENCH_LIST_RUNS`, default 10; small counts for development). */
const RUNS = Math.max(1, Number(Deno.env.get("RKL_BENCH_LIST_RUNS") ?? 10));
/** Pods on the root (bounded: each is a real pause + container, with its network). */
const PODS = Math.min(200, Math.max(1, Number(Deno.env.get("RKL_BENCH_LIST_PODS") ?? 100)));
/** The target for `rkl pod list` with 100 pods, in ms (issue 11). */
const TARGET_MS = 100;

const silentIo: CliIo = {
  stdout() {},
  stderr() {},
  env: { PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
  cwd: projectDir,
};

function podYaml(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: app
      image: ${testBundles.busybox}
      command: [sleep, "3600"]
`;
}

async function runQuiet(argv: string[], viaDeno = true): Promise<void> {
  const [cmd, ...args] = viaDeno ? ["deno", ...argv] : argv;
  const out = await new Deno.Command(cmd!, {
    args,
    cwd: projectDir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno ${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

async function removeAll(engine: Engine): Promise<void> {
  for (const rec of listSandboxRecords(engine.db)) await removePodSandbox(engine, rec.id);
  engine.close();
}

/** Runs the pod-list section. */
export function podListBench(): Promise<void> {
  return withUndo("rkl-bench-podlist-", async (work, undo) => {
    const root = join(work, "root");
    const empty = join(work, "empty");
    const engine = await engineFor(silentIo, { root, runtime: undefined });
    undo.push(`remove the ${PODS} pods`, () => removeAll(engine));
    const file = join(work, "pod.yaml");
    const t0 = performance.now();
    for (let i = 0; i < PODS; i++) {
      await Deno.writeTextFile(file, podYaml(`p${i}`));
      const { pod } = await loadPodManifest(file, { baseDir: projectDir });
      const r = await runPod(engine, pod);
      if (r.failure) throw new Error(r.failure.reason);
    }
    console.log(
      `set-up: ${PODS} pods started in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const task = await rklTaskArgs();
    const flags = task.slice(0, -1);
    const entry = task.at(-1)!;
    const rows = await compare(
      `rkl pod list with ${PODS} running pods: a fresh \`deno ${
        flags.join(" ")
      }\` each, median of ${RUNS}, interleaved`,
      [
        { name: "empty Deno program (floor)", run: () => runQuiet([...flags, "bench/_empty.ts"]) },
        {
          name: "rkl pod list (empty root)",
          run: () => runQuiet([...flags, entry, "--root", empty, "pod", "list"]),
        },
        {
          name: `rkl pod list (${PODS} pods)`,
          run: () => runQuiet([...flags, entry, "--root", root, "pod", "list"]),
        },
        {
          // What listing asked of the runtime before: one `runc list` over every container.
          name: `${engine.runtime.name} list (${PODS * 2} containers)`,
          run: () =>
            runQuiet([engine.runtime.binary, ...engine.runtime.globalArgs(), "list"], false),
        },
        {
          name: `listPods() in-process (${PODS} pods)`,
          run: async () => {
            const pods = await listPods(engine);
            if (pods.length !== PODS) throw new Error(`listed ${pods.length} pods`);
          },
        },
      ],
      { runs: RUNS, warmup: 1 },
    );
    const [floor, emptyRoot, full] = rows;
    if (floor && emptyRoot && full) {
      console.log(
        `\nper pod: ${((full.median - emptyRoot.median) / PODS).toFixed(2)} ms; ` +
          `rkl pod list with ${PODS} pods: ${full.median.toFixed(1)} ms (target ≤ ${TARGET_MS} ms` +
          ` for 100 pods; floor ${floor.median.toFixed(1)} ms, so ${
            (full.median - floor.median).toFixed(1)
          } ms are rkl's)`,
      );
    }
    console.log(`\n## Where the time goes with ${PODS} pods (after Deno's own start-up)`);
    await listPhases(flags, root, RUNS, ["pod"]);
  });
}
