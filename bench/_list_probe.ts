/**
 * `deno run … bench/_list_probe.ts c|pod ROOT`: runs `rkl c list` or `rkl pod list`'s steps on
 * state root ROOT in this fresh process and prints one JSON line of how long each took, ms:
 * `import` (the command's modules, node:sqlite included), `engine` (opening the state database),
 * `records` (pods: reading and checking the sandbox rows), `list` (the containers' rows, one
 * read of `/proc` by the monitor, conmon's exit files; pods: then the views), `format` (the
 * table). `runtime` counts the runtime calls the listing made (0 when `/proc` settled it).
 *
 * @module
 */
import type { CliIo } from "../cli/context.ts";
import type { OciRuntime } from "../core/runtime/oci_runtime.ts";

const [kind, root] = Deno.args;
if ((kind !== "c" && kind !== "pod") || !root) throw new Error("usage: _list_probe.ts c|pod ROOT");
const io: CliIo = { stdout() {}, stderr() {}, env: { PATH: Deno.env.get("PATH") }, cwd: "/" };
const times: Record<string, number> = {};
let t = performance.now();
const lap = (name: string) => {
  const now = performance.now();
  times[name] = now - t;
  t = now;
};
// The modules the command imports (the same as `rkl`'s fast path loads).
const [{ engineFor }, table] = await Promise.all([
  import("../cli/engine.ts"),
  kind === "c" ? import("../cli/container_list.ts") : import("../cli/pod_list.ts"),
]);
void table;
lap("import");
const engine = await engineFor(io, { root, runtime: undefined });
let runtimeCalls = 0;
const counted: OciRuntime = new Proxy(engine.runtime, {
  get(target, key) {
    const v = Reflect.get(target, key);
    if (typeof v !== "function") return v;
    return (...args: unknown[]) => {
      if (key === "list" || key === "state") runtimeCalls++;
      return (v as (...a: unknown[]) => unknown).apply(target, args);
    };
  },
});
// Replaced in place: a spread would read the engine's lazy fields (the nofile limit) too.
(engine as { runtime: OciRuntime }).runtime = counted;
const e = engine;
lap("engine");
try {
  if (kind === "c") {
    const { listContainers } = await import("../core/container/list.ts");
    const { formatContainerTable } = await import("../cli/container_table.ts");
    const views = await listContainers(e, { owner: null });
    lap("list");
    formatContainerTable(views, "table");
    lap("format");
  } else {
    const { listSandboxRecords } = await import("../core/pod/pod_store.ts");
    const { listPods } = await import("../core/pod/pod_view.ts");
    const { formatPodTable } = await import("../cli/pod_table.ts");
    const records = listSandboxRecords(e.db);
    lap("records");
    const pods = await listPods(e, { namespace: "default", records });
    lap("list");
    formatPodTable(pods, "table", false);
    lap("format");
  }
} finally {
  engine.close();
}
console.log(JSON.stringify({ ...times, runtime: runtimeCalls }));
