/**
 * The table of `rkl pod list` (`-o table|wide`), apart from `pod_format.ts` so that listing loads
 * no YAML library unless `-o yaml` asks for it.
 *
 * @module
 */
import { formatAge, formatTable } from "./table.ts";
import type { PodView } from "../core/pod/pod_view.ts";

/** The fields of a pod that `rkl pod list` shows. */
export type PodListRow =
  & Pick<PodView, "name" | "namespace" | "ready" | "status" | "restarts" | "createdAt" | "ip">
  & { id?: string; pausePid?: number };

/**
 * Formats pods as the table of `kubectl get pods`: NAME READY STATUS RESTARTS AGE IP (`wide` adds the id
 * and pause pid; a NAMESPACE column is added when pods of several namespaces are shown).
 *
 * @example
 * ```ts
 * import { formatPodTable } from "./pod_table.ts";
 * import assert from "node:assert/strict";
 * const out = formatPodTable([{ name: "web", namespace: "default", ready: "2/2", status: "Running",
 *   restarts: 0, createdAt: 0, ip: "10.88.0.4" }], "table", false, 5_000);
 * assert.equal(out, "NAME   READY   STATUS    RESTARTS   AGE   IP\nweb    2/2     Running   0          5s    10.88.0.4\n");
 * ```
 */
export function formatPodTable(
  pods: readonly PodListRow[],
  format: "table" | "wide",
  allNamespaces: boolean,
  now: number = Date.now(),
): string {
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
