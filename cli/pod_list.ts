/**
 * `rkl pod list`: the action, apart from the command definition in `pod.ts`, so that `main.ts`
 * can run it without loading the command-line parser (see `fast_path.ts`).
 *
 * @module
 */
import type { CliIo, GlobalOptions } from "./context.ts";
import { withEngine } from "./engine.ts";
import { parseOutputFormat } from "./table.ts";
import { formatPodTable } from "./pod_table.ts";
import { parseNamespace } from "./pod_options.ts";
import { lazyImport } from "../core/lazy_import.ts";
import { listPods } from "../core/pod/pod_view.ts";
import { releaseTerminalPods } from "../core/pod/pod_terminal.ts";
import { listSandboxRecords } from "../core/pod/pod_store.ts";

/** The options of `rkl pod list`, as typed on the command line. */
export interface PodListFlags {
  /** `-o, --output <format>`: table, wide, json or yaml. */
  output?: string | undefined;
  /** `-n, --namespace <namespace>` (default `default`). */
  namespace?: string | undefined;
  /** `-A, --all-namespaces`. */
  allNamespaces?: boolean | undefined;
  /** `-q, --quiet`: names only. */
  quiet?: boolean | undefined;
  /** `--cluster <addr>` (else `RKS_ADDRESS`): list through rks's API instead. */
  cluster?: string | undefined;
  /** `--kubeconfig <file>` for `--cluster`. */
  kubeconfig?: string | undefined;
}

/**
 * Prints the pods of one namespace (or all) like `kubectl get pods`: the local runtime's, or a
 * cluster's when `--cluster`/`RKS_ADDRESS` names one. Listing is when pods that ended are noticed:
 * their sandboxes are stopped first. Throws `UsageError` for a bad format or namespace.
 *
 * @example
 * ```ts
 * import { podList } from "./pod_list.ts";
 * import assert from "node:assert/strict";
 * const root = await Deno.makeTempDir();
 * let out = "";
 * const io = { stdout: (t: string) => void (out += t), stderr() {}, env: {}, cwd: "/" };
 * await podList(io, () => ({ root, runtime: "runc" }), { quiet: true });
 * assert.equal(out, ""); // an empty root
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function podList(
  io: CliIo,
  globals: () => GlobalOptions,
  flags: PodListFlags,
): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const all = flags.allNamespaces ?? false;
  const namespace = parseNamespace(flags.namespace);
  if (flags.cluster ?? io.env.RKS_ADDRESS) {
    // Cluster mode loads the API client; the local listing does not need it.
    const { clusterListPods, clusterTarget } = await lazyImport<typeof import("./pod_cluster.ts")>(
      new URL("./pod_cluster.ts", import.meta.url),
    );
    const target = clusterTarget(io, flags)!;
    return await clusterListPods(io, target, {
      format,
      all,
      ns: namespace,
      quiet: flags.quiet ?? false,
    });
  }
  const filter = all ? {} : { namespace };
  const pods = await withEngine(io, globals, async (e) => {
    // The records are read (and their JSON parsed) once for both; the CRI sandbox configs,
    // which the list does not show, only if stopping a pod uses them.
    const records = listSandboxRecords(e.db, { configOnUse: true });
    const listed = await listPods(e, { ...filter, records });
    // Observing is when terminal pods are noticed: stop their sandboxes (IP, ports), then list
    // again to show them stopped.
    const released = await releaseTerminalPods(e, { ...filter, views: listed, records });
    return released.length === 0 ? listed : await listPods(e, filter);
  });
  if (flags.quiet) io.stdout(pods.map((p) => `${p.name}\n`).join(""));
  else if (format === "json" || format === "yaml") {
    // Data output loads the YAML library; the table does not.
    const { formatData } = await lazyImport<typeof import("./output.ts")>(
      new URL("./output.ts", import.meta.url),
    );
    io.stdout(formatData(pods, format));
  } else io.stdout(formatPodTable(pods, format, all));
}
