/**
 * `rkl daemon` (also `rkl pod daemon`): the node's reconcile loop in the foreground — static pods
 * from a manifest directory, restart policies with back-off, probes, OOM detection, adoption
 * after a crash. `rkl daemon status` asks a running daemon over its control socket;
 * `rkl events [-w]` (`./events.ts`) reads the events it recorded. The flags and their parser
 * live in `./daemon_options.ts`.
 *
 * @module
 */
import type { CommandUnknownOpts } from "./_command.ts";
import { type CliIo, type GlobalOptions, imageDirOf } from "./context.ts";
import { engineFor } from "./engine.ts";
import { formatAge, formatTime } from "./output.ts";
import { RkError } from "../core/errors.ts";
import { rklPaths } from "../core/paths.ts";
import { type DaemonStatus, NodeDaemon } from "../core/daemon/daemon.ts";
import { formatEvent, type NodeEvent } from "../core/daemon/events.ts";
import {
  type DaemonCliOptions,
  type DaemonClusterOptions,
  daemonRunCommand,
} from "./daemon_options.ts";
import { join } from "node:path";
import type { ClusterPods } from "../plane/node_agent/cluster_pods.ts";
import type { ClusterNetwork } from "../plane/node_agent/cluster_network.ts";
import type { Engine } from "../core/container/engine.ts";

export {
  type DaemonCliOptions,
  daemonRunCommand,
  DEFAULT_MANIFEST_DIR,
  parseDaemonOptions,
} from "./daemon_options.ts";

/**
 * One log line for an event, as text or JSON.
 *
 * @example
 * ```ts
 * import { formatLogLine } from "./daemon.ts";
 * import assert from "node:assert/strict";
 * const ev = { id: 1, at: 0, type: "Normal" as const, reason: "Started", object: "default/web", message: "ok" };
 * assert.equal(JSON.parse(formatLogLine(ev, "json")).reason, "Started");
 * assert.match(formatLogLine(ev, "text"), /Normal Started default\/web: ok/);
 * ```
 */
export function formatLogLine(ev: NodeEvent, format: "text" | "json"): string {
  if (format === "text") return `${formatEvent(ev)}\n`;
  return `${
    JSON.stringify({
      time: new Date(ev.at).toISOString(),
      level: ev.type === "Warning" ? "warn" : "info",
      reason: ev.reason,
      object: ev.object,
      ...(ev.container ? { container: ev.container } : {}),
      message: ev.message,
    })
  }\n`;
}

/**
 * Runs the daemon in the foreground until SIGTERM or SIGINT (containers keep running; only
 * supervision stops). Throws what {@linkcode NodeDaemon.start} throws (e.g. another daemon holds
 * the root's lock).
 */
export async function runDaemon(
  io: CliIo,
  globals: GlobalOptions,
  o: DaemonCliOptions,
): Promise<void> {
  const engine = await engineFor(io, globals);
  try {
    const clusterNetwork = o.cluster ? await clusterNetworkFor(io, globals, o) : undefined;
    const clusterPods = o.cluster
      ? await clusterPodSource(io, globals, o, o.cluster, engine.runtime.name, clusterNetwork)
      : undefined;
    const daemon = new NodeDaemon({
      engine,
      manifestDir: o.manifestDir,
      imageDir: o.cluster?.imageDir ?? imageDirOf(globals),
      nodeName: o.nodeName,
      watch: o.watch,
      syncIntervalMs: o.syncIntervalMs,
      relistIntervalMs: o.relistIntervalMs,
      baseBackoffMs: o.baseBackoffMs,
      maxBackoffMs: o.maxBackoffMs,
      backoffResetMs: o.backoffResetMs,
      onEvent: (ev) => {
        io.stderr(formatLogLine(ev, o.logFormat));
        clusterPods?.onEvent(ev);
      },
      ...(clusterPods
        ? {
          sources: [clusterPods],
          onSync: (obs) => clusterPods.onSync(obs),
          staticPod: (pod, obs) => clusterPods.staticPod(pod, obs),
        }
        : {}),
    });
    if (clusterPods) {
      clusterPods.onChange = () => daemon.wake();
      clusterPods.onNew = () => daemon.createNew();
    }
    if (clusterNetwork) clusterNetwork.onReady = () => daemon.wake();
    await daemon.start();
    const agentStop = new AbortController();
    const stop = () => {
      agentStop.abort();
      void daemon.stop();
    };
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
    let agentError: unknown;
    const agent = o.cluster
      ? startClusterAgent(
        io,
        globals,
        o,
        o.cluster,
        agentStop.signal,
        clusterPods,
        engine,
        clusterNetwork,
      ).catch(
        (e) => {
          agentError = e;
          void daemon.stop();
        },
      )
      : Promise.resolve();
    try {
      await daemon.done;
      agentStop.abort();
      await agent;
      await clusterNetwork?.close().catch((e) =>
        io.stderr(
          `node agent: cannot remove the pod network: ${e instanceof Error ? e.message : e}\n`,
        )
      );
      if (agentError !== undefined) throw agentError;
    } finally {
      Deno.removeSignalListener("SIGTERM", stop);
      Deno.removeSignalListener("SIGINT", stop);
    }
  } finally {
    engine.close();
  }
}

async function startClusterAgent(
  io: CliIo,
  globals: GlobalOptions,
  o: DaemonCliOptions,
  c: DaemonClusterOptions,
  signal: AbortSignal,
  pods: ClusterPods | undefined,
  engine: Engine,
  network: ClusterNetwork | undefined,
): Promise<void> {
  const { runNodeAgent, readHostFacts, internalIpFor, splitAddress, serveNodeStream } =
    await import(
      "../plane/node_agent/mod.ts"
    );
  const { default: denoJson } = await import("../deno.json", { with: { type: "json" } });
  const paths = rklPaths(globals.root);
  const { resolveRuntime } = await import("../core/runtime/oci_runtime.ts");
  const runtime = await resolveRuntime(globals.runtime, { PATH: io.env.PATH });
  const facts = await readHostFacts(runtime.binary);
  await runNodeAgent({
    connect: {
      address: c.address,
      caCertHash: c.caCertHash,
      ...(c.token !== undefined ? { token: c.token } : {}),
      nodeName: o.nodeName,
      stateDir: join(paths.dataDir, "node"),
      agentVersion: denoJson.version,
      log: (l) => io.stderr(`${l}\n`),
    },
    registration: {
      name: o.nodeName,
      internalIP: internalIpFor(splitAddress(c.address).hostname),
      labels: c.labels,
      taints: c.taints,
      reserved: c.reserved,
    },
    facts,
    leaseIntervalMs: c.leaseIntervalMs,
    statusIntervalMs: c.statusIntervalMs,
    log: (l) => io.stderr(`${l}\n`),
    ...(pods ? { pods } : {}),
    ...(network ? { network } : {}),
    streams: (stream) => serveNodeStream(engine, stream),
    signal,
  });
}

/** The cluster's pods bound to this node, as a source for the daemon (`--cluster`). */
async function clusterPodSource(
  io: CliIo,
  globals: GlobalOptions,
  o: DaemonCliOptions,
  c: DaemonClusterOptions,
  runtime: string,
  network: ClusterNetwork | undefined,
): Promise<ClusterPods> {
  const { ClusterPods, internalIpFor, splitAddress } = await import("../plane/node_agent/mod.ts");
  return new ClusterPods({
    nodeName: o.nodeName,
    hostIP: internalIpFor(splitAddress(c.address).hostname),
    runtime,
    imageDir: c.imageDir ?? imageDirOf(globals),
    log: (l) => io.stderr(`${l}\n`),
    ...(network
      ? {
        podNetwork: () => network.podNetwork(),
        clusterObjects: () => network.podConfigView(),
        servicesChanges: () => network.servicesChanges,
      }
      : {}),
  });
}

/** The node's pod network (podCIDR bridge, host-gw routes, service rules, DNS; `--cluster`). */
async function clusterNetworkFor(
  io: CliIo,
  globals: GlobalOptions,
  o: DaemonCliOptions,
): Promise<ClusterNetwork> {
  const { ClusterNetwork, clusterBridgeName } = await import("../plane/node_agent/mod.ts");
  const paths = rklPaths(globals.root);
  return new ClusterNetwork({
    nodeName: o.nodeName,
    bridge: clusterBridgeName(globals.root),
    cniConfigDir: paths.cniConfigDir,
    ipamDataDir: join(paths.cniDataDir, "ipam"),
    log: (l) => io.stderr(`${l}\n`),
  });
}

/** Asks the daemon of `root` for its status over the control socket. */
export async function queryDaemonStatus(socketPath: string): Promise<DaemonStatus> {
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path: socketPath });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.ConnectionRefused) {
      throw new RkError(`No rkl daemon is running (no control socket at ${socketPath})`);
    }
    if (e instanceof Deno.errors.NotCapable) {
      throw new RkError(
        `Not allowed to connect to the control socket ${socketPath} (the rkl permission set allows only /run/rkl/daemon.sock); use the daemon permission set: deno task daemon status`,
        { cause: e },
      );
    }
    throw e;
  }
  try {
    await conn.write(new TextEncoder().encode("status\n"));
    let text = "";
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    const reply: unknown = JSON.parse(text);
    if (
      typeof reply !== "object" || reply === null || !("status" in reply) ||
      typeof reply.status !== "object" || reply.status === null
    ) {
      throw new RkError(`The daemon answered something unexpected: ${text.slice(0, 200)}`);
    }
    return reply.status as DaemonStatus;
  } finally {
    conn.close();
  }
}

/**
 * Formats `rkl daemon status`.
 *
 * @example
 * ```ts
 * import { formatDaemonStatus } from "./daemon.ts";
 * import assert from "node:assert/strict";
 * const s = { pid: 7, nodeName: "n1", startedAt: 0, uptimeMs: 65_000, manifestDir: "/m", pods: ["default/web-n1"],
 *   probing: 0, syncs: 3, lastSyncAt: 0, manifestErrors: ["/m/bad.yaml:3:1: spec: oops"] };
 * const out = formatDaemonStatus(s, 65_000);
 * assert.match(out, /Pods:\s+1 \(default\/web-n1\)/);
 * assert.match(out, /bad\.yaml:3:1/);
 * ```
 */
export function formatDaemonStatus(s: DaemonStatus, now: number = Date.now()): string {
  const lines = [
    `Pid:             ${s.pid}`,
    `Node:            ${s.nodeName}`,
    `Uptime:          ${formatAge(s.startedAt, now)}`,
    `Manifests:       ${s.manifestDir}`,
    `Pods:            ${s.pods.length}${s.pods.length ? ` (${s.pods.join(", ")})` : ""}`,
    `Probing:         ${s.probing} container(s)`,
    `Syncs:           ${s.syncs}, last ${s.lastSyncAt ? formatTime(s.lastSyncAt) : "never"}`,
    `Manifest errors: ${s.manifestErrors.length}`,
    ...s.manifestErrors.map((m) => `  ${m}`),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Builds the `daemon` command (`rkl daemon`, `rkl daemon status`).
 *
 * @example
 * ```ts
 * import { daemonCommand } from "./daemon.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * assert.equal(daemonCommand(io, () => ({ root: undefined, runtime: undefined })).name(), "daemon");
 * ```
 */
export function daemonCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  const cmd = daemonRunCommand(io, globals, "daemon");
  cmd.command("status")
    .description("show a running daemon's uptime, pods, last sync and manifest errors")
    .option("-o, --output <format>", "text (default) or json")
    .action(async (opts) => {
      const paths = rklPaths(globals().root);
      const s = await queryDaemonStatus(`${paths.runDir}/daemon.sock`);
      io.stdout(opts.output === "json" ? `${JSON.stringify(s, null, 2)}\n` : formatDaemonStatus(s));
    });
  return cmd;
}
