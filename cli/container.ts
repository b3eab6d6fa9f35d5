/**
 * `rkl container` (alias `rkl c`): run|create|start|stop|kill|rm|list|state|exec|logs for
 * single containers. Flags become typed options through pure functions; the work is done by
 * `core/container`.
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
  parseDataFormat,
  parseOutputFormat,
  printExecResult,
  printWarnings,
} from "./output.ts";
import { UsageError } from "../core/errors.ts";
import { formatLogLines } from "../core/runtime/cri_log.ts";
import type { Engine } from "../core/container/engine.ts";
import { loadContainerManifest } from "../core/container/manifest.ts";
import { type ContainerConfig, processArgs } from "../core/container/config.ts";
import { createContainer } from "../core/container/create.ts";
import { runContainer } from "../core/container/run.ts";
import { startContainer } from "../core/container/start.ts";
import { stopContainer } from "../core/container/stop.ts";
import { killContainer, normalizeSignal } from "../core/container/kill.ts";
import { removeContainer } from "../core/container/remove.ts";
import { containerStatus } from "../core/container/inspect.ts";
import { listContainers } from "../core/container/list.ts";
import { execSync } from "../core/container/exec.ts";
import { containerLogs, followLogs } from "../core/container/logs.ts";
import type { ContainerView } from "../core/container/status.ts";

/** Typed options of `rkl container exec`. */
export interface ExecCliOptions {
  /** Container name or id. */
  container: string;
  /** The command. */
  argv: string[];
  /** `-e KEY=VALUE`. */
  env: Record<string, string>;
  /** `-w DIR`. */
  workingDir?: string;
  /** `-u UID[:GID]`. */
  user?: string;
  /** `-i`. */
  interactive: boolean;
  /** `-t`. */
  tty: boolean;
}

/**
 * Turns raw `exec` flags into {@linkcode ExecCliOptions}.
 *
 * @example
 * ```ts
 * import { parseExecOptions } from "./container.ts";
 * import assert from "node:assert/strict";
 * const o = parseExecOptions("web", ["ls", "-l"], { env: ["A=1"], user: "1000:1000" });
 * assert.deepEqual(o.env, { A: "1" });
 * assert.throws(() => parseExecOptions("web", [], {}), /command/);
 * ```
 */
export function parseExecOptions(
  container: string,
  argv: readonly string[],
  raw: {
    env?: readonly string[];
    workdir?: string;
    user?: string;
    interactive?: boolean;
    tty?: boolean;
  },
): ExecCliOptions {
  if (argv.length === 0) {
    throw new UsageError("exec needs a command: rkl container exec NAME -- CMD [ARG...]");
  }
  const env: Record<string, string> = {};
  for (const e of raw.env ?? []) {
    const i = e.indexOf("=");
    if (i <= 0) throw new UsageError(`Invalid -e "${e}": expected KEY=VALUE`);
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  if (raw.workdir !== undefined && !raw.workdir.startsWith("/")) {
    throw new UsageError(`Invalid -w "${raw.workdir}": expected an absolute path`);
  }
  if (raw.user !== undefined && !/^\d+(:\d+)?$/.test(raw.user)) {
    throw new UsageError(`Invalid -u "${raw.user}": expected UID or UID:GID`);
  }
  const out: ExecCliOptions = {
    container,
    argv: [...argv],
    env,
    interactive: raw.interactive ?? false,
    tty: raw.tty ?? false,
  };
  if (raw.workdir !== undefined) out.workingDir = raw.workdir;
  if (raw.user !== undefined) out.user = raw.user;
  return out;
}

/** Typed options of `rkl container logs`. */
export interface LogsCliOptions {
  /** Container name or id. */
  container: string;
  /** `-f`. */
  follow: boolean;
  /** `--tail N`. */
  tail?: number;
  /** `--timestamps`. */
  timestamps: boolean;
}

/**
 * Turns raw `logs` flags into {@linkcode LogsCliOptions}; `--tail` must be a count ≥ 0 (or
 * `all`).
 *
 * @example
 * ```ts
 * import { parseLogsOptions } from "./container.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseLogsOptions("web", { tail: "5" }).tail, 5);
 * assert.equal(parseLogsOptions("web", { tail: "all" }).tail, undefined);
 * assert.throws(() => parseLogsOptions("web", { tail: "-1" }), /--tail/);
 * ```
 */
export function parseLogsOptions(
  container: string,
  raw: { follow?: boolean; tail?: string; timestamps?: boolean },
): LogsCliOptions {
  const out: LogsCliOptions = {
    container,
    follow: raw.follow ?? false,
    timestamps: raw.timestamps ?? false,
  };
  if (raw.tail !== undefined && raw.tail !== "all") {
    if (!/^\d+$/.test(raw.tail)) {
      throw new UsageError(`Invalid --tail "${raw.tail}": expected a number of lines or "all"`);
    }
    out.tail = Number(raw.tail);
  }
  return out;
}

/**
 * Parses `stop -t SECONDS` (a non-negative integer).
 *
 * @example
 * ```ts
 * import { parseGraceSeconds } from "./container.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseGraceSeconds(undefined), 10);
 * assert.equal(parseGraceSeconds("0"), 0);
 * assert.throws(() => parseGraceSeconds("soon"), /--time/);
 * ```
 */
export function parseGraceSeconds(raw: string | undefined): number {
  if (raw === undefined) return 10;
  if (!/^\d+$/.test(raw)) throw new UsageError(`Invalid --time "${raw}": expected whole seconds`);
  return Number(raw);
}

/**
 * Parses `kill -s` (name with or without `SIG`, or number); default SIGKILL.
 *
 * @example
 * ```ts
 * import { parseSignal } from "./container.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseSignal("term"), "SIGTERM");
 * assert.equal(parseSignal(undefined), "SIGKILL");
 * assert.throws(() => parseSignal("SIG"), /Invalid signal/);
 * ```
 */
export function parseSignal(raw: string | undefined): string {
  try {
    return normalizeSignal(raw ?? "SIGKILL");
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

/** A container view as plain data for `state` and `list -o json|yaml`. */
export interface ContainerInfo {
  /** Id. */
  id: string;
  /** Name. */
  name: string;
  /** Image directory. */
  image: string;
  /** Status. */
  status: string;
  /** Reason for the status. */
  reason: string;
  /** Init pid while created/running. */
  pid: number | null;
  /** Exit code once stopped. */
  exitCode: number | null;
  /** ISO creation time. */
  created: string;
  /** ISO start time. */
  started: string | null;
  /** ISO finish time. */
  finished: string | null;
  /** Command line. */
  command: string[];
  /** Owner (pod sandbox id) or null. */
  owner: string | null;
  /** Labels. */
  labels: Record<string, string>;
  /** IP addresses. */
  ips: string[];
  /** Ports. */
  ports: { containerPort: number; hostPort?: number; protocol: string; hostIP?: string }[];
  /** Network namespace attached by rkl, or null. */
  netns: string | null;
}

/** Converts a view into {@linkcode ContainerInfo}. */
export function containerInfo(v: ContainerView): ContainerInfo {
  const r = v.record;
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    status: v.status,
    reason: v.reason,
    pid: v.pid ?? null,
    exitCode: v.exitCode ?? null,
    created: formatTime(v.createdAt),
    started: v.startedAt !== undefined ? formatTime(v.startedAt) : null,
    finished: v.finishedAt !== undefined ? formatTime(v.finishedAt) : null,
    command: processArgs(r.config),
    owner: r.owner ?? null,
    labels: r.labels,
    ips: r.ips,
    ports: r.ports,
    netns: r.netnsPath ?? null,
  };
}

function portsText(v: ContainerView): string {
  return v.record.ports.map((p) =>
    `${
      p.hostPort ? `${p.hostIP ?? "0.0.0.0"}:${p.hostPort}->` : ""
    }${p.containerPort}/${p.protocol.toLowerCase()}`
  ).join(",");
}

/**
 * Formats views for `list` in the given output format.
 *
 * @example
 * ```ts ignore
 * io.stdout(formatContainerList(views, "table"));
 * ```
 */
export function formatContainerList(
  views: readonly ContainerView[],
  format: OutputFormat,
  now: number = Date.now(),
): string {
  if (format === "json" || format === "yaml") return formatData(views.map(containerInfo), format);
  const headers = ["id", "name", "status", "pid", "exit", "created", "started", "ports"];
  if (format === "wide") headers.push("ip", "command");
  const rows = views.map((v) => {
    const row = [
      v.record.id.slice(0, 12),
      v.record.name,
      v.status,
      v.pid ? String(v.pid) : "-",
      v.exitCode !== undefined ? String(v.exitCode) : "-",
      `${formatAge(v.createdAt, now)} ago`,
      v.startedAt !== undefined ? `${formatAge(v.startedAt, now)} ago` : "-",
      portsText(v) || "-",
    ];
    if (format === "wide") {
      row.push(v.record.ips.join(",") || "-", processArgs(v.record.config).join(" "));
    }
    return row;
  });
  return formatTable(headers, rows);
}

/**
 * Prints the logs of the runtime container `name` as `logs` options ask: the last `tail` lines,
 * with timestamps if wanted, and with `follow` every new line until the container stops.
 *
 * @example
 * ```ts ignore
 * import { parseLogsOptions, printLogs } from "./container.ts";
 * await printLogs(io, engine, "web", parseLogsOptions("web", { tail: "10" }));
 * ```
 */
export async function printLogs(
  io: CliIo,
  engine: Engine,
  name: string,
  o: LogsCliOptions,
): Promise<void> {
  const fmt = { timestamps: o.timestamps };
  if (!o.follow) {
    io.stdout(
      formatLogLines(await containerLogs(engine, name), {
        ...fmt,
        ...(o.tail !== undefined ? { tail: o.tail } : {}),
      }),
    );
    return;
  }
  let first = true;
  await followLogs(engine, name, (lines) => {
    const tail = first && o.tail !== undefined ? { tail: o.tail } : {};
    first = false;
    io.stdout(formatLogLines(lines, { ...fmt, ...tail }));
  });
}

async function loadManifest(io: CliIo, file: string): Promise<ContainerConfig> {
  const { config, warnings } = await loadContainerManifest(userPath(io, file), { cwd: io.cwd });
  printWarnings(io, warnings);
  return config;
}

/**
 * Builds the `container` command group.
 *
 * @example
 * ```ts
 * import { containerCommand } from "./container.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const cmd = containerCommand(io, () => ({ root: undefined, runtime: undefined }));
 * assert.deepEqual(cmd.aliases(), ["c"]);
 * ```
 */
export function containerCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  // Subcommands inherit these settings when created: set them first.
  const group = new Command("container")
    .alias("c")
    .description("run single containers (the original project's container YAML)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // `run` and `create`: load the manifest (printing its warnings), apply `op`, print the id.
  const fromManifest =
    (op: (e: Engine, config: ContainerConfig) => Promise<{ id: string }>) =>
    async (file: string): Promise<void> => {
      const config = await loadManifest(io, file);
      const rec = await withEngine(io, globals, (e) => op(e, config));
      io.stdout(`${rec.id}\n`);
    };

  group.command("run")
    .description("create and start a container from a YAML file; prints its id")
    .argument("<file>", "container manifest")
    .action(fromManifest(runContainer));

  group.command("create")
    .description("create a container from a YAML file without starting it; prints its id")
    .argument("<file>", "container manifest")
    .action(fromManifest(createContainer));

  group.command("start")
    .description("start created containers")
    .argument("<container...>", "names or ids")
    .action(async (refs) => {
      await withEngineEach(
        io,
        globals,
        refs,
        async (e, ref) => (await startContainer(e, ref)).name,
      );
    });

  group.command("stop")
    .description("stop containers: SIGTERM, then SIGKILL after the grace period")
    .option("-t, --time <seconds>", "grace period before SIGKILL (default 10)")
    .argument("<container...>", "names or ids")
    .action(async (refs, opts) => {
      const grace = parseGraceSeconds(opts.time);
      await withEngineEach(
        io,
        globals,
        refs,
        async (e, ref) => (await stopContainer(e, ref, grace)).record.name,
      );
    });

  group.command("kill")
    .description("send a signal to a container")
    .option("-s, --signal <signal>", "signal name or number (default SIGKILL)")
    .argument("<container>", "name or id")
    .action(async (ref, opts) => {
      const signal = parseSignal(opts.signal);
      await withEngine(io, globals, (e) => killContainer(e, ref, signal));
    });

  group.command("rm")
    .alias("delete")
    .description("remove containers (-f kills running ones first)")
    .option("-f, --force", "kill and remove running containers")
    .argument("<container...>", "names or ids")
    .action(async (refs, opts) => {
      const force = opts.force ?? false;
      await withEngineEach(
        io,
        globals,
        refs,
        async (e, ref) => (await removeContainer(e, ref, { force })).name,
      );
    });

  group.command("list")
    .alias("ls")
    .alias("ps")
    .description("list containers with status, pid, exit code and times")
    .option("-o, --output <format>", "table, wide, json or yaml")
    .option("-q, --quiet", "print ids only")
    .action(async (opts) => {
      const format = parseOutputFormat(opts.output);
      const views = await withEngine(io, globals, (e) => listContainers(e, { owner: null }));
      if (opts.quiet) io.stdout(views.map((v) => `${v.record.id}\n`).join(""));
      else io.stdout(formatContainerList(views, format));
    });

  group.command("state")
    .alias("inspect")
    .description("show a container's state (JSON by default)")
    .option("-o, --output <format>", "json or yaml")
    .argument("<container>", "name or id")
    .action(async (ref, opts) => {
      const format = parseDataFormat(opts.output);
      const view = await withEngine(io, globals, (e) => containerStatus(e, ref));
      io.stdout(formatData(containerInfo(view), format));
    });

  group.command("exec")
    .description("run a command in a running container; exits with its exit code")
    .option("-i, --interactive", "keep stdin open (inherits the terminal)")
    .option("-t, --tty", "allocate a terminal")
    .option(
      "-e, --env <KEY=VALUE>",
      "set an environment variable (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("-w, --workdir <dir>", "working directory inside the container")
    .option("-u, --user <uid[:gid]>", "user to run as")
    .argument("<container>", "name or id")
    .argument("[command...]", "command and arguments (after --)")
    .action(async (ref, argv, raw) => {
      const o = parseExecOptions(ref, argv, raw);
      const result = await withEngine(io, globals, (e) =>
        execSync(e, o.container, o.argv, {
          env: o.env,
          ...(o.workingDir !== undefined ? { workingDir: o.workingDir } : {}),
          ...(o.user !== undefined ? { user: o.user } : {}),
          tty: o.tty,
          stdio: o.interactive || o.tty ? "inherit" : "piped",
        }));
      printExecResult(io, result);
    });

  group.command("logs")
    .description("print a container's logs")
    .option("-f, --follow", "keep printing new lines until the container stops")
    .option("--tail <n>", "only the last N lines")
    .option("--timestamps", "prefix lines with their timestamp")
    .argument("<container>", "name or id")
    .action(async (ref, raw) => {
      const o = parseLogsOptions(ref, raw);
      await withEngine(io, globals, (e) => printLogs(io, e, o.container, o));
    });

  return group;
}
