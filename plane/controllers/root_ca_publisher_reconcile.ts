/**
 * `planRootCaConfigMap`: what kube-controller-manager's root-ca-cert-publisher
 * (pkg/controller/certificates/rootcacertpublisher) does for one namespace — create the
 * `kube-root-ca.crt` ConfigMap with the cluster CA under `ca.crt` and its description
 * annotation, or put the CA and the annotation back when they differ. Pure.
 *
 * @module
 */
import type { KubeObject } from "../store/kube_object.ts";

/** The ConfigMap's name (`RootCACertConfigMapName`). */
export const ROOT_CA_CONFIG_MAP_NAME = "kube-root-ca.crt";

/** The annotation key (`DescriptionAnnotation`). */
export const DESCRIPTION_ANNOTATION = "kubernetes.io/description";

/** The annotation's text, as upstream. */
export const ROOT_CA_DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/** What to do in one namespace. */
export type RootCaAction =
  | { type: "none" }
  | { type: "create"; configMap: KubeObject }
  | { type: "update"; configMap: KubeObject };

/**
 * Plans the `kube-root-ca.crt` ConfigMap of `namespace` from the current one (`undefined`:
 * absent) and the CA (PEM). An update keeps everything else of the object (labels, other
 * annotations, its resourceVersion for the compare) and replaces `data` with exactly `ca.crt`.
 *
 * @example
 * ```ts
 * import { planRootCaConfigMap } from "./root_ca_publisher_reconcile.ts";
 * import assert from "node:assert/strict";
 * const created = planRootCaConfigMap("team", undefined, "PEM");
 * assert.equal(created.type, "create");
 * const cm = created.type === "create" ? created.configMap : undefined!;
 * assert.deepEqual(cm.data, { "ca.crt": "PEM" });
 * assert.equal(planRootCaConfigMap("team", cm, "PEM").type, "none");
 * assert.equal(planRootCaConfigMap("team", { ...cm, data: { "ca.crt": "old" } }, "PEM").type, "update");
 * ```
 */
export function planRootCaConfigMap(
  namespace: string,
  current: KubeObject | undefined,
  rootCa: string,
): RootCaAction {
  const data = { "ca.crt": rootCa };
  if (!current) {
    return {
      type: "create",
      configMap: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: ROOT_CA_CONFIG_MAP_NAME,
          namespace,
          annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION },
        },
        data,
      },
    };
  }
  const have = current.data;
  const same = typeof have === "object" && have !== null && !Array.isArray(have) &&
    Object.keys(have).length === 1 && (have as Record<string, unknown>)["ca.crt"] === rootCa;
  const annotations = current.metadata.annotations ?? {};
  if (same && (annotations[DESCRIPTION_ANNOTATION] ?? "") !== "") return { type: "none" };
  return {
    type: "update",
    configMap: {
      ...structuredClone(current),
      metadata: {
        ...structuredClone(current.metadata),
        annotations: { ...annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION },
      },
      data,
    },
  };
}
