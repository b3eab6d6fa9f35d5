/**
 * `rkl pod` (alias `rkl p`): run|create|start|stop|rm|list|state|exec|logs for Kubernetes-style
 * pods. Flags become typed options through pure functions; the work is done by `core/pod`.
 *
 * @module
 */
import { daemonRunCommand } from "./daemon_options.ts";
import { Command, type CommandUnknownOpts } from "./_command.ts";
import { type CliIo, type GlobalOptions, imageDirOf, userPath } from "./context.ts";
import { withEngine, withEngineEach } from "./engine.ts";
import { formatData, parseOutputFormat, printExecResult, printWarnings } from "./output.ts";
import { formatPodState } from "./pod_format.ts";
import { podList } from "./pod_list.ts";
import { clusterCreatePod, clusterDeletePods, clusterTarget } from "./pod_cluster.ts";
import {
  manifestFor,
  parseNamespace,
  parsePodExecOptions,
  targetContainer,
} from "./pod_options.ts";
import { parseGraceSeconds, parseLogsOptions, printLogs } from "./container.ts";
import { RkError, StateError } from "../core/errors.ts";
import { execSync } from "../core/container/exec.ts";
import { loadPodManifest, type PodManifest } from "../core/pod/pod_manifest.ts";
import { createPod, type PodFailure, runPod, startPod } from "../core/pod/pod_runner.ts";
import { podContainerName } from "../core/pod/pod_containers.ts";
import { findSandbox } from "../core/pod/pod_store.ts";
import { podView } from "../core/pod/pod_view.ts";
import { stopPodSandbox } from "../core/pod/sandbox_stop.ts";
import { releaseTerminalPods } from "../core/pod/pod_terminal.ts";
import { removePod } from "../core/pod/pod_remove.ts";

// The parsers and formatters live in pod_options.ts and pod_format.ts; re-exported for callers
// that imported them from here.
export {
  manifestFor,
  parseNamespace,
  parsePodExecOptions,
  type PodExecOptions,
  targetContainer,
} from "./pod_options.ts";
export { formatPodList, formatPodState, type PodListRow } from "./pod_format.ts";

/**
 * A pod that failed (a failing init container): the CLI exits 1 and names the container and its
 * exit code; the pod is kept so its logs can be read.
 *
 * @example
 * ```ts
 * import { PodFailedError } from "./pod.ts";
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

async function loadManifest(
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

const nsOption = ["-n, --namespace <namespace>", "pod namespace (default: default)"] as const;
const clusterOption = [
  "--cluster <addr>",
  "act on the rks cluster at HOST:PORT through its API (env RKS_ADDRESS)",
] as const;
const kubeconfigOption = [
  "--kubeconfig <file>",
  "credentials for --cluster (env KUBECONFIG; default: rks's CA and token in /var/lib/rks)",
] as const;

/**
 * Builds the `pod` command group.
 *
 * @example
 * ```ts
 * import { podCommand } from "./pod.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const cmd = podCommand(io, () => ({ root: undefined, runtime: undefined }));
 * assert.deepEqual(cmd.aliases(), ["p"]);
 * ```
 */
export function podCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  const group = new Command("pod")
    .alias("p")
    .description("run Kubernetes-style pods (v1 Pod manifests) with a pause sandbox");

  group.command("run")
    .description("create a pod, run its init containers, start its containers; prints its name")
    .argument("<file>", "pod manifest (apiVersion: v1, kind: Pod)")
    .action(async (file) => {
      const pod = await loadManifest(io, globals, file);
      const result = await withEngine(io, globals, async (e) => {
        const r = await runPod(e, pod);
        // A pod that is already over (a failed init container under Never) releases its IP.
        await releaseTerminalPods(e, { only: [r.sandbox.id] });
        return r;
      });
      if (result.failure) throw new PodFailedError(pod.name, result.failure);
      io.stdout(`${pod.name}\n`);
    });

  group.command("create")
    .description("create a pod's sandbox (pause container, network) without starting containers")
    .argument("<file>", "pod manifest")
    .option(...clusterOption)
    .option(...kubeconfigOption)
    .action(async (file, opts) => {
      const target = clusterTarget(io, opts);
      if (target) return await clusterCreatePod(io, target, file);
      const pod = await loadManifest(io, globals, file);
      await withEngine(io, globals, (e) => createPod(e, pod));
      io.stdout(`${pod.name}\n`);
    });

  group.command("start")
    .description("run the init containers of created pods, then start their containers")
    .option(...nsOption)
    .argument("<pod...>", "pod names or ids")
    .action(async (refs, opts) => {
      const namespace = parseNamespace(opts.namespace);
      await withEngineEach(io, globals, refs, async (e, ref) => {
        const r = await startPod(e, ref, { namespace });
        await releaseTerminalPods(e, { only: [r.sandbox.id] });
        if (r.failure) throw new PodFailedError(r.sandbox.name, r.failure);
        return r.sandbox.name;
      });
    });

  group.command("stop")
    .description("stop pods: containers get SIGTERM, SIGKILL after the grace period")
    .option("-t, --time <seconds>", "grace period (default: terminationGracePeriodSeconds)")
    .option(...nsOption)
    .argument("<pod...>", "pod names or ids")
    .action(async (refs, opts) => {
      const grace = opts.time === undefined ? undefined : parseGraceSeconds(opts.time);
      const namespace = parseNamespace(opts.namespace);
      await withEngineEach(
        io,
        globals,
        refs,
        async (e, ref) => (await stopPodSandbox(e, ref, grace, namespace)).name,
      );
    });

  group.command("rm")
    .alias("delete")
    .description("remove pods and everything they own (-f for pods with running containers)")
    .option("-f, --force", "remove running pods too")
    .option(...nsOption)
    .option(...clusterOption)
    .option(...kubeconfigOption)
    .argument("<pod...>", "pod names or ids")
    .action(async (refs, opts) => {
      const namespace = parseNamespace(opts.namespace);
      const target = clusterTarget(io, opts);
      if (target) return await clusterDeletePods(io, target, refs, namespace);
      await withEngineEach(io, globals, refs, async (e, ref) => {
        try {
          return (await removePod(e, ref, { namespace, force: opts.force ?? false })).name;
        } catch (error) {
          if (error instanceof StateError) {
            io.stderr(`Hint: stop the pod first (rkl pod stop ${ref}) or use rm -f\n`);
          }
          throw error;
        }
      });
    });

  group.command("list")
    .alias("ls")
    .alias("ps")
    .description("list pods: READY, STATUS, RESTARTS, AGE, IP (like kubectl get pods)")
    .option("-o, --output <format>", "table, wide, json or yaml")
    .option(...nsOption)
    .option("-A, --all-namespaces", "pods of every namespace")
    .option("-q, --quiet", "print names only")
    .option(...clusterOption)
    .option(...kubeconfigOption)
    .action((opts) => podList(io, globals, opts));

  group.command("state")
    .alias("inspect")
    .description("show a pod's state: per-container state, exit codes and reasons")
    .option("-o, --output <format>", "table (default), json or yaml")
    .option(...nsOption)
    .argument("<pod>", "pod name or id")
    .action(async (ref, opts) => {
      const format = parseOutputFormat(opts.output);
      const view = await withEngine(
        io,
        globals,
        async (e) => {
          const namespace = parseNamespace(opts.namespace);
          await releaseTerminalPods(e, { namespace });
          return await podView(e, ref, namespace);
        },
      );
      io.stdout(
        format === "json" || format === "yaml" ? formatData(view, format) : formatPodState(view),
      );
    });

  group.command("exec")
    .description("run a command in a pod's container; exits with its exit code")
    .option("-c, --container <name>", "container (default: the first app container)")
    .option(...nsOption)
    .argument("<pod>", "pod name or id")
    .argument("[command...]", "command and arguments (after --)")
    .action(async (ref, argv, raw) => {
      const o = parsePodExecOptions(ref, argv, raw);
      const result = await withEngine(io, globals, (e) => {
        const rec = findSandbox(e.db, o.pod, o.namespace);
        const name = targetContainer(manifestFor(rec), o.container);
        return execSync(e, podContainerName(rec, name), o.argv, { stdio: "piped" });
      });
      printExecResult(io, result);
    });

  group.command("logs")
    .description("print the logs of a pod's container")
    .option("-c, --container <name>", "container (default: the first app container)")
    .option("-f, --follow", "keep printing new lines until the container stops")
    .option("--tail <n>", "only the last N lines")
    .option("--timestamps", "prefix lines with their timestamp")
    .option(...nsOption)
    .argument("<pod>", "pod name or id")
    .action(async (ref, raw) => {
      const o = parseLogsOptions(ref, raw);
      const namespace = parseNamespace(raw.namespace);
      await withEngine(io, globals, (e) => {
        const rec = findSandbox(e.db, ref, namespace);
        const name = podContainerName(rec, targetContainer(manifestFor(rec), raw.container));
        return printLogs(io, e, name, o);
      });
    });

  group.addCommand(daemonRunCommand(io, globals, "daemon"));

  return group;
}
