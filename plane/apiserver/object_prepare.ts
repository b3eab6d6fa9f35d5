/**
 * What kube-apiserver's strategies do to an object before it is stored (pure): on create
 * (`uid`, `creationTimestamp`, `generation`, status reset, defaults, `generateName`), on update
 * of the main resource (immutable metadata kept, `.status` ignored, `generation` bumped only
 * when the spec changes) and on update of the `status` subresource (only `.status` taken).
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { ApiResource } from "../api/resources.ts";
import type { ApiObject } from "./object_codec.ts";
import { applyDefaults } from "./object_defaults.ts";
import { jsonEqual } from "../api/json_equal.ts";
import { cloneJson } from "../api/clone_json.ts";

/** Kinds whose `metadata.generation` kube-apiserver 1.32 maintains. */
const generationKinds = new Set(["Deployment", "ReplicaSet"]);

/** RFC 3339 with whole seconds, as Kubernetes writes `metav1.Time`. */
export function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

const nameChars = "bcdfghjklmnpqrstvwxz2456789";

/**
 * A name from `generateName`: the prefix plus 5 random characters from Kubernetes' alphabet
 * (no vowels, no `0`, `1`, `3`), the prefix cut so the result fits 63 characters.
 *
 * @example
 * ```ts
 * import { generateName } from "./object_prepare.ts";
 * import assert from "node:assert/strict";
 * assert.match(generateName("web-"), /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
 * ```
 */
export function generateName(prefix: string): string {
  const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
  const rnd = crypto.getRandomValues(new Uint8Array(5));
  return base + Array.from(rnd, (b) => nameChars[b % nameChars.length]).join("");
}

function podQosClass(pod: ApiObject): string {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const containers = [
    ...(Array.isArray(spec.containers) ? spec.containers : []),
    ...(Array.isArray(spec.initContainers) ? spec.initContainers : []),
  ].filter(isRecord);
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = isRecord(c.resources) ? c.resources : {};
    const req = isRecord(res.requests) ? res.requests : {};
    const lim = isRecord(res.limits) ? res.limits : {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const k of ["cpu", "memory"]) {
      const l = lim[k];
      const r = req[k] ?? l;
      if (l === undefined || String(r) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/**
 * Prepares an object for create: server-set metadata, status reset, defaults. `obj` must
 * already carry its final name and namespace.
 *
 * @example
 * ```ts
 * import { prepareForCreate } from "./object_prepare.ts";
 * import assert from "node:assert/strict";
 * const r = { group: "apps", version: "v1", resource: "deployments", singularName: "deployment",
 *   kind: "Deployment", namespaced: true, shortNames: [], categories: [], verbs: [], subresources: ["status"] };
 * const d = prepareForCreate(r, {
 *   apiVersion: "apps/v1", kind: "Deployment", status: { replicas: 9 },
 *   metadata: { name: "web", namespace: "default", resourceVersion: "3" }, spec: {},
 * }, new Date(0), "u-1");
 * assert.equal(d.metadata.generation, 1);
 * assert.equal(d.metadata.uid, "u-1");
 * assert.equal(d.metadata.resourceVersion, undefined);
 * assert.deepEqual(d.status, {});
 * ```
 */
export function prepareForCreate(
  r: ApiResource,
  obj: ApiObject,
  now: Date,
  uid: string = crypto.randomUUID(),
): ApiObject {
  const out = cloneJson(obj);
  const meta = out.metadata;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
  meta.uid = uid;
  meta.creationTimestamp = kubeTime(now);
  if (generationKinds.has(r.kind)) meta.generation = 1;
  else delete meta.generation;
  if (!r.namespaced) delete meta.namespace;
  applyDefaults(r.kind, out);
  switch (r.kind) {
    case "Pod":
      out.status = { phase: "Pending", qosClass: podQosClass(out) };
      break;
    case "Deployment":
    case "ReplicaSet":
      out.status = {};
      break;
    case "Service":
      out.status = { loadBalancer: {} };
      break;
    case "Namespace":
      out.status = { phase: "Active" };
      meta.labels = { ...(isRecord(meta.labels) ? meta.labels : {}) };
      (meta.labels as Record<string, string>)["kubernetes.io/metadata.name"] = String(meta.name);
      break;
  }
  return out;
}

const notSpec = new Set(["metadata", "status", "apiVersion", "kind"]);

/** The fields that are not spec: metadata and status (and the type header). */
function isNotSpec(path: readonly string[]): boolean {
  return path.length === 1 && notSpec.has(path[0]!);
}

const keptMetadata = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "namespace",
  "name",
] as const;

/**
 * Prepares a new version of an object for an update of its main resource (`subresource`
 * undefined) or of its `status` subresource. Server-owned metadata comes from `old`; with a
 * status subresource, the main resource keeps `old.status` and the status subresource keeps
 * everything of `old` except `.status`. `generation` is bumped when the spec changed.
 *
 * @example
 * ```ts
 * import { prepareForUpdate } from "./object_prepare.ts";
 * import assert from "node:assert/strict";
 * const r = { group: "apps", version: "v1", resource: "deployments", singularName: "deployment",
 *   kind: "Deployment", namespaced: true, shortNames: [], categories: [], verbs: [], subresources: ["status"] };
 * const old = { kind: "Deployment", metadata: { name: "w", uid: "u", generation: 1 }, spec: { replicas: 1 }, status: { replicas: 1 } };
 * const edited = { kind: "Deployment", metadata: { name: "w" }, spec: { replicas: 2 }, status: { replicas: 7 } };
 * const next = prepareForUpdate(r, undefined, old, edited);
 * assert.equal(next.metadata.generation, 2);
 * assert.deepEqual(next.status, { replicas: 1 }); // status ignored on the main resource
 * const st = prepareForUpdate(r, "status", old, edited);
 * assert.equal(st.metadata.generation, 1);
 * assert.deepEqual(st.spec, { replicas: 1 }); // spec ignored on status
 * assert.deepEqual(st.status, { replicas: 7 });
 * ```
 */
export function prepareForUpdate(
  r: ApiResource,
  subresource: string | undefined,
  old: ApiObject,
  incoming: ApiObject,
): ApiObject {
  if (subresource === "status") {
    const out = cloneJson(old);
    if (incoming.status === undefined) delete out.status;
    else out.status = cloneJson(incoming.status);
    return out;
  }
  const out = cloneJson(incoming);
  const meta = out.metadata;
  for (const k of keptMetadata) {
    if (old.metadata[k] === undefined) delete meta[k];
    else meta[k] = cloneJson(old.metadata[k]);
  }
  delete meta.selfLink;
  applyDefaults(r.kind, out);
  if (r.subresources.includes("status") && subresource !== "binding") {
    if (old.status === undefined) delete out.status;
    else out.status = cloneJson(old.status);
  }
  if (generationKinds.has(r.kind) && !jsonEqual(out, old, isNotSpec)) {
    meta.generation = (typeof old.metadata.generation === "number" ? old.metadata.generation : 0) +
      1;
  }
  return out;
}

/** True when two stored forms are the same, whatever their key order (ignoring `resourceVersion`). */
export function sameObject(a: ApiObject, b: ApiObject): boolean {
  return jsonEqual(a, b, isResourceVersion);
}

function isResourceVersion(path: readonly string[]): boolean {
  return path.length === 2 && path[1] === "resourceVersion" && path[0] === "metadata";
}
