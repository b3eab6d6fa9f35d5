/**
 * `rkl container` output: container views as plain data (`state`, `-o json|yaml`), the `list`
 * table, and log printing (also used by `rkl pod logs`).
 *
 * @module
 */
import type { CliIo } from "./context.ts";
import type { LogsCliOptions } from "./container_options.ts";
import { formatData, formatTime, type OutputFormat } from "./output.ts";
import { formatLogLines } from "../core/runtime/cri_log.ts";
import type { Engine } from "../core/container/engine.ts";
import { processArgs } from "../core/container/config.ts";
import { containerLogs, followLogs } from "../core/container/logs.ts";
import type { ContainerView } from "../core/container/status.ts";
import { formatContainerTable } from "./container_table.ts";

export { formatContainerTable } from "./container_table.ts";

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

/**
 * Formats views for `list` in the given output format: JSON/YAML data of
 * {@linkcode containerInfo}, or the table of {@linkcode formatContainerTable}.
 *
 * @example
 * ```ts ignore
 * io.stdout(formatContainerList(views, "json"));
 * ```
 */
export function formatContainerList(
  views: readonly ContainerView[],
  format: OutputFormat,
  now: number = Date.now(),
): string {
  if (format === "json" || format === "yaml") return formatData(views.map(containerInfo), format);
  return formatContainerTable(views, format, now);
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
