/**
 * `authorization.k8s.io/v1` self reviews, as `kubectl auth can-i` sends them. rks has no
 * authorizer (no RBAC): every authenticated request is allowed, so a `SelfSubjectAccessReview`
 * is answered `allowed: true` and a `SelfSubjectRulesReview` lists the rules that allow
 * everything (`*`), which is what kube-apiserver answers a cluster-admin. Pure.
 *
 * Source: https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/
 * (SelfSubjectAccessReview, SelfSubjectRulesReview) and `kubectl auth can-i`.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { ApiError } from "./api_error.ts";

/** The `status.reason` of every access review rks answers. */
export const ALLOW_ALL_REASON = "rks has no authorization: every authenticated request is allowed";

const apiVersion = "authorization.k8s.io/v1";

function metaOf(body: Record<string, unknown>): Record<string, unknown> {
  const meta = isRecord(body.metadata) ? body.metadata : {};
  return { ...meta, creationTimestamp: null };
}

/**
 * The answer to a `SelfSubjectAccessReview` create: the request with `status.allowed: true`.
 * Throws 422 Invalid when the spec names neither or both of `resourceAttributes` and
 * `nonResourceAttributes` (kube's validation, same messages).
 *
 * @example
 * ```ts
 * import { selfSubjectAccessReview } from "./access_review.ts";
 * import assert from "node:assert/strict";
 * const r = selfSubjectAccessReview({
 *   spec: { resourceAttributes: { namespace: "default", verb: "create", resource: "pods" } },
 * });
 * assert.equal((r.status as { allowed: boolean }).allowed, true);
 * ```
 */
export function selfSubjectAccessReview(body: Record<string, unknown>): Record<string, unknown> {
  const spec = isRecord(body.spec) ? body.spec : {};
  const res = spec.resourceAttributes;
  const nonRes = spec.nonResourceAttributes;
  const hasRes = res !== undefined && res !== null;
  const hasNonRes = nonRes !== undefined && nonRes !== null;
  if (hasRes === hasNonRes) {
    throw ApiError.invalid("authorization.k8s.io", "SelfSubjectAccessReview", "", [
      hasRes
        ? {
          reason: "FieldValueInvalid",
          message: `Invalid value: ${
            JSON.stringify(nonRes)
          }: cannot be specified in combination with resourceAttributes`,
          field: "spec.nonResourceAttributes",
        }
        : {
          reason: "FieldValueInvalid",
          message:
            `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
          field: "spec.resourceAttributes",
        },
    ]);
  }
  return {
    kind: "SelfSubjectAccessReview",
    apiVersion,
    metadata: metaOf(body),
    spec,
    status: { allowed: true, reason: ALLOW_ALL_REASON },
  };
}

/**
 * The answer to a `SelfSubjectRulesReview` create (`kubectl auth can-i --list`): every verb on
 * every resource of every group, and every verb on every non-resource URL (the answer carries
 * no spec, as kube-apiserver's). Throws 400 BadRequest without `spec.namespace`, as kube's.
 *
 * @example
 * ```ts
 * import { selfSubjectRulesReview } from "./access_review.ts";
 * import assert from "node:assert/strict";
 * const r = selfSubjectRulesReview({ spec: { namespace: "default" } });
 * const status = r.status as { resourceRules: { verbs: string[] }[] };
 * assert.deepEqual(status.resourceRules[0]!.verbs, ["*"]);
 * ```
 */
export function selfSubjectRulesReview(body: Record<string, unknown>): Record<string, unknown> {
  const spec = isRecord(body.spec) ? body.spec : {};
  if (typeof spec.namespace !== "string" || spec.namespace === "") {
    throw ApiError.badRequest("no namespace on request");
  }
  return {
    kind: "SelfSubjectRulesReview",
    apiVersion,
    metadata: metaOf(body),
    spec: {},
    status: {
      resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
      nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
      incomplete: false,
    },
  };
}
