/**
 * The table of `rkl container list` (`-o table|wide`), apart from `container_format.ts` so that
 * listing loads neither the YAML library nor the log readers unless asked for.
 *
 * @module
 */
import { formatAge, formatTable } from "./table.ts";
import { processArgs } from "../core/container/config.ts";
import type { ContainerView } from "../core/container/status.ts";

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
 * Formats views as the table of `rkl container list` (`wide` adds the IPs and the command).
 *
 * @example
 * ```ts ignore
 * io.stdout(formatContainerTable(views, "table"));
 * ```
 */
export function formatContainerTable(
  views: readonly ContainerView[],
  format: "table" | "wide",
  now: number = Date.now(),
): string {
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
