/**
 * `authorizeNodeRequest`: what a node may do through rks's node gateway, in the spirit of
 * Kubernetes' Node authorizer and NodeRestriction admission plugin
 * (https://kubernetes.io/docs/reference/access-authn-authz/node/): a node reads and writes only
 * its own Node (and its status) and its own Lease in `kube-node-lease`, and reads and watches
 * only the pods bound to it. Pure.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

const NODES = "/api/v1/nodes";
const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";

function bodyName(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body.metadata)) return undefined;
  return typeof body.metadata.name === "string" ? body.metadata.name : undefined;
}

/**
 * `undefined` when node `node` may send `verb path` with `body` (or watch `path` when `watch`),
 * otherwise the reason it is forbidden.
 *
 * @example
 * ```ts
 * import { authorizeNodeRequest } from "./node_authorizer.ts";
 * import assert from "node:assert/strict";
 * assert.equal(authorizeNodeRequest("n1", "PATCH", "/api/v1/nodes/n1/status", {}), undefined);
 * assert.match(authorizeNodeRequest("n1", "PUT", "/api/v1/nodes/n2", {})!, /node "n1" cannot/);
 * assert.match(authorizeNodeRequest("n1", "POST", "/api/v1/nodes", { metadata: { name: "n2" } })!, /n2/);
 * ```
 */
export function authorizeNodeRequest(
  node: string,
  verb: string,
  path: string,
  body: unknown,
  watch = false,
): string | undefined {
  const q = path.indexOf("?");
  const base = q >= 0 ? path.slice(0, q) : path;
  const query = new URLSearchParams(q >= 0 ? path.slice(q + 1) : "");
  const deny = `node "${node}" cannot ${watch ? "WATCH" : verb} ${base}`;
  if (base.includes("..") || base.includes("//")) return deny;
  for (const coll of [NODES, LEASES]) {
    if (base === coll) {
      if (verb === "POST" && !watch) {
        const name = bodyName(body);
        return name === node
          ? undefined
          : `${deny}: it may only create its own object, not "${name ?? ""}"`;
      }
      if (verb === "GET" && query.get("fieldSelector") === `metadata.name=${node}`) {
        return undefined;
      }
      return deny;
    }
    const own = [`${coll}/${node}`, ...(coll === NODES ? [`${coll}/${node}/status`] : [])];
    if (own.includes(base)) {
      if (watch || verb === "DELETE") return deny;
      if (verb === "PUT") {
        const name = bodyName(body);
        if (name !== node) return `${deny}: the body names "${name ?? ""}"`;
      }
      return ["GET", "PUT", "PATCH"].includes(verb) ? undefined : deny;
    }
  }
  if (base === "/api/v1/pods" && verb === "GET") {
    return query.get("fieldSelector") === `spec.nodeName=${node}`
      ? undefined
      : `${deny}: ${"only with fieldSelector=spec.nodeName=" + node}`;
  }
  return deny;
}
