/**
 * `RestStorage`: the generic REST verbs of one resource over the etcd v3 API (`KvStore`):
 * get, paged list at one revision, create, update (a txn compare on `mod_revision`), delete
 * (preconditions, graceful pod deletion, finalizers) and deletecollection, with kube-apiserver's
 * `Status` errors.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { CompactedError, KvStoreError, LeaseNotFoundError } from "../store/errors.ts";
import type { KeyValue, KvStore, TxnRequest, TxnResult } from "../store/kv_store.ts";
import type { LeaseManager } from "./lease_manager.ts";
import { type ApiResource, apiVersionOf } from "../api/resources.ts";
import { convertEvent } from "./event_conversion.ts";
import { type FieldRequirement, matchesFieldSelector } from "../api/field_selector.ts";
import { type LabelRequirement, matchesLabelSelector } from "../api/label_selector.ts";
import { validateObject } from "../api/validation.ts";
import { ApiError, type GroupResource } from "./api_error.ts";
import {
  type ApiObject,
  decodeObject,
  encodeObject,
  objectKey,
  prefixEnd,
  resourcePrefix,
} from "./object_codec.ts";
import {
  generateName,
  kubeTime,
  prepareForCreate,
  prepareForUpdate,
  sameObject,
} from "./object_prepare.ts";
import type { NamespaceView } from "./namespace_lifecycle.ts";
import { cloneJson } from "../api/clone_json.ts";

/** Options of a list. */
export interface ListQuery {
  /** Parsed `labelSelector`. */
  labelSelector?: readonly LabelRequirement[];
  /** Parsed `fieldSelector`. */
  fieldSelector?: readonly FieldRequirement[];
  /** `limit` (0 = all). */
  limit?: number;
  /** `continue` token. */
  continue?: string;
  /** `resourceVersion`. */
  resourceVersion?: string;
  /** `resourceVersionMatch`: `Exact` or `NotOlderThan`. */
  resourceVersionMatch?: string;
}

/** One page of a list. */
export interface ListPage {
  /** The objects. */
  items: ApiObject[];
  /** The revision the list was read at. */
  resourceVersion: string;
  /** Token for the next page. */
  continue?: string;
  /** Objects after this page (only without selectors). */
  remainingItemCount?: number;
}

/** `DeleteOptions` (body and query). */
export interface DeleteQuery {
  /** Seconds before the object is removed (pods on a node); 0 = now. */
  gracePeriodSeconds?: number;
  /** `Orphan`, `Background` or `Foreground`. */
  propagationPolicy?: string;
  /** `preconditions.uid` / `preconditions.resourceVersion`. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Options of a write. */
export interface WriteOptions {
  /** `dryRun=All`: validate and answer without storing. */
  dryRun?: boolean;
  /** The clock (tests). */
  now?: Date;
  /**
   * Store the update without validating the object (`pods/binding`: kube-apiserver's
   * `assignPod` sets `spec.nodeName`, annotations and the `PodScheduled` condition on the stored
   * pod without pod validation; only the Binding is validated).
   */
  skipValidation?: boolean;
}

/**
 * The namespace check of a namespaced create: a remembered view of the namespace, its store key,
 * and a way to report what a txn found there (`NamespaceLifecycle` implements it).
 */
export interface NamespaceGate {
  /** The namespace's state and the `mod_revision` it was read at (may be remembered). */
  view(ns: string): Promise<NamespaceView>;
  /** The namespace's store key. */
  keyOf(ns: string): string;
  /** Records the namespace's current key (`undefined`: absent) and returns the new view. */
  observe(ns: string, kv: KeyValue | undefined): NamespaceView;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return btoa(JSON.stringify({ v: "meta.k8s.io/v1", rv, start } satisfies ContinueToken));
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t: unknown = JSON.parse(atob(token));
    if (
      isRecord(t) && t.v === "meta.k8s.io/v1" && typeof t.rv === "number" &&
      typeof t.start === "string"
    ) return t as unknown as ContinueToken;
  } catch {
    // Reported below.
  }
  throw ApiError.badRequest(
    "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
  );
}

/** kube-apiserver's answer to a list at a revision the store has not reached (504). */
function tooLarge(asked: number, current: number): ApiError {
  return new ApiError(504, "Timeout", `Too large resource version: ${asked}, current: ${current}`, {
    causes: [{
      reason: "ResourceVersionTooLarge",
      message: "Too large resource version",
      field: "",
    }],
    retryAfterSeconds: 1,
  });
}

const continueTooOld =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/** The REST verbs of one resource. */
export class RestStorage {
  /** The store. */
  readonly store: KvStore;
  /** The resource. */
  readonly resource: ApiResource;
  /** Group and resource for error messages. */
  readonly gr: GroupResource;
  #namespaces: NamespaceGate;
  #onRemoved: (r: ApiResource, obj: ApiObject) => void;
  #cached: (key: string) => ApiObject | undefined;
  /**
   * Admission of this resource's writes (not of subresources): gets the object about to be
   * stored (may change it) and, for an update, the current one; throws to refuse.
   */
  admission: ((obj: ApiObject, old: ApiObject | undefined) => Promise<void>) | undefined;
  /**
   * Objects of this resource expire `seconds` after their last create or update (Events:
   * kube-apiserver's `--event-ttl`, 1 h by default): each such write puts the object under a
   * lease from `leases`. Unset: objects stay until deleted.
   */
  ttl: { seconds: number; leases: LeaseManager } | undefined;

  /**
   * Creates the storage; `namespaces` checks the namespace of a namespaced create,
   * `onRemoved` hears of every object removed from the store (for garbage collection),
   * `cached` returns the watch cache's copy of a key (read-only; may be stale) to start an
   * update from, as kube-apiserver's `GuaranteedUpdate` starts from the watch cache's object.
   */
  constructor(
    store: KvStore,
    resource: ApiResource,
    namespaces: NamespaceGate,
    onRemoved: (r: ApiResource, obj: ApiObject) => void = () => {},
    cached: (key: string) => ApiObject | undefined = () => undefined,
  ) {
    this.store = store;
    this.resource = resource;
    this.gr = { group: resource.group, resource: resource.resource };
    this.#namespaces = namespaces;
    this.#onRemoved = onRemoved;
    this.#cached = cached;
  }

  /**
   * Runs the transaction `build` makes; with a {@linkcode RestStorage.ttl}, `build` gets the
   * lease to put objects under (`{ lease }`; `{}` without), and a lease etcd no longer knows is
   * replaced and the transaction sent again.
   */
  async #txn(build: (lease: { lease?: string }) => TxnRequest): Promise<TxnResult> {
    const ttl = this.ttl;
    if (!ttl) return await this.store.txn(build({}));
    for (let attempt = 0;; attempt++) {
      const lease = await ttl.leases.leaseFor(ttl.seconds);
      try {
        return await this.store.txn(build({ lease }));
      } catch (e) {
        if (!(e instanceof LeaseNotFoundError) || attempt >= 2) throw e;
        ttl.leases.forget(lease);
      }
    }
  }

  #key(ns: string | undefined, name: string): string {
    try {
      return objectKey(this.resource, ns, name);
    } catch {
      throw ApiError.notFound(this.gr, name);
    }
  }

  /** Decodes a stored value in this resource's version (Events are served in two). */
  #decode(kv: KeyValue): ApiObject {
    return convertEvent(decodeObject(kv), apiVersionOf(this.resource));
  }

  /** Reads one object; 404 when absent. */
  async get(ns: string | undefined, name: string): Promise<ApiObject> {
    const kv = await this.store.get(this.#key(ns, name));
    if (!kv) throw ApiError.notFound(this.gr, name);
    return this.#decode(kv);
  }

  /** Reads one object; undefined when absent. */
  async find(ns: string | undefined, name: string): Promise<ApiObject | undefined> {
    const kv = await this.store.get(this.#key(ns, name));
    return kv ? this.#decode(kv) : undefined;
  }

  /** True when `obj` satisfies the list's selectors. */
  static matches(obj: ApiObject, q: ListQuery): boolean {
    if (q.labelSelector && q.labelSelector.length > 0) {
      const labels = isRecord(obj.metadata.labels)
        ? obj.metadata.labels as Record<string, string>
        : undefined;
      if (!matchesLabelSelector(q.labelSelector, labels)) return false;
    }
    if (q.fieldSelector && q.fieldSelector.length > 0) {
      if (!matchesFieldSelector(q.fieldSelector, obj)) return false;
    }
    return true;
  }

  /**
   * Lists objects (one namespace or all) at one revision: `limit`/`continue` pages all read
   * at the first page's revision; `resourceVersion` with `resourceVersionMatch=Exact` reads
   * at that revision. Compacted revisions give 410 Expired.
   */
  async list(ns: string | undefined, q: ListQuery = {}): Promise<ListPage> {
    const prefix = resourcePrefix(this.resource, ns);
    const end = prefixEnd(prefix);
    let start = prefix;
    let revision = 0;
    if (q.continue) {
      const t = decodeContinue(q.continue);
      revision = t.rv;
      start = prefix + t.start;
    } else if (q.resourceVersion && q.resourceVersionMatch === "Exact") {
      revision = Number(q.resourceVersion);
      if (!Number.isSafeInteger(revision) || revision <= 0) {
        throw ApiError.badRequest(`invalid resource version: ${q.resourceVersion}`);
      }
    }
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    const filtered = (q.labelSelector?.length ?? 0) + (q.fieldSelector?.length ?? 0) > 0;
    const items: ApiObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    let remaining: number | undefined;
    try {
      for (;;) {
        const want = limit === 0 ? 0 : Math.max(limit - items.length, filtered ? 100 : 0);
        const page = await this.store.range(start, { rangeEnd: end, limit: want, revision });
        if (revision === 0) {
          revision = page.revision;
          const asked = Number(q.resourceVersion ?? 0);
          if (!q.continue && asked > revision) throw tooLarge(asked, revision);
        }
        let consumed = 0;
        for (const kv of page.kvs) {
          consumed++;
          lastKey = kv.key;
          const obj = this.#decode(kv);
          if (RestStorage.matches(obj, q)) items.push(obj);
          if (limit > 0 && items.length >= limit) break;
        }
        const cut = consumed < page.kvs.length;
        if (limit > 0 && items.length >= limit) {
          more = cut || page.more;
          if (more && !filtered) remaining = page.count - consumed;
          break;
        }
        if (!page.more || page.kvs.length === 0) break;
        start = lastKey + "\0";
      }
    } catch (e) {
      if (e instanceof KvStoreError && /future revision/.test(e.message)) {
        throw tooLarge(revision, (await this.store.range(prefix, { countOnly: true })).revision);
      }
      if (e instanceof CompactedError) {
        throw ApiError.expired(
          q.continue ? continueTooOld : "The resourceVersion for the provided list is too old.",
        );
      }
      throw e;
    }
    const out: ListPage = { items, resourceVersion: String(revision) };
    if (more && lastKey !== undefined) {
      out.continue = encodeContinue(revision, lastKey.slice(prefix.length) + "\0");
      if (remaining !== undefined) out.remainingItemCount = remaining;
    }
    return out;
  }

  #checkBody(body: ApiObject, ns: string | undefined): void {
    const r = this.resource;
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
      throw ApiError.badRequest(
        `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (body.kind !== undefined && body.kind !== r.kind) {
      throw ApiError.badRequest(
        `${r.kind} in version "${r.version}" cannot be handled as a ${String(body.kind)}: ` +
          `the object provided is unrecognized (must be of type ${r.kind})`,
      );
    }
    body.apiVersion = apiVersion;
    body.kind = r.kind;
    if (r.namespaced && ns !== undefined) {
      const given = body.metadata.namespace;
      if (given !== undefined && given !== "" && given !== ns) {
        throw ApiError.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      body.metadata.namespace = ns;
    }
  }

  #validate(obj: ApiObject, old?: ApiObject): void {
    const causes = validateObject(this.resource.kind, obj, old);
    if (causes.length > 0) {
      throw ApiError.invalid(
        this.resource.group,
        this.resource.kind,
        String(obj.metadata.name ?? ""),
        causes,
      );
    }
  }

  /** Creates an object (201); 409 AlreadyExists when the name is taken. */
  async create(
    ns: string | undefined,
    body: ApiObject,
    opts: WriteOptions = {},
  ): Promise<ApiObject> {
    const r = this.resource;
    if (r.namespaced && ns === undefined) {
      throw ApiError.badRequest("the server could not find the requested resource");
    }
    this.#checkBody(body, ns);
    const meta = body.metadata;
    if ((meta.name === undefined || meta.name === "") && typeof meta.generateName === "string") {
      meta.name = generateName(meta.generateName);
    }
    const obj = prepareForCreate(r, body, opts.now ?? new Date());
    const name = String(obj.metadata.name);
    const key = this.#key(ns, name);
    const gated = r.namespaced && ns !== undefined ? ns : undefined;
    let view = gated === undefined ? undefined : await this.#namespaces.view(gated);
    // kube-apiserver's NamespaceLifecycle admission runs before the other plugins (a pod in a
    // missing namespace is 404 `namespaces "x" not found`, not ServiceAccount's 403).
    if (gated !== undefined && view) this.#checkNamespace(gated, view, name);
    await this.admission?.(obj, undefined);
    this.#validate(obj);
    for (let attempt = 0;; attempt++) {
      if (attempt >= 20) throw ApiError.conflict(this.gr, name);
      if (gated !== undefined && view) this.#checkNamespace(gated, view, name);
      if (opts.dryRun) {
        if (await this.store.get(key)) throw ApiError.alreadyExists(this.gr, name);
        return obj;
      }
      // One txn: the name is free and the namespace is still what `view` says (kube-apiserver
      // reads it from an informer; here a changed namespace fails the compare and is re-read).
      const nsKey = gated === undefined ? undefined : this.#namespaces.keyOf(gated);
      const res = await this.#txn((lease) => ({
        compare: [
          { key, target: "create", result: "equal", value: 0 },
          ...(nsKey === undefined ? [] : [{
            key: nsKey,
            target: "mod" as const,
            result: "equal" as const,
            value: view!.modRevision,
          }]),
        ],
        success: [{ type: "put", key, value: encodeObject(obj), ...lease }],
        failure: [
          { type: "get", key, countOnly: true },
          ...(nsKey === undefined ? [] : [{ type: "get" as const, key: nsKey }]),
        ],
      }));
      if (res.succeeded) {
        obj.metadata.resourceVersion = String(res.revision);
        return obj;
      }
      const taken = res.results[0]?.type === "get" && res.results[0].count > 0;
      if (gated === undefined) {
        if (taken) throw ApiError.alreadyExists(this.gr, name);
        continue;
      }
      const nsNow = res.results[1]?.type === "get" ? res.results[1].kvs[0] : undefined;
      const before = view!.modRevision;
      view = this.#namespaces.observe(gated, nsNow);
      // The namespace is unchanged (or only changed in a way that still admits content): the
      // name was the reason.
      if (taken && (view.modRevision === before || view.state === "active")) {
        throw ApiError.alreadyExists(this.gr, name);
      }
    }
  }

  #checkNamespace(ns: string, view: NamespaceView, name: string): void {
    if (view.state === "missing") {
      throw ApiError.notFound({ group: "", resource: "namespaces" }, ns);
    }
    if (view.state === "terminating") {
      throw ApiError.forbidden(
        this.gr,
        name,
        `unable to create new content in namespace ${ns} because it is being terminated`,
      );
    }
  }

  /**
   * Read-modify-write of one object: `mutate` gets the current object and returns the
   * client's desired object (or throws). When the desired object carries a
   * `resourceVersion` that is not the current one, 409 Conflict; otherwise lost races are
   * retried. Removing the last finalizer of an object being deleted deletes it (once its grace
   * period, if any, has been cut to 0).
   */
  async update(
    ns: string | undefined,
    name: string,
    subresource: string | undefined,
    mutate: (current: ApiObject) => ApiObject | Promise<ApiObject>,
    opts: WriteOptions = {},
  ): Promise<ApiObject> {
    const key = this.#key(ns, name);
    // The first attempt starts from the watch cache's copy when there is one (saves a store
    // read); the txn compares its revision, so a stale copy only costs a retry. Any failure
    // computed from a copy that may be stale is retried from the store, as kube-apiserver does
    // (`origStateIsCurrent`). A dry run answers from the store.
    let suggestion = opts.dryRun ? undefined : this.#cached(key);
    for (let attempt = 0; attempt < 20; attempt++) {
      let current: ApiObject;
      let modRevision: number;
      const fromCache = suggestion !== undefined;
      if (suggestion !== undefined) {
        current = suggestion;
        modRevision = Number(suggestion.metadata.resourceVersion);
        suggestion = undefined;
      } else {
        const kv = await this.store.get(key);
        if (!kv) throw ApiError.notFound(this.gr, name);
        current = this.#decode(kv);
        modRevision = kv.modRevision;
      }
      let next: ApiObject;
      let rv: unknown;
      try {
        ({ next, rv } = await this.#nextVersion(ns, name, subresource, current, mutate, opts));
      } catch (e) {
        if (fromCache) continue;
        throw e;
      }
      if (sameObject(next, current)) {
        if (fromCache) continue; // unchanged against a copy: check against the store
        return current;
      }
      // kube's ShouldDeleteDuringUpdate: no finalizers left on an object being deleted whose
      // grace period is over (0 or none). A pod in its grace period stays: its node still
      // reports status while it stops it, and ends with a delete of grace 0.
      const grace = current.metadata.deletionGracePeriodSeconds;
      const finalized = current.metadata.deletionTimestamp !== undefined &&
        (grace === undefined || grace === null || grace === 0) &&
        !(Array.isArray(next.metadata.finalizers) && next.metadata.finalizers.length > 0);
      if (opts.dryRun) return next;
      const res = await this.#txn((lease) => ({
        compare: [{ key, target: "mod", result: "equal", value: modRevision }],
        success: finalized
          ? [{ type: "delete", key }]
          : [{ type: "put", key, value: encodeObject(next), ...lease }],
        failure: [],
      }));
      if (!res.succeeded) {
        if (!fromCache && rv !== undefined && rv !== "") throw ApiError.conflict(this.gr, name);
        continue;
      }
      next.metadata.resourceVersion = String(res.revision);
      if (finalized) this.#onRemoved(this.resource, next);
      return next;
    }
    throw ApiError.conflict(this.gr, name);
  }

  /** The object an update stores: `mutate`'s answer checked, prepared and validated. */
  async #nextVersion(
    ns: string | undefined,
    name: string,
    subresource: string | undefined,
    current: ApiObject,
    mutate: (current: ApiObject) => ApiObject | Promise<ApiObject>,
    opts: WriteOptions,
  ): Promise<{ next: ApiObject; rv: unknown }> {
    const desired = await mutate(cloneJson(current));
    if (!isRecord(desired.metadata)) desired.metadata = {};
    this.#checkBody(desired, ns);
    const dn = desired.metadata.name;
    if (dn !== undefined && dn !== "" && dn !== name) {
      throw ApiError.badRequest(
        `the name of the object (${String(dn)}) does not match the name on the URL (${name})`,
      );
    }
    const rv = desired.metadata.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== current.metadata.resourceVersion) {
      throw ApiError.conflict(this.gr, name);
    }
    const next = prepareForUpdate(this.resource, subresource, current, desired);
    next.metadata.name = name;
    if (subresource === undefined) await this.admission?.(next, current);
    if (!opts.skipValidation) this.#validate(next, current);
    return { next, rv };
  }

  /**
   * Deletes an object: checks preconditions (409), then either removes it (200 with the last
   * state), or, for a pod on a node with a grace period or an object with finalizers, sets
   * `deletionTimestamp` and keeps it (the DELETED watch event comes when it is removed).
   */
  async delete(
    ns: string | undefined,
    name: string,
    q: DeleteQuery = {},
    opts: WriteOptions = {},
  ): Promise<ApiObject> {
    const key = this.#key(ns, name);
    for (let attempt = 0; attempt < 20; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw ApiError.notFound(this.gr, name);
      const current = this.#decode(kv);
      this.#checkPreconditions(current, q);
      const marked = this.#markForDeletion(current, q, opts.now ?? new Date());
      if (opts.dryRun) return marked ?? current;
      const res = await this.#commitDelete(key, kv, marked);
      if (res === undefined) continue;
      return res;
    }
    throw ApiError.conflict(this.gr, name);
  }

  #checkPreconditions(current: ApiObject, q: DeleteQuery): void {
    const p = q.preconditions;
    const name = String(current.metadata.name);
    if (p?.uid !== undefined && p.uid !== current.metadata.uid) {
      throw ApiError.conflict(
        this.gr,
        name,
        `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${
          String(current.metadata.uid ?? "")
        }`,
      );
    }
    if (
      p?.resourceVersion !== undefined && p.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw ApiError.conflict(
        this.gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${
          String(current.metadata.resourceVersion)
        }`,
      );
    }
  }

  /** The object to keep with `deletionTimestamp` set, or undefined to remove it now. */
  #markForDeletion(current: ApiObject, q: DeleteQuery, now: Date): ApiObject | undefined {
    const meta = current.metadata;
    const finalizers = Array.isArray(meta.finalizers) ? [...meta.finalizers] as string[] : [];
    let grace = 0;
    if (this.resource.kind === "Pod") {
      const spec = isRecord(current.spec) ? current.spec : {};
      const status = isRecord(current.status) ? current.status : {};
      const terminal = status.phase === "Succeeded" || status.phase === "Failed";
      if (typeof spec.nodeName === "string" && spec.nodeName !== "" && !terminal) {
        grace = q.gracePeriodSeconds ??
          (typeof spec.terminationGracePeriodSeconds === "number"
            ? spec.terminationGracePeriodSeconds
            : 30);
        if (typeof meta.deletionGracePeriodSeconds === "number") {
          grace = Math.min(grace, meta.deletionGracePeriodSeconds);
        }
      }
    }
    if (grace <= 0 && finalizers.length === 0) return undefined;
    if (meta.deletionTimestamp !== undefined && grace === meta.deletionGracePeriodSeconds) {
      return current; // already being deleted: nothing changes
    }
    const next = cloneJson(current);
    next.metadata.deletionTimestamp = kubeTime(new Date(now.getTime() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    if (grace <= 0 && finalizers.length === 0) return undefined;
    return next;
  }

  async #commitDelete(
    key: string,
    kv: KeyValue,
    marked: ApiObject | undefined,
  ): Promise<ApiObject | undefined> {
    if (
      marked && marked.metadata.resourceVersion === String(kv.modRevision) &&
      sameObject(marked, this.#decode(kv))
    ) {
      return marked;
    }
    const res = await this.store.txn({
      compare: [{ key, target: "mod", result: "equal", value: kv.modRevision }],
      success: marked ? [{ type: "put", key, value: encodeObject(marked) }] : [{
        type: "delete",
        key,
      }],
      failure: [],
    });
    if (!res.succeeded) return undefined;
    if (marked) {
      marked.metadata.resourceVersion = String(res.revision);
      return marked;
    }
    const removed = this.#decode(kv);
    this.#onRemoved(this.resource, removed);
    return removed;
  }

  /** Deletes every object that matches `q` (one namespace or all); returns them. */
  async deleteCollection(
    ns: string | undefined,
    q: ListQuery,
    d: DeleteQuery,
    opts: WriteOptions = {},
  ): Promise<ListPage> {
    const { items, resourceVersion } = await this.list(ns, { ...q, limit: 0 });
    const out: ApiObject[] = [];
    for (const obj of items) {
      try {
        out.push(
          await this.delete(
            typeof obj.metadata.namespace === "string" ? obj.metadata.namespace : ns,
            String(obj.metadata.name),
            d,
            opts,
          ),
        );
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { items: out, resourceVersion };
  }
}
