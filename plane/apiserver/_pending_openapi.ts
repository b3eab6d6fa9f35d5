// Placeholder until apiprint lands plane/api/openapi/mod.ts (same exported names); delete then.
// Just enough for kubectl's --validate=strict: a PATCH operation per kind that has the
// fieldValidation parameter and the x-kubernetes-group-version-kind extension.
import { apiResources } from "../api/resources.ts";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** `/openapi/v3`. */
export function openapiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of apiResources) {
    const p = gvPath(r.group, r.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=0000000000000001` };
  }
  return { paths };
}

/** `/openapi/v3/{api/v1 | apis/g/v}`. */
export function openapiV3Document(groupVersionPath: string): Record<string, unknown> | undefined {
  const rs = apiResources.filter((r) => gvPath(r.group, r.version) === groupVersionPath);
  if (rs.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of rs) {
    const ns = r.namespaced ? "/namespaces/{namespace}" : "";
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const op = (action: string) => ({
      "x-kubernetes-group-version-kind": gvk,
      "x-kubernetes-action": action,
      parameters: [{ name: "fieldValidation", in: "query", schema: { type: "string" } }],
      responses: { "200": { description: "OK" } },
    });
    paths[`/${groupVersionPath}${ns}/${r.resource}/{name}`] = {
      patch: op("patch"),
      put: op("put"),
    };
    paths[`/${groupVersionPath}${ns}/${r.resource}`] = { post: op("post") };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.4+rk8s" },
    paths,
    components: { schemas: {} },
  };
}
