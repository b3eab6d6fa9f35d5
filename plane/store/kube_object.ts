/**
 * Kubernetes-shaped objects as the cluster store keeps them: JSON values under
 * `/registry/<resource>/<namespace>/<name>` whose `metadata.resourceVersion` is the key's
 * `mod_revision`.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { InvalidObjectError, StoreDataError } from "./errors.ts";

/** The metadata every stored object has. */
export interface ObjectMeta {
  /** Object name (no `/`). */
  name: string;
  /** Namespace for namespaced resources. */
  namespace?: string;
  /** Unique id assigned on create. */
  uid?: string;
  /** The key's `mod_revision` as a decimal string; set by the store on every read. */
  resourceVersion?: string;
  /** RFC 3339 time of creation, set on create. */
  creationTimestamp?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Any other metadata field is kept as is. */
  [field: string]: unknown;
}

/** A Kubernetes-style object. */
export interface KubeObject {
  /** e.g. `v1`. */
  apiVersion: string;
  /** e.g. `Pod`. */
  kind: string;
  /** Name, namespace, resourceVersion, ... */
  metadata: ObjectMeta;
  /** `spec`, `status` and any other field. */
  [field: string]: unknown;
}

/**
 * Checks that `name` can be part of a registry key: non-empty, no `/`, no NUL.
 *
 * @example
 * ```ts
 * import { checkName } from "./kube_object.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => checkName("a/b", "metadata.name"), /must not contain/);
 * checkName("web-1", "metadata.name");
 * ```
 */
export function checkName(name: string, path: string): void {
  if (name.length === 0) throw new InvalidObjectError(path, "must not be empty");
  if (name.includes("/") || name.includes("\0")) {
    throw new InvalidObjectError(path, `must not contain "/" or NUL, got ${JSON.stringify(name)}`);
  }
}

/**
 * The store key of an object: `/registry/<resource>/<namespace>/<name>`, or
 * `/registry/<resource>/<name>` when `namespace` is undefined (cluster-scoped resources).
 *
 * @example
 * ```ts
 * import { registryKey } from "./kube_object.ts";
 * import assert from "node:assert/strict";
 * assert.equal(registryKey("pods", "default", "web"), "/registry/pods/default/web");
 * assert.equal(registryKey("nodes", undefined, "n1"), "/registry/nodes/n1");
 * ```
 */
export function registryKey(resource: string, namespace: string | undefined, name: string): string {
  checkName(resource, "resource");
  if (namespace !== undefined) checkName(namespace, "metadata.namespace");
  checkName(name, "metadata.name");
  return namespace === undefined
    ? `/registry/${resource}/${name}`
    : `/registry/${resource}/${namespace}/${name}`;
}

function stringMap(v: unknown, path: string, fail: (msg: string) => never): void {
  if (v === undefined) return;
  if (!isRecord(v)) fail(`${path}: expected a map of strings`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") fail(`${path}.${k}: expected a string, got ${JSON.stringify(x)}`);
  }
}

/**
 * Checks that an `unknown` value (parsed JSON) is a {@linkcode KubeObject}: `apiVersion`,
 * `kind` and `metadata.name` strings, optional string fields and label maps. Throws
 * {@linkcode StoreDataError} naming `key` and the field.
 *
 * @example
 * ```ts
 * import { parseKubeObject } from "./kube_object.ts";
 * import assert from "node:assert/strict";
 * const o = parseKubeObject({ apiVersion: "v1", kind: "Pod", metadata: { name: "a" } }, "/k");
 * assert.equal(o.metadata.name, "a");
 * assert.throws(() => parseKubeObject({ kind: "Pod" }, "/k"), /apiVersion: expected a string/);
 * ```
 */
export function parseKubeObject(value: unknown, key: string): KubeObject {
  const fail = (msg: string): never => {
    throw new StoreDataError(msg, { key });
  };
  if (!isRecord(value)) return fail("expected a JSON object");
  if (typeof value.apiVersion !== "string") fail("apiVersion: expected a string");
  if (typeof value.kind !== "string") fail("kind: expected a string");
  const meta = value.metadata;
  if (!isRecord(meta)) return fail("metadata: expected an object");
  if (typeof meta.name !== "string") fail("metadata.name: expected a string");
  for (const f of ["namespace", "uid", "resourceVersion", "creationTimestamp"]) {
    if (meta[f] !== undefined && typeof meta[f] !== "string") {
      fail(`metadata.${f}: expected a string`);
    }
  }
  stringMap(meta.labels, "metadata.labels", fail);
  stringMap(meta.annotations, "metadata.annotations", fail);
  return value as KubeObject;
}
