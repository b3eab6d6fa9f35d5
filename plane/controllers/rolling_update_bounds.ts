/**
 * `maxSurge` / `maxUnavailable` of a Deployment resolved to pod counts
 * (`deploymentutil.ResolveFenceposts`, `MaxSurge`, `MaxUnavailable` in kube-controller-manager).
 *
 * @module
 */
import { RkError } from "../../core/errors.ts";
import type { Deployment } from "./_objects.ts";

/** An `intstr` value that is neither an integer nor `"<int>%"`. */
export class IntOrPercentError extends RkError {
  /** The offending value. */
  readonly value: unknown;
  /** Field path, e.g. `spec.strategy.rollingUpdate.maxSurge`. */
  readonly field: string;
  /** Builds the error. */
  constructor(field: string, value: unknown) {
    super(
      `${field}: invalid value ${
        JSON.stringify(value)
      }: expected an integer or a percentage like "25%"`,
    );
    this.name = "IntOrPercentError";
    this.value = value;
    this.field = field;
  }
}

/**
 * Scales an `intstr` against `total`: integers as they are, `"N%"` as `N * total / 100`
 * rounded up (`roundUp`, used for maxSurge) or down (maxUnavailable), as
 * `intstr.GetScaledValueFromIntOrPercent`. Throws {@linkcode IntOrPercentError}.
 *
 * @example
 * ```ts
 * import { scaledValue } from "./rolling_update_bounds.ts";
 * import assert from "node:assert/strict";
 * assert.equal(scaledValue("25%", 10, true, "f"), 3);
 * assert.equal(scaledValue("25%", 10, false, "f"), 2);
 * assert.equal(scaledValue(4, 10, false, "f"), 4);
 * ```
 */
export function scaledValue(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
  field: string,
): number {
  if (value === undefined) return 0;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  const m = typeof value === "string" ? /^(\d+)%$/.exec(value) : null;
  if (!m) throw new IntOrPercentError(field, value);
  const v = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(v) : Math.floor(v);
}

/**
 * `[maxSurge, maxUnavailable]` in pods for `d` (defaults 25% each as the API defaults them;
 * Recreate gives `[0, 0]`). When both resolve to 0, maxUnavailable becomes 1 so a rollout can
 * progress (upstream `ResolveFenceposts`). Throws {@linkcode IntOrPercentError}.
 *
 * @example
 * ```ts
 * import { resolveFenceposts } from "./rolling_update_bounds.ts";
 * import assert from "node:assert/strict";
 * const d = { metadata: {}, spec: { replicas: 10, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } } } };
 * assert.deepEqual(resolveFenceposts(d), [3, 2]);
 * ```
 */
export function resolveFenceposts(d: Deployment): [number, number] {
  if (d.spec.strategy?.type === "Recreate") return [0, 0];
  const ru = d.spec.strategy?.rollingUpdate ?? {};
  const replicas = d.spec.replicas ?? 1;
  const surge = scaledValue(
    ru.maxSurge ?? "25%",
    replicas,
    true,
    "spec.strategy.rollingUpdate.maxSurge",
  );
  let unavailable = scaledValue(
    ru.maxUnavailable ?? "25%",
    replicas,
    false,
    "spec.strategy.rollingUpdate.maxUnavailable",
  );
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/**
 * Most pods that may be unavailable during a rolling update: maxUnavailable, capped at
 * `spec.replicas`; 0 for Recreate or 0 replicas (upstream `MaxUnavailable`).
 *
 * @example
 * ```ts
 * import { maxUnavailable } from "./rolling_update_bounds.ts";
 * import assert from "node:assert/strict";
 * assert.equal(maxUnavailable({ metadata: {}, spec: { replicas: 1, strategy: { rollingUpdate: { maxUnavailable: 3 } } } }), 1);
 * ```
 */
export function maxUnavailable(d: Deployment): number {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === "Recreate" || replicas === 0) return 0;
  const u = resolveFenceposts(d)[1];
  return u > replicas ? replicas : u;
}

/**
 * Most pods above `spec.replicas` during a rolling update (0 for Recreate; upstream `MaxSurge`).
 *
 * @example
 * ```ts
 * import { maxSurge } from "./rolling_update_bounds.ts";
 * import assert from "node:assert/strict";
 * assert.equal(maxSurge({ metadata: {}, spec: { replicas: 3 } }), 1);
 * ```
 */
export function maxSurge(d: Deployment): number {
  if (d.spec.strategy?.type === "Recreate") return 0;
  return resolveFenceposts(d)[0];
}
