/**
 * `GarbageCollector`: deletion by owner references, as Kubernetes' garbage collector does it for
 * the three `propagationPolicy` values — `Background` (the owner goes at once, its dependents
 * after it), `Foreground` (the owner stays with the `foregroundDeletion` finalizer until its
 * dependents whose owner reference has `blockOwnerDeletion: true` are gone; the others are
 * deleted too but do not hold the owner) and `Orphan` (the owner stays with the `orphan`
 * finalizer while its dependents lose their owner reference, then goes). An object deleted while
 * it carries either finalizer (set by its author) is finished the same way.
 * Dependents are the objects, in the owner's namespace (or anywhere for a cluster-scoped owner),
 * whose `metadata.ownerReferences` name the owner's uid.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { type ApiResource, apiResources } from "../api/resources.ts";
import { ApiError } from "./api_error.ts";
import type { ApiObject } from "./object_codec.ts";
import type { RestStorage } from "./rest_storage.ts";

/** The finalizer of a foreground deletion. */
export const FOREGROUND_FINALIZER = "foregroundDeletion";
/** The finalizer of an orphaning deletion. */
export const ORPHAN_FINALIZER = "orphan";

function finalizersOf(obj: ApiObject): string[] {
  const f = obj.metadata.finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === "string") : [];
}

/** One dependent: its resource and object. */
interface Dependent {
  resource: ApiResource;
  object: ApiObject;
}

/** True when `obj`'s owner reference to `uid` has `blockOwnerDeletion: true`. */
export function blocksOwnerDeletion(obj: ApiObject, uid: string): boolean {
  const refs = obj.metadata.ownerReferences;
  return Array.isArray(refs) &&
    refs.some((r) => isRecord(r) && r.uid === uid && r.blockOwnerDeletion === true);
}

/** True when `obj` has an owner reference with `uid`. */
export function ownedBy(obj: ApiObject, uid: string): boolean {
  const refs = obj.metadata.ownerReferences;
  return Array.isArray(refs) && refs.some((r) => isRecord(r) && r.uid === uid);
}

/** Cascading deletion over the server's storages. */
export class GarbageCollector {
  readonly #storage: (r: ApiResource) => RestStorage;
  readonly #running = new Set<Promise<void>>();
  /** Finalizer work under way, by `fg/<uid>` or `orphan/<uid>`. */
  readonly #finishing = new Set<string>();
  readonly #log: (line: string) => void;
  #closed = false;

  /** Creates the collector. */
  constructor(storage: (r: ApiResource) => RestStorage, log: (line: string) => void) {
    this.#storage = storage;
    this.#log = log;
  }

  /** The objects owned by `uid` (namespace `ns`, or every namespace for a cluster-scoped owner). */
  async dependents(ns: string | undefined, uid: string): Promise<Dependent[]> {
    const out: Dependent[] = [];
    for (const r of apiResources) {
      if (ns !== undefined && !r.namespaced) continue;
      const { items } = await this.#storage(r).list(ns);
      for (const object of items) if (ownedBy(object, uid)) out.push({ resource: r, object });
    }
    return out;
  }

  /** Removes the owner reference to `uid` from every dependent (Orphan). */
  async orphan(ns: string | undefined, uid: string): Promise<void> {
    for (const d of await this.dependents(ns, uid)) {
      const m = d.object.metadata;
      await this.#ignoreNotFound(
        this.#storage(d.resource).update(
          typeof m.namespace === "string" ? m.namespace : undefined,
          String(m.name),
          undefined,
          (cur) => {
            const refs = Array.isArray(cur.metadata.ownerReferences)
              ? cur.metadata.ownerReferences.filter((r) => !(isRecord(r) && r.uid === uid))
              : [];
            if (refs.length === 0) delete cur.metadata.ownerReferences;
            else cur.metadata.ownerReferences = refs;
            delete cur.metadata.resourceVersion;
            return cur;
          },
        ),
      );
    }
  }

  async #ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  #spawn(what: string, work: () => Promise<void>): void {
    const p = work().catch((e) =>
      this.#log(`rks: garbage collection of ${what} failed: ${e instanceof Error ? e.message : e}`)
    ).finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  /** Deletes the dependents of a deleted owner in the background (each with Background). */
  collect(ns: string | undefined, uid: string): void {
    if (this.#closed) return;
    this.#spawn(`the dependents of ${uid}`, async () => {
      for (const d of await this.dependents(ns, uid)) {
        const m = d.object.metadata;
        const dns = typeof m.namespace === "string" ? m.namespace : undefined;
        const gone = await this.#ignoreNotFound(
          this.#storage(d.resource).delete(dns, String(m.name), {
            propagationPolicy: "Background",
          }),
        );
        if (gone && gone.metadata.deletionTimestamp === undefined) {
          this.collect(dns, String(m.uid));
        }
      }
    });
  }

  /**
   * Finishes a foreground deletion: deletes the dependents (foreground too), waits until those
   * with `blockOwnerDeletion: true` are gone (upstream's `blockingDependents`), then removes the
   * owner's `foregroundDeletion` finalizer (which removes the owner when no other finalizer holds
   * it). Non-blocking dependents still present then are collected after the owner.
   */
  finishForeground(r: ApiResource, owner: ApiObject): void {
    if (this.#closed) return;
    const ns = typeof owner.metadata.namespace === "string" ? owner.metadata.namespace : undefined;
    const uid = String(owner.metadata.uid);
    const name = String(owner.metadata.name);
    this.#finishing.add(`fg/${uid}`);
    this.#spawn(`${r.resource} "${name}"`, async () => {
      try {
        await this.#foreground(r, ns, name, uid);
      } finally {
        this.#finishing.delete(`fg/${uid}`);
      }
    });
  }

  async #foreground(r: ApiResource, ns: string | undefined, name: string, uid: string) {
    for (let round = 0; round < 600 && !this.#closed; round++) {
      const deps = await this.dependents(r.namespaced ? ns : undefined, uid);
      if (!deps.some((d) => blocksOwnerDeletion(d.object, uid))) break;
      for (const d of deps) {
        if (d.object.metadata.deletionTimestamp !== undefined) continue;
        const m = d.object.metadata;
        const dns = typeof m.namespace === "string" ? m.namespace : undefined;
        const st = this.#storage(d.resource);
        await this.#ignoreNotFound(this.markForeground(st, dns, String(m.name)));
      }
      await new Promise((res) => setTimeout(res, Math.min(50 * (round + 1), 1000)));
    }
    if (this.#closed) return;
    await this.#ignoreNotFound(
      this.#storage(r).update(ns, name, undefined, (cur) => {
        const f = Array.isArray(cur.metadata.finalizers) ? cur.metadata.finalizers : [];
        cur.metadata.finalizers = f.filter((x) => x !== FOREGROUND_FINALIZER);
        delete cur.metadata.resourceVersion;
        return cur;
      }),
    );
  }

  /**
   * After a delete left `obj` in place (finalizers): finishes the garbage collector's own
   * finalizers — `orphan` (dependents lose their owner reference, then the finalizer goes) and
   * `foregroundDeletion` ({@linkcode GarbageCollector.finishForeground}).
   */
  afterDelete(st: RestStorage, obj: ApiObject): void {
    if (this.#closed || obj.metadata.deletionTimestamp === undefined) return;
    const f = finalizersOf(obj);
    const uid = String(obj.metadata.uid);
    if (f.includes(FOREGROUND_FINALIZER) && !this.#finishing.has(`fg/${uid}`)) {
      this.finishForeground(st.resource, obj);
    }
    if (!f.includes(ORPHAN_FINALIZER) || this.#finishing.has(`orphan/${uid}`)) return;
    const ns = typeof obj.metadata.namespace === "string" ? obj.metadata.namespace : undefined;
    const name = String(obj.metadata.name);
    this.#finishing.add(`orphan/${uid}`);
    this.#spawn(`${st.resource.resource} "${name}"`, async () => {
      try {
        await this.orphan(st.resource.namespaced ? ns : undefined, uid);
        await this.#ignoreNotFound(st.update(ns, name, undefined, (cur) => {
          cur.metadata.finalizers = finalizersOf(cur).filter((x) => x !== ORPHAN_FINALIZER);
          delete cur.metadata.resourceVersion;
          return cur;
        }));
      } finally {
        this.#finishing.delete(`orphan/${uid}`);
      }
    });
  }

  /** Starts an orphaning deletion: adds the `orphan` finalizer, deletes, finishes later. */
  async markOrphan(st: RestStorage, ns: string | undefined, name: string): Promise<ApiObject> {
    await st.update(ns, name, undefined, (cur) => {
      const f = finalizersOf(cur);
      if (!f.includes(ORPHAN_FINALIZER)) cur.metadata.finalizers = [...f, ORPHAN_FINALIZER];
      delete cur.metadata.resourceVersion;
      return cur;
    });
    const marked = await st.delete(ns, name, { propagationPolicy: "Orphan" });
    this.afterDelete(st, marked);
    return marked;
  }

  /** Starts a foreground deletion of one object: adds the finalizer, deletes, finishes later. */
  async markForeground(st: RestStorage, ns: string | undefined, name: string): Promise<ApiObject> {
    await st.update(ns, name, undefined, (cur) => {
      const f = Array.isArray(cur.metadata.finalizers) ? cur.metadata.finalizers : [];
      if (!f.includes(FOREGROUND_FINALIZER)) cur.metadata.finalizers = [...f, FOREGROUND_FINALIZER];
      delete cur.metadata.resourceVersion;
      return cur;
    });
    const marked = await st.delete(ns, name, { propagationPolicy: "Foreground" });
    this.finishForeground(st.resource, marked);
    return marked;
  }

  /** Stops background work and waits for it. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running]);
  }
}
