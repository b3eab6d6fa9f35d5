/**
 * `rkl pod` (alias `rkl p`): run|create|start|stop|rm|list|state|exec|logs for Kubernetes-style
 * pods. Flags become typed options through pure functions; the work is done by `core/pod`.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import { type CliIo, type GlobalOptions, userPath } from "./context.ts";
import { withEngine, withEngineEach } from "./engine.ts";
import {
  formatAge,
  formatData,
  formatTable,
  formatTime,
  type OutputFormat,
  parseOutputFormat,
  printExecResult,
  printWarnings,
} from "./output.ts";
import { parseGraceSeconds, parseLogsOptions, printLogs } from "./container.ts";
import { RkError, StateError, UsageError } from "../core/errors.ts";
import { execSync } from "../core/container/exec.ts";
import { loadPodManifest, type PodManifest } from "../core/pod/pod_manifest.ts";
import { createPod, type PodFailure, runPod, startPod } from "../core/pod/pod_runner.ts";
import { podContainerName } from "../core/pod/pod_containers.ts";
import { findSandbox } from "../core/pod/pod_store.ts";
import { listPods, type PodView, podView } from "../core/pod/pod_view.ts";
import { stopPodSandbox } from "../core/pod/sandbox_stop.ts";
import { removePod } from "../core/pod/pod_remove.ts";

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

/** Typed options of `rkl pod exec`. */
export interface PodExecOptions {
  /** Pod name or id. */
  pod: string;
  /** `-c CONTAINER`; undefined for the first app container. */
  container?: string;
  /** The command. */
  argv: string[];
  /** Namespace. */
  namespace: string;
}

/**
 * Turns raw `exec` flags into {@linkcode PodExecOptions}.
 *
 * @example
 * ```ts
 * import { parsePodExecOptions } from "./pod.ts";
 * import assert from "node:assert/strict";
 * const o = parsePodExecOptions("web", ["ps"], { container: "app" });
 * assert.deepEqual(o, { pod: "web", container: "app", argv: ["ps"], namespace: "default" });
 * assert.throws(() => parsePodExecOptions("web", [], {}), /needs a command/);
 * ```
 */
export function parsePodExecOptions(
  pod: string,
  argv: readonly string[],
  raw: { container?: string; namespace?: string },
): PodExecOptions {
  if (argv.length === 0) {
    throw new UsageError("exec needs a command: rkl pod exec POD [-c CONTAINER] -- CMD [ARG...]");
  }
  const o: PodExecOptions = { pod, argv: [...argv], namespace: parseNamespace(raw.namespace) };
  if (raw.container !== undefined) o.container = raw.container;
  return o;
}

/**
 * Checks `-n NAMESPACE` (a DNS-1123 label; default `default`).
 *
 * @example
 * ```ts
 * import { parseNamespace } from "./pod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseNamespace(undefined), "default");
 * assert.throws(() => parseNamespace("Bad_NS"), /namespace/);
 * ```
 */
export function parseNamespace(raw: string | undefined): string {
  if (raw === undefined) return "default";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(raw) || raw.length > 63) {
    throw new UsageError(`Invalid namespace "${raw}": expected a DNS-1123 label`);
  }
  return raw;
}

/**
 * The name of the container a command targets: `-c NAME` (checked against the pod), else the
 * first app container.
 *
 * @example
 * ```ts
 * import { targetContainer } from "./pod.ts";
 * import assert from "node:assert/strict";
 * const pod = { name: "web", initContainers: [{ name: "init" }], containers: [{ name: "a" }, { name: "b" }] };
 * assert.equal(targetContainer(pod, undefined), "a");
 * assert.equal(targetContainer(pod, "init"), "init");
 * assert.throws(() => targetContainer(pod, "c"), /has no container "c" \(containers: init, a, b\)/);
 * ```
 */
export function targetContainer(
  pod: {
    name: string;
    initContainers: readonly { name: string }[];
    containers: readonly { name: string }[];
  },
  wanted: string | undefined,
): string {
  const names = [...pod.initContainers, ...pod.containers].map((c) => c.name);
  if (wanted === undefined) return pod.containers[0]!.name;
  if (!names.includes(wanted)) {
    throw new RkError(
      `Pod "${pod.name}" has no container "${wanted}" (containers: ${names.join(", ")})`,
    );
  }
  return wanted;
}

/** The fields of a pod that `rkl pod list` shows. */
export type PodListRow =
  & Pick<PodView, "name" | "namespace" | "ready" | "status" | "restarts" | "createdAt" | "ip">
  & { id?: string; pausePid?: number };

/**
 * Formats pods like `kubectl get pods`: NAME READY STATUS RESTARTS AGE IP (`wide` adds the id
 * and pause pid; a NAMESPACE column is added when pods of several namespaces are shown).
 *
 * @example
 * ```ts
 * import { formatPodList } from "./pod.ts";
 * import assert from "node:assert/strict";
 * const out = formatPodList([{ name: "web", namespace: "default", ready: "2/2", status: "Running",
 *   restarts: 0, createdAt: 0, ip: "10.88.0.4" }], "table", false, 5_000);
 * assert.equal(out, "NAME   READY   STATUS    RESTARTS   AGE   IP\nweb    2/2     Running   0          5s    10.88.0.4\n");
 * ```
 */
export function formatPodList(
  pods: readonly PodListRow[],
  format: OutputFormat,
  allNamespaces: boolean,
  now: number = Date.now(),
): string {
  if (format === "json" || format === "yaml") return formatData(pods, format);
  const headers = [
    ...(allNamespaces ? ["namespace"] : []),
    "name",
    "ready",
    "status",
    "restarts",
    "age",
    "ip",
    ...(format === "wide" ? ["id", "pause pid"] : []),
  ];
  const rows = pods.map((p) => [
    ...(allNamespaces ? [p.namespace] : []),
    p.name,
    p.ready,
    p.status,
    String(p.restarts),
    formatAge(p.createdAt, now),
    p.ip || "<none>",
    ...(format === "wide" ? [(p.id ?? "").slice(0, 12), String(p.pausePid ?? "-")] : []),
  ]);
  return formatTable(headers, rows);
}

/**
 * Formats `rkl pod state` as text: the pod's summary, then one row per container with its state,
 * exit code, reason and restarts.
 */
export function formatPodState(p: PodView, now: number = Date.now()): string {
  const lines = [
    `Name:       ${p.name}`,
    `Namespace:  ${p.namespace}`,
    `Id:         ${p.id}`,
    `Status:     ${p.status} (phase ${p.phase}, sandbox ${p.sandbox})`,
    `Ready:      ${p.ready}`,
    `IP:         ${p.ips.join(", ") || "<none>"}`,
    `Age:        ${formatAge(p.createdAt, now)}`,
    `Cgroup:     ${p.cgroupParent}`,
  ];
  if (p.pausePid !== undefined) lines.push(`Pause pid:  ${p.pausePid}`);
  if (p.failure) lines.push(`Failure:    ${p.failure}`);
  const table = formatTable(
    ["container", "kind", "state", "exit code", "reason", "restarts", "pid", "started", "finished"],
    p.containers.map((c) => [
      c.name,
      c.init ? "init" : "app",
      c.state,
      c.exitCode === undefined ? "-" : String(c.exitCode),
      c.reason,
      String(c.restartCount),
      c.pid === undefined ? "-" : String(c.pid),
      formatTime(c.startedAt, "-"),
      formatTime(c.finishedAt, "-"),
    ]),
  );
  return `${lines.join("\n")}\n\n${table}`;
}

async function loadManifest(io: CliIo, file: string): Promise<PodManifest> {
  const { pod, warnings } = await loadPodManifest(userPath(io, file), { baseDir: io.cwd });
  printWarnings(io, warnings);
  return pod;
}

const nsOption = ["-n, --namespace <namespace>", "pod namespace (default: default)"] as const;

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
      const pod = await loadManifest(io, file);
      const result = await withEngine(io, globals, (e) => runPod(e, pod));
      if (result.failure) throw new PodFailedError(pod.name, result.failure);
      io.stdout(`${pod.name}\n`);
    });

  group.command("create")
    .description("create a pod's sandbox (pause container, network) without starting containers")
    .argument("<file>", "pod manifest")
    .action(async (file) => {
      const pod = await loadManifest(io, file);
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
    .argument("<pod...>", "pod names or ids")
    .action(async (refs, opts) => {
      const namespace = parseNamespace(opts.namespace);
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
    .action(async (opts) => {
      const format = parseOutputFormat(opts.output);
      const all = opts.allNamespaces ?? false;
      const namespace = parseNamespace(opts.namespace);
      const pods = await withEngine(
        io,
        globals,
        (e) => listPods(e, all ? {} : { namespace }),
      );
      if (opts.quiet) io.stdout(pods.map((p) => `${p.name}\n`).join(""));
      else io.stdout(formatPodList(pods, format, all));
    });

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
        (e) => podView(e, ref, parseNamespace(opts.namespace)),
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

  return group;
}

function manifestFor(rec: { name: string; manifest?: PodManifest }): PodManifest {
  if (!rec.manifest) {
    throw new RkError(`Pod "${rec.name}" was created through the CRI API and has no manifest`);
  }
  return rec.manifest;
}
