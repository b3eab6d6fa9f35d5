/**
 * `rkl pod run FILE`, `rkl pod create FILE` and `rkl pod rm|delete POD...`: the actions, apart
 * from the command definitions in `pod.ts`, so that `main.ts` can run them without loading the
 * command-line parser (see `fast_path.ts`). The cluster variants (`--cluster`, `RKS_ADDRESS`)
 * load the API client only when a cluster is named.
 *
 * @module
 */
import { type CliIo, type GlobalOptions, imageDirOf, userPath } from "./context.ts";
import { withEngine, withEngineEach } from "./engine.ts";
import { printWarnings } from "./output.ts";
import { parseNamespace } from "./pod_options.ts";
import { RkError, StateError } from "../core/errors.ts";
import { lazyImport } from "../core/lazy_import.ts";
import { loadPodManifest, type PodManifest } from "../core/pod/pod_manifest.ts";
import { createPod, type PodFailure, runPod } from "../core/pod/pod_runner.ts";
import { releaseTerminalPods } from "../core/pod/pod_terminal.ts";
import { removePod } from "../core/pod/pod_remove.ts";
import type { ClusterFlags } from "./pod_cluster.ts";

/**
 * A pod that failed (a failing init container): the CLI exits 1 and names the container and its
 * exit code; the pod is kept so its logs can be read.
 *
 * @example
 * ```ts
 * import { PodFailedError } from "./pod_run.ts";
 * import assert from "node:assert/strict";
 * const e = new PodFailedError("web", { reason: 'init container "i" failed with exit code 3', exitCode: 3 });
 * assert.match(e.message, /Pod "web" failed: init container "i" failed with exit code 3/);
 * ```
 */
export class PodFailedError extends RkError {
  /** The failure. */
  readonly failure: PodFailure;
  /** Creates the error. */
  constructor(pod: string, failure: PodFailure) {
    super(
      `Pod "${pod}" failed: ${failure.reason}` +
        (failure.container ? `; see: rkl pod logs ${pod} -c ${failure.container}` : ""),
    );
    this.name = "PodFailedError";
    this.failure = failure;
  }
}

/**
 * Loads the pod manifest `file` (relative to the user's directory; image references are looked up
 * in the image directory of `globals`); its warnings go to stderr.
 * Throws `ManifestError` (file, line, column, field path) for a bad manifest.
 */
export async function loadPodFile(
  io: CliIo,
  globals: () => GlobalOptions,
  file: string,
): Promise<PodManifest> {
  const { pod, warnings } = await loadPodManifest(userPath(io, file), {
    baseDir: io.cwd,
    imageDir: imageDirOf(globals()),
  });
  printWarnings(io, warnings);
  return pod;
}

function podCluster(): Promise<typeof import("./pod_cluster.ts")> {
  return lazyImport<typeof import("./pod_cluster.ts")>(
    new URL("./pod_cluster.ts", import.meta.url),
  );
}

/**
 * `rkl pod run FILE` (`start` true) and `rkl pod create FILE` (false): creates the pod of a
 * manifest — for `run` also runs its init containers and starts its containers — and prints its
 * name. `create` with a cluster (`flags.cluster`, else `RKS_ADDRESS`) creates the Pod through rks's
 * API instead; `run` is always local. Throws `ManifestError` for a bad manifest,
 * `PodFailedError` when an init container fails (the pod is kept for its logs), and whatever the
 * creation throws, after undoing what it acquired.
 *
 * @example
 * ```ts
 * import { podFromManifest } from "./pod_run.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/p.yaml`, "apiVersion: v1\nkind: Pod\nmetadata: {}\n");
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: dir };
 * const globals = () => ({ root: `${dir}/root`, runtime: "runc" });
 * await assert.rejects(podFromManifest(io, globals, "p.yaml", true), /p\.yaml:3:11: metadata\.name/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function podFromManifest(
  io: CliIo,
  globals: () => GlobalOptions,
  file: string,
  start: boolean,
  flags: ClusterFlags = {},
): Promise<void> {
  if (!start && (flags.cluster ?? io.env.RKS_ADDRESS)) {
    const { clusterCreatePod, clusterTarget } = await podCluster();
    return await clusterCreatePod(io, clusterTarget(io, flags)!, file);
  }
  const pod = await loadPodFile(io, globals, file);
  if (!start) {
    await withEngine(io, globals, (e) => createPod(e, pod));
    io.stdout(`${pod.name}\n`);
    return;
  }
  const result = await withEngine(io, globals, async (e) => {
    const r = await runPod(e, pod);
    // A pod that is already over (a failed init container under Never) releases its IP.
    await releaseTerminalPods(e, { only: [r.sandbox.id] });
    return r;
  });
  if (result.failure) throw new PodFailedError(pod.name, result.failure);
  io.stdout(`${pod.name}\n`);
}

/** The options of `rkl pod rm`. */
export interface PodRemoveFlags extends ClusterFlags {
  /** `-f, --force`: remove pods with running containers too. */
  force?: boolean | undefined;
  /** `-n, --namespace`. */
  namespace?: string | undefined;
}

/**
 * `rkl pod rm|delete POD...`: removes each pod and everything it owns, printing each name as it
 * goes; with a cluster (`flags.cluster`, else `RKS_ADDRESS`) deletes the Pods through rks's API.
 * Throws `UsageError` for an invalid namespace, `StateError` for a running pod without `force`
 * (after printing a hint to stderr), `NotFoundError` for an unknown pod.
 */
export async function podRemove(
  io: CliIo,
  globals: () => GlobalOptions,
  refs: readonly string[],
  flags: PodRemoveFlags,
): Promise<void> {
  const namespace = parseNamespace(flags.namespace);
  if (flags.cluster ?? io.env.RKS_ADDRESS) {
    const { clusterDeletePods, clusterTarget } = await podCluster();
    return await clusterDeletePods(io, clusterTarget(io, flags)!, refs, namespace);
  }
  await withEngineEach(io, globals, refs, async (e, ref) => {
    try {
      return (await removePod(e, ref, { namespace, force: flags.force ?? false })).name;
    } catch (error) {
      if (error instanceof StateError) {
        io.stderr(`Hint: stop the pod first (rkl pod stop ${ref}) or use rm -f\n`);
      }
      throw error;
    }
  });
}
