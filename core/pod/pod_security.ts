/**
 * The security settings a pod container runs with: its own `securityContext` over the pod's
 * (`runAsUser`, `runAsGroup`, `runAsNonRoot` fall back to the pod level, as in Kubernetes),
 * plus the pod-only groups (`fsGroup`, `supplementalGroups`). Pure.
 *
 * @module
 */
import type { PodLevelSecurityContext, PodSecurityContext } from "./pod_types.ts";

/** A container's effective security settings. */
export interface EffectiveSecurity extends PodSecurityContext {
  /** Extra groups of the process: `supplementalGroups`, then `fsGroup`, without duplicates. */
  additionalGids: number[];
}

/**
 * Merges the pod-level `securityContext` under a container's own (the container wins).
 *
 * @example
 * ```ts
 * import { effectiveSecurity } from "./pod_security.ts";
 * import assert from "node:assert/strict";
 * const s = effectiveSecurity(
 *   { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] },
 *   { runAsUser: 1001 },
 * );
 * assert.equal(s.runAsUser, 1001);
 * assert.equal(s.runAsGroup, 3000);
 * assert.deepEqual(s.additionalGids, [4000, 2000]);
 * ```
 */
export function effectiveSecurity(
  pod: PodLevelSecurityContext | undefined,
  own: PodSecurityContext,
): EffectiveSecurity {
  const out: EffectiveSecurity = { ...own, additionalGids: [] };
  if (out.runAsUser === undefined && pod?.runAsUser !== undefined) out.runAsUser = pod.runAsUser;
  if (out.runAsGroup === undefined && pod?.runAsGroup !== undefined) {
    out.runAsGroup = pod.runAsGroup;
  }
  if (out.runAsNonRoot === undefined && pod?.runAsNonRoot !== undefined) {
    out.runAsNonRoot = pod.runAsNonRoot;
  }
  for (
    const g of [
      ...pod?.supplementalGroups ?? [],
      ...pod?.fsGroup !== undefined ? [pod.fsGroup] : [],
    ]
  ) {
    if (!out.additionalGids.includes(g)) out.additionalGids.push(g);
  }
  return out;
}
