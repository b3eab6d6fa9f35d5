/**
 * The OpenAPI v3 documents rks serves: `/openapi/v3` (the index) and one document per
 * group-version (`/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`, …), as kube-apiserver 1.32
 * publishes them: `components.schemas` with the kinds of the group-version and everything they
 * reference, and `paths` with every route and its query parameters.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { apiResources } from "../resources.ts";
import { groupVersionPath, resourcePaths } from "./paths.ts";
import { allSchemas, schemaClosure, schemaName } from "./schemas.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

/** Built documents and their hashes, computed on first use (pure: the same for a build). */
let cache: Map<string, { doc: Record<string, unknown>; hash: string }> | undefined;

function build(): Map<string, { doc: Record<string, unknown>; hash: string }> {
  const byPath = new Map<string, typeof apiResources[number][]>();
  for (const r of apiResources) {
    const key = groupVersionPath(r);
    byPath.set(key, [...(byPath.get(key) ?? []), r]);
  }
  const out = new Map<string, { doc: Record<string, unknown>; hash: string }>();
  for (const [path, resources] of byPath) {
    const paths: Record<string, unknown> = {};
    const roots = [`${META}Status`, `${META}DeleteOptions`, `${META}Patch`];
    for (const r of resources) {
      Object.assign(paths, resourcePaths(r));
      const kind = schemaName(r.group, r.version, r.kind);
      roots.push(kind, `${kind}List`);
      if (r.subresources.includes("scale")) roots.push("io.k8s.api.autoscaling.v1.Scale");
      if (r.subresources.includes("binding")) roots.push("io.k8s.api.core.v1.Binding");
    }
    const schemas = Object.fromEntries(schemaClosure(roots).map((n) => [n, allSchemas[n]]));
    const doc = {
      openapi: "3.0.0",
      info: { title: "Kubernetes", version: "unversioned" },
      paths,
      components: {
        schemas,
        securitySchemes: {
          BearerToken: {
            type: "apiKey",
            description: "Bearer Token authentication",
            name: "authorization",
            in: "header",
          },
        },
      },
      security: [{ BearerToken: [] }],
    };
    const hash = createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
    out.set(path, { doc, hash });
  }
  return out;
}

function documents(): Map<string, { doc: Record<string, unknown>; hash: string }> {
  cache ??= build();
  return cache;
}

/**
 * The `/openapi/v3` index: for every served group-version, the URL of its document with a
 * content hash (upper-case hex SHA-512 of the document, as kube-apiserver computes it), so
 * clients cache documents until their content changes. The same content always gives the same
 * hash.
 *
 * Shape: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=…"}, "apis/apps/v1": …}}`.
 *
 * @example
 * ```ts
 * import { openapiV3Index } from "./documents.ts";
 * import assert from "node:assert/strict";
 * const index = openapiV3Index();
 * assert.match(index.paths["apis/apps/v1"]!.serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
 * ```
 */
export function openapiV3Index(): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [path, { hash }] of documents()) {
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

/**
 * The OpenAPI v3 document of one group-version, or `undefined` when rks serves no such
 * group-version (the API server answers 404).
 *
 * The returned object is shared between calls: serialize it, do not modify it.
 *
 * @param groupVersionPath `"api/v1"`, `"apis/apps/v1"`, `"apis/coordination.k8s.io/v1"`, …
 *   (the part of the URL after `/openapi/v3/`, without the query).
 *
 * @example
 * ```ts
 * import { openapiV3Document } from "./documents.ts";
 * import assert from "node:assert/strict";
 * const doc = openapiV3Document("api/v1")!;
 * const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
 * assert.ok("io.k8s.api.core.v1.Pod" in schemas);
 * assert.equal(openapiV3Document("apis/batch/v1"), undefined);
 * ```
 */
export function openapiV3Document(groupVersionPath: string): Record<string, unknown> | undefined {
  return documents().get(groupVersionPath)?.doc;
}
