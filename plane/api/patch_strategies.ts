/**
 * The `patchStrategy` / `patchMergeKey` tags of the Kubernetes API types that rks serves, as
 * data: which lists merge by a key (`containers` by `name`, `ports` by `containerPort`, ...),
 * which merge as sets of scalars (`finalizers`), which maps clear unlisted keys
 * (`retainKeys`), and which struct type each field holds. Fields not listed here follow the
 * defaults of strategic merge patch: objects merge key by key, lists are replaced whole.
 *
 * Used by strategic merge patch and by server-side apply (the same keys identify list items
 * in `managedFields`).
 *
 * Source: the `+patchMergeKey` / `+patchStrategy` markers in `k8s.io/api/core/v1/types.go`,
 * `k8s.io/api/apps/v1/types.go` and `k8s.io/apimachinery/pkg/apis/meta/v1/types.go` (also
 * published as `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy` in the OpenAPI
 * documents); https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 *
 * @module
 */

/** How strategic merge patch treats one field. */
export interface FieldPatchMeta {
  /**
   * `merge`: a list merged item by item (by `mergeKey` for objects, as a set for scalars);
   * `retainKeys`: a map whose keys missing from the patch's `$retainKeys` are cleared;
   * `merge,retainKeys`: both (each list item honours `$retainKeys`);
   * `replace`: replaced whole. Absent: the SMP default (maps merge, lists replace).
   */
  strategy?: "merge" | "retainKeys" | "merge,retainKeys" | "replace";
  /** The field of each list item that identifies it (`name`, `containerPort`, ...). */
  mergeKey?: string;
  /** The struct type of the value (or of each list item), a key of {@linkcode PATCH_TYPES}. */
  type?: string;
}

/** One struct type: its fields that differ from the SMP defaults or hold other structs. */
export type PatchTypeMeta = Readonly<Record<string, FieldPatchMeta>>;

const merge = (mergeKey?: string, type?: string): FieldPatchMeta => ({
  strategy: "merge",
  ...(mergeKey === undefined ? {} : { mergeKey }),
  ...(type === undefined ? {} : { type }),
});

const meta: FieldPatchMeta = { type: "ObjectMeta" };

/**
 * Patch metadata per struct type of the served kinds. Keys are Go type names (`PodSpec`,
 * `Container`) or kinds (`Pod`, `Deployment`) for the roots.
 *
 * @example
 * ```ts
 * import { PATCH_TYPES } from "./patch_strategies.ts";
 * import assert from "node:assert/strict";
 * assert.equal(PATCH_TYPES.Container?.ports?.mergeKey, "containerPort");
 * ```
 */
export const PATCH_TYPES: Readonly<Record<string, PatchTypeMeta>> = {
  ObjectMeta: {
    ownerReferences: merge("uid"),
    finalizers: merge(),
  },
  Pod: { metadata: meta, spec: { type: "PodSpec" }, status: { type: "PodStatus" } },
  PodTemplateSpec: { metadata: meta, spec: { type: "PodSpec" } },
  PodSpec: {
    volumes: { strategy: "merge,retainKeys", mergeKey: "name" },
    initContainers: merge("name", "Container"),
    containers: merge("name", "Container"),
    ephemeralContainers: merge("name", "Container"),
    imagePullSecrets: merge("name"),
    hostAliases: merge("ip"),
    topologySpreadConstraints: merge("topologyKey"),
    resourceClaims: { strategy: "merge,retainKeys", mergeKey: "name" },
    schedulingGates: merge("name"),
  },
  Container: {
    ports: merge("containerPort"),
    env: merge("name"),
    volumeMounts: merge("mountPath"),
    volumeDevices: merge("devicePath"),
  },
  PodStatus: {
    conditions: merge("type"),
    podIPs: merge("ip"),
    hostIPs: merge("ip"),
    resourceClaimStatuses: { strategy: "merge,retainKeys", mergeKey: "name" },
  },
  Deployment: {
    metadata: meta,
    spec: { type: "DeploymentSpec" },
    status: { type: "DeploymentStatus" },
  },
  DeploymentSpec: {
    template: { type: "PodTemplateSpec" },
    strategy: { strategy: "retainKeys" },
  },
  DeploymentStatus: { conditions: merge("type") },
  ReplicaSet: {
    metadata: meta,
    spec: { type: "ReplicaSetSpec" },
    status: { type: "ReplicaSetStatus" },
  },
  ReplicaSetSpec: { template: { type: "PodTemplateSpec" } },
  ReplicaSetStatus: { conditions: merge("type") },
  Service: { metadata: meta, spec: { type: "ServiceSpec" }, status: { type: "ServiceStatus" } },
  ServiceSpec: { ports: merge("port") },
  ServiceStatus: { conditions: merge("type") },
  Node: { metadata: meta, spec: { type: "NodeSpec" }, status: { type: "NodeStatus" } },
  NodeSpec: { podCIDRs: merge() },
  NodeStatus: { conditions: merge("type"), addresses: merge("type") },
  Namespace: { metadata: meta, status: { type: "NamespaceStatus" } },
  NamespaceStatus: { conditions: merge("type") },
  ServiceAccount: { metadata: meta, secrets: merge("name") },
  ConfigMap: { metadata: meta },
  Secret: { metadata: meta },
  Endpoints: { metadata: meta },
  EndpointSlice: { metadata: meta },
  Event: { metadata: meta },
  Lease: { metadata: meta },
  Scale: { metadata: meta },
  Binding: { metadata: meta },
};

/** The metadata of an unknown kind: only `metadata` is typed. */
const UNKNOWN_ROOT: PatchTypeMeta = { metadata: meta };

/**
 * The patch metadata of a kind's root object; kinds rks does not know get the SMP defaults
 * plus `ObjectMeta` for `metadata`.
 *
 * @example
 * ```ts
 * import { patchTypeOf, PATCH_TYPES } from "./patch_strategies.ts";
 * import assert from "node:assert/strict";
 * assert.equal(patchTypeOf("Pod"), PATCH_TYPES.Pod);
 * assert.equal(patchTypeOf("Widget").metadata?.type, "ObjectMeta");
 * ```
 */
export function patchTypeOf(kind: string): PatchTypeMeta {
  return PATCH_TYPES[kind] ?? UNKNOWN_ROOT;
}

/**
 * The metadata of field `field` inside a value of struct type `type` (`undefined` type or
 * unknown field: the SMP defaults, `{}`; a type name not in {@linkcode PATCH_TYPES} is an
 * unknown kind's root, whose `metadata` is still `ObjectMeta`).
 *
 * @example
 * ```ts
 * import { fieldPatchMeta } from "./patch_strategies.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(fieldPatchMeta("PodSpec", "containers"), {
 *   strategy: "merge", mergeKey: "name", type: "Container",
 * });
 * assert.deepEqual(fieldPatchMeta("PodSpec", "tolerations"), {});
 * ```
 */
export function fieldPatchMeta(type: string | undefined, field: string): FieldPatchMeta {
  if (type === undefined) return {};
  return (PATCH_TYPES[type] ?? UNKNOWN_ROOT)[field] ?? {};
}
