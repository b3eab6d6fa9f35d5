/**
 * The output of `rkl pod list` and `rkl pod state`: kubectl-style tables
 * ({@linkcode formatPodList}) and the per-container state ({@linkcode formatPodState}).
 *
 * @module
 */
import { formatAge, formatData, formatTable, formatTime, type OutputFormat } from "./output.ts";
import type { PodView } from "../core/pod/pod_view.ts";

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
 * import { formatPodList } from "./pod_format.ts";
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
