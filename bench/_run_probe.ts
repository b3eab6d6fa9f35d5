/**
 * `deno run … bench/_run_probe.ts ROOT MANIFEST`: runs `rkl container run MANIFEST`'s steps on
 * state root ROOT in this fresh process and prints one JSON line of how long each took, ms:
 * `import` (the command's modules), `manifest` (reading and checking the YAML manifest: the
 * YAML library is evaluated here), `engine` (opening the state database), then every phase
 * `runContainer` wraps in `traced()` (`core/trace.ts`; spans of the same name summed) and
 * `run` (all of `runContainer`; `exec cat`, the creator's start time, began before `manifest`
 * as in the CLI). The container is left running: the caller removes it.
 *
 * @module
 */
import type { CliIo } from "../cli/context.ts";
import { PhaseTrace } from "../core/trace.ts";

const [root, manifest] = Deno.args;
if (!root || !manifest) throw new Error("usage: _run_probe.ts ROOT MANIFEST");
const io: CliIo = { stdout() {}, stderr() {}, env: { PATH: Deno.env.get("PATH") }, cwd: "/" };
const times: Record<string, number> = {};
let t = performance.now();
const lap = (name: string) => {
  const now = performance.now();
  times[name] = now - t;
  t = now;
};
// The modules `rkl container run` imports (the same as `rkl`'s fast path loads).
const [{ engineFor }, _run, { loadContainerManifest }, { runContainer }, { currentOwner }] =
  await Promise.all([
    import("../cli/engine.ts"),
    import("../cli/container_run.ts"),
    import("../core/container/manifest.ts"),
    import("../core/container/run.ts"),
    import("../core/owner_process.ts"),
  ]);
lap("import");
// As `containerFromManifest` does: the creator's `cat` of /proc starts before the manifest read.
currentOwner().catch(() => {});
const { config } = await loadContainerManifest(manifest, { cwd: "/" });
lap("manifest");
const engine = await engineFor(io, { root, runtime: undefined });
lap("engine");
const trace = PhaseTrace.start();
try {
  const start = performance.now();
  await runContainer(engine, config);
  times.run = performance.now() - start;
} finally {
  trace.stop();
  engine.close();
}
for (const s of trace.spans) times[s.name] = (times[s.name] ?? 0) + s.end - s.start;
console.log(JSON.stringify(times));
