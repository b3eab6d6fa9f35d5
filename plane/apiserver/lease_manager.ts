/**
 * `LeaseManager`: etcd leases for objects that expire (Events, kube-apiserver's `--event-ttl`),
 * shared between writes as kube-apiserver's `storage/etcd3` lease manager shares them: a lease
 * is granted for the requested TTL plus a reuse window (5 % of the TTL, at most 60 s) and handed
 * to every write asking for that TTL while it still outlives it, so a burst of 10,000 Events costs
 * one `LeaseGrant`, not 10,000. An object under a reused lease lives between `ttl` and
 * `ttl + window` seconds.
 *
 * @module
 */
import type { KvStore } from "../store/kv_store.ts";

/** Longest reuse window of a lease (kube-apiserver's `LeaseReuseDurationSeconds`), seconds. */
export const LEASE_REUSE_MAX_SECONDS = 60;

/** Share of the TTL a lease is reused for (kube-apiserver's `leaseReuseDurationPercent`). */
export const LEASE_REUSE_SHARE = 0.05;

interface Held {
  id: string;
  /** When the lease expires, ms since the epoch (as granted, measured before the grant). */
  expiresAt: number;
}

/** Hands out shared leases; see the module doc. */
export class LeaseManager {
  readonly #store: Pick<KvStore, "grantLease">;
  readonly #now: () => number;
  readonly #held = new Map<number, Held>();
  readonly #granting = new Map<number, Promise<Held>>();

  /** `now` in ms since the epoch (default `Date.now`). */
  constructor(store: Pick<KvStore, "grantLease">, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /**
   * The id of a lease that lives at least `ttlSeconds` (≥ 1) from now: the one held for this
   * TTL while it does, otherwise a new one of `ttlSeconds` + the reuse window. Concurrent callers
   * share one grant. Throws what `grantLease` throws.
   *
   * @example
   * ```ts
   * import { LeaseManager } from "./lease_manager.ts";
   * import assert from "node:assert/strict";
   * let now = 0, grants = 0;
   * const store = { grantLease: (ttl: number) => Promise.resolve({ id: String(++grants), ttl }) };
   * const m = new LeaseManager(store, () => now);
   * assert.equal(await m.leaseFor(3600), "1");
   * now = 59_000;
   * assert.equal(await m.leaseFor(3600), "1"); // within the 60 s window: shared
   * now = 61_000;
   * assert.equal(await m.leaseFor(3600), "2"); // would not outlive the TTL: a new one
   * ```
   */
  async leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const held = this.#held.get(ttl);
    if (held && held.expiresAt - this.#now() >= ttl * 1000) return held.id;
    let pending = this.#granting.get(ttl);
    if (!pending) {
      const reuse = Math.min(LEASE_REUSE_MAX_SECONDS, Math.floor(ttl * LEASE_REUSE_SHARE));
      const start = this.#now();
      pending = this.#store.grantLease(ttl + reuse).then((l) => {
        const h = { id: l.id, expiresAt: start + l.ttl * 1000 };
        this.#held.set(ttl, h);
        return h;
      }).finally(() => this.#granting.delete(ttl));
      this.#granting.set(ttl, pending);
    }
    return (await pending).id;
  }

  /** Forgets lease `id` (etcd no longer knows it): the next call grants a new one. */
  forget(id: string): void {
    for (const [ttl, h] of this.#held) if (h.id === id) this.#held.delete(ttl);
  }
}
