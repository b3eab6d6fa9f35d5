/**
 * `podObjectRefs`: the ConfigMaps and Secrets a pod refers to — what the Node authorizer's
 * graph links a node to through its pods (`VisitPodConfigmapNames`/`VisitPodSecretNames` in
 * `pkg/api/v1/pod`): `env[].valueFrom.configMapKeyRef`/`secretKeyRef` and
 * `envFrom[].configMapRef`/`secretRef` of every container, init container and ephemeral
 * container, `configMap`/`secret` volumes and the `configMap`/`secret` sources of `projected`
 * volumes, and `imagePullSecrets`. Also the pod's ServiceAccount when a projected
 * `serviceAccountToken` source needs a token for it. Pure.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/** What a pod refers to, each a name in the pod's namespace. */
export interface PodObjectRefs {
  /** The pod's namespace. */
  namespace: string;
  /** ConfigMap names. */
  configMaps: Set<string>;
  /** Secret names. */
  secrets: Set<string>;
  /** ServiceAccount names a projected token is requested for (at most the pod's own). */
  serviceAccountTokens: Set<string>;
}

type Obj = Record<string, unknown>;

function records(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function nameOf(v: unknown, key = "name"): string | undefined {
  return isRecord(v) && typeof v[key] === "string" && v[key] !== "" ? v[key] as string : undefined;
}

/**
 * The objects `pod` (an API Pod object) refers to.
 *
 * @example
 * ```ts
 * import { podObjectRefs } from "./pod_object_refs.ts";
 * import assert from "node:assert/strict";
 * const refs = podObjectRefs({
 *   metadata: { namespace: "shop" },
 *   spec: {
 *     containers: [{ envFrom: [{ configMapRef: { name: "cfg" } }],
 *       env: [{ name: "P", valueFrom: { secretKeyRef: { name: "db", key: "pw" } } }] }],
 *     volumes: [{ name: "v", projected: { sources: [{ secret: { name: "tls" } }, { serviceAccountToken: { path: "t" } }] } }],
 *   },
 * });
 * assert.equal(refs.namespace, "shop");
 * assert.deepEqual([...refs.configMaps], ["cfg"]);
 * assert.deepEqual([...refs.secrets].sort(), ["db", "tls"]);
 * assert.deepEqual([...refs.serviceAccountTokens], ["default"]);
 * ```
 */
export function podObjectRefs(pod: unknown): PodObjectRefs {
  const meta = isRecord(pod) && isRecord(pod.metadata) ? pod.metadata : {};
  const spec = isRecord(pod) && isRecord(pod.spec) ? pod.spec : {};
  const refs: PodObjectRefs = {
    namespace: typeof meta.namespace === "string" && meta.namespace ? meta.namespace : "default",
    configMaps: new Set(),
    secrets: new Set(),
    serviceAccountTokens: new Set(),
  };
  const add = (set: Set<string>, name: string | undefined) => {
    if (name !== undefined) set.add(name);
  };
  for (const s of records(spec.imagePullSecrets)) add(refs.secrets, nameOf(s));
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    for (const c of records(spec[field])) {
      for (const e of records(c.envFrom)) {
        add(refs.configMaps, nameOf(e.configMapRef));
        add(refs.secrets, nameOf(e.secretRef));
      }
      for (const e of records(c.env)) {
        const vf = isRecord(e.valueFrom) ? e.valueFrom : {};
        add(refs.configMaps, nameOf(vf.configMapKeyRef));
        add(refs.secrets, nameOf(vf.secretKeyRef));
      }
    }
  }
  for (const v of records(spec.volumes)) {
    add(refs.configMaps, nameOf(v.configMap));
    add(refs.secrets, nameOf(v.secret, "secretName"));
    const sources = isRecord(v.projected) ? records(v.projected.sources) : [];
    for (const s of sources) {
      add(refs.configMaps, nameOf(s.configMap));
      add(refs.secrets, nameOf(s.secret));
      if (isRecord(s.serviceAccountToken)) {
        add(refs.serviceAccountTokens, nameOf(spec, "serviceAccountName") ?? "default");
      }
    }
  }
  return refs;
}
