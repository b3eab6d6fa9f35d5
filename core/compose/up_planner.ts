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
  | { kind: "restart"; service: string; replica: number; pod: string; reason: string }
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
  /**
   * Service → the services that depend on it with `depends_on.<service>.restart: true`: their
   * running replicas are restarted when it is recreated (docker compose stops them before the
   * recreate and starts them after).
   */
  restartDependents?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Plans `up`: a missing replica is created; one whose config hash differs (or with
 * `forceRecreate`) or that is not running is recreated; one that runs with the same hash is kept;
 * replicas above the wanted count are removed; pods of services that are no longer in the model
 * are orphans (removed with `removeOrphans`, else reported). The running replicas of a service
 * that depends with `restart: true` on one whose configuration changed are restarted (docker
 * compose's `depends_on.<service>.restart`, compose#10284).
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
  // depends_on.restart: a dependency whose configuration changed (or was forced) takes its
  // dependents' running replicas down and up with it; they are not recreated.
  const recreated = new Set(
    out.filter((a) => a.kind === "recreate" && a.reason !== "not running").map((a) => a.service),
  );
  for (const dep of [...recreated].sort()) {
    for (const dependent of opts.restartDependents?.[dep] ?? []) {
      if (recreated.has(dependent)) continue;
      const reason = `dependency "${dep}" was recreated (depends_on.${dep}.restart: true)`;
      for (const o of observed) {
        if (o.service !== dependent || !o.running || !modelServices.has(o.service)) continue;
        const i = out.findIndex((a) =>
          a.kind !== "orphan" && a.kind !== "create" && a.pod === o.pod
        );
        const current = i < 0 ? undefined : out[i];
        if (current && current.kind !== "keep") continue;
        const action: UpAction = { ...base(o), kind: "restart", reason };
        if (i < 0) out.push(action);
        else out[i] = action;
      }
    }
  }
  return out;
}

/**
 * Service → the services that depend on it with `restart: true` (compose-go's dependents
 * filtered on `ServiceDependency.Restart`).
 *
 * @example
 * ```ts
 * import { restartDependents } from "./up_planner.ts";
 * import assert from "node:assert/strict";
 * const on = (restart: boolean) => ({ condition: "service_started", restart, required: true });
 * assert.deepEqual(
 *   restartDependents({ web: { dependsOn: { db: on(true) } }, job: { dependsOn: { db: on(false) } }, db: { dependsOn: {} } }),
 *   { db: ["web"] },
 * );
 * ```
 */
export function restartDependents(
  services: Readonly<Record<string, { dependsOn: Readonly<Record<string, { restart: boolean }>> }>>,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, s] of Object.entries(services).sort(([a], [b]) => a < b ? -1 : 1)) {
    for (const [dep, d] of Object.entries(s.dependsOn)) if (d.restart) (out[dep] ??= []).push(name);
  }
  return out;
}

function base(o: ObservedReplica): { service: string; replica: number; pod: string } {
  return { service: o.service, replica: o.replica, pod: o.pod };
}
