/**
 * `authorizeNodeRequest`: what a node may do through rks's node gateway, in the spirit of
 * Kubernetes' Node authorizer and NodeRestriction admission plugin
 * (https://kubernetes.io/docs/reference/access-authn-authz/node/): a node reads and writes only
 * its own Node (and its status) and its own Lease in `kube-node-lease`, reads and watches only
 * the pods bound to it, writes the status of and deletes only pods bound to it (the caller
 * checks the binding: {@linkcode podBindingToCheck}), creates mirror pods of its static pods
 * (bound to it, annotated `kubernetes.io/config.mirror`, owned by its Node if owned at all, as
 * NodeRestriction requires), and creates Events. Pure.
 *
 * Like the kubelet and kube-proxy (RBAC `system:node`, `system:node-proxier`), a node also lists
 * and watches all Nodes, Services and EndpointSlices: its pod network, service rules and
 * cluster DNS are built from them.
 *
 * ConfigMaps and Secrets a node may get, list and watch one at a time (by name, or with
 * `fieldSelector=metadata.name=NAME`), and service account tokens it may request
 * (`POST …/serviceaccounts/NAME/token`, bound to a pod): the Node authorizer allows them only
 * when a pod bound to the node refers to the object (`./pod_object_refs.ts`); the caller
 * checks that against the pods ({@linkcode objectRefToCheck}, {@linkcode referencedByPods}).
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { podObjectRefs } from "./pod_object_refs.ts";

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
      if (verb === "GET" && coll === NODES) return undefined;
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
  if (!watch && podBindingToCheck(verb, path) !== undefined) return undefined;
  if (objectRefToCheck(verb, path, body) !== undefined) return undefined;
  if (!watch && verb === "POST" && /^\/api\/v1\/namespaces\/[a-z0-9-]{1,63}\/pods$/.test(base)) {
    const why = mirrorPodProblem(node, body);
    return why === undefined ? undefined : `${deny}: ${why}`;
  }
  if (!watch && verb === "POST" && /^\/api\/v1\/namespaces\/[a-z0-9-]{1,63}\/events$/.test(base)) {
    return undefined;
  }
  if (
    verb === "GET" &&
    (base === "/api/v1/services" || base === "/apis/discovery.k8s.io/v1/endpointslices")
  ) {
    return undefined;
  }
  if (base === "/api/v1/pods" && verb === "GET") {
    return query.get("fieldSelector") === `spec.nodeName=${node}`
      ? undefined
      : `${deny}: ${"only with fieldSelector=spec.nodeName=" + node}`;
  }
  return deny;
}

/**
 * The pod a node's request is about when {@linkcode authorizeNodeRequest} allows it only for a
 * pod bound to that node: reading one pod, writing its status (`PUT`/`PATCH …/status`) and
 * deleting it (the kubelet's final delete). The caller must read the pod and refuse unless its
 * `spec.nodeName` is the node (NodeRestriction's rule). `undefined` for any other request.
 *
 * @example
 * ```ts
 * import { podBindingToCheck } from "./node_authorizer.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(podBindingToCheck("PATCH", "/api/v1/namespaces/default/pods/web/status"), {
 *   namespace: "default",
 *   name: "web",
 * });
 * assert.equal(podBindingToCheck("PATCH", "/api/v1/namespaces/default/pods/web"), undefined);
 * assert.equal(podBindingToCheck("POST", "/api/v1/namespaces/default/pods"), undefined);
 * ```
 */
export function podBindingToCheck(
  verb: string,
  path: string,
): { namespace: string; name: string } | undefined {
  const q = path.indexOf("?");
  const base = q >= 0 ? path.slice(0, q) : path;
  const m = /^\/api\/v1\/namespaces\/([a-z0-9-]{1,63})\/pods\/([a-z0-9.-]{1,253})(\/status)?$/.exec(
    base,
  );
  if (!m) return undefined;
  const ok = m[3] ? verb === "PUT" || verb === "PATCH" : verb === "GET" || verb === "DELETE";
  return ok ? { namespace: m[1]!, name: m[2]! } : undefined;
}

/**
 * Why node `node` may not create `pod`, or undefined: NodeRestriction lets a node create only
 * mirror pods — the `kubernetes.io/config.mirror` annotation set, `spec.nodeName` the node, at
 * most one ownerReference and only to its own Node, and no volumes that reference API objects
 * (secret, configMap, projected, persistentVolumeClaim, ephemeral).
 *
 * @example
 * ```ts
 * import { mirrorPodProblem } from "./node_authorizer.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { annotations: { "kubernetes.io/config.mirror": "h" },
 *   ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "u" }] },
 *   spec: { nodeName: "n1", containers: [] } };
 * assert.equal(mirrorPodProblem("n1", pod), undefined);
 * assert.match(mirrorPodProblem("n2", pod)!, /bound to node "n2"/);
 * assert.match(mirrorPodProblem("n1", { ...pod, metadata: {} })!, /only mirror pods/);
 * ```
 */
export function mirrorPodProblem(node: string, pod: unknown): string | undefined {
  if (!isRecord(pod) || !isRecord(pod.metadata) || !isRecord(pod.spec)) {
    return "the body is not a pod";
  }
  const ann = pod.metadata.annotations;
  if (!isRecord(ann) || typeof ann["kubernetes.io/config.mirror"] !== "string") {
    return "a node may create only mirror pods (annotation kubernetes.io/config.mirror)";
  }
  if (pod.spec.nodeName !== node) {
    return `a mirror pod must be bound to node "${node}"`;
  }
  const owners = pod.metadata.ownerReferences;
  if (owners !== undefined) {
    const ok = Array.isArray(owners) && owners.length <= 1 &&
      owners.every((o) =>
        isRecord(o) && o.apiVersion === "v1" && o.kind === "Node" && o.name === node &&
        o.controller !== true
      );
    if (!ok) return `a mirror pod may be owned only by its Node "${node}"`;
  }
  const volumes = Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
  for (const v of volumes) {
    if (!isRecord(v)) continue;
    for (const k of ["secret", "configMap", "projected", "persistentVolumeClaim", "ephemeral"]) {
      if (v[k] !== undefined) return `a mirror pod may not use ${k} volumes`;
    }
  }
  return undefined;
}

/** An object a node asks for that a pod bound to it must refer to. */
export interface ObjectRefCheck {
  /** `configmaps`, `secrets`, or `serviceaccounts` (a token request). */
  kind: "configmaps" | "secrets" | "serviceaccounts";
  /** Namespace. */
  namespace: string;
  /** Name. */
  name: string;
  /** For a token request: the uid of the pod it is bound to (`spec.boundObjectRef`). */
  podUid?: string;
}

/**
 * The object a node's request (or watch: `verb` `GET`) is about when
 * {@linkcode authorizeNodeRequest} allows it only for objects its pods refer to: one
 * ConfigMap or Secret by name (`GET …/configmaps/NAME`, or a list/watch with exactly
 * `fieldSelector=metadata.name=NAME`), or a token request for a ServiceAccount bound to a pod
 * (`POST …/serviceaccounts/NAME/token`, `spec.boundObjectRef` a Pod with a uid).
 * `undefined` for any other request.
 *
 * @example
 * ```ts
 * import { objectRefToCheck } from "./node_authorizer.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(objectRefToCheck("GET", "/api/v1/namespaces/ns/configmaps?fieldSelector=metadata.name%3Dcfg"),
 *   { kind: "configmaps", namespace: "ns", name: "cfg" });
 * assert.deepEqual(objectRefToCheck("GET", "/api/v1/namespaces/ns/secrets/db"), { kind: "secrets", namespace: "ns", name: "db" });
 * assert.equal(objectRefToCheck("GET", "/api/v1/namespaces/ns/secrets"), undefined);
 * assert.equal(objectRefToCheck("DELETE", "/api/v1/namespaces/ns/secrets/db"), undefined);
 * const body = { spec: { boundObjectRef: { kind: "Pod", name: "p", uid: "u1" } } };
 * assert.deepEqual(objectRefToCheck("POST", "/api/v1/namespaces/ns/serviceaccounts/default/token", body),
 *   { kind: "serviceaccounts", namespace: "ns", name: "default", podUid: "u1" });
 * ```
 */
export function objectRefToCheck(
  verb: string,
  path: string,
  body?: unknown,
): ObjectRefCheck | undefined {
  const q = path.indexOf("?");
  const base = q >= 0 ? path.slice(0, q) : path;
  const query = new URLSearchParams(q >= 0 ? path.slice(q + 1) : "");
  const NAME = "([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)";
  const one = new RegExp(`^/api/v1/namespaces/([a-z0-9-]{1,63})/(configmaps|secrets)/${NAME}$`)
    .exec(base);
  if (one && verb === "GET") {
    return { kind: one[2] as "configmaps" | "secrets", namespace: one[1]!, name: one[3]! };
  }
  const list = /^\/api\/v1\/namespaces\/([a-z0-9-]{1,63})\/(configmaps|secrets)$/.exec(base);
  if (list && verb === "GET") {
    const keys = [...query.keys()].filter((k) => k !== "resourceVersion");
    const m = /^metadata\.name=(.+)$/.exec(query.get("fieldSelector") ?? "");
    if (keys.length !== 1 || keys[0] !== "fieldSelector" || !m) return undefined;
    if (!new RegExp(`^${NAME}$`).test(m[1]!)) return undefined;
    return { kind: list[2] as "configmaps" | "secrets", namespace: list[1]!, name: m[1]! };
  }
  const token = new RegExp(`^/api/v1/namespaces/([a-z0-9-]{1,63})/serviceaccounts/${NAME}/token$`)
    .exec(base);
  if (token && verb === "POST") {
    const spec = isRecord(body) && isRecord(body.spec) ? body.spec : {};
    const ref = isRecord(spec.boundObjectRef) ? spec.boundObjectRef : {};
    if (ref.kind !== "Pod" || typeof ref.uid !== "string" || ref.uid === "") return undefined;
    return { kind: "serviceaccounts", namespace: token[1]!, name: token[2]!, podUid: ref.uid };
  }
  return undefined;
}

/**
 * Why node `node` may not have `ref` given the pods bound to it (`pods`, API Pod objects), or
 * `undefined` when one of them refers to it (for a token: the bound pod itself, on this node,
 * running as that ServiceAccount with a projected token).
 *
 * @example
 * ```ts
 * import { referencedByPods } from "./node_authorizer.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { namespace: "ns", uid: "u1" }, spec: { nodeName: "n1",
 *   containers: [{ env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cfg", key: "a" } } }] }] } };
 * assert.equal(referencedByPods("n1", { kind: "configmaps", namespace: "ns", name: "cfg" }, [pod]), undefined);
 * assert.match(referencedByPods("n1", { kind: "secrets", namespace: "ns", name: "cfg" }, [pod])!, /no pod bound/);
 * ```
 */
export function referencedByPods(
  node: string,
  ref: ObjectRefCheck,
  pods: readonly unknown[],
): string | undefined {
  for (const pod of pods) {
    if (!isRecord(pod) || !isRecord(pod.spec) || pod.spec.nodeName !== node) continue;
    const refs = podObjectRefs(pod);
    if (refs.namespace !== ref.namespace) continue;
    if (ref.kind === "configmaps" && refs.configMaps.has(ref.name)) return undefined;
    if (ref.kind === "secrets" && refs.secrets.has(ref.name)) return undefined;
    if (
      ref.kind === "serviceaccounts" && isRecord(pod.metadata) &&
      pod.metadata.uid === ref.podUid && refs.serviceAccountTokens.has(ref.name)
    ) {
      return undefined;
    }
  }
  const what = ref.kind === "serviceaccounts"
    ? `a token of serviceaccount ${ref.namespace}/${ref.name}`
    : `${ref.kind} ${ref.namespace}/${ref.name}`;
  return `node "${node}" cannot get ${what}: no pod bound to this node refers to it`;
}
