/**
 * Object validation as kube-apiserver does it before storing: names per kind, labels,
 * annotations, owner references and finalizers, the spec checks of the served kinds, and the
 * fields an update may not change — returned as `details.causes` of a `422 Invalid` Status,
 * worded as kube-apiserver words them. Also the unknown-field walk behind
 * `fieldValidation=Strict|Warn`.
 *
 * Source: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/,
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set,
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set,
 * and `pkg/apis/{core,apps}/validation` of kube-apiserver (messages).
 *
 * @module
 */

import { FieldErrors, type StatusCause } from "./_field_errors.ts";
import {
  validateConfigMap,
  validateDeployment,
  validateEndpoints,
  validateEndpointSlice,
  validateEvent,
  validateLease,
  validatePriorityClass,
  validateReplicaSet,
  validateScale,
  validateSecret,
  validateService,
} from "./_validate_kinds.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./_validate_meta.ts";
import { validatePodSpec, validatePodSpecUpdate } from "./_validate_pod.ts";
import { FieldPath } from "./_field_errors.ts";

export type { StatusCause } from "./_field_errors.ts";
export { TOTAL_ANNOTATION_SIZE_LIMIT_B } from "./_validate_meta.ts";
export { unknownFields } from "./unknown_fields.ts";

/**
 * Validates an object of `kind` (`Pod`, `Deployment`, `Service`, `Namespace`, ...) as
 * kube-apiserver does on create, or on update when `old` (the stored object) is given.
 * Validate after defaulting (as kube-apiserver does): absent policies are not reported, an
 * explicit `""` is `Required value`. An empty result means valid.
 *
 * Rules: `metadata.name` is a DNS-1123 subdomain (a DNS-1123 label for Namespaces, a DNS-1035
 * label for Services), `metadata.namespace` is required for namespaced kinds and forbidden for
 * Namespace and Node; label keys are qualified names and values ≤ 63 characters; annotation
 * keys are qualified names and all annotations together ≤ 256 KiB; pod specs need uniquely
 * named DNS-1123-label containers with images, ports 1–65535, known restart/DNS/pull
 * policies, volumes with one valid source each (configMap/secret names, relative item paths
 * without `..`, modes 0–0777, no duplicate projected paths), mounts of declared volumes at
 * unique paths with a relative `subPath` or `subPathExpr` (not both); Deployments and ReplicaSets need a selector that
 * matches the template's labels and `restartPolicy: Always`; updates may not change name,
 * namespace, uid, a controller's selector, a Service's clusterIP, a Secret's type, or a pod's
 * spec beyond images, activeDeadlineSeconds, tolerations additions and
 * terminationGracePeriodSeconds. For `pods/binding` writes, validate without `old`.
 *
 * @returns causes, e.g. `{reason: "FieldValueInvalid", field: "metadata.name", message:
 *   "Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of ..."}`.
 *
 * @example
 * ```ts
 * import { validateObject } from "./validation.ts";
 * import assert from "node:assert/strict";
 * const causes = validateObject("Pod", {
 *   metadata: { name: "web", namespace: "default" },
 *   spec: { containers: [{ name: "a", image: "nginx" }, { name: "a", image: "redis" }] },
 * });
 * assert.deepEqual(causes, [{
 *   reason: "FieldValueDuplicate", message: 'Duplicate value: "a"', field: "spec.containers[1].name",
 * }]);
 * ```
 */
export function validateObject(
  kind: string,
  obj: Record<string, unknown>,
  old?: Record<string, unknown>,
): StatusCause[] {
  const errs = new FieldErrors();
  validateObjectMeta(errs, kind, obj.metadata);
  if (old !== undefined) validateObjectMetaUpdate(errs, obj.metadata, old.metadata);
  switch (kind) {
    case "Pod":
      validatePodSpec(errs, obj.spec, new FieldPath("spec"));
      if (old !== undefined) validatePodSpecUpdate(errs, obj.spec, old.spec);
      break;
    case "Deployment":
      validateDeployment(errs, obj, old);
      break;
    case "ReplicaSet":
      validateReplicaSet(errs, obj, old);
      break;
    case "Service":
      validateService(errs, obj, old);
      break;
    case "ConfigMap":
      validateConfigMap(errs, obj, old);
      break;
    case "Secret":
      validateSecret(errs, obj, old);
      break;
    case "Lease":
      validateLease(errs, obj);
      break;
    case "PriorityClass":
      validatePriorityClass(errs, obj, old);
      break;
    case "Event":
      validateEvent(errs, obj);
      break;
    case "Endpoints":
      validateEndpoints(errs, obj);
      break;
    case "EndpointSlice":
      validateEndpointSlice(errs, obj);
      break;
    case "Scale":
      validateScale(errs, obj);
      break;
  }
  return errs.list;
}

/**
 * The `message` of the `422 Invalid` Status kube-apiserver sends for `causes`
 * (`apierrors.NewInvalid`): `Pod "web" is invalid: spec.containers[1].name: Duplicate value:
 * "a"`, several causes in `[...]` joined by `, `. `group` is the API group (`""` for core);
 * the kind is written `Deployment.apps` for other groups.
 *
 * @example
 * ```ts
 * import { invalidMessage } from "./validation.ts";
 * import assert from "node:assert/strict";
 * const causes = [{ reason: "FieldValueRequired", message: "Required value", field: "spec.selector" }];
 * assert.equal(
 *   invalidMessage("Deployment", "apps", "web", causes),
 *   'Deployment.apps "web" is invalid: spec.selector: Required value',
 * );
 * ```
 */
export function invalidMessage(
  kind: string,
  group: string,
  name: string,
  causes: readonly StatusCause[],
): string {
  const qualified = group === "" ? kind : `${kind}.${group}`;
  const head = `${qualified} ${JSON.stringify(name)} is invalid`;
  const msgs = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  if (msgs.length === 0) return head;
  if (msgs.length === 1) return `${head}: ${msgs[0]}`;
  return `${head}: [${msgs.join(", ")}]`;
}
