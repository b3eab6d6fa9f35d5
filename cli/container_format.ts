/**
 * `rkl container` output: container views as plain data (`state`, `-o json|yaml`), the `list`
 * table, and log printing (also used by `rkl pod logs`).
 *
 * @module
 */
import type { CliIo } from "./context.ts";
import type { LogsCliOptions } from "./container_options.ts";
import { formatAge, formatData, formatTable, formatTime, type OutputFormat } from "./output.ts";
import { formatLogLines } from "../core/runtime/cri_log.ts";
import type { Engine } from "../core/container/engine.ts";
import { processArgs } from "../core/container/config.ts";
import { containerLogs, followLogs } from "../core/container/logs.ts";
import type { ContainerView } from "../core/container/status.ts";

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
  // A host port is shown only while it is published: the container is up with its network
  // attached (not once it stopped, nor when its creation was interrupted before the attach).
  const published = (v.status === "running" || v.status === "created") && !v.interrupted &&
    (v.record.netnsPath !== undefined || v.record.config.hostNetwork === true);
  return v.record.ports.map((p) =>
    `${
      published && p.hostPort ? `${p.hostIP ?? "0.0.0.0"}:${p.hostPort}->` : ""
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
 * import { parseLogsOptions } from "./container_options.ts";
 * import { printLogs } from "./container_format.ts";
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
