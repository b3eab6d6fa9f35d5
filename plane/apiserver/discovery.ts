/**
 * Discovery documents built from the served resource table: aggregated discovery
 * (`apidiscovery.k8s.io/v2` and `v2beta1` `APIGroupDiscoveryList`) for `/api` and `/apis`, and
 * the legacy `APIVersions`, `APIGroupList` and `APIResourceList` documents. Pure.
 *
 * @module
 */
import {
  type ApiResource,
  apiResources,
  type ApiSubresource,
  subresourceInfo,
} from "../api/resources.ts";

/** The aggregated discovery version a client accepts, or `undefined` for legacy discovery. */
export type DiscoveryVersion = "v2" | "v2beta1" | undefined;

/**
 * Picks the aggregated discovery version from an `Accept` header: `v2` when offered, else
 * `v2beta1`, else legacy (kubectl 1.29 offers only `v2beta1` and fails on `v2`).
 *
 * @example
 * ```ts
 * import { negotiateDiscovery } from "./discovery.ts";
 * import assert from "node:assert/strict";
 * const kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
 *   "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
 * assert.equal(negotiateDiscovery(kubectl), "v2");
 * assert.equal(negotiateDiscovery("application/json"), undefined);
 * ```
 */
export function negotiateDiscovery(accept: string | null): DiscoveryVersion {
  if (!accept) return undefined;
  let found: DiscoveryVersion;
  for (const item of accept.split(",")) {
    const params = new Map(
      item.split(";").slice(1).map((p) => {
        const [k, v] = p.trim().split("=");
        return [k ?? "", v ?? ""] as const;
      }),
    );
    if (params.get("as") !== "APIGroupDiscoveryList") continue;
    if (params.get("g") !== "apidiscovery.k8s.io") continue;
    const v = params.get("v");
    if (v === "v2") return "v2";
    if (v === "v2beta1") found = "v2beta1";
  }
  return found;
}

/** The `Content-Type` of an aggregated discovery answer. */
export function discoveryContentType(v: "v2" | "v2beta1"): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

function subresourceEntry(r: ApiResource, sub: string): ApiSubresource {
  return subresourceInfo(r, sub) ?? {
    subresource: sub,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    verbs: ["get", "patch", "update"],
  };
}

function groupsInOrder(): string[] {
  const out: string[] = [];
  for (const r of apiResources) if (r.group !== "" && !out.includes(r.group)) out.push(r.group);
  return out;
}

function aggregatedGroup(group: string, v: "v2" | "v2beta1"): Record<string, unknown> {
  const rs = apiResources.filter((r) => r.group === group);
  const versions = [...new Set(rs.map((r) => r.version))];
  void v;
  return {
    metadata: group === "" ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      resources: rs.filter((r) => r.version === version).map((r) => ({
        resource: r.resource,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? "Namespaced" : "Cluster",
        singularResource: r.singularName,
        verbs: r.verbs,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length ? { categories: r.categories } : {}),
        ...(r.subresources.length
          ? {
            subresources: r.subresources.map((s) => subresourceEntry(r, s)),
          }
          : {}),
      })),
      freshness: "Current",
    })),
  };
}

/**
 * The aggregated discovery document of `/api` (`core: true`) or `/apis`.
 *
 * @example
 * ```ts
 * import { aggregatedDiscovery } from "./discovery.ts";
 * import assert from "node:assert/strict";
 * const api = aggregatedDiscovery(true, "v2");
 * assert.equal(api.apiVersion, "apidiscovery.k8s.io/v2");
 * const items = api.items as { versions: { resources: { resource: string }[] }[] }[];
 * assert.ok(items[0]!.versions[0]!.resources.some((r) => r.resource === "pods"));
 * ```
 */
export function aggregatedDiscovery(
  core: boolean,
  v: "v2" | "v2beta1",
): Record<string, unknown> {
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${v}`,
    metadata: {},
    items: core ? [aggregatedGroup("", v)] : groupsInOrder().map((g) => aggregatedGroup(g, v)),
  };
}

/** Legacy `/api`: `APIVersions`. */
export function legacyApiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function apiGroup(group: string): Record<string, unknown> {
  const versions = [
    ...new Set(apiResources.filter((r) => r.group === group).map((r) => r.version)),
  ].map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** Legacy `/apis`: `APIGroupList`. */
export function legacyApiGroupList(): Record<string, unknown> {
  return { kind: "APIGroupList", apiVersion: "v1", groups: groupsInOrder().map(apiGroup) };
}

/** Legacy `/apis/{group}`: `APIGroup`, or `undefined` when the group is not served. */
export function legacyApiGroup(group: string): Record<string, unknown> | undefined {
  if (!groupsInOrder().includes(group)) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group) };
}

/**
 * Legacy `/api/v1` or `/apis/{group}/{version}`: `APIResourceList` (subresources as
 * `pods/status` entries), or `undefined` when the group-version is not served.
 *
 * @example
 * ```ts
 * import { apiResourceList } from "./discovery.ts";
 * import assert from "node:assert/strict";
 * const list = apiResourceList("apps", "v1")!;
 * assert.equal(list.groupVersion, "apps/v1");
 * const names = (list.resources as { name: string }[]).map((r) => r.name);
 * assert.ok(names.includes("deployments/scale"));
 * assert.equal(apiResourceList("nope", "v1"), undefined);
 * ```
 */
export function apiResourceList(
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const rs = apiResources.filter((r) => r.group === group && r.version === version);
  if (rs.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of rs) {
    resources.push({
      name: r.resource,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources) {
      const info = subresourceEntry(r, s);
      const kind = info.responseKind;
      resources.push({
        name: `${r.resource}/${s}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(kind.group !== r.group ? { group: kind.group, version: kind.version } : {}),
        kind: kind.kind,
        verbs: info.verbs,
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
