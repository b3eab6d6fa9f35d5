/**
 * The `DefaultTolerationSeconds` admission plugin of kube-apiserver
 * (plugin/pkg/admission/defaulttolerationseconds): a pod created without a toleration of the
 * `node.kubernetes.io/not-ready` or `node.kubernetes.io/unreachable` NoExecute taint gets one,
 * `operator: Exists`, for `--default-not-ready-toleration-seconds` /
 * `--default-unreachable-toleration-seconds` (300 each by default): how long it stays bound to a
 * node that stopped reporting before the node lifecycle controller evicts it.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/** The taint keys the node lifecycle controller sets (`v1.TaintNodeNotReady`, `...Unreachable`). */
export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready";
/** See {@linkcode TAINT_NODE_NOT_READY}. */
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable";

/** Seconds of the added tolerations. */
export interface DefaultTolerationSettings {
  /** `--default-not-ready-toleration-seconds`, default 300. */
  notReadySeconds?: number;
  /** `--default-unreachable-toleration-seconds`, default 300. */
  unreachableSeconds?: number;
}

/**
 * Adds the default tolerations to the pod `obj` (a v1 Pod as JSON) in place, on creation only
 * (`old` undefined), as the plugin's `Admit` does: a toleration with the taint's key (or no key)
 * and effect NoExecute (or no effect) counts as tolerating it.
 *
 * @example
 * ```ts
 * import { admitDefaultTolerations } from "./default_toleration_seconds.ts";
 * import assert from "node:assert/strict";
 * const pod = { spec: { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists" }] } };
 * admitDefaultTolerations(pod, undefined);
 * assert.deepEqual(pod.spec.tolerations, [
 *   { key: "node.kubernetes.io/unreachable", operator: "Exists" },
 *   { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
 * ]);
 * ```
 */
export function admitDefaultTolerations(
  obj: Record<string, unknown>,
  old: unknown,
  settings: DefaultTolerationSettings = {},
): void {
  if (old !== undefined || !isRecord(obj.spec)) return;
  const spec = obj.spec;
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const tolerates = (key: string) =>
    tolerations.some((t) =>
      isRecord(t) && (t.key === key || !t.key) && (t.effect === "NoExecute" || !t.effect)
    );
  const added: Record<string, unknown>[] = [];
  for (
    const [key, seconds] of [
      [TAINT_NODE_NOT_READY, settings.notReadySeconds ?? 300],
      [TAINT_NODE_UNREACHABLE, settings.unreachableSeconds ?? 300],
    ] as const
  ) {
    if (!tolerates(key)) {
      added.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
    }
  }
  if (added.length > 0) spec.tolerations = [...tolerations, ...added];
}
