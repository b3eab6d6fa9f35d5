/**
 * CLI start-up (issue 11): `rkl --version`, `rkl --help`, `rkl c list` and `rkl pod list` on an
 * empty state root, each a fresh `deno run` with the `rkl` task's flags and permission set,
 * against the floor: an empty program run the same way. Then where the time goes: how long
 * importing each dependency takes on its own in a fresh process, and how long each step of the
 * list commands takes after it (`bench/_list_probe.ts`). (CPU time, less sensitive to
 * load than wall time, is measured outside the bench: `perf stat -e task-clock deno run …`;
 * figures in the README.)
 *
 * @module
 */
import { join } from "node:path";
import { compare, type Contender, quantile } from "./_harness.ts";
import { rklTaskArgs, withUndo } from "./_peers.ts";

const projectDir = new URL("../", import.meta.url).pathname;
/** Runs per command (`RKL_BENCH_STARTUP_RUNS`, default 20; small counts for development). */
const RUNS = Math.max(1, Number(Deno.env.get("RKL_BENCH_STARTUP_RUNS") ?? 20));
const PROBE_RUNS = Math.max(1, Math.round(RUNS / 2));
/** The start-up target: each command within this many ms of the floor's median. */
const TARGET_MS = 15;

/**
 * What the CLI may load, each imported alone in a fresh process (paths relative to
 * `bench/_import_probe.ts`), with the commands that load it.
 */
const DEPENDENCIES: { spec: string; what: string; loadedBy: string }[] = [
  {
    spec: "@commander-js/extra-typings",
    what: "npm:commander (+ extra-typings), CommonJS",
    loadedBy: "every command but --version, --help, c/pod list, c/pod run/create, pod rm",
  },
  { spec: "yaml", what: "npm:yaml, CommonJS", loadedBy: "manifests, -o yaml (deferred)" },
  {
    spec: "../core/manifest_reader.ts",
    what: "core/manifest_reader.ts (yaml deferred)",
    loadedBy: "container, pod groups; -o formats",
  },
  { spec: "node:path", what: "node:path (Node compatibility)", loadedBy: "none of these" },
  {
    spec: "../core/path.ts",
    what: "core/path.ts (its replacement)",
    loadedBy: "all but --version",
  },
  { spec: "node:sqlite", what: "node:sqlite", loadedBy: "c list, pod list (the state db)" },
  {
    spec: "../core/store/db.ts",
    what: "core/store/db.ts (+ node:sqlite)",
    loadedBy: "c list, pod list (the state db)",
  },
  {
    spec: "../core/runtime/conmon.ts",
    what: "core/runtime/conmon.ts",
    loadedBy: "on the first create or exit-file read",
  },
  { spec: "@grpc/grpc-js", what: "npm:@grpc/grpc-js", loadedBy: "none (the cluster store)" },
  { spec: "../cli/main.ts", what: "cli/main.ts (entry, fast path)", loadedBy: "all" },
  { spec: "../cli/container_list.ts", what: "cli/container_list.ts", loadedBy: "c list" },
  { spec: "../cli/pod_list.ts", what: "cli/pod_list.ts + core/pod", loadedBy: "pod list" },
  {
    spec: "../cli/network_provider.ts",
    what: "cli/network_provider.ts (net/, CNI)",
    loadedBy: "on the first network attach/detach",
  },
  {
    spec: "../cli/container_run.ts",
    what: "cli/container_run.ts (yaml deferred)",
    loadedBy: "c run|create FILE",
  },
  {
    spec: "../cli/pod_run.ts",
    what: "cli/pod_run.ts (yaml deferred)",
    loadedBy: "pod run|create FILE, pod rm",
  },
  { spec: "../cli/container.ts", what: "cli/container.ts (commander)", loadedBy: "c start|stop|…" },
  { spec: "../cli/pod.ts", what: "cli/pod.ts (commander)", loadedBy: "pod start|stop|exec|…" },
];

async function runQuiet(argv: string[]): Promise<string> {
  const out = await new Deno.Command("deno", {
    args: argv,
    cwd: projectDir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno ${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** The steps of a list command, as `bench/_list_probe.ts` reports them (ms, and runtime calls). */
type ListPhases = Record<string, number>;

/**
 * Where a list command's time goes after Deno's own start-up: `bench/_list_probe.ts` runs the
 * steps of `rkl c list` and `rkl pod list` (`kinds`) on `root` in fresh processes; prints the
 * medians.
 */
export async function listPhases(
  flags: string[],
  root: string,
  runs: number,
  kinds: readonly ("c" | "pod")[] = ["c", "pod"],
): Promise<void> {
  for (const kind of kinds) {
    const samples: ListPhases[] = [];
    for (let i = 0; i < runs; i++) {
      const line = await runQuiet([...flags, "bench/_list_probe.ts", kind, root]);
      samples.push(JSON.parse(line) as ListPhases);
    }
    const keys = Object.keys(samples[0] ?? {}).filter((k) => k !== "runtime");
    const parts = keys.map((k) =>
      `${k} ${quantile(samples.map((s) => s[k] ?? 0), 0.5).toFixed(1)}`
    );
    const calls = Math.max(...samples.map((s) => s.runtime ?? 0));
    console.log(
      `rkl ${kind === "c" ? "c" : "pod"} list steps (ms, median of ${runs}, fresh processes): ` +
        `${parts.join(", ")}; runtime calls: ${calls}`,
    );
  }
}

/** Runs the start-up section. */
export async function startupBench(): Promise<void> {
  await withUndo("rkl-bench-startup-", async (work) => {
    const task = await rklTaskArgs(); // run -q --frozen -P=rkl cli/main.ts
    const flags = task.slice(0, -1);
    const entry = task.at(-1)!;
    const root = join(work, "root"); // an empty state root
    const rkl = (...args: string[]) => () => runQuiet([...flags, entry, ...args]).then(() => {});
    const contenders: Contender[] = [
      {
        name: "empty Deno program (floor)",
        run: () => runQuiet([...flags, "bench/_empty.ts"]).then(() => {}),
      },
      { name: "rkl --version", run: rkl("--version") },
      { name: "rkl --help", run: rkl("--help") },
      { name: "rkl c list (empty root)", run: rkl("--root", root, "c", "list") },
      { name: "rkl pod list (empty root)", run: rkl("--root", root, "pod", "list") },
    ];
    const rows = await compare(
      `CLI start-up: a fresh \`deno ${flags.join(" ")}\` each, median of ${RUNS}, interleaved`,
      contenders,
      { runs: RUNS, warmup: 2 },
    );
    const floor = rows[0]!.median;
    console.log(`\nover the floor (${floor.toFixed(1)} ms; target: within ${TARGET_MS} ms):`);
    for (const r of rows.slice(1)) {
      const delta = r.median - floor;
      console.log(
        `  ${r.name.padEnd(26)} +${delta.toFixed(1).padStart(5)} ms  ${
          delta <= TARGET_MS ? "meets" : "misses"
        } the target`,
      );
    }

    // Where the time goes: each dependency imported alone, in a fresh process.
    const samples = new Map<string, number[]>(DEPENDENCIES.map((d) => [d.spec, []]));
    for (let i = 0; i < PROBE_RUNS; i++) {
      for (const d of DEPENDENCIES) {
        const line = await runQuiet([...flags, "bench/_import_probe.ts", d.spec]);
        const ms = (JSON.parse(line) as Record<string, number>)[d.spec];
        if (typeof ms === "number") samples.get(d.spec)!.push(ms);
      }
    }
    console.log(
      `\n## Where the time goes: importing each alone in a fresh process (median of ${PROBE_RUNS})`,
    );
    const w = Math.max(...DEPENDENCIES.map((d) => d.what.length));
    console.log(`${"module".padEnd(w)}  import ms  loaded by`);
    for (const d of DEPENDENCIES) {
      const ms = quantile(samples.get(d.spec)!, 0.5);
      console.log(`${d.what.padEnd(w)}  ${ms.toFixed(1).padStart(9)}  ${d.loadedBy}`);
    }
    await listPhases(flags, root, PROBE_RUNS);
  });
}
