/**
 * `resourceRef` and `resourcePath`: which URL serves a resource (`pods`, `apps/v1/deployments`)
 * and the path of one object, a collection, or a subresource — the REST paths kube-apiserver
 * routes (`/api/v1/namespaces/{ns}/pods/{name}/binding`, `/apis/apps/v1/deployments`, ...).
 *
 * @module
 */
import { RkError } from "../../core/errors.ts";
import { apiResources, apiVersionOf } from "../api/resources.ts";

/** A served resource, as the client addresses it. */
export interface ResourceRef {
  /** API group (`""` for the core group). */
  group: string;
  /** API version (`v1`). */
  version: string;
  /** Plural used in URLs (`pods`). */
  resource: string;
  /** Kind of its objects (`Pod`). */
  kind: string;
  /** `true` for namespaced resources. */
  namespaced: boolean;
  /** `apiVersion` of its objects (`v1`, `apps/v1`). */
  apiVersion: string;
}

/**
 * Finds a served resource by plural (`pods`), `group/plural` (`apps/deployments`) or
 * `group/version/plural` (`events.k8s.io/v1/events`). A bare plural served by several groups
 * (`events`) means the core group's. Throws `RkError` for a resource rks does not serve.
 *
 * @example
 * ```ts
 * import { resourceRef } from "./resource_ref.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resourceRef("deployments").apiVersion, "apps/v1");
 * assert.equal(resourceRef("events").group, "");
 * assert.equal(resourceRef("events.k8s.io/v1/events").group, "events.k8s.io");
 * assert.throws(() => resourceRef("widgets"), /not served/);
 * ```
 */
export function resourceRef(resource: string): ResourceRef {
  const parts = resource.split("/");
  const plural = parts.at(-1)!;
  const group = parts.length > 1 ? parts[0]! : undefined;
  const version = parts.length > 2 ? parts[1]! : undefined;
  const candidates = apiResources.filter((r) =>
    r.resource === plural && (group === undefined || r.group === group) &&
    (version === undefined || r.version === version)
  );
  const r = candidates.find((c) => c.group === "") ?? candidates[0];
  if (!r) throw new RkError(`Resource ${JSON.stringify(resource)} is not served by rks`);
  return {
    group: r.group,
    version: r.version,
    resource: r.resource,
    kind: r.kind,
    namespaced: r.namespaced,
    apiVersion: apiVersionOf(r),
  };
}

/**
 * The URL path of a collection (no `name`), an object, or an object's subresource. A
 * namespaced resource without `namespace` addresses every namespace (list/watch only).
 *
 * @example
 * ```ts
 * import { resourcePath, resourceRef } from "./resource_ref.ts";
 * import assert from "node:assert/strict";
 * const pods = resourceRef("pods");
 * assert.equal(resourcePath(pods, "default", "web", "binding"), "/api/v1/namespaces/default/pods/web/binding");
 * assert.equal(resourcePath(pods), "/api/v1/pods");
 * assert.equal(resourcePath(resourceRef("nodes"), undefined, "n1"), "/api/v1/nodes/n1");
 * ```
 */
export function resourcePath(
  ref: ResourceRef,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = ref.group === "" ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (ref.namespaced && namespace !== undefined && namespace !== "") {
    p += `/namespaces/${encodeURIComponent(namespace)}`;
  }
  p += `/${ref.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}
