/**
 * The prober: one worker per running container with probes, running its startup, liveness and
 * readiness probes on their own schedules (`initialDelaySeconds`, `periodSeconds`,
 * `timeoutSeconds`, thresholds) and storing each verdict in the store (`probe_results`), where
 * the planner and `rkl pod list` read them. Verdicts survive a daemon restart: a new worker
 * starts from the stored counters. As in the kubelet, liveness and readiness wait until the
 * startup probe passed; readiness is false and liveness true until proven otherwise.
 *
 * @module
 */
import type { Engine } from "../container/mod.ts";
import {
  type ProbeKind,
  type ProbeResult,
  probeResults,
  writeProbeResult,
} from "../pod/container_facts.ts";
import type { PodContainerSpec } from "../pod/pod_manifest.ts";
import type { ProbeSpec } from "../pod/pod_types.ts";
import type { NewEvent } from "./events.ts";
import { runProbeHandler } from "./probe_handler.ts";

/** A running container to probe. */
export interface ProbeJob {
  /** Engine container id. */
  containerId: string;
  /** `namespace/name` of the pod. */
  pod: string;
  /** The container's spec. */
  spec: PodContainerSpec;
  /** The pod's primary IP (empty with host networking). */
  podIP: string;
  /** When the container started, ms since the epoch. */
  startedAt: number;
  /**
   * The pod is being killed (a graceful removal is under way): liveness and startup probes stop,
   * as the kubelet's prober worker stops them once a pod's deletion is requested — a probe must
   * not restart a container that is being stopped. Readiness goes on.
   */
  terminating?: boolean;
}

const KINDS: readonly [ProbeKind, "startupProbe" | "livenessProbe" | "readinessProbe"][] = [
  ["startup", "startupProbe"],
  ["liveness", "livenessProbe"],
  ["readiness", "readinessProbe"],
];

/**
 * The verdict after one attempt (pure).
 *
 * @example
 * ```ts
 * import { nextProbeResult } from "./prober.ts";
 * import assert from "node:assert/strict";
 * const spec = { successThreshold: 1, failureThreshold: 2 };
 * let r = nextProbeResult("liveness", undefined, spec, { ok: false, output: "x" }, 1);
 * assert.equal(r.healthy, true); // 1 of 2 failures
 * r = nextProbeResult("liveness", r, spec, { ok: false, output: "x" }, 2);
 * assert.equal(r.healthy, false);
 * ```
 */
export function nextProbeResult(
  kind: ProbeKind,
  prev: ProbeResult | undefined,
  spec: Pick<ProbeSpec, "successThreshold" | "failureThreshold">,
  outcome: { ok: boolean; output: string },
  at: number,
): ProbeResult {
  const initial = kind === "liveness";
  const successes = outcome.ok ? (prev?.successes ?? 0) + 1 : 0;
  const failures = outcome.ok ? 0 : (prev?.failures ?? 0) + 1;
  let healthy = prev?.healthy ?? initial;
  if (outcome.ok && successes >= spec.successThreshold) healthy = true;
  if (!outcome.ok && failures >= spec.failureThreshold) healthy = false;
  return {
    probe: kind,
    healthy,
    successes,
    failures,
    output: outcome.ok ? (prev?.output ?? "") : outcome.output,
    at,
  };
}

/**
 * True when a new verdict changes what the node must do, so the daemon syncs at once instead of
 * at its next relist (pure): a verdict flipped (from its initial value before any result: liveness
 * healthy, readiness and startup not passed), or a startup probe just
 * reached `failureThreshold` failures (its result starts unhealthy, so no flip marks it; the
 * kubelet then kills the container and restarts it per policy).
 *
 * @example
 * ```ts
 * import { nextProbeResult, verdictChanged } from "./prober.ts";
 * import assert from "node:assert/strict";
 * const spec = { successThreshold: 1, failureThreshold: 2 };
 * const fail = { ok: false, output: "x" };
 * const r1 = nextProbeResult("startup", undefined, spec, fail, 1);
 * assert.ok(!verdictChanged("startup", undefined, r1, spec));
 * const r2 = nextProbeResult("startup", r1, spec, fail, 2);
 * assert.ok(verdictChanged("startup", r1, r2, spec));
 * ```
 */
export function verdictChanged(
  kind: ProbeKind,
  prev: ProbeResult | undefined,
  next: ProbeResult,
  spec: Pick<ProbeSpec, "failureThreshold">,
): boolean {
  // Before any result, liveness counts as healthy and readiness and startup as not passed.
  if (next.healthy !== (prev?.healthy ?? kind === "liveness")) return true;
  return kind === "startup" && !next.healthy && next.failures === spec.failureThreshold;
}

class Worker {
  readonly #abort = new AbortController();
  readonly #done: Promise<void>[] = [];
  readonly #results: Map<ProbeKind, ProbeResult>;

  constructor(
    readonly engine: Engine,
    readonly job: ProbeJob,
    readonly event: (ev: NewEvent) => void,
    readonly changed: () => void,
  ) {
    this.#results = new Map(probeResults(engine.db).get(job.containerId) ?? []);
    for (const [kind, field] of KINDS) {
      const spec = job.spec[field];
      if (spec) this.#done.push(this.#loop(kind, spec));
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#abort.signal.aborted) return resolve();
      const t = setTimeout(resolve, Math.max(0, ms));
      this.#abort.signal.addEventListener("abort", () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }

  #startupPassed(): boolean {
    return !this.job.spec.startupProbe || this.#results.get("startup")?.healthy === true;
  }

  async #loop(kind: ProbeKind, spec: ProbeSpec): Promise<void> {
    const signal = this.#abort.signal;
    await this.#sleep(this.job.startedAt + spec.initialDelaySeconds * 1000 - Date.now());
    while (!signal.aborted) {
      if (kind !== "readiness" && this.job.terminating) return;
      if (kind === "startup" && this.#startupPassed()) return;
      if (kind !== "startup" && !this.#startupPassed()) {
        await this.#sleep(spec.periodSeconds * 1000);
        continue;
      }
      const outcome = await runProbeHandler(this.engine, spec.handler, {
        containerId: this.job.containerId,
        podIP: this.job.podIP,
        ports: this.job.spec.ports,
      }, spec.timeoutSeconds * 1000);
      if (signal.aborted) return;
      const prev = this.#results.get(kind);
      const next = nextProbeResult(kind, prev, spec, outcome, Date.now());
      this.#results.set(kind, next);
      try {
        writeProbeResult(this.engine.db, this.job.containerId, next);
      } catch (e) {
        // The container record was removed meanwhile (FOREIGN KEY): nothing left to probe.
        if (e instanceof Error && /FOREIGN KEY/.test(e.message)) return;
        throw e;
      }
      if (verdictChanged(kind, prev, next, spec)) this.changed();
      if (!outcome.ok) {
        const name = kind[0]!.toUpperCase() + kind.slice(1);
        this.event({
          type: "Warning",
          reason: "Unhealthy",
          object: this.job.pod,
          container: this.job.spec.name,
          message: `${name} probe failed: ${outcome.output}`,
        });
      }
      // A passing probe records no event (the kubelet's prober only reports failures).
      await this.#sleep(spec.periodSeconds * 1000);
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#done);
  }
}

/** Runs probe workers for the containers the daemon lists on each sync. */
export class Prober {
  readonly #workers = new Map<string, Worker>();
  readonly #engine: Engine;
  readonly #event: (ev: NewEvent) => void;
  readonly #changed: () => void;

  /**
   * Creates a prober; `event` records events, `changed` is called when a verdict changes what the
   * node must do ({@linkcode verdictChanged}; the daemon then syncs at once: a failed liveness or
   * startup probe kills the container).
   */
  constructor(engine: Engine, event: (ev: NewEvent) => void, changed: () => void = () => {}) {
    this.#engine = engine;
    this.#event = event;
    this.#changed = changed;
  }

  /** Number of containers being probed. */
  get size(): number {
    return this.#workers.size;
  }

  /** Starts workers for new jobs and stops workers whose container is not listed any more. */
  sync(jobs: readonly ProbeJob[]): void {
    const want = new Map(jobs.map((j) => [j.containerId, j]));
    for (const [id, w] of this.#workers) {
      if (!want.has(id)) {
        this.#workers.delete(id);
        void w.stop();
      }
    }
    for (const [id, job] of want) {
      const w = this.#workers.get(id);
      if (w) {
        if (job.terminating) w.job.terminating = true;
        continue;
      }
      if (!job.spec.startupProbe && !job.spec.livenessProbe && !job.spec.readinessProbe) continue;
      this.#workers.set(id, new Worker(this.#engine, job, this.#event, this.#changed));
    }
  }

  /** Stops every worker. */
  async stop(): Promise<void> {
    const ws = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.allSettled(ws.map((w) => w.stop()));
  }
}
