/**
 * The lease requests of {@linkcode EtcdClient}: grant, keep-alive (once, or a refresh loop that
 * reports a lost lease), revoke and time-to-live, sent through a {@linkcode Connection}.
 *
 * @module
 */
import { isUnavailable, sleep } from "./_connection.ts";
import type { Connection, Ctx } from "./_connection.ts";
import { KvStoreError, LeaseNotFoundError } from "./errors.ts";
import type { KeepAliveOptions, Lease, LeaseKeepAlive, LeaseStatus } from "./kv_store.ts";
import { bin, id, int, record, str, text } from "./_wire.ts";

/** Grants a lease of `ttlSeconds`. */
export async function grantLease(c: Connection, ttlSeconds: number): Promise<Lease> {
  const r = record(
    await c.call("LeaseGrant", { TTL: String(ttlSeconds) }, { operation: "lease grant" }),
    "lease grant",
  );
  const err = str(r.error, "lease grant.error");
  if (err) throw new KvStoreError(`Lease grant failed: ${err}`);
  return { id: id(r.ID, "lease grant.ID"), ttl: int(r.TTL, "lease grant.TTL") };
}

/** Refreshes a lease once; returns the new TTL in seconds. */
export async function keepAliveOnce(c: Connection, leaseId: string): Promise<number> {
  const ctx: Ctx = { operation: "lease keepalive", lease: leaseId };
  const r = record(await c.call("LeaseKeepAlive", { ID: leaseId }, ctx), "keepalive");
  const ttl = int(r.TTL, "keepalive.TTL");
  if (ttl <= 0) {
    throw new LeaseNotFoundError(leaseId, { endpoint: c.endpoints[c.current]! });
  }
  return ttl;
}

/**
 * Refreshes a lease every third of its TTL until stopped. Transient failures are retried;
 * the lease is reported `lost` when it is gone or the store stayed unreachable for a TTL.
 * `onStop` runs once the loop has ended after `stop()`.
 */
export async function keepAlive(
  c: Connection,
  leaseId: string,
  opts: KeepAliveOptions,
  onStop: (handle: LeaseKeepAlive) => void,
): Promise<LeaseKeepAlive> {
  const ttl = await keepAliveOnce(c, leaseId);
  const interval = opts.intervalMs ?? Math.max(100, (ttl * 1000) / 3);
  const stopper = new AbortController();
  let resolveLost!: (e: Error) => void;
  const lost = new Promise<Error>((r) => resolveLost = r);
  const loop = (async () => {
    let lastOk = Date.now();
    let ttlMs = ttl * 1000;
    while (await sleep(interval, stopper.signal)) {
      try {
        ttlMs = (await keepAliveOnce(c, leaseId)) * 1000;
        lastOk = Date.now();
      } catch (e) {
        if (stopper.signal.aborted) return;
        if (e instanceof LeaseNotFoundError || !isUnavailable(e) || Date.now() - lastOk > ttlMs) {
          resolveLost(e instanceof Error ? e : new Error(String(e)));
          return;
        }
      }
    }
  })();
  const handle: LeaseKeepAlive = {
    id: leaseId,
    lost,
    stop: async () => {
      stopper.abort();
      await loop;
      onStop(handle);
    },
  };
  return handle;
}

/** Revokes a lease, deleting its keys. */
export async function revokeLease(c: Connection, leaseId: string): Promise<void> {
  await c.call("LeaseRevoke", { ID: leaseId }, { operation: "lease revoke", lease: leaseId });
}

/** Reports a lease's remaining TTL (-1 when gone) and its keys. */
export async function leaseTimeToLive(c: Connection, leaseId: string): Promise<LeaseStatus> {
  const r = record(
    await c.call("LeaseTimeToLive", { ID: leaseId, keys: true }, {
      operation: "lease timetolive",
      lease: leaseId,
    }),
    "timetolive",
  );
  const keys = r.keys === undefined || r.keys === null ? [] : r.keys;
  if (!Array.isArray(keys)) throw new KvStoreError("timetolive.keys: expected an array");
  return {
    id: leaseId,
    ttl: int(r.TTL, "timetolive.TTL"),
    grantedTtl: int(r.grantedTTL, "timetolive.grantedTTL"),
    keys: keys.map((k, i) => text(bin(k, `timetolive.keys[${i}]`))),
  };
}
