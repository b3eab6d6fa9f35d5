/**
 * The output of `rkl pod list` and `rkl pod state`: kubectl-style tables
 * ({@linkcode formatPodList}) and the per-container state ({@linkcode formatPodState}).
 *
 * @module
 */
import { formatAge, formatData, formatTable, formatTime, type OutputFormat } from "./output.ts";
import type { PodView } from "../core/pod/pod_view.ts";
import { formatPodTable, type PodListRow } from "./pod_table.ts";

export { formatPodTable, type PodListRow } from "./pod_table.ts";

/**
 * Formats pods for `rkl pod list` in any `-o` format: JSON/YAML data, or the table of
 * {@linkcode formatPodTable}.
 *
 * @example
 * ```ts
 * import { formatPodList } from "./pod_format.ts";
 * import assert from "node:assert/strict";
 * const pods = [{ name: "web", namespace: "default", ready: "2/2", status: "Running",
 *   restarts: 0, createdAt: 0, ip: "10.88.0.4" }];
 * assert.equal(JSON.parse(formatPodList(pods, "json", false))[0].name, "web");
 * assert.match(formatPodList(pods, "table", false, 5_000), /^NAME +READY/);
 * ```
 */
export function formatPodList(
  pods: readonly PodListRow[],
  format: OutputFormat,
  allNamespaces: boolean,
  now: number = Date.now(),
): string {
  if (format === "json" || format === "yaml") return formatData(pods, format);
  return formatPodTable(pods, format, allNamespaces, now);
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
    [
      "container",
      "kind",
      "state",
      "exit code",
      "reason",
      "restarts",
      "ready",
      "last state",
      "pid",
      "started",
      "finished",
    ],
    p.containers.map((c) => [
      c.name,
      c.init ? "init" : "app",
      c.state,
      c.exitCode === undefined ? "-" : String(c.exitCode),
      c.reason,
      String(c.restartCount),
      c.init ? "-" : String(c.ready),
      c.lastState
        ? `${c.lastState.reason} (exit ${c.lastState.exitCode}${
          c.lastState.signal ? `, signal ${c.lastState.signal}` : ""
        }) ${formatTime(c.lastState.finishedAt, "")}`.trim()
        : "-",
      c.pid === undefined ? "-" : String(c.pid),
      formatTime(c.startedAt, "-"),
      formatTime(c.finishedAt, "-"),
    ]),
  );
  return `${lines.join("\n")}\n\n${table}`;
}
