/**
 * rks's configuration: command-line flags of `rks start` / `rks kubeconfig` and the YAML file
 * of `--config`, which accepts the original project's keys (`addr`,
 * `xline_config.endpoints/prefix/username/password`, `network_config`) and rk8s's `scheduler:`
 * section. Pure.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { UsageError } from "../../core/errors.ts";
import { parseDuration } from "../../core/compose/syntax.ts";
import { parseSchedulerConfig, type SchedulerConfig } from "../scheduler/profile.ts";

/** The resolved settings of `rks start`. */
export interface RksConfig {
  /** Listen host (default `127.0.0.1`). */
  hostname: string;
  /** Listen port (default 6443). */
  port: number;
  /** Store endpoints; undefined = start the embedded etcd. */
  store: string[] | undefined;
  /** etcd user name. */
  username?: string;
  /** etcd password. */
  password?: string;
  /** The original project's `xline_config.prefix` (kept for the network controller). */
  prefix?: string;
  /** The original project's `network_config` (kept for the network controller). */
  networkConfig?: Record<string, unknown>;
  /** Data directory (default `/var/lib/rks`). */
  dataDir: string;
  /** Where to write the admin kubeconfig in addition to `<data-dir>/admin.kubeconfig`. */
  kubeconfigOut?: string;
  /** The `scheduler:` section (weights, scoring strategy, name); see plane/scheduler/profile.ts. */
  scheduler?: SchedulerConfig;
  /** Run the scheduler inside `rks start` (default true). */
  runScheduler?: boolean;
  /** Run the ReplicaSet and Deployment controllers inside `rks start` (default true). */
  controllers?: boolean;
  /**
   * Leader election of the scheduler and the controllers inside `rks start` (the
   * `leader_election:` section and `--leader-elect`); default on with kube's timings.
   */
  leaderElection?: LeaderElectionSettings;
  /** QUIC (UDP) listen address for node agents (`--node-listen`); unset = no node endpoint. */
  nodeListen?: { hostname: string; port: number };
  /**
   * `--advertise-address IP` (kube-apiserver's flag): the address nodes reach rks at when it
   * listens on all interfaces; put in the serving certificate and in the join command.
   */
  advertiseAddress?: string;
  /**
   * Node lifecycle timing: `--node-monitor-grace-period` (kube-controller-manager's flag,
   * default 40 s) and `--default-unreachable-toleration-seconds` (kube-apiserver's flag, default
   * 300 s: how long pods stay on a node that stopped reporting before they are evicted), and
   * `--default-not-ready-toleration-seconds` (kube-apiserver's flag, default 300 s: the same for
   * a node whose Ready condition is False). Both become the tolerations the
   * DefaultTolerationSeconds admission adds to new pods.
   */
  nodeLifecycle?: {
    gracePeriodSeconds?: number;
    defaultTolerationSeconds?: number;
    defaultNotReadyTolerationSeconds?: number;
  };
  /**
   * The pod garbage collector: `terminatedPodGcThreshold` (`--terminated-pod-gc-threshold`,
   * kube-controller-manager's flag and its config's `podGCController.terminatedPodGCThreshold`,
   * default 12500, 0 = keep terminated pods) and `quarantineMs` (`--pod-gc-quarantine`, rk8s's:
   * how long a pod's node may be missing before it is checked and its pods deleted, upstream's
   * fixed 40 s), from the `pod_gc_controller:` section and the flags.
   */
  podGc?: { terminatedPodGcThreshold?: number; quarantineMs?: number };
  /**
   * `--event-ttl DURATION` (kube-apiserver's flag, default 1h): how long an Event is kept after
   * its last write, in seconds; 0 keeps Events until deleted.
   */
  eventTtlSeconds?: number;
  /**
   * `--service-account-issuer URL` (kube-apiserver's flag): the `iss` of service-account tokens
   * and the API's audience (default `https://kubernetes.default.svc.cluster.local`).
   */
  serviceAccountIssuer?: string;
  /**
   * `--service-account-token-volume on|off` (rk8s's): whether the ServiceAccount admission
   * plugin adds the `kube-api-access-*` projected token volume to new pods (kube always does).
   * Default on.
   */
  serviceAccountTokenVolume?: boolean;
}

/**
 * The `leader_election:` section of the rks config, as kube-scheduler's and
 * kube-controller-manager's `LeaderElectionConfiguration`: `leaderElect` (default true),
 * `leaseDuration` (15s), `renewDeadline` (10s), `retryPeriod` (2s), `resourceNamespace`
 * (kube-system). The Leases are `kube-scheduler` and `kube-controller-manager`.
 */
export interface LeaderElectionSettings {
  /** Take a Lease before scheduling / reconciling. */
  leaderElect: boolean;
  /** `leaseDuration` in seconds. */
  leaseDurationSeconds: number;
  /** `renewDeadline` in seconds. */
  renewDeadlineSeconds: number;
  /** `retryPeriod` in seconds. */
  retryPeriodSeconds: number;
  /** Namespace of the Leases. */
  resourceNamespace: string;
}

/** kube-scheduler's and kube-controller-manager's defaults. */
export const DEFAULT_LEADER_ELECTION: Readonly<LeaderElectionSettings> = Object.freeze({
  leaderElect: true,
  leaseDurationSeconds: 15,
  renewDeadlineSeconds: 10,
  retryPeriodSeconds: 2,
  resourceNamespace: "kube-system",
});

/**
 * Reads the `leader_election:` section; throws `UsageError` naming the field for unknown keys,
 * bad durations, and timings kube would refuse (`leaseDuration` must be greater than
 * `renewDeadline`, which must be greater than `retryPeriod`).
 *
 * @example
 * ```ts
 * import { parseLeaderElection } from "./rks_config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseLeaderElection({ leaseDuration: "4s", renewDeadline: "3s", retryPeriod: "1s" }, "rks.yaml").leaseDurationSeconds, 4);
 * assert.throws(() => parseLeaderElection({ leaseDuraton: "4s" }, "rks.yaml"), /rks.yaml: leader_election.leaseDuraton: unknown key/);
 * ```
 */
export function parseLeaderElection(doc: unknown, file: string): LeaderElectionSettings {
  const fail = (field: string, msg: string): never => {
    throw new UsageError(`${file}: leader_election${field ? `.${field}` : ""}: ${msg}`);
  };
  if (!isRecord(doc)) return fail("", "expected a mapping");
  const out: LeaderElectionSettings = { ...DEFAULT_LEADER_ELECTION };
  const durations = {
    leaseDuration: "leaseDurationSeconds",
    renewDeadline: "renewDeadlineSeconds",
    retryPeriod: "retryPeriodSeconds",
  } as const;
  for (const [k, v] of Object.entries(doc)) {
    if (k === "leaderElect") {
      if (typeof v !== "boolean") fail(k, "expected true or false");
      out.leaderElect = v as boolean;
    } else if (k === "resourceNamespace") {
      if (typeof v !== "string" || v === "") fail(k, "expected a namespace name");
      out.resourceNamespace = v as string;
    } else if (k in durations) {
      const d = typeof v === "string" || typeof v === "number"
        ? parseDuration(v)
        : { ok: false as const, reason: "expected a duration such as 15s" };
      if (!d.ok) return fail(k, d.reason);
      if (d.value <= 0) fail(k, "must be greater than zero");
      out[durations[k as keyof typeof durations]] = d.value / 1000;
    } else {
      fail(k, "unknown key");
    }
  }
  if (out.leaseDurationSeconds <= out.renewDeadlineSeconds) {
    fail("leaseDuration", "must be greater than renewDeadline");
  }
  if (out.renewDeadlineSeconds <= out.retryPeriodSeconds * 1.2) {
    fail("renewDeadline", "must be greater than retryPeriod × 1.2 (the retry jitter)");
  }
  return out;
}

/** Flags of the `rks` command line. */
export interface RksFlags {
  /** `--config FILE`. */
  config?: string;
  /** `--listen HOST:PORT`. */
  listen?: string;
  /** `--store URL[,URL]`. */
  store?: string;
  /** `--data-dir DIR`. */
  dataDir?: string;
  /** `--kubeconfig-out FILE`. */
  kubeconfigOut?: string;
  /** `--server URL` (rks kubeconfig). */
  server?: string;
  /** `--kubeconfig FILE` (rks scheduler, rks controllers: the API to run against). */
  kubeconfig?: string;
  /** `--scheduler on|off` (rks start: run the scheduler in-process, default on). */
  scheduler?: string;
  /** `--controllers on|off` (rks start: run the workload controllers in-process, default on). */
  controllers?: string;
  /** `--node-listen HOST:PORT` (start: the QUIC endpoint for nodes; token create: the address to print). */
  nodeListen?: string;
  /** `--ttl DURATION` (token create), e.g. `24h`, `30m`, `0` = never expires. */
  ttl?: string;
  /** `--advertise-address IP` (start). */
  advertiseAddress?: string;
  /** `--leader-elect on|off` (start: take Leases before scheduling/reconciling, default on). */
  leaderElect?: string;
  /** `--node-monitor-grace-period DURATION` (start), e.g. `40s`. */
  nodeMonitorGracePeriod?: string;
  /** `--default-unreachable-toleration-seconds N` (start). */
  defaultUnreachableTolerationSeconds?: string;
  /** `--default-not-ready-toleration-seconds N` (start). */
  defaultNotReadyTolerationSeconds?: string;
  /** `--terminated-pod-gc-threshold N` (start, controllers). */
  terminatedPodGcThreshold?: string;
  /** `--pod-gc-quarantine DURATION` (start, controllers), e.g. `40s`. */
  podGcQuarantine?: string;
  /** `--event-ttl DURATION` (start), e.g. `1h`; `0s` keeps Events. */
  eventTtl?: string;
  /** `--service-account-issuer URL` (start). */
  serviceAccountIssuer?: string;
  /** `--service-account-token-volume on|off` (start). */
  serviceAccountTokenVolume?: string;
  /** `--service-account-private-key-file FILE` (controllers: signs legacy token Secrets). */
  serviceAccountPrivateKeyFile?: string;
}

/** A parsed command line. */
export interface RksArgs {
  /** The command (`token create` and `node revoke` as one word each). */
  command:
    | "start"
    | "kubeconfig"
    | "scheduler"
    | "controllers"
    | "token-create"
    | "node-revoke"
    | "help"
    | "version";
  /** Its flags. */
  flags: RksFlags;
  /** Positional arguments after the command (the node name of `node revoke`). */
  args: string[];
}

const flagNames: Record<string, keyof RksFlags> = {
  "--config": "config",
  "-c": "config",
  "--listen": "listen",
  "--store": "store",
  "--data-dir": "dataDir",
  "--kubeconfig-out": "kubeconfigOut",
  "--server": "server",
  "--kubeconfig": "kubeconfig",
  "--scheduler": "scheduler",
  "--controllers": "controllers",
  "--node-listen": "nodeListen",
  "--ttl": "ttl",
  "--advertise-address": "advertiseAddress",
  "--leader-elect": "leaderElect",
  "--node-monitor-grace-period": "nodeMonitorGracePeriod",
  "--default-unreachable-toleration-seconds": "defaultUnreachableTolerationSeconds",
  "--default-not-ready-toleration-seconds": "defaultNotReadyTolerationSeconds",
  "--terminated-pod-gc-threshold": "terminatedPodGcThreshold",
  "--pod-gc-quarantine": "podGcQuarantine",
  "--event-ttl": "eventTtl",
  "--service-account-issuer": "serviceAccountIssuer",
  "--service-account-token-volume": "serviceAccountTokenVolume",
  "--service-account-private-key-file": "serviceAccountPrivateKeyFile",
};

/**
 * Parses `rks` arguments (`--flag value` or `--flag=value`). Throws `UsageError` for an
 * unknown command or flag or a missing value.
 *
 * @example
 * ```ts
 * import { parseRksArgs } from "./rks_config.ts";
 * import assert from "node:assert/strict";
 * const a = parseRksArgs(["start", "--listen=0.0.0.0:7443", "--store", "grpc://127.0.0.1:2379"]);
 * assert.equal(a.command, "start");
 * assert.deepEqual(a.flags, { listen: "0.0.0.0:7443", store: "grpc://127.0.0.1:2379" });
 * assert.throws(() => parseRksArgs(["start", "--nope"]), /unknown option '--nope'/);
 * ```
 */
export function parseRksArgs(argv: readonly string[]): RksArgs {
  const words = [...argv];
  const first = words[0];
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    return { command: "help", flags: {}, args: [] };
  }
  if (first === "--version" || first === "-V") return { command: "version", flags: {}, args: [] };
  let command: RksArgs["command"];
  let start = 1;
  if (
    first === "start" || first === "kubeconfig" || first === "scheduler" ||
    first === "controllers"
  ) {
    command = first;
  } else if (first === "token" && words[1] === "create") [command, start] = ["token-create", 2];
  else if (first === "node" && words[1] === "revoke") [command, start] = ["node-revoke", 2];
  else {
    throw new UsageError(
      `unknown command '${
        [first, ...(first === "token" || first === "node" ? [words[1] ?? ""] : [])].join(" ").trim()
      }' (expected start, kubeconfig, scheduler, controllers, token create or node revoke)`,
    );
  }
  const flags: RksFlags = {};
  const args: string[] = [];
  for (let i = start; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--help" || w === "-h") return { command: "help", flags: {}, args: [] };
    if (!w.startsWith("-")) {
      args.push(w);
      continue;
    }
    const eq = w.indexOf("=");
    const name = eq > 0 ? w.slice(0, eq) : w;
    const key = flagNames[name];
    if (!key) throw new UsageError(`unknown option '${name}'`);
    const value = eq > 0 ? w.slice(eq + 1) : words[++i];
    if (value === undefined || value === "") {
      throw new UsageError(`option '${name}' needs a value`);
    }
    if (
      (key === "scheduler" || key === "controllers" || key === "leaderElect" ||
        key === "serviceAccountTokenVolume") &&
      value !== "on" && value !== "off"
    ) {
      throw new UsageError(`option '${name}' expects on or off, got '${value}'`);
    }
    flags[key] = value;
  }
  if (command === "node-revoke" && args.length !== 1) {
    throw new UsageError("node revoke: expected exactly one NODE name");
  }
  if (command !== "node-revoke" && args.length > 0) {
    throw new UsageError(`unexpected argument '${args[0]}'`);
  }
  return { command, flags, args };
}

/**
 * Splits `HOST:PORT` (`[::1]:6443`, `:6443` = all addresses).
 *
 * @example
 * ```ts
 * import { parseListen } from "./rks_config.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseListen("127.0.0.1:6443", "--listen"), { hostname: "127.0.0.1", port: 6443 });
 * assert.deepEqual(parseListen("[::1]:7443", "--listen"), { hostname: "::1", port: 7443 });
 * assert.throws(() => parseListen("localhost", "--listen"), /expected HOST:PORT/);
 * ```
 */
export function parseListen(text: string, what: string): { hostname: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.replace(/^\w+:\/\//, ""));
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new UsageError(`${what}: expected HOST:PORT, got ${JSON.stringify(text)}`);
  }
  return { hostname: m[1] ?? (m[2] || "0.0.0.0"), port };
}

function storeUrls(text: string, what: string): string[] {
  const urls = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (urls.length === 0) throw new UsageError(`${what}: expected at least one URL`);
  for (const u of urls) {
    if (!/^(https?|grpcs?):\/\/[^/]+\/?$/.test(u)) {
      throw new UsageError(
        `${what}: expected http(s)://HOST:PORT (etcd JSON gateway) or grpc(s)://HOST:PORT, got ${
          JSON.stringify(u)
        }`,
      );
    }
  }
  return urls;
}

/**
 * Reads the YAML config (already parsed to `unknown`) into a partial config. Endpoints of
 * `xline_config` without a scheme or with `http(s)://` are gRPC endpoints (Xline serves only
 * gRPC), so they become `grpc(s)://`. Throws `UsageError` naming `file` and the field.
 *
 * @example
 * ```ts
 * import { configFromYaml } from "./rks_config.ts";
 * import assert from "node:assert/strict";
 * const c = configFromYaml({
 *   addr: "127.0.0.1:50051",
 *   xline_config: { endpoints: ["http://10.0.0.2:2379"], prefix: "/coreos.com/network", username: null },
 *   network_config: { Network: "10.1.0.0/16" },
 * }, "rks.yaml");
 * assert.deepEqual(c.store, ["grpc://10.0.0.2:2379"]);
 * assert.equal(c.port, 50051);
 * assert.throws(() => configFromYaml({ addr: 5 }, "rks.yaml"), /rks.yaml: addr: expected a string/);
 * ```
 */
export function configFromYaml(doc: unknown, file: string): Partial<RksConfig> {
  const fail = (field: string, msg: string): never => {
    throw new UsageError(`${file}: ${field}: ${msg}`);
  };
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) return fail("(top level)", "expected a mapping");
  const out: Partial<RksConfig> = {};
  const known = new Set([
    "addr",
    "xline_config",
    "network_config",
    "data_dir",
    "listen",
    "scheduler",
    "leader_election",
    "pod_gc_controller",
  ]);
  for (const k of Object.keys(doc)) if (!known.has(k)) fail(k, "unknown key");
  const addr = doc.listen ?? doc.addr;
  if (addr !== undefined) {
    if (typeof addr !== "string") {
      fail(doc.listen !== undefined ? "listen" : "addr", "expected a string");
    }
    Object.assign(out, parseListen(addr as string, `${file}: addr`));
  }
  if (doc.data_dir !== undefined) {
    if (typeof doc.data_dir !== "string") fail("data_dir", "expected a string");
    out.dataDir = doc.data_dir as string;
  }
  const x = doc.xline_config;
  if (x !== undefined && x !== null) {
    if (!isRecord(x)) return fail("xline_config", "expected a mapping");
    if (x.endpoints !== undefined && x.endpoints !== null) {
      if (!Array.isArray(x.endpoints) || x.endpoints.some((e) => typeof e !== "string")) {
        fail("xline_config.endpoints", "expected a list of strings");
      }
      const eps = (x.endpoints as string[]).map((e) =>
        e.startsWith("grpc")
          ? e
          : e.startsWith("https://")
          ? `grpcs://${e.slice(8)}`
          : `grpc://${e.replace(/^http:\/\//, "")}`
      );
      if (eps.length > 0) out.store = storeUrls(eps.join(","), `${file}: xline_config.endpoints`);
    }
    for (const k of ["prefix", "username", "password"] as const) {
      const v = x[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== "string") fail(`xline_config.${k}`, "expected a string");
      out[k] = v as string;
    }
  }
  if (doc.scheduler !== undefined && doc.scheduler !== null) {
    try {
      out.scheduler = parseSchedulerConfig(doc.scheduler);
    } catch (e) {
      throw new UsageError(`${file}: ${e instanceof Error ? e.message : e}`);
    }
  }
  if (doc.leader_election !== undefined && doc.leader_election !== null) {
    out.leaderElection = parseLeaderElection(doc.leader_election, file);
  }
  if (doc.pod_gc_controller !== undefined && doc.pod_gc_controller !== null) {
    out.podGc = parsePodGcConfig(doc.pod_gc_controller, file);
  }
  const n = doc.network_config;
  if (n !== undefined && n !== null) {
    if (!isRecord(n)) return fail("network_config", "expected a mapping");
    out.networkConfig = n;
  }
  return out;
}

/**
 * The pod network when the config has no `network_config`: flannel's default `10.244.0.0/16`,
 * a /24 per node. Cluster nodes wait for their `spec.podCIDR`, so rks always allocates one.
 *
 * @example
 * ```ts
 * import { DEFAULT_NETWORK_CONFIG } from "./rks_config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_NETWORK_CONFIG.Network, "10.244.0.0/16");
 * ```
 */
export const DEFAULT_NETWORK_CONFIG: Readonly<{ Network: string; SubnetLen: number }> = {
  Network: "10.244.0.0/16",
  SubnetLen: 24,
};

/** Merges flags over the file's settings over the defaults. */
export function resolveRksConfig(flags: RksFlags, file: Partial<RksConfig>): RksConfig {
  const listen = flags.listen !== undefined ? parseListen(flags.listen, "--listen") : undefined;
  const out: RksConfig = {
    hostname: listen?.hostname ?? file.hostname ?? "127.0.0.1",
    port: listen?.port ?? file.port ?? 6443,
    store: flags.store !== undefined ? storeUrls(flags.store, "--store") : file.store,
    dataDir: flags.dataDir ?? file.dataDir ?? "/var/lib/rks",
  };
  if (file.username !== undefined) out.username = file.username;
  if (file.password !== undefined) out.password = file.password;
  if (file.prefix !== undefined) out.prefix = file.prefix;
  out.networkConfig = file.networkConfig ?? { ...DEFAULT_NETWORK_CONFIG };
  if (file.scheduler !== undefined) out.scheduler = file.scheduler;
  if (flags.scheduler !== undefined) out.runScheduler = flags.scheduler === "on";
  if (flags.kubeconfigOut !== undefined) out.kubeconfigOut = flags.kubeconfigOut;
  if (flags.controllers !== undefined) out.controllers = flags.controllers === "on";
  if (file.leaderElection !== undefined) out.leaderElection = file.leaderElection;
  if (flags.leaderElect !== undefined) {
    out.leaderElection = {
      ...(out.leaderElection ?? DEFAULT_LEADER_ELECTION),
      leaderElect: flags.leaderElect === "on",
    };
  }
  if (flags.nodeListen !== undefined) {
    out.nodeListen = parseListen(flags.nodeListen, "--node-listen");
  }
  if (flags.advertiseAddress !== undefined) {
    const a = flags.advertiseAddress;
    if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(a) || a.split(".").some((o) => Number(o) > 255)) {
      throw new UsageError(`--advertise-address: expected an IPv4 address, got "${a}"`);
    }
    out.advertiseAddress = a;
  }
  const lifecycle: NonNullable<RksConfig["nodeLifecycle"]> = {};
  if (flags.nodeMonitorGracePeriod !== undefined) {
    lifecycle.gracePeriodSeconds = durationSeconds(
      flags.nodeMonitorGracePeriod,
      "--node-monitor-grace-period",
    );
  }
  if (flags.defaultUnreachableTolerationSeconds !== undefined) {
    const v = flags.defaultUnreachableTolerationSeconds;
    if (!/^\d+$/.test(v)) {
      throw new UsageError(
        `--default-unreachable-toleration-seconds: expected a whole number of seconds, got "${v}"`,
      );
    }
    lifecycle.defaultTolerationSeconds = Number(v);
  }
  if (flags.defaultNotReadyTolerationSeconds !== undefined) {
    const v = flags.defaultNotReadyTolerationSeconds;
    if (!/^\d+$/.test(v)) {
      throw new UsageError(
        `--default-not-ready-toleration-seconds: expected a whole number of seconds, got "${v}"`,
      );
    }
    lifecycle.defaultNotReadyTolerationSeconds = Number(v);
  }
  if (Object.keys(lifecycle).length > 0) out.nodeLifecycle = lifecycle;
  const podGc: NonNullable<RksConfig["podGc"]> = { ...file.podGc };
  if (flags.terminatedPodGcThreshold !== undefined) {
    const v = flags.terminatedPodGcThreshold;
    if (!/^-?\d+$/.test(v)) {
      throw new UsageError(`--terminated-pod-gc-threshold: expected a whole number, got "${v}"`);
    }
    podGc.terminatedPodGcThreshold = Number(v);
  }
  if (flags.podGcQuarantine !== undefined) {
    podGc.quarantineMs = durationMs(flags.podGcQuarantine, "--pod-gc-quarantine");
  }
  if (Object.keys(podGc).length > 0) out.podGc = podGc;
  if (flags.eventTtl !== undefined) {
    const d = parseDuration(flags.eventTtl);
    if (!d.ok || d.value < 0) {
      throw new UsageError(
        `--event-ttl: expected a duration such as 1h or 30m (0s keeps Events), got "${flags.eventTtl}"`,
      );
    }
    out.eventTtlSeconds = Math.ceil(d.value / 1000);
  }
  if (flags.serviceAccountIssuer !== undefined) {
    const u = flags.serviceAccountIssuer;
    if (!/^https:\/\/[^/\s]+(\/\S*)?$/.test(u) || /[?#]/.test(u)) {
      throw new UsageError(
        `--service-account-issuer: expected an https:// URL without query or fragment, got "${u}"`,
      );
    }
    out.serviceAccountIssuer = u;
  }
  if (flags.serviceAccountTokenVolume !== undefined) {
    out.serviceAccountTokenVolume = flags.serviceAccountTokenVolume === "on";
  }
  return out;
}

/**
 * Reads the `pod_gc_controller:` section: `terminatedPodGCThreshold` (a whole number, as
 * kube-controller-manager's `podGCController` config; ≤ 0 keeps terminated pods) and
 * `quarantine` (a duration such as `40s`). Throws `UsageError` naming the field.
 *
 * @example
 * ```ts
 * import { parsePodGcConfig } from "./rks_config.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parsePodGcConfig({ terminatedPodGCThreshold: 100, quarantine: "2s" }, "rks.yaml"),
 *   { terminatedPodGcThreshold: 100, quarantineMs: 2000 });
 * assert.throws(() => parsePodGcConfig({ threshold: 1 }, "rks.yaml"), /rks.yaml: pod_gc_controller.threshold: unknown key/);
 * ```
 */
export function parsePodGcConfig(
  doc: unknown,
  file: string,
): { terminatedPodGcThreshold?: number; quarantineMs?: number } {
  const fail = (field: string, msg: string): never => {
    throw new UsageError(`${file}: pod_gc_controller${field ? `.${field}` : ""}: ${msg}`);
  };
  if (!isRecord(doc)) return fail("", "expected a mapping");
  const out: { terminatedPodGcThreshold?: number; quarantineMs?: number } = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === "terminatedPodGCThreshold") {
      if (typeof v !== "number" || !Number.isInteger(v)) fail(k, "expected a whole number");
      out.terminatedPodGcThreshold = v as number;
    } else if (k === "quarantine") {
      const d = typeof v === "string" || typeof v === "number"
        ? parseDuration(v)
        : { ok: false as const, reason: "expected a duration such as 40s" };
      if (!d.ok) return fail(k, d.reason);
      if (d.value <= 0) fail(k, "must be greater than zero");
      out.quarantineMs = d.value;
    } else {
      fail(k, "unknown key");
    }
  }
  return out;
}

/** A Go duration (`2s`, `500ms`) in milliseconds, > 0. */
function durationMs(text: string, flag: string): number {
  const d = parseDuration(text);
  if (!d.ok || d.value <= 0) {
    throw new UsageError(`${flag}: expected a duration such as 40s or 500ms, got "${text}"`);
  }
  return d.value;
}

/** A Go duration (`40s`, `1m30s`, `500ms`, as the upstream flag takes it) in whole seconds, ≥ 1. */
function durationSeconds(text: string, flag: string): number {
  const d = parseDuration(text);
  if (!d.ok) {
    throw new UsageError(`${flag}: expected a duration such as 40s or 1m30s, got "${text}"`);
  }
  const secs = Math.round(d.value / 1000);
  if (secs < 1) throw new UsageError(`${flag}: must be at least 1s, got "${text}"`);
  return secs;
}
