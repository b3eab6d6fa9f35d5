/**
 * Container status as a closed union, derived from facts (runtime state, conmon's exit file,
 * the record) rather than stored, with guard functions for every transition.
 *
 * @module
 */
import { StateError } from "../errors.ts";
import type { ExitInfo } from "../runtime/conmon.ts";
import type { RuntimeState } from "../runtime/oci_runtime.ts";
import type { ContainerRecord } from "../store/containers.ts";

/** Every container status. */
export const CONTAINER_STATUSES = ["created", "running", "stopped", "unknown"] as const;

/** Status of a container. `unknown` when the facts cannot be read or disagree. */
export type ContainerStatus = typeof CONTAINER_STATUSES[number];

/** Type guard for {@linkcode ContainerStatus}. */
export function isContainerStatus(v: unknown): v is ContainerStatus {
  return typeof v === "string" && (CONTAINER_STATUSES as readonly string[]).includes(v);
}

/** A record with its derived status and the facts behind it. */
export interface ContainerView {
  /** The stored record. */
  record: ContainerRecord;
  /** Derived status. */
  status: ContainerStatus;
  /** Why the status is what it is (for `unknown` especially). */
  reason: string;
  /** Init pid while created or running. */
  pid?: number;
  /** Exit code once stopped (when known). */
  exitCode?: number;
  /** Creation time (ms): when rkl created the container. */
  createdAt: number;
  /** Start time (ms). */
  startedAt?: number;
  /** Finish time (ms), from the exit file. */
  finishedAt?: number;
  /**
   * True when the process creating the container is gone (killed, crashed) before it finished:
   * nothing will finish the creation; `rm -f` or `gc` removes what it acquired.
   */
  interrupted?: boolean;
}

/** Facts about a container that come neither from its record nor from the runtime. */
export interface StatusFacts {
  /** The record names a creator (`record.creator`) and that process is gone. */
  creatorGone?: boolean;
}

/** The Kubernetes reason of a terminated container. */
export type ExitReason = "Completed" | "Error";

/**
 * The reason of a terminated container from its exit code, as the kubelet reports it
 * (`ContainerStateTerminated.reason`): `Completed` for 0, `Error` otherwise (also when the code
 * is unknown).
 *
 * @example
 * ```ts
 * import { exitReason } from "./status.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exitReason(0), "Completed");
 * assert.equal(exitReason(137), "Error");
 * assert.equal(exitReason(undefined), "Error");
 * ```
 */
export function exitReason(exitCode: number | undefined): ExitReason {
  return exitCode === 0 ? "Completed" : "Error";
}

/** What the runtime says: its state, or `missing` when it does not know the container. */
export type RuntimeFact = RuntimeState | "missing";

/**
 * Derives a container's status. The exit file (or an exit recorded earlier) wins: the
 * container is `stopped` with that code. Otherwise, when the process creating it is gone
 * (`facts.creatorGone`), the creation was interrupted: `unknown` (or what the runtime says, when
 * it got that far) with `interrupted` set and a reason saying how to remove it. Otherwise the
 * runtime's state decides; a container the runtime does not know is `unknown`.
 *
 * @example
 * ```ts
 * import { deriveStatus } from "./status.ts";
 * import assert from "node:assert/strict";
 * const record = {
 *   id: "c", name: "c", image: "/i", config: { name: "c", image: "/i" }, labels: {},
 *   runtime: "runc", stateDir: "/s", createdAt: 1, ips: [], ports: [], pid: 42,
 * };
 * const running = { id: "c", status: "running" as const, pid: 42, bundle: "/s" };
 * assert.equal(deriveStatus(record, running, undefined).status, "running");
 * assert.equal(deriveStatus(record, running, { code: 3, finishedAt: 9 }).exitCode, 3);
 * assert.equal(deriveStatus(record, "missing", undefined).status, "unknown");
 * const cut = deriveStatus({ ...record, creator: { pid: 9, startedAt: 0 } }, "missing", undefined, {
 *   creatorGone: true,
 * });
 * assert.equal(cut.interrupted, true);
 * assert.match(cut.reason, /^Interrupted: the process creating it \(pid 9\) is gone/);
 * ```
 */
export function deriveStatus(
  record: ContainerRecord,
  runtime: RuntimeFact,
  exit: ExitInfo | undefined,
  facts: StatusFacts = {},
): ContainerView {
  const base = {
    record,
    // rkl's own creation time: the runtime's is not reported once the container is gone.
    createdAt: record.createdAt,
    ...(record.startedAt !== undefined ? { startedAt: record.startedAt } : {}),
  };
  const code = exit?.code ?? record.exitCode;
  if (code !== undefined) {
    const finishedAt = exit?.finishedAt ?? record.finishedAt;
    return {
      ...base,
      status: "stopped",
      reason: code > 128 ? `Killed by signal ${code - 128}` : exitReason(code),
      exitCode: code,
      ...(finishedAt !== undefined ? { finishedAt } : {}),
    };
  }
  if (facts.creatorGone) {
    const reason = `Interrupted: the process creating it (pid ${record.creator?.pid}) is gone; ` +
      "remove it with rm -f or gc";
    if (runtime === "missing" || runtime.status === "creating") {
      return { ...base, status: "unknown", reason, interrupted: true };
    }
    // Created (or even started) by the runtime, but its creator never finished.
    const status = runtime.status === "created"
      ? "created"
      : runtime.status === "stopped"
      ? "stopped"
      : "running";
    return { ...base, status, reason, pid: runtime.pid, interrupted: true };
  }
  if (runtime === "missing") {
    return {
      ...base,
      status: "unknown",
      reason: record.pid === undefined
        ? "not created by the runtime (creation failed or in progress)"
        : "the runtime does not know this container",
    };
  }
  switch (runtime.status) {
    case "created":
      return { ...base, status: "created", reason: "Created", pid: runtime.pid };
    case "running":
    case "paused":
      return {
        ...base,
        status: "running",
        reason: runtime.status === "paused" ? "Paused" : "Running",
        pid: runtime.pid,
      };
    case "stopped":
      return { ...base, status: "stopped", reason: "exited; the monitor recorded no exit code" };
    case "creating":
      return { ...base, status: "unknown", reason: "the runtime is still creating it" };
  }
}

/** True when the container can be started. */
export function canStart(s: ContainerStatus): boolean {
  return s === "created";
}

/** True when the container can be stopped (signal + wait). */
export function canStop(s: ContainerStatus): boolean {
  return s === "running" || s === "created";
}

/** True when the container can receive a signal. */
export function canKill(s: ContainerStatus): boolean {
  return s === "running" || s === "created";
}

/** True when a command can be executed in the container. */
export function canExec(s: ContainerStatus): boolean {
  return s === "running";
}

/** True when the container can be removed without `force`. */
export function canDelete(s: ContainerStatus): boolean {
  return s !== "running";
}

/**
 * Throws {@linkcode StateError} unless `guard(view.status)` holds.
 *
 * @example
 * ```ts
 * import { canStart, requireStatus } from "./status.ts";
 * import assert from "node:assert/strict";
 * assert.throws(
 *   () => requireStatus("start", "web", "stopped", canStart),
 *   /Cannot start container "web": status is "stopped"/,
 * );
 * ```
 */
export function requireStatus(
  action: string,
  name: string,
  status: ContainerStatus,
  guard: (s: ContainerStatus) => boolean,
): void {
  if (!guard(status)) throw new StateError(action, "container", name, status);
}
