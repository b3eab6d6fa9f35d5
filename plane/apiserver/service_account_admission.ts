/**
 * `ServiceAccountAdmission`: kube-apiserver's `ServiceAccount` admission plugin
 * (plugin/pkg/admission/serviceaccount/admission.go) for pods being created:
 *
 * - a pod without `spec.serviceAccountName` gets `default` (the deprecated
 *   `spec.serviceAccount` follows it);
 * - the service account must exist, else 403 `error looking up service account NS/NAME:
 *   serviceaccount "NAME" not found`;
 * - a pod without `imagePullSecrets` gets the service account's;
 * - unless `automountServiceAccountToken` is false (the pod's wins over the service
 *   account's), the `kube-api-access-<5 random>` projected volume (a 3607 s service-account
 *   token at `token`, `ca.crt` from the `kube-root-ca.crt` ConfigMap, the namespace from the
 *   downward API, mode 0644) is added and mounted read-only at
 *   `/var/run/secrets/kubernetes.io/serviceaccount` in every init and app container that has no
 *   mount there yet ({@linkcode mountServiceAccountToken}).
 *
 * Mirror pods (annotation `kubernetes.io/config.mirror`) are left alone, as upstream. An update
 * keeps the service account the pod was created with.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { ApiError } from "./api_error.ts";
import type { ApiObject } from "./object_codec.ts";
import { generateName } from "./object_prepare.ts";
import { WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS } from "./service_account_claims.ts";

/** Where the token volume is mounted (`DefaultAPITokenMountPath`). */
export const SERVICE_ACCOUNT_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The prefix of the token volume's name (`ServiceAccountVolumeName`). */
export const SERVICE_ACCOUNT_VOLUME_PREFIX = "kube-api-access-";

/** The ConfigMap the root CA publisher keeps in every namespace. */
export const ROOT_CA_CONFIG_MAP = "kube-root-ca.crt";

const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

type Obj = Record<string, unknown>;

/**
 * The projected volume of the service-account token (`TokenVolumeSource`), with the defaults
 * the API server stores.
 *
 * @example
 * ```ts
 * import { serviceAccountTokenVolume } from "./service_account_admission.ts";
 * import assert from "node:assert/strict";
 * const v = serviceAccountTokenVolume("kube-api-access-abcde");
 * assert.equal((v.projected as { defaultMode: number }).defaultMode, 420);
 * ```
 */
export function serviceAccountTokenVolume(name: string): Obj {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        {
          serviceAccountToken: {
            expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
            path: "token",
          },
        },
        {
          configMap: {
            name: ROOT_CA_CONFIG_MAP,
            items: [{ key: "ca.crt", path: "ca.crt" }],
          },
        },
        {
          downwardAPI: {
            items: [{
              path: "namespace",
              fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" },
            }],
          },
        },
      ],
    },
  };
}

/**
 * Adds the token volume and its mounts to a pod spec, in place, as `mountServiceAccountToken`
 * does: an existing `kube-api-access-*` volume is reused, a container with a mount at
 * {@linkcode SERVICE_ACCOUNT_MOUNT_PATH} is left as it is, and the volume is added only when a
 * container got the mount. `newName` gives the volume's name when one is needed.
 *
 * @example
 * ```ts
 * import { mountServiceAccountToken } from "./service_account_admission.ts";
 * import assert from "node:assert/strict";
 * const spec: Record<string, unknown> = { containers: [{ name: "a" }], initContainers: [{ name: "i" }] };
 * mountServiceAccountToken(spec, () => "kube-api-access-xyz12");
 * assert.deepEqual((spec.containers as { volumeMounts: unknown[] }[])[0]!.volumeMounts, [
 *   { name: "kube-api-access-xyz12", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" },
 * ]);
 * assert.equal((spec.volumes as { name: string }[])[0]!.name, "kube-api-access-xyz12");
 * ```
 */
export function mountServiceAccountToken(spec: Obj, newName: () => string): void {
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  const existing = volumes.find((v) =>
    isRecord(v) && typeof v.name === "string" && v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX)
  ) as Obj | undefined;
  const name = existing ? String(existing.name) : newName();
  let needed = false;
  for (const list of ["initContainers", "containers"]) {
    const cs = spec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      if (!isRecord(c)) continue;
      const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
      if (mounts.some((m) => isRecord(m) && m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, {
        name,
        readOnly: true,
        mountPath: SERVICE_ACCOUNT_MOUNT_PATH,
      }];
      needed = true;
    }
  }
  if (!existing && needed) spec.volumes = [...volumes, serviceAccountTokenVolume(name)];
}

/**
 * Whether the token is mounted: the pod's `automountServiceAccountToken` if set, else the
 * service account's, else true (`shouldAutomount`).
 *
 * @example
 * ```ts
 * import { shouldAutomount } from "./service_account_admission.ts";
 * import assert from "node:assert/strict";
 * assert.equal(shouldAutomount({ automountServiceAccountToken: false }, {}), false);
 * assert.equal(shouldAutomount({ automountServiceAccountToken: false }, { automountServiceAccountToken: true }), true);
 * assert.equal(shouldAutomount({}, {}), true);
 * ```
 */
export function shouldAutomount(sa: Obj, podSpec: Obj): boolean {
  if (typeof podSpec.automountServiceAccountToken === "boolean") {
    return podSpec.automountServiceAccountToken;
  }
  if (typeof sa.automountServiceAccountToken === "boolean") return sa.automountServiceAccountToken;
  return true;
}

/** Options of {@linkcode ServiceAccountAdmission}. */
export interface ServiceAccountAdmissionOptions {
  /** Reads a service account (`undefined`: absent). */
  serviceAccount(namespace: string, name: string): Promise<ApiObject | undefined>;
  /**
   * Add the token volume and mounts (`MountServiceAccountToken`). rks's switch
   * `--service-account-token-volume`, off until nodes mount projected volumes.
   */
  mountToken: boolean;
}

const PODS = { group: "", resource: "pods" };

/** The ServiceAccount admission plugin. */
export class ServiceAccountAdmission {
  readonly #o: ServiceAccountAdmissionOptions;

  /** Creates the plugin. */
  constructor(o: ServiceAccountAdmissionOptions) {
    this.#o = o;
  }

  /** Whether pods get the token volume. */
  get mountToken(): boolean {
    return this.#o.mountToken;
  }

  /**
   * Admits a pod (mutates it): on create (`old` undefined) as described in the module doc, on
   * update keeps the old service account. Throws 403 when the service account does not exist.
   */
  async admitPod(pod: ApiObject, old?: ApiObject): Promise<void> {
    if (!isRecord(pod.spec)) pod.spec = {};
    const spec = pod.spec as Obj;
    const annotations = isRecord(pod.metadata.annotations) ? pod.metadata.annotations : {};
    if (old !== undefined) {
      const was = isRecord(old.spec) ? old.spec : {};
      if (
        (spec.serviceAccountName === undefined || spec.serviceAccountName === "") &&
        typeof was.serviceAccountName === "string"
      ) {
        spec.serviceAccountName = was.serviceAccountName;
        spec.serviceAccount = was.serviceAccountName;
      }
      return;
    }
    if (typeof annotations[MIRROR_POD_ANNOTATION] === "string") return;
    if (typeof spec.serviceAccountName !== "string" || spec.serviceAccountName === "") {
      spec.serviceAccountName = "default";
    }
    const name = spec.serviceAccountName as string;
    spec.serviceAccount = name;
    const ns = String(pod.metadata.namespace ?? "default");
    const sa = await this.#o.serviceAccount(ns, name);
    if (!sa) {
      throw ApiError.forbidden(
        PODS,
        String(pod.metadata.name ?? ""),
        `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`,
      );
    }
    const pullSecrets = spec.imagePullSecrets;
    if (
      (!Array.isArray(pullSecrets) || pullSecrets.length === 0) &&
      Array.isArray(sa.imagePullSecrets) && sa.imagePullSecrets.length > 0
    ) {
      spec.imagePullSecrets = structuredClone(sa.imagePullSecrets);
    }
    if (this.#o.mountToken && shouldAutomount(sa, spec)) {
      mountServiceAccountToken(spec, () => generateName(SERVICE_ACCOUNT_VOLUME_PREFIX));
    }
  }
}
