/**
 * `parseRequestInfo`: what an API request is about (group, version, namespace, resource, name,
 * subresource, verb), from its method and path, by kube-apiserver's rules
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
 *
 * @module
 */

/** The API verb of a request. */
export type ApiVerb =
  | "get"
  | "list"
  | "watch"
  | "create"
  | "update"
  | "patch"
  | "delete"
  | "deletecollection";

/** A request for a resource. */
export interface ResourceRequest {
  /** Discriminant. */
  type: "resource";
  /** API group, `""` for `/api`. */
  group: string;
  /** API version, e.g. `v1`. */
  version: string;
  /** Namespace from the path (`undefined` for cluster-wide and all-namespace requests). */
  namespace: string | undefined;
  /** Plural resource. */
  resource: string;
  /** Object name, when the path names one. */
  name: string | undefined;
  /** Subresource (`status`, `scale`, `log`, `exec`, ...). */
  subresource: string | undefined;
  /** The verb. */
  verb: ApiVerb;
}

/** A discovery request for one group-version (`/api/v1`, `/apis/apps/v1`). */
export interface GroupVersionRequest {
  /** Discriminant. */
  type: "groupVersion";
  /** API group, `""` for `/api/v1`. */
  group: string;
  /** API version. */
  version: string;
}

/** What {@linkcode parseRequestInfo} finds; `undefined` when the path is not under the API. */
export type RequestInfo = ResourceRequest | GroupVersionRequest;

const namespaceSubresources = new Set(["status", "finalize"]);

/**
 * Parses an API path. Paths outside `/api/v1/...` and `/apis/{group}/{version}/...` (and the
 * bare `/api`, `/apis`, `/apis/{group}`) give `undefined`.
 *
 * @example
 * ```ts
 * import { parseRequestInfo } from "./request_info.ts";
 * import assert from "node:assert/strict";
 * const r = parseRequestInfo("GET", "/api/v1/namespaces/default/pods/web/log", false);
 * assert.deepEqual(r, {
 *   type: "resource", group: "", version: "v1", namespace: "default", resource: "pods",
 *   name: "web", subresource: "log", verb: "get",
 * });
 * assert.equal(parseRequestInfo("GET", "/apis/apps/v1/deployments", true)?.type, "resource");
 * assert.equal(parseRequestInfo("DELETE", "/api/v1/namespaces/x/pods", false)?.type, "resource");
 * ```
 */
export function parseRequestInfo(
  method: string,
  path: string,
  watch: boolean,
): RequestInfo | undefined {
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === "api") {
    if (parts[1] === undefined) return undefined;
    group = "";
    rest = parts.slice(1);
  } else if (parts[0] === "apis") {
    if (parts[1] === undefined || parts[2] === undefined) return undefined;
    group = parts[1];
    rest = parts.slice(2);
  } else return undefined;
  const version = rest[0]!;
  let segs = rest.slice(1);
  if (segs.length === 0) return { type: "groupVersion", group, version };
  let namespace: string | undefined;
  if (segs[0] === "namespaces" && segs.length > 1) {
    namespace = segs[1];
    if (segs.length > 2 && !namespaceSubresources.has(segs[2]!)) segs = segs.slice(2);
  }
  const [resource, name, subresource] = segs as [string, string | undefined, string | undefined];
  if (segs.length > 3) return undefined;
  // `/api/v1/namespaces/{name}` is the namespace object itself, not a namespaced request.
  if (resource === "namespaces") namespace = undefined;
  let verb: ApiVerb;
  switch (method) {
    case "GET":
    case "HEAD":
      verb = name === undefined ? (watch ? "watch" : "list") : (watch ? "watch" : "get");
      break;
    case "POST":
      verb = "create";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = name === undefined ? "deletecollection" : "delete";
      break;
    default:
      return undefined;
  }
  return { type: "resource", group, version, namespace, resource, name, subresource, verb };
}
