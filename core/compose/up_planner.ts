/**
 * The pure planner of `rkl compose up`: desired replicas (service, replica, config hash) against
 * the project's pods (from the store) → what to create, recreate, keep or remove, with reasons.
 *
 * @module
 */

/** A replica the model wants. */
export interface DesiredReplica {
  /** Service name. */
  service: string;
  /** 1-based replica number. */
  replica: number;
  /** Config hash of the service. */
  hash: string;
}

/** A pod of the project as found in the store. */
export interface ObservedReplica {
  /** Pod name. */
  pod: string;
  /** Service label. */
  service: string;
  /** Replica label. */
  replica: number;
  /** Config hash annotation. */
  hash: string;
  /** True when its sandbox is ready and its container runs (or is starting). */
  running: boolean;
}

/** One planned step. */
export type UpAction =
  | { kind: "create"; service: string; replica: number; reason: string }
  | { kind: "recreate"; service: string; replica: number; pod: string; reason: string }
  | { kind: "keep"; service: string; replica: number; pod: string }
  | { kind: "remove"; service: string; replica: number; pod: string; reason: string }
  | { kind: "orphan"; service: string; pod: string };

/** Options of {@linkcode planUp}. */
export interface PlanUpOptions {
  /** `--force-recreate`. */
  forceRecreate?: boolean;
  /** `--remove-orphans`: pods of services not in the model are removed. */
  removeOrphans?: boolean;
  /** Services in the model (for telling orphans from services that are only not selected). */
  modelServices: readonly string[];
  /** The services `up` acts on (all when empty). */
  selected?: readonly string[];
}

/**
 * Plans `up`: a missing replica is created; one whose config hash differs (or with
 * `forceRecreate`) or that is not running is recreated; one that runs with the same hash is kept;
 * replicas above the wanted count are removed; pods of services that are no longer in the model
 * are orphans (removed with `removeOrphans`, else reported).
 *
 * @example
 * ```ts
 * import { planUp } from "./up_planner.ts";
 * import assert from "node:assert/strict";
 * const actions = planUp(
 *   [{ service: "web", replica: 1, hash: "b" }, { service: "db", replica: 1, hash: "x" }],
 *   [
 *     { pod: "p-web-1", service: "web", replica: 1, hash: "a", running: true },
 *     { pod: "p-db-1", service: "db", replica: 1, hash: "x", running: true },
 *   ],
 *   { modelServices: ["web", "db"] },
 * );
 * assert.deepEqual(actions.map((a) => a.kind), ["recreate", "keep"]);
 * ```
 */
export function planUp(
  desired: readonly DesiredReplica[],
  observed: readonly ObservedReplica[],
  opts: PlanUpOptions,
): UpAction[] {
  const out: UpAction[] = [];
  const selected = new Set(opts.selected ?? []);
  const inScope = (s: string) => selected.size === 0 || selected.has(s);
  const byKey = new Map(observed.map((o) => [`${o.service}/${o.replica}`, o]));
  const wanted = new Set<string>();
  for (const d of desired) {
    if (!inScope(d.service)) continue;
    const key = `${d.service}/${d.replica}`;
    wanted.add(key);
    const o = byKey.get(key);
    if (!o) {
      out.push({ kind: "create", service: d.service, replica: d.replica, reason: "not created" });
    } else if (opts.forceRecreate) {
      out.push({ ...base(o), kind: "recreate", reason: "--force-recreate" });
    } else if (o.hash !== d.hash) {
      out.push({ ...base(o), kind: "recreate", reason: "configuration changed" });
    } else if (!o.running) {
      out.push({ ...base(o), kind: "recreate", reason: "not running" });
    } else {
      out.push({ ...base(o), kind: "keep" });
    }
  }
  const modelServices = new Set(opts.modelServices);
  for (const o of observed) {
    if (wanted.has(`${o.service}/${o.replica}`)) continue;
    if (!modelServices.has(o.service)) {
      if (opts.removeOrphans) {
        out.push({ ...base(o), kind: "remove", reason: "orphan (service not in the model)" });
      } else out.push({ kind: "orphan", service: o.service, pod: o.pod });
      continue;
    }
    if (!inScope(o.service)) continue;
    out.push({ ...base(o), kind: "remove", reason: "scaled down" });
  }
  return out;
}

function base(o: ObservedReplica): { service: string; replica: number; pod: string } {
  return { service: o.service, replica: o.replica, pod: o.pod };
}
