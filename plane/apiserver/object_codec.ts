/**
 * Stored objects: JSON values under `/registry/<resource>/[<namespace>/]<name>` whose
 * `metadata.resourceVersion` is the key's `mod_revision` (not stored in the value).
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { KeyValue } from "../store/kv_store.ts";
import { registryKey } from "../store/kube_object.ts";
import type { ApiResource } from "../api/resources.ts";

/** A Kubernetes object as JSON. */
export type ApiObject = Record<string, unknown> & { metadata: Record<string, unknown> };

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The store key of an object of `r`. */
export function objectKey(r: ApiResource, namespace: string | undefined, name: string): string {
  return registryKey(r.resource, r.namespaced ? namespace ?? "default" : undefined, name);
}

/** The key prefix of every object of `r`, or of one namespace's. */
export function resourcePrefix(r: ApiResource, namespace?: string): string {
  return r.namespaced && namespace !== undefined
    ? `/registry/${r.resource}/${namespace}/`
    : `/registry/${r.resource}/`;
}

/** The first key after every key that starts with `prefix` (etcd's range end for a prefix). */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/**
 * Decodes a stored value, setting `metadata.resourceVersion` to `revision` (default the key's
 * `mod_revision`). Throws `TypeError` when the value is not a JSON object with metadata.
 *
 * @example
 * ```ts
 * import { decodeObject, encodeObject } from "./object_codec.ts";
 * import assert from "node:assert/strict";
 * const value = encodeObject({ kind: "Pod", metadata: { name: "a", resourceVersion: "9" } });
 * assert.doesNotMatch(new TextDecoder().decode(value), /resourceVersion/);
 * const kv = { key: "/k", value, createRevision: 3, modRevision: 5, version: 2, lease: "0" };
 * assert.equal(decodeObject(kv).metadata.resourceVersion, "5");
 * ```
 */
export function decodeObject(kv: KeyValue, revision: number = kv.modRevision): ApiObject {
  const v: unknown = JSON.parse(decoder.decode(kv.value));
  if (!isRecord(v) || !isRecord(v.metadata)) {
    throw new TypeError(`Stored value at "${kv.key}" is not an object with metadata`);
  }
  v.metadata.resourceVersion = String(revision);
  return v as ApiObject;
}

/** The bytes to store: the object without `metadata.resourceVersion`. */
export function encodeObject(obj: Record<string, unknown>): Uint8Array {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const { resourceVersion: _rv, ...metadata } = meta;
  return encoder.encode(JSON.stringify({ ...obj, metadata }));
}
