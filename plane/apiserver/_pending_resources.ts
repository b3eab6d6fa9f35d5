// Placeholder until apiprint lands plane/api/resources.ts (same exported names); delete then.
/** One served resource, as discovery reports it. */
export interface ApiResource {
  group: string;
  version: string;
  resource: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: string[];
}

const all = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const r = (
  group: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[],
  subresources: string[] = [],
  categories: string[] = [],
): ApiResource => ({
  group,
  version: "v1",
  resource,
  singularName: kind.toLowerCase(),
  kind,
  namespaced,
  shortNames,
  categories,
  verbs: resource === "namespaces" ? all.filter((v) => v !== "deletecollection") : all,
  subresources,
});

/** Every served resource. */
export const apiResources: readonly ApiResource[] = [
  r("", "configmaps", "ConfigMap", true, ["cm"]),
  r("", "endpoints", "Endpoints", true, ["ep"]),
  r("", "events", "Event", true, ["ev"]),
  r("", "namespaces", "Namespace", false, ["ns"], ["status", "finalize"]),
  r("", "nodes", "Node", false, ["no"], ["status"]),
  r("", "pods", "Pod", true, ["po"], ["status", "log", "exec", "binding"], ["all"]),
  r("", "secrets", "Secret", true, []),
  r("", "serviceaccounts", "ServiceAccount", true, ["sa"]),
  r("", "services", "Service", true, ["svc"], ["status"], ["all"]),
  r("apps", "deployments", "Deployment", true, ["deploy"], ["status", "scale"], ["all"]),
  r("apps", "replicasets", "ReplicaSet", true, ["rs"], ["status", "scale"], ["all"]),
  r("coordination.k8s.io", "leases", "Lease", true, []),
  r("discovery.k8s.io", "endpointslices", "EndpointSlice", true, []),
  r("events.k8s.io", "events", "Event", true, ["ev"]),
];

/** The resource served at group/version/resource. */
export function findResource(
  group: string,
  version: string,
  resource: string,
): ApiResource | undefined {
  return apiResources.find((x) =>
    x.group === group && x.version === version && x.resource === resource
  );
}
