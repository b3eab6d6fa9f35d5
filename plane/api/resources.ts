/**
 * The resources rks serves, as kube-apiserver 1.32 reports them in discovery (`kubectl
 * api-resources -o wide` on a 1.32 cluster): group, version, plural, singular, kind, scope, short
 * names, categories and verbs. The API server builds `/api`, `/apis`, `/api/v1` and
 * `/apis/{group}/{version}` from this table, and routes requests with {@linkcode findResource}.
 *
 * Only the subresources rks serves are listed (issue 14): kube-apiserver also has `pods/attach`,
 * `pods/eviction`, `pods/portforward`, `pods/proxy`, `nodes/proxy`, `namespaces/finalize`
 * and `namespaces/status`, which rks does not serve yet.
 *
 * @module
 */

/** One verb of the Kubernetes API, as discovery lists it. */
export type ApiVerb =
  | "create"
  | "delete"
  | "deletecollection"
  | "get"
  | "list"
  | "patch"
  | "update"
  | "watch";

/**
 * One top-level resource, as an entry of discovery (`APIResource` in `/api/v1`,
 * `APIResourceDiscovery` in aggregated discovery).
 */
export interface ApiResource {
  /** API group: `""` for the core group (`/api/v1`), else e.g. `"apps"`. */
  group: string;
  /** API version, e.g. `"v1"`. */
  version: string;
  /** The plural used in URLs, lower case (`"pods"`). */
  resource: string;
  /** The singular name (`"pod"`), as `kubectl get pod` accepts it. */
  singularName: string;
  /** The kind of the objects (`"Pod"`). */
  kind: string;
  /** `true` for `/namespaces/{ns}/…` routes, `false` for cluster-scoped kinds. */
  namespaced: boolean;
  /** Short names kubectl accepts (`["po"]`). */
  shortNames: string[];
  /** Categories; `["all"]` for the resources `kubectl get all` lists. */
  categories: string[];
  /** Verbs, sorted, as kube-apiserver lists them. */
  verbs: string[];
  /**
   * Subresources rks serves (`"status"`, `"scale"`, `"log"`, `"exec"`, `"binding"`,
   * `"eviction"`, `"token"`); their
   * kinds and verbs come from {@linkcode subresourceInfo}.
   */
  subresources: string[];
}

/** Group, version and kind of an object (`responseKind` in aggregated discovery). */
export interface GroupVersionKind {
  /** `""` for the core group. */
  group: string;
  /** e.g. `"v1"`. */
  version: string;
  /** e.g. `"Scale"`. */
  kind: string;
}

/**
 * One subresource as discovery reports it: the kind its requests and responses carry and the
 * verbs it accepts (`subresources[]` of aggregated discovery, `pods/log`-style entries in the
 * legacy `APIResourceList`).
 */
export interface ApiSubresource {
  /** The subresource name (`"status"`). */
  subresource: string;
  /** The kind of the subresource's objects. */
  responseKind: GroupVersionKind;
  /** Verbs, sorted. */
  verbs: string[];
}

const ALL_VERBS: readonly ApiVerb[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

function resource(
  group: string,
  version: string,
  plural: string,
  singularName: string,
  kind: string,
  namespaced: boolean,
  extra: {
    shortNames?: string[];
    categories?: string[];
    verbs?: readonly ApiVerb[];
    subresources?: string[];
  } = {},
): ApiResource {
  return {
    group,
    version,
    resource: plural,
    singularName,
    kind,
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    verbs: [...(extra.verbs ?? ALL_VERBS)],
    subresources: extra.subresources ?? [],
  };
}

/**
 * Every resource issue 14 lists, in the order kube-apiserver 1.32 lists them in discovery (by
 * group, then by plural name). Short names, categories and verbs are kube-apiserver's: the
 * `all` category is on pods, services, deployments and replicasets (and, upstream, on
 * replicationcontrollers, statefulsets, daemonsets, jobs, cronjobs and HPAs, which rks does not
 * serve); namespaces have no `deletecollection` verb.
 *
 * Source: `kubectl api-resources -o wide` against kube-apiserver 1.32; the `ShortNames()`,
 * `Categories()` and storage interfaces in kubernetes/pkg/registry/<group>/<resource>/storage.
 *
 * @example
 * ```ts
 * import { apiResources } from "./resources.ts";
 * import assert from "node:assert/strict";
 * const all = apiResources.filter((r) => r.categories.includes("all")).map((r) => r.resource);
 * assert.deepEqual(all, ["pods", "services", "deployments", "replicasets"]);
 * ```
 */
export const apiResources: readonly ApiResource[] = Object.freeze([
  resource("", "v1", "configmaps", "configmap", "ConfigMap", true, {
    shortNames: ["cm"],
  }),
  resource("", "v1", "endpoints", "endpoints", "Endpoints", true, {
    shortNames: ["ep"],
  }),
  resource("", "v1", "events", "event", "Event", true, {
    shortNames: ["ev"],
  }),
  resource("", "v1", "namespaces", "namespace", "Namespace", false, {
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  }),
  resource("", "v1", "nodes", "node", "Node", false, {
    shortNames: ["no"],
    subresources: ["status"],
  }),
  resource("", "v1", "pods", "pod", "Pod", true, {
    shortNames: ["po"],
    categories: ["all"],
    subresources: ["binding", "eviction", "exec", "log", "status"],
  }),
  resource("", "v1", "secrets", "secret", "Secret", true),
  resource("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {
    shortNames: ["sa"],
    subresources: ["token"],
  }),
  resource("", "v1", "services", "service", "Service", true, {
    shortNames: ["svc"],
    categories: ["all"],
    subresources: ["status"],
  }),
  resource("apps", "v1", "deployments", "deployment", "Deployment", true, {
    shortNames: ["deploy"],
    categories: ["all"],
    subresources: ["scale", "status"],
  }),
  resource("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, {
    shortNames: ["rs"],
    categories: ["all"],
    subresources: ["scale", "status"],
  }),
  resource("coordination.k8s.io", "v1", "leases", "lease", "Lease", true),
  resource(
    "discovery.k8s.io",
    "v1",
    "endpointslices",
    "endpointslice",
    "EndpointSlice",
    true,
  ),
  resource("events.k8s.io", "v1", "events", "event", "Event", true, {
    shortNames: ["ev"],
  }),
  resource("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false, {
    shortNames: ["pc"],
  }),
].map((r) => Object.freeze(r)));

/**
 * The resource served at `/{api|apis/group}/{version}/…/{resource}`, or `undefined`.
 *
 * @param group `""` for the core group.
 * @param version e.g. `"v1"`.
 * @param resource the plural, lower case, as in URLs (`"pods"`); subresources are not accepted here.
 *
 * @example
 * ```ts
 * import { findResource } from "./resources.ts";
 * import assert from "node:assert/strict";
 * assert.equal(findResource("apps", "v1", "deployments")?.kind, "Deployment");
 * assert.equal(findResource("", "v1", "deployments"), undefined);
 * ```
 */
export function findResource(
  group: string,
  version: string,
  resource: string,
): ApiResource | undefined {
  return apiResources.find((r) =>
    r.group === group && r.version === version && r.resource === resource
  );
}

/**
 * The resource of a kind in a group-version (`apiVersion` + `kind` of a body), or `undefined`.
 *
 * @param apiVersion `"v1"` for the core group, else `"group/version"`.
 *
 * @example
 * ```ts
 * import { findResourceByKind } from "./resources.ts";
 * import assert from "node:assert/strict";
 * assert.equal(findResourceByKind("events.k8s.io/v1", "Event")?.group, "events.k8s.io");
 * assert.equal(findResourceByKind("v1", "Event")?.group, "");
 * ```
 */
export function findResourceByKind(
  apiVersion: string,
  kind: string,
): ApiResource | undefined {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  return apiResources.find((r) => r.group === group && r.version === version && r.kind === kind);
}

/**
 * `"v1"` for the core group, else `"group/version"`: the `apiVersion` of a resource's objects.
 *
 * @example
 * ```ts
 * import { apiVersionOf } from "./resources.ts";
 * import assert from "node:assert/strict";
 * assert.equal(apiVersionOf({ group: "", version: "v1" }), "v1");
 * assert.equal(apiVersionOf({ group: "apps", version: "v1" }), "apps/v1");
 * ```
 */
export function apiVersionOf(r: Pick<ApiResource, "group" | "version">): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/**
 * What discovery says about one subresource of a resource: its response kind and verbs, as
 * kube-apiserver 1.32 reports them (`status`: the parent kind with get/patch/update; `scale`:
 * `autoscaling/v1 Scale` with get/patch/update; `pods/log`: `Pod` with get; `pods/exec`:
 * `PodExecOptions` with create/get; `pods/binding`: `Binding` with create;
 * `serviceaccounts/token`: `authentication.k8s.io/v1 TokenRequest` with create;
 * `pods/eviction`: `policy/v1 Eviction` with create).
 *
 * Source: the aggregated discovery of kube-apiserver 1.32 (`kubectl get --raw /api` with
 * `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`).
 *
 * @returns `undefined` when the resource has no such subresource in {@linkcode apiResources}.
 *
 * @example
 * ```ts
 * import { findResource, subresourceInfo } from "./resources.ts";
 * import assert from "node:assert/strict";
 * const deployments = findResource("apps", "v1", "deployments")!;
 * assert.deepEqual(subresourceInfo(deployments, "scale")?.responseKind, {
 *   group: "autoscaling",
 *   version: "v1",
 *   kind: "Scale",
 * });
 * assert.equal(subresourceInfo(deployments, "log"), undefined);
 * ```
 */
export function subresourceInfo(
  r: ApiResource,
  subresource: string,
): ApiSubresource | undefined {
  if (!r.subresources.includes(subresource)) return undefined;
  const own = { group: r.group, version: r.version, kind: r.kind };
  switch (subresource) {
    case "status":
      return { subresource, responseKind: own, verbs: ["get", "patch", "update"] };
    case "scale":
      return {
        subresource,
        responseKind: { group: "autoscaling", version: "v1", kind: "Scale" },
        verbs: ["get", "patch", "update"],
      };
    case "log":
      return { subresource, responseKind: own, verbs: ["get"] };
    case "exec":
      return {
        subresource,
        responseKind: { group: "", version: "v1", kind: "PodExecOptions" },
        verbs: ["create", "get"],
      };
    case "binding":
      return {
        subresource,
        responseKind: { group: "", version: "v1", kind: "Binding" },
        verbs: ["create"],
      };
    case "eviction":
      return {
        subresource,
        responseKind: { group: "policy", version: "v1", kind: "Eviction" },
        verbs: ["create"],
      };
    case "token":
      return {
        subresource,
        responseKind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
        verbs: ["create"],
      };
    default:
      return undefined;
  }
}
