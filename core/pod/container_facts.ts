/**
 * What a supervisor learns about pod containers that neither the runtime nor the exit file keeps:
 * why a container terminated (`OOMKilled` is only visible in its cgroup while it exists), probe
 * verdicts (so they survive a daemon restart and `rkl pod list` shows READY from another
 * process), and the last termination state of the container a restart replaced (a label on the
 * new container). Tables `container_terminations` and `probe_results` (migration 3); rows go
 * with their container (ON DELETE CASCADE).
 *
 * @module
 */
import type { Database } from "../store/db.ts";
import type { ProbeName, ProbeSpec } from "./pod_types.ts";

/** Label holding a restarted container's back-off steps (see `ContainerObservation`). */
export const LABEL_BACKOFF_STEPS = "io.rk8s.container.backoff-steps";
/** Label holding the last termination state (JSON) of the container a restart replaced. */
export const LABEL_LAST_STATE = "io.rk8s.container.last-state";

/** How a container terminated (Kubernetes `ContainerStateTerminated`). */
export interface TerminationState {
  /** Exit code (128 + signal when killed by a signal). */
  exitCode: number;
  /** `Completed`, `Error` or `OOMKilled`. */
  reason: string;
  /** The signal that killed it, when one did. */
  signal?: number;
  /** Start time, ms since the epoch. */
  startedAt?: number;
  /** Exit time, ms since the epoch. */
  finishedAt?: number;
  /** The engine container id. */
  containerId?: string;
  /** Detail (a `StartError`'s runtime message). */
  message?: string;
}

/** A recorded termination reason of one container. */
export interface TerminationFact {
  /** `Completed`, `Error` or `OOMKilled`. */
  reason: string;
  /** The signal that killed it, when one did. */
  signal?: number;
  /** Detail, e.g. the cgroup's OOM kill count. */
  message: string;
}

/** Which probe a result is about. */
export type ProbeKind = "startup" | "liveness" | "readiness";

/** The current verdict of one probe of one container. */
export interface ProbeResult {
  /** Probe kind. */
  probe: ProbeKind;
  /** Verdict after the thresholds (true: started/alive/ready). */
  healthy: boolean;
  /** Consecutive successes. */
  successes: number;
  /** Consecutive failures. */
  failures: number;
  /** Output of the last failed attempt. */
  output: string;
  /** When the last attempt ended, ms since the epoch. */
  at: number;
}

/**
 * Records why a container terminated (once; later calls keep the first fact).
 *
 * @example
 * ```ts ignore
 * recordTermination(db, id, { reason: "OOMKilled", signal: 9, message: "oom_kill 1" });
 * ```
 */
export function recordTermination(db: Database, containerId: string, fact: TerminationFact): void {
  db.run(
    `INSERT OR IGNORE INTO container_terminations (container_id, reason, signal, message, observed_at)
     SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM containers WHERE id = ?)`,
    containerId,
    fact.reason,
    fact.signal ?? null,
    fact.message,
    Date.now(),
    containerId,
  );
}

/** Termination facts by container id (only containers that have one). */
export function terminationFacts(db: Database): Map<string, TerminationFact> {
  const out = new Map<string, TerminationFact>();
  for (const row of db.all("SELECT * FROM container_terminations")) {
    if (typeof row.container_id !== "string" || typeof row.reason !== "string") continue;
    const f: TerminationFact = {
      reason: row.reason,
      message: typeof row.message === "string" ? row.message : "",
    };
    if (typeof row.signal === "number") f.signal = row.signal;
    out.set(row.container_id, f);
  }
  return out;
}

/** Stores the verdict of one probe. */
export function writeProbeResult(db: Database, containerId: string, r: ProbeResult): void {
  db.run(
    `INSERT INTO probe_results (container_id, probe, healthy, successes, failures, output, at)
     SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM containers WHERE id = ?)
     ON CONFLICT (container_id, probe) DO UPDATE SET healthy = excluded.healthy,
       successes = excluded.successes, failures = excluded.failures, output = excluded.output,
       at = excluded.at`,
    containerId,
    r.probe,
    r.healthy ? 1 : 0,
    r.successes,
    r.failures,
    r.output,
    r.at,
    containerId,
  );
}

/** Probe verdicts by container id, then probe kind. */
export function probeResults(db: Database): Map<string, Map<ProbeKind, ProbeResult>> {
  const out = new Map<string, Map<ProbeKind, ProbeResult>>();
  for (const row of db.all("SELECT * FROM probe_results")) {
    const probe = row.probe;
    if (
      typeof row.container_id !== "string" ||
      (probe !== "startup" && probe !== "liveness" && probe !== "readiness")
    ) continue;
    const m = out.get(row.container_id) ?? new Map<ProbeKind, ProbeResult>();
    m.set(probe, {
      probe,
      healthy: row.healthy === 1,
      successes: Number(row.successes ?? 0),
      failures: Number(row.failures ?? 0),
      output: typeof row.output === "string" ? row.output : "",
      at: Number(row.at ?? 0),
    });
    out.set(row.container_id, m);
  }
  return out;
}

/**
 * The last termination state stored in a container's labels, if any.
 *
 * @example
 * ```ts
 * import { lastStateOf, LABEL_LAST_STATE } from "./container_facts.ts";
 * import assert from "node:assert/strict";
 * const labels = { [LABEL_LAST_STATE]: JSON.stringify({ exitCode: 137, reason: "OOMKilled", signal: 9 }) };
 * assert.equal(lastStateOf(labels)?.reason, "OOMKilled");
 * assert.equal(lastStateOf({}), undefined);
 * ```
 */
export function lastStateOf(labels: Record<string, string>): TerminationState | undefined {
  const raw = labels[LABEL_LAST_STATE];
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.exitCode !== "number" || typeof o.reason !== "string") return undefined;
  const s: TerminationState = { exitCode: o.exitCode, reason: o.reason };
  for (const k of ["signal", "startedAt", "finishedAt"] as const) {
    const x = o[k];
    if (typeof x === "number") s[k] = x;
  }
  if (typeof o.containerId === "string") s.containerId = o.containerId;
  if (typeof o.message === "string" && o.message) s.message = o.message;
  return s;
}

/**
 * Back-off steps stored in a container's labels (undefined when it was not restarted by a
 * supervisor).
 *
 * @example
 * ```ts
 * import { backoffStepsOf, LABEL_BACKOFF_STEPS } from "./container_facts.ts";
 * import assert from "node:assert/strict";
 * assert.equal(backoffStepsOf({ [LABEL_BACKOFF_STEPS]: "3" }), 3);
 * assert.equal(backoffStepsOf({}), undefined);
 * ```
 */
export function backoffStepsOf(labels: Record<string, string>): number | undefined {
  const raw = labels[LABEL_BACKOFF_STEPS];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The probes of one container spec. */
export type ContainerProbes = Partial<Record<ProbeName, Pick<ProbeSpec, "failureThreshold">>>;

/**
 * The planner's and the status's view of a container's probes: not started until its startup
 * probe passed, not ready until its readiness probe passed, unhealthy once its liveness (or
 * startup) probe failed `failureThreshold` times. Undefined when the container has no probes.
 *
 * @example
 * ```ts
 * import { probeVerdicts } from "./container_facts.ts";
 * import assert from "node:assert/strict";
 * const spec = { readinessProbe: { failureThreshold: 3 }, livenessProbe: { failureThreshold: 3 } };
 * assert.deepEqual(probeVerdicts(spec, undefined), { ready: false });
 * const results = new Map([["liveness", { probe: "liveness", healthy: false, successes: 0, failures: 3, output: "HTTP 500", at: 0 }]] as const);
 * assert.deepEqual(probeVerdicts(spec, results), { ready: false, unhealthy: "liveness probe failed: HTTP 500" });
 * ```
 */
export function probeVerdicts(
  spec: ContainerProbes | undefined,
  results: ReadonlyMap<ProbeKind, ProbeResult> | undefined,
): { started?: boolean; ready?: boolean; unhealthy?: string } | undefined {
  if (!spec || (!spec.startupProbe && !spec.livenessProbe && !spec.readinessProbe)) {
    return undefined;
  }
  const out: { started?: boolean; ready?: boolean; unhealthy?: string } = {};
  const startup = results?.get("startup");
  if (spec.startupProbe) {
    out.started = startup?.healthy === true;
    if (startup && !startup.healthy && startup.failures >= spec.startupProbe.failureThreshold) {
      out.unhealthy = `startup probe failed: ${startup.output}`;
    }
  }
  if (spec.readinessProbe) out.ready = results?.get("readiness")?.healthy === true;
  const liveness = results?.get("liveness");
  if (spec.livenessProbe && liveness && !liveness.healthy) {
    out.unhealthy = `liveness probe failed: ${liveness.output}`;
  }
  return out;
}
