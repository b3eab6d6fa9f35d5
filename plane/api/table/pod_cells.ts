/**
 * The Table row of a Pod: `NAME READY STATUS RESTARTS AGE` and, for `-o wide`,
 * `IP NODE NOMINATED-NODE READINESS-GATES`, computed as kube-apiserver 1.32's `printPod`
 * (kubernetes/pkg/printers/internalversion/printers.go) does.
 *
 * @module
 */
import { ageSince, humanDuration } from "./human_duration.ts";
import { bool, num, optRec, rec, recs, str } from "./_fields.ts";

/** A `meta.k8s.io/v1` `TableRowCondition`. */
export interface TableRowCondition {
  /** `"Completed"`: the row's object finished and may be hidden by clients. */
  type: string;
  /** `"True"`, `"False"` or `"Unknown"`. */
  status: string;
  /** Machine-readable reason (`"Succeeded"`, `"Failed"`). */
  reason: string;
  /** Human-readable text. */
  message: string;
}

/** Cells and conditions of one row. */
export interface RowCells {
  /** One value per column, in column order: strings, integers or booleans. */
  cells: (string | number | boolean)[];
  /** Row conditions (`Completed` for finished pods), omitted when there are none. */
  conditions?: TableRowCondition[];
}

/** The reason kube-apiserver's node lifecycle controller sets on pods of an unreachable node. */
const NODE_LOST = "NodeLost";

/**
 * The cells of a Pod's Table row, with every column (the API server always prints the wide
 * columns; kubectl hides priority-1 columns without `-o wide`).
 *
 * - READY: ready containers / containers (+ restartable init containers, i.e. sidecars).
 * - STATUS: `status.reason`, else the phase; `SchedulingGated`; for init containers
 *   `Init:N/M`, `Init:<waiting reason>`, `Init:<terminated reason>`, `Init:ExitCode:N`,
 *   `Init:Signal:N`; then the last container with a waiting or terminated reason
 *   (`CrashLoopBackOff`, `Completed`, `ExitCode:1`, …), `Running` again when some container
 *   still runs (`NotReady` without the Ready condition); `Terminating` when
 *   `deletionTimestamp` is set and the phase is not terminal; `Unknown` for `NodeLost`.
 * - RESTARTS: the sum of restart counts, `"3 (5m ago)"` when the last termination is known.
 * - IP: the first of `status.podIPs`; NODE: `spec.nodeName`; `<none>` when empty.
 * - READINESS GATES: `true gates/gates`, `<none>` without gates.
 *
 * @param pod the stored Pod (`Record` from JSON; missing fields read as Go zero values).
 * @param now the reference time for ages.
 *
 * @example
 * ```ts
 * import { podCells } from "./pod_cells.ts";
 * import assert from "node:assert/strict";
 * const row = podCells({
 *   metadata: { name: "web", creationTimestamp: "2026-01-01T00:00:00Z" },
 *   spec: { containers: [{ name: "c" }] },
 *   status: {
 *     phase: "Running",
 *     containerStatuses: [{ name: "c", ready: true, restartCount: 0, state: { running: {} } }],
 *   },
 * }, new Date("2026-01-01T00:00:05Z"));
 * assert.deepEqual(row.cells.slice(0, 5), ["web", "1/1", "Running", "0", "5s"]);
 * ```
 */
export function podCells(pod: Record<string, unknown>, now: Date): RowCells {
  const metadata = rec(pod, "metadata");
  const spec = rec(pod, "spec");
  const status = rec(pod, "status");
  const phase = str(status, "phase");
  let reason = str(status, "reason") || phase;
  const conditions = recs(status, "conditions");
  for (const c of conditions) {
    if (str(c, "type") === "PodScheduled" && str(c, "reason") === "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }

  const initSpecs = recs(spec, "initContainers");
  const restartable = new Set(
    initSpecs.filter((c) => str(c, "restartPolicy") === "Always").map((c) => str(c, "name")),
  );
  const totalContainers = recs(spec, "containers").length + restartable.size;
  let readyContainers = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;

  let initializing = false;
  const initStatuses = recs(status, "initContainerStatuses");
  for (const [i, c] of initStatuses.entries()) {
    restarts += num(c, "restartCount");
    const finished = lastFinishedAt(c);
    lastRestart = Math.max(lastRestart, finished);
    const isSidecar = restartable.has(str(c, "name"));
    if (isSidecar) {
      sidecarRestarts += num(c, "restartCount");
      lastSidecarRestart = Math.max(lastSidecarRestart, finished);
    }
    const state = rec(c, "state");
    const terminated = optRec(state, "terminated");
    const waiting = optRec(state, "waiting");
    if (terminated && num(terminated, "exitCode") === 0) continue;
    if (isSidecar && c["started"] === true) {
      if (bool(c, "ready")) readyContainers++;
      continue;
    }
    if (terminated) {
      const r = str(terminated, "reason");
      if (r === "") {
        const signal = num(terminated, "signal");
        reason = signal !== 0
          ? `Init:Signal:${signal}`
          : `Init:ExitCode:${num(terminated, "exitCode")}`;
      } else {
        reason = `Init:${r}`;
      }
    } else if (
      waiting && str(waiting, "reason") !== "" && str(waiting, "reason") !== "PodInitializing"
    ) {
      reason = `Init:${str(waiting, "reason")}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions.some((c) =>
    str(c, "type") === "Initialized" && str(c, "status") === "True"
  );
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = recs(status, "containerStatuses");
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += num(c, "restartCount");
      lastRestart = Math.max(lastRestart, lastFinishedAt(c));
      const state = rec(c, "state");
      const waiting = optRec(state, "waiting");
      const terminated = optRec(state, "terminated");
      if (waiting && str(waiting, "reason") !== "") {
        reason = str(waiting, "reason");
      } else if (terminated && str(terminated, "reason") !== "") {
        reason = str(terminated, "reason");
      } else if (terminated) {
        const signal = num(terminated, "signal");
        reason = signal !== 0 ? `Signal:${signal}` : `ExitCode:${num(terminated, "exitCode")}`;
      } else if (bool(c, "ready") && optRec(state, "running")) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const ready = conditions.some((c) =>
        str(c, "type") === "Ready" && str(c, "status") === "True"
      );
      reason = ready ? "Running" : "NotReady";
    }
  }

  const deleting = typeof metadata["deletionTimestamp"] === "string";
  if (deleting && str(status, "reason") === NODE_LOST) {
    reason = "Unknown";
  } else if (deleting && phase !== "Succeeded" && phase !== "Failed") {
    reason = "Terminating";
  }

  let restartText = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) {
    restartText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }

  const podIPs = recs(status, "podIPs");
  const podIP = (podIPs.length > 0 ? str(podIPs[0], "ip") : "") || "<none>";
  const nodeName = str(spec, "nodeName") || "<none>";
  const nominated = str(status, "nominatedNodeName") || "<none>";
  const gates = recs(spec, "readinessGates");
  let gatesText = "<none>";
  if (gates.length > 0) {
    let trueGates = 0;
    for (const gate of gates) {
      const c = conditions.find((c) => str(c, "type") === str(gate, "conditionType"));
      if (c && str(c, "status") === "True") trueGates++;
    }
    gatesText = `${trueGates}/${gates.length}`;
  }

  const row: RowCells = {
    cells: [
      str(metadata, "name"),
      `${readyContainers}/${totalContainers}`,
      reason,
      restartText,
      ageSince(metadata["creationTimestamp"], now),
      podIP,
      nodeName,
      nominated,
      gatesText,
    ],
  };
  if (phase === "Succeeded") {
    row.conditions = [{
      type: "Completed",
      status: "True",
      reason: "Succeeded",
      message: "The pod has completed successfully.",
    }];
  } else if (phase === "Failed") {
    row.conditions = [{
      type: "Completed",
      status: "True",
      reason: "Failed",
      message: "The pod failed.",
    }];
  }
  return row;
}

/** `lastState.terminated.finishedAt` in ms since the epoch, or 0. */
function lastFinishedAt(containerStatus: Record<string, unknown>): number {
  const terminated = optRec(rec(containerStatus, "lastState"), "terminated");
  if (!terminated) return 0;
  const t = Date.parse(str(terminated, "finishedAt"));
  return Number.isNaN(t) ? 0 : t;
}
