/**
 * rkl's cluster mode for pods (the original project's `rkl pod create|delete|list --cluster
 * ADDR`, or `RKS_ADDRESS`): the same commands against rks's Kubernetes API instead of the local
 * runtime. Credentials come from `--kubeconfig`/`KUBECONFIG`, or from the CA and token files in
 * rks's data directory (`RKS_DATA_DIR`, default `/var/lib/rks`).
 *
 * @module
 */
import { type CliIo, userPath } from "./context.ts";
import type { OutputFormat } from "./output.ts";
import { formatData, printWarnings } from "./output.ts";
import { RkError } from "../core/errors.ts";
import { isRecord } from "../core/is_record.ts";
import { readManifestFile } from "../core/manifest_reader.ts";

/** The cluster flags of a pod command. */
export interface ClusterFlags {
  /** `--cluster ADDR`. */
  cluster?: string | undefined;
  /** `--kubeconfig FILE`. */
  kubeconfig?: string | undefined;
}

/**
 * The cluster a command targets: its flags, else `RKS_ADDRESS`/`KUBECONFIG`; undefined for the
 * local runtime (no `--cluster` and no `RKS_ADDRESS`).
 *
 * @example
 * ```ts
 * import { clusterTarget } from "./pod_cluster.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: { RKS_ADDRESS: "10.0.0.1:6443" }, cwd: "/" };
 * assert.deepEqual(clusterTarget(io, {}), { cluster: "10.0.0.1:6443" });
 * assert.equal(clusterTarget({ ...io, env: {} }, {}), undefined);
 * ```
 */
export function clusterTarget(
  io: CliIo,
  flags: ClusterFlags,
): { cluster?: string; kubeconfig?: string; dataDir?: string } | undefined {
  const cluster = flags.cluster ?? io.env.RKS_ADDRESS;
  if (!cluster) return undefined;
  const kubeconfig = flags.kubeconfig ?? io.env.KUBECONFIG;
  return {
    cluster,
    ...(kubeconfig ? { kubeconfig: userPath(io, kubeconfig) } : {}),
    ...(io.env.RKS_DATA_DIR ? { dataDir: io.env.RKS_DATA_DIR } : {}),
  };
}

async function client(target: NonNullable<ReturnType<typeof clusterTarget>>) {
  const { ApiClient, resolveCredentials } = await import("../plane/apiserver/api_client.ts");
  return new ApiClient(await resolveCredentials(target));
}

function nsPath(ns: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;
}

/**
 * `rkl pod create FILE --cluster`: creates the Pod of a manifest through the API. The file is
 * read and checked as `rkl pod run` reads it (errors with file, line, column and field path);
 * relative image paths and the original format's `labels.bundle` are resolved against the user's
 * directory and sent as absolute paths (`labels.bundle` as an annotation: a label cannot hold a
 * path).
 */
export async function clusterCreatePod(
  io: CliIo,
  target: NonNullable<ReturnType<typeof clusterTarget>>,
  file: string,
): Promise<void> {
  const text = await readManifestFile(userPath(io, file), file);
  const { parse } = await import("yaml");
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new RkError(`${file}: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
  }
  if (!isRecord(doc) || doc.kind !== "Pod") {
    throw new RkError(`${file}: expected a manifest with kind: Pod`);
  }
  const { parsePodManifest } = await import("../core/pod/pod_manifest.ts");
  const { apiPodFromManifest } = await import("../plane/node_agent/cluster_pod_manifest.ts");
  // Images are looked up on the node that runs the pod, not here.
  const { pod, warnings } = parsePodManifest(text, file, {
    baseDir: io.cwd,
    checkImage: () => undefined,
  });
  printWarnings(io, warnings);
  const body = apiPodFromManifest(doc, pod);
  const meta = body.metadata;
  const ns = typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default";
  await using api = await client(target);
  const created = await api.request("POST", `${nsPath(ns)}?fieldManager=rkl`, body);
  io.stdout(`${String((created.metadata as Record<string, unknown>).name)}\n`);
}

/** `rkl pod delete NAME... --cluster`: deletes pods through the API. */
export async function clusterDeletePods(
  io: CliIo,
  target: NonNullable<ReturnType<typeof clusterTarget>>,
  names: readonly string[],
  ns: string,
): Promise<void> {
  await using api = await client(target);
  for (const name of names) {
    await api.request("DELETE", `${nsPath(ns)}/${encodeURIComponent(name)}`, {
      propagationPolicy: "Background",
    });
    io.stdout(`${name}\n`);
  }
}

/** `rkl pod list --cluster`: the server's Table (as kubectl shows it), or the list as JSON/YAML. */
export async function clusterListPods(
  io: CliIo,
  target: NonNullable<ReturnType<typeof clusterTarget>>,
  opts: { format: OutputFormat; all: boolean; ns: string; quiet: boolean },
): Promise<void> {
  const { formatTable } = await import("../plane/apiserver/api_client.ts");
  await using api = await client(target);
  const path = opts.all ? "/api/v1/pods" : nsPath(opts.ns);
  if (opts.format === "json" || opts.format === "yaml" || opts.quiet) {
    const list = await api.request("GET", path);
    const items = Array.isArray(list.items) ? list.items.filter(isRecord) : [];
    if (opts.quiet) {
      io.stdout(
        items.map((p) => `${String((p.metadata as Record<string, unknown>).name)}\n`).join(""),
      );
    } else io.stdout(formatData(list, opts.format === "yaml" ? "yaml" : "json"));
    return;
  }
  const table = await api.request(
    "GET",
    path,
    undefined,
    "application/json;as=Table;v=v1;g=meta.k8s.io",
  );
  const rows = Array.isArray(table.rows) ? table.rows : [];
  if (rows.length === 0) {
    io.stderr(opts.all ? "No resources found\n" : `No resources found in ${opts.ns} namespace.\n`);
    return;
  }
  io.stdout(formatTable(table, opts.format === "wide", opts.all));
}
