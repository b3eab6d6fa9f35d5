/**
 * The typed object layer over a {@linkcode KvStore}: create (fails if it exists), get, update
 * (compare-and-swap on `resourceVersion`), delete, list (one consistent revision) and watch
 * (ADDED / MODIFIED / DELETED events) for one resource such as `pods`.
 *
 * @module
 */
import { NotFoundError } from "../../core/errors.ts";
import {
  AlreadyExistsError,
  CasConflictError,
  InvalidObjectError,
  StoreDataError,
} from "./errors.ts";
import type { KeyValue, KvStore, TxnResult } from "./kv_store.ts";
import { checkName, type KubeObject, parseKubeObject, registryKey } from "./kube_object.ts";

/** Options for {@linkcode ObjectStore}. */
export interface ObjectStoreOptions<T extends KubeObject> {
  /** Namespaced resources (default) live under `/registry/<resource>/<namespace>/`. */
  namespaced?: boolean;
  /** Validates a stored value (parsed JSON); default {@linkcode parseKubeObject}. */
  parse?: (value: unknown, key: string) => T;
  /** Keys per list request (default 500). */
  pageSize?: number;
}

/** A consistent list of objects. */
export interface ObjectList<T> {
  /** The objects, ordered by namespace then name. */
  items: T[];
  /** Store revision of the snapshot; watch from here. */
  resourceVersion: string;
}

/** What {@linkcode ObjectStore.watch} yields. */
export type ObjectEvent<T> =
  | {
    /** Created, changed, or deleted (the object as it was, with the delete's revision). */
    type: "ADDED" | "MODIFIED" | "DELETED";
    /** The object. */
    object: T;
  }
  | {
    /** The watch had to re-list (history compacted): `items` replaces every cached object. */
    type: "RESET";
    /** Every object at `resourceVersion`. */
    items: T[];
    /** Revision of the snapshot. */
    resourceVersion: string;
  }
  | {
    /** Everything up to `resourceVersion` has been delivered. */
    type: "BOOKMARK";
    /** The revision. */
    resourceVersion: string;
  };

/** Options for {@linkcode ObjectStore.watch}. */
export interface ObjectWatchOptions {
  /** Deliver changes after this revision (e.g. a list's `resourceVersion`); default: from now. */
  resourceVersion?: string;
  /** Stops the watch. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function revisionOf(rv: string | undefined, path: string): number {
  if (rv === undefined || !/^[1-9]\d*$/.test(rv)) {
    throw new InvalidObjectError(
      path,
      `expected a positive resourceVersion, got ${JSON.stringify(rv)}`,
    );
  }
  return Number(rv);
}

/**
 * Typed access to one resource's objects.
 *
 * @example
 * ```ts
 * import { connectStore } from "./etcd_client.ts";
 * import { CasConflictError } from "./errors.ts";
 * import { startEtcd } from "./etcd_server.ts";
 * import { ObjectStore } from "./object_store.ts";
 * import assert from "node:assert/strict";
 * await using etcd = await startEtcd();
 * await using store = connectStore({ endpoints: etcd.httpUrl });
 * const pods = new ObjectStore(store, "pods");
 * const pod = await pods.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web" } });
 * const stale = structuredClone(pod);
 * pod.metadata.labels = { app: "web" };
 * await pods.update(pod);
 * await assert.rejects(pods.update(stale), CasConflictError); // someone else changed it
 * ```
 */
export class ObjectStore<T extends KubeObject = KubeObject> {
  /** The underlying store. */
  readonly store: KvStore;
  /** Resource name, e.g. `pods`. */
  readonly resource: string;
  /** Whether objects have a namespace. */
  readonly namespaced: boolean;
  #parse: (value: unknown, key: string) => T;
  #pageSize: number;

  /** Creates the typed view of `resource`. */
  constructor(store: KvStore, resource: string, opts: ObjectStoreOptions<T> = {}) {
    checkName(resource, "resource");
    this.store = store;
    this.resource = resource;
    this.namespaced = opts.namespaced ?? true;
    this.#parse = opts.parse ?? ((v, k) => parseKubeObject(v, k) as T);
    this.#pageSize = opts.pageSize ?? 500;
  }

  /** The store key of `namespace/name` (namespace ignored for cluster-scoped resources). */
  key(namespace: string | undefined, name: string): string {
    return registryKey(this.resource, this.namespaced ? namespace ?? "default" : undefined, name);
  }

  /** The key prefix of every object, or of one namespace's objects. */
  prefix(namespace?: string): string {
    if (namespace === undefined || !this.namespaced) return `/registry/${this.resource}/`;
    checkName(namespace, "namespace");
    return `/registry/${this.resource}/${namespace}/`;
  }

  #id(obj: KubeObject): string {
    return this.namespaced
      ? `${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`
      : obj.metadata.name;
  }

  #keyOf(obj: KubeObject): string {
    return this.key(obj.metadata.namespace, obj.metadata.name);
  }

  /** Decodes a stored value and sets `metadata.resourceVersion` to `revision`. */
  #decode(kv: KeyValue, revision = kv.modRevision): T {
    let json: unknown;
    try {
      json = JSON.parse(decoder.decode(kv.value));
    } catch (e) {
      throw new StoreDataError("value is not JSON", { key: kv.key }, { cause: e });
    }
    const obj = this.#parse(json, kv.key);
    obj.metadata.resourceVersion = String(revision);
    return obj;
  }

  /** JSON bytes to store: the object without `resourceVersion` (it lives in the key's revision). */
  #encode(obj: T): Uint8Array {
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    return encoder.encode(JSON.stringify({ ...obj, metadata }));
  }

  #current(r: TxnResult): KeyValue | undefined {
    const got = r.results[0];
    return got?.type === "get" ? got.kvs[0] : undefined;
  }

  /**
   * Stores a new object; fails with {@linkcode AlreadyExistsError} when the name is taken.
   * Sets `namespace` (default `default`), `uid`, `creationTimestamp` and `resourceVersion`.
   */
  async create(obj: T): Promise<T> {
    if (obj.metadata.resourceVersion) {
      throw new InvalidObjectError("metadata.resourceVersion", "must not be set on create");
    }
    const stored: T = {
      ...obj,
      metadata: {
        ...obj.metadata,
        ...(this.namespaced ? { namespace: obj.metadata.namespace ?? "default" } : {}),
        uid: obj.metadata.uid ?? crypto.randomUUID(),
        creationTimestamp: obj.metadata.creationTimestamp ??
          new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      },
    };
    const key = this.#keyOf(stored);
    const r = await this.store.txn({
      compare: [{ key, target: "create", result: "equal", value: 0 }],
      success: [{ type: "put", key, value: this.#encode(stored) }],
      failure: [{ type: "get", key, keysOnly: true }],
    });
    if (!r.succeeded) {
      throw new AlreadyExistsError(
        this.resource,
        this.#id(stored),
        this.#current(r)?.modRevision ?? 0,
      );
    }
    stored.metadata.resourceVersion = String(r.revision);
    return stored;
  }

  /** Reads one object; undefined when it does not exist. */
  async get(namespace: string | undefined, name: string): Promise<T | undefined> {
    const kv = await this.store.get(this.key(namespace, name));
    return kv ? this.#decode(kv) : undefined;
  }

  /**
   * Replaces an object if it has not changed since it was read: `metadata.resourceVersion`
   * must equal the stored `mod_revision`. Throws {@linkcode CasConflictError} when it changed
   * and `NotFoundError` when it is gone. Returns the object with its new `resourceVersion`.
   */
  async update(obj: T): Promise<T> {
    const expected = revisionOf(obj.metadata.resourceVersion, "metadata.resourceVersion");
    const key = this.#keyOf(obj);
    const r = await this.store.txn({
      compare: [{ key, target: "mod", result: "equal", value: expected }],
      success: [{ type: "put", key, value: this.#encode(obj) }],
      failure: [{ type: "get", key, keysOnly: true }],
    });
    if (!r.succeeded) {
      const current = this.#current(r);
      if (!current) throw new NotFoundError(this.resource, this.#id(obj));
      throw new CasConflictError(key, expected, current.modRevision);
    }
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(r.revision) } };
  }

  /**
   * Deletes an object and returns it as it was. With `resourceVersion`, only if unchanged
   * ({@linkcode CasConflictError} otherwise). `NotFoundError` when it does not exist.
   */
  async delete(
    namespace: string | undefined,
    name: string,
    opts: { resourceVersion?: string } = {},
  ): Promise<T> {
    const key = this.key(namespace, name);
    const expected = opts.resourceVersion === undefined
      ? undefined
      : revisionOf(opts.resourceVersion, "resourceVersion");
    const r = await this.store.txn({
      compare: expected === undefined
        ? [{ key, target: "create", result: "greater", value: 0 }]
        : [{ key, target: "mod", result: "equal", value: expected }],
      success: [{ type: "delete", key, prevKv: true }],
      failure: [{ type: "get", key, keysOnly: true }],
    });
    const id = this.namespaced ? `${namespace ?? "default"}/${name}` : name;
    if (!r.succeeded) {
      const current = this.#current(r);
      if (!current) throw new NotFoundError(this.resource, id);
      throw new CasConflictError(key, expected ?? 0, current.modRevision);
    }
    const del = r.results[0];
    const prev = del?.type === "delete" ? del.prevKvs[0] : undefined;
    if (!prev) throw new NotFoundError(this.resource, id);
    return this.#decode(prev);
  }

  /** Lists every object (or one namespace's) at one consistent revision. */
  async list(namespace?: string): Promise<ObjectList<T>> {
    const r = await this.store.list(this.prefix(namespace), { pageSize: this.#pageSize });
    return { items: r.kvs.map((kv) => this.#decode(kv)), resourceVersion: String(r.revision) };
  }

  /**
   * Watches every object (or one namespace's). A put of a new key is `ADDED`, of an existing
   * key `MODIFIED`; a delete is `DELETED` with the last stored object and the delete's
   * revision. Reconnects are invisible; a compaction gives a `RESET` with a fresh list.
   */
  async *watch(
    namespace?: string,
    opts: ObjectWatchOptions = {},
  ): AsyncGenerator<ObjectEvent<T>> {
    const start = opts.resourceVersion === undefined
      ? 0
      : revisionOf(opts.resourceVersion, "resourceVersion") + 1;
    for await (
      const ev of this.store.watch(this.prefix(namespace), {
        prefix: true,
        prevKv: true,
        progressNotify: true,
        startRevision: start,
        ...(opts.signal ? { signal: opts.signal } : {}),
      })
    ) {
      switch (ev.type) {
        case "put":
          yield {
            type: ev.kv.version === 1 ? "ADDED" : "MODIFIED",
            object: this.#decode(ev.kv),
          };
          break;
        case "delete": {
          if (!ev.prevKv) {
            throw new StoreDataError("delete event without the previous value", {
              key: ev.kv.key,
            });
          }
          yield { type: "DELETED", object: this.#decode(ev.prevKv, ev.kv.modRevision) };
          break;
        }
        case "reset":
          yield {
            type: "RESET",
            items: ev.kvs.map((kv) => this.#decode(kv)),
            resourceVersion: String(ev.revision),
          };
          break;
        case "progress":
          yield { type: "BOOKMARK", resourceVersion: String(ev.revision) };
          break;
      }
    }
  }
}
