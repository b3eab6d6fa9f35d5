/**
 * The flags of `rkl daemon` (also `rkl pod daemon`, the original command) and their pure parser.
 * Light on purpose: `rkl pod` registers the `daemon` subcommand from here, and the daemon itself
 * (`./daemon.ts`, with the reconcile loop under it) is imported only when the command runs.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import { userPath } from "./context.ts";
import { UsageError } from "../core/errors.ts";
import {
  parseNodeLabels,
  parseReserved,
  parseTaints,
  type ReservedResources,
  type Taint,
} from "../plane/node_agent/node_object.ts";
import { parseCaCertHash } from "../plane/node_protocol/ca_cert_hash.ts";
import { parseBootstrapToken } from "../plane/node_protocol/bootstrap_token.ts";

/** Default static pod directory (the original rk8s's). */
export const DEFAULT_MANIFEST_DIR = "/etc/rk8s/manifests";

/** Typed options of `rkl daemon`. */
export interface DaemonCliOptions {
  /** Static pod directory. */
  manifestDir: string;
  /** Node name. */
  nodeName: string;
  /** Log format on stderr. */
  logFormat: "text" | "json";
  /** How changes are noticed: inotify (default) or polling. */
  watch: "inotify" | "poll";
  /** Longest time between syncs, ms. */
  syncIntervalMs: number;
  /** Longest time between full relists, ms. */
  relistIntervalMs: number;
  /** First restart back-off, ms. */
  baseBackoffMs: number;
  /** Longest restart back-off, ms. */
  maxBackoffMs: number;
  /** Running time that resets the back-off, ms. */
  backoffResetMs: number;
  /** Cluster membership (`--cluster`), when the node joins rks. */
  cluster?: DaemonClusterOptions;
}

/** The cluster flags of `rkl daemon --cluster` (kubeadm join / kubelet flag names). */
export interface DaemonClusterOptions {
  /** rks's node address, `HOST:PORT`. */
  address: string;
  /** `--token`: bootstrap token `id.secret` (needed for the first join only). */
  token?: string;
  /** `--ca-cert-hash`: `sha256:<hex>` pin of the cluster CA. */
  caCertHash: string;
  /** `--node-labels`. */
  labels: Record<string, string>;
  /** `--register-with-taints`. */
  taints: Taint[];
  /** `--system-reserved` plus `--kube-reserved` (cpu millicores, memory bytes). */
  reserved: ReservedResources;
  /** `--node-lease-interval`: Lease renewal period, ms (default 10 000). */
  leaseIntervalMs: number;
  /** `--node-status-interval`: status report period, ms (default 60 000). */
  statusIntervalMs: number;
  /**
   * `--image-dir`: where image references (`busybox:1.36`) are found as bundle directories
   * (absolute; default `<data dir>/images`, i.e. `/var/lib/rkl/images`).
   */
  imageDir?: string;
}

function positiveMs(value: string | undefined, flag: string, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag}: expected a positive number of milliseconds, got "${value}"`);
  }
  return n;
}

function hostName(): string {
  try {
    return Deno.hostname().toLowerCase();
  } catch {
    return "localhost";
  }
}

/**
 * Turns raw `rkl daemon` flags into typed options (defaults: kubelet back-off 10 s → 5 min,
 * reset after 10 min; a tick every second, a full relist at least every 60 s; inotify; node name
 * = host name).
 *
 * @example
 * ```ts
 * import { parseDaemonOptions } from "./daemon.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/w" };
 * const o = parseDaemonOptions(io, { manifests: "m", nodeName: "n1", logFormat: "json" });
 * assert.equal(o.manifestDir, "/w/m");
 * assert.equal(o.baseBackoffMs, 10_000);
 * assert.throws(() => parseDaemonOptions(io, { logFormat: "xml" }), /text or json/);
 * assert.equal(o.relistIntervalMs, 60_000);
 * assert.equal(o.watch, "inotify");
 * assert.throws(() => parseDaemonOptions(io, { watch: "fanotify" }), /inotify or poll/);
 * ```
 */
export function parseDaemonOptions(
  io: CliIo,
  raw: {
    manifests?: string;
    nodeName?: string;
    logFormat?: string;
    watch?: string;
    syncInterval?: string;
    relistInterval?: string;
    backoffBase?: string;
    backoffMax?: string;
    backoffReset?: string;
    cluster?: string;
    token?: string;
    caCertHash?: string;
    nodeLabels?: string;
    registerWithTaints?: string;
    systemReserved?: string;
    kubeReserved?: string;
    nodeLeaseInterval?: string;
    nodeStatusInterval?: string;
    imageDir?: string;
  },
): DaemonCliOptions {
  const logFormat = raw.logFormat ?? "text";
  if (logFormat !== "text" && logFormat !== "json") {
    throw new UsageError(`--log-format: expected text or json, got "${logFormat}"`);
  }
  const watch = raw.watch ?? "inotify";
  if (watch !== "inotify" && watch !== "poll") {
    throw new UsageError(`--watch: expected inotify or poll, got "${watch}"`);
  }
  const nodeName = (raw.nodeName ?? hostName()).toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(nodeName)) {
    throw new UsageError(`--node-name: expected a DNS-1123 label, got "${nodeName}"`);
  }
  let cluster: DaemonClusterOptions | undefined;
  if (raw.cluster !== undefined) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(raw.cluster)) {
      throw new UsageError(`--cluster: expected HOST:PORT, got "${raw.cluster}"`);
    }
    if (raw.caCertHash === undefined) {
      throw new UsageError(
        "--cluster needs --ca-cert-hash sha256:<hex> (rks token create prints it)",
      );
    }
    const usage = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      }
    };
    if (raw.token !== undefined) usage(() => parseBootstrapToken(raw.token!));
    cluster = {
      address: raw.cluster,
      ...(raw.token !== undefined ? { token: raw.token } : {}),
      caCertHash: usage(() => parseCaCertHash(raw.caCertHash!)),
      labels: usage(() => parseNodeLabels(raw.nodeLabels)),
      taints: usage(() => parseTaints(raw.registerWithTaints)),
      reserved: usage(() => {
        const system = parseReserved(raw.systemReserved, "--system-reserved");
        const kube = parseReserved(raw.kubeReserved, "--kube-reserved");
        return {
          cpuMillis: system.cpuMillis + kube.cpuMillis,
          memoryBytes: system.memoryBytes + kube.memoryBytes,
        };
      }),
      leaseIntervalMs: positiveMs(raw.nodeLeaseInterval, "--node-lease-interval", 10_000),
      statusIntervalMs: positiveMs(raw.nodeStatusInterval, "--node-status-interval", 60_000),
      ...(raw.imageDir !== undefined ? { imageDir: userPath(io, raw.imageDir) } : {}),
    };
  } else {
    for (
      const [flag, v] of [
        ["--token", raw.token],
        ["--ca-cert-hash", raw.caCertHash],
        ["--system-reserved", raw.systemReserved],
        ["--kube-reserved", raw.kubeReserved],
        ["--image-dir", raw.imageDir],
      ]
    ) {
      if (v !== undefined) throw new UsageError(`${flag} needs --cluster HOST:PORT`);
    }
  }
  return {
    ...(cluster ? { cluster } : {}),
    manifestDir: raw.manifests ? userPath(io, raw.manifests) : DEFAULT_MANIFEST_DIR,
    nodeName,
    logFormat,
    watch,
    syncIntervalMs: positiveMs(raw.syncInterval, "--sync-interval", 1000),
    relistIntervalMs: positiveMs(raw.relistInterval, "--relist-interval", 60_000),
    baseBackoffMs: positiveMs(raw.backoffBase, "--backoff-base", 10_000),
    maxBackoffMs: positiveMs(raw.backoffMax, "--backoff-max", 300_000),
    backoffResetMs: positiveMs(raw.backoffReset, "--backoff-reset", 600_000),
  };
}

function addDaemonFlags<T extends CommandUnknownOpts>(cmd: T): T {
  cmd.option("--manifests <dir>", `static pod directory (default ${DEFAULT_MANIFEST_DIR})`)
    .option("--node-name <name>", "node name: static pod suffix (default: the host name)")
    .option("--log-format <format>", "text or json (default text)")
    .option(
      "--watch <mode>",
      "inotify (default: inotifywait; polls when it is missing) or poll (the manifest dir every 100 ms)",
    )
    .option(
      "--sync-interval <ms>",
      "the loop's tick: how often it checks cheaply for changes (default 1000)",
    )
    .option(
      "--relist-interval <ms>",
      "longest time between full relists, the safety net (default 60000)",
    )
    .option("--backoff-base <ms>", "first restart back-off (default 10000)")
    .option("--backoff-max <ms>", "longest restart back-off (default 300000)")
    .option(
      "--backoff-reset <ms>",
      "a container running this long resets its back-off (default 600000)",
    )
    .option("--cluster <host:port>", "join the rks cluster at this node address (QUIC)")
    .option("--token <id.secret>", "bootstrap token for the first join (rks token create)")
    .option("--ca-cert-hash <sha256:hex>", "pin of the cluster CA's public key")
    .option("--node-labels <k=v,...>", "labels to register the Node with")
    .option("--register-with-taints <k=v:Effect,...>", "taints to register the Node with")
    .option(
      "--system-reserved <cpu=Q,memory=Q>",
      "resources kept from pods for the system (allocatable = capacity - reserved)",
    )
    .option("--kube-reserved <cpu=Q,memory=Q>", "resources kept from pods for rk8s itself")
    .option("--node-lease-interval <ms>", "Lease renewal period (default 10000)")
    .option("--node-status-interval <ms>", "node status report period (default 60000)")
    .option(
      "--image-dir <dir>",
      "bundle directories of image references such as busybox:1.36 (default /var/lib/rkl/images)",
    );
  return cmd;
}

/**
 * The daemon's run command under `name` (`rkl daemon`, `rkl pod daemon`): the flags, and an
 * action that imports the daemon when it runs.
 *
 * @example
 * ```ts
 * import { daemonRunCommand } from "./daemon_options.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const cmd = daemonRunCommand(io, () => ({ root: undefined, runtime: undefined }), "daemon");
 * assert.ok(cmd.options.some((o) => o.long === "--manifests"));
 * ```
 */
export function daemonRunCommand(
  io: CliIo,
  globals: () => GlobalOptions,
  name: string,
): CommandUnknownOpts {
  const cmd = new Command(name)
    .description(
      "run the node's reconcile loop in the foreground: static pods, restarts, probes (SIGTERM stops supervision; containers keep running)",
    );
  addDaemonFlags(cmd);
  cmd.action(async (raw: Record<string, string | undefined>) => {
    const options = parseDaemonOptions(io, raw);
    const { runDaemon } = await import("./daemon.ts");
    await runDaemon(io, globals(), options);
  });
  return cmd as unknown as CommandUnknownOpts;
}
