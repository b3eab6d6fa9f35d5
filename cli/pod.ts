/**
 * `rkl pod` (alias `rkl p`): run|create|start|stop|rm|list|state|exec|logs for Kubernetes-style
 * pods. Flags become typed options through pure functions; the work is done by `core/pod`.
 *
 * @module
 */
import { daemonRunCommand } from "./daemon_options.ts";
import { Command, type CommandUnknownOpts } from "./_command.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import { withEngine, withEngineEach } from "./engine.ts";
import { formatData, parseOutputFormat, printExecResult } from "./output.ts";
import { formatPodState } from "./pod_format.ts";
import { podList } from "./pod_list.ts";
import { PodFailedError, podFromManifest, podRemove } from "./pod_run.ts";
import {
  manifestFor,
  parseNamespace,
  parsePodExecOptions,
  targetContainer,
} from "./pod_options.ts";
import { parseGraceSeconds, parseLogsOptions, printLogs } from "./container.ts";
import { execSync } from "../core/container/exec.ts";
import { startPod } from "../core/pod/pod_runner.ts";
import { podContainerName } from "../core/pod/pod_containers.ts";
import { findSandbox } from "../core/pod/pod_store.ts";
import { podView } from "../core/pod/pod_view.ts";
import { stopPodSandbox } from "../core/pod/sandbox_stop.ts";
import { releaseTerminalPods } from "../core/pod/pod_terminal.ts";

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
export { PodFailedError } from "./pod_run.ts";

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
    .action((file) => podFromManifest(io, globals, file, true));

  group.command("create")
    .description("create a pod's sandbox (pause container, network) without starting containers")
    .argument("<file>", "pod manifest")
    .option(...clusterOption)
    .option(...kubeconfigOption)
    .action((file, opts) => podFromManifest(io, globals, file, false, opts));

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
    .action((refs, opts) => podRemove(io, globals, refs, opts));

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
