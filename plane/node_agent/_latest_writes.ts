/**
 * {@linkcode LatestWrites}: the node agent's pod status writes, several pods at once and each
 * pod's writes in order (private to `plane/node_agent`).
 *
 * The kubelet's status manager keeps one status per pod and writes the newest it has; a status
 * queued while an older one is being written waits for that write to end, then is written
 * itself, so an older status never lands after a newer one. Statuses queued meanwhile for the
 * same pod coalesce: only the last is written.
 *
 * @module
 */

/** Writes one value; resolves `true` when it was stored (failures resolve `false` or throw). */
export type SendValue<T> = (value: T) => Promise<boolean>;

interface Entry<T> {
  value: T;
  send: SendValue<T>;
}

/**
 * A write queue keyed by id (a pod's uid): at most `limit` writes in flight, at most one per
 * id, and per id only the value queued last is waiting.
 *
 * @example
 * ```ts
 * import { LatestWrites } from "./_latest_writes.ts";
 * import assert from "node:assert/strict";
 * const stored: string[] = [];
 * const q = new LatestWrites<string>(4);
 * const send = (v: string) => Promise.resolve(stored.push(v) > 0);
 * q.put("a", "v1", send);
 * q.put("a", "v2", send); // v1 is in flight: v2 waits for it
 * q.put("a", "v3", send); // replaces v2
 * await q.settled();
 * assert.deepEqual(stored, ["v1", "v3"]);
 * assert.equal(q.latest("a"), "v3");
 * ```
 */
export class LatestWrites<T> {
  readonly #limit: number;
  readonly #onError: (id: string, e: unknown) => void;
  /** Waiting writes, by id, in the order their ids were first queued. */
  readonly #pending = new Map<string, Entry<T>>();
  /** Writes in flight, by id. */
  readonly #inFlight = new Map<string, Entry<T>>();
  /** The value last stored per id. */
  readonly #stored = new Map<string, T>();
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => {};

  /**
   * `limit`: writes in flight at most (≥ 1). `onError`: called with a write's exception (the
   * write counts as failed; the queue goes on).
   */
  constructor(limit: number, onError: (id: string, e: unknown) => void = () => {}) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`The write limit must be a positive integer, not ${limit}`);
    }
    this.#limit = limit;
    this.#onError = onError;
  }

  /**
   * Queues `value` for `id`, written by `send`: replaces a value of `id` still waiting; after a
   * write of `id` in flight when there is one.
   */
  put(id: string, value: T, send: SendValue<T>): void {
    if (this.#inFlight.size === 0 && this.#pending.size === 0) {
      this.#idle = new Promise((resolve) => this.#markIdle = resolve);
    }
    this.#pending.delete(id);
    this.#pending.set(id, { value, send });
    this.#pump();
  }

  /**
   * The newest value of `id` this queue knows: waiting, else in flight, else last stored;
   * `undefined` when none. A failed write falls back to the value stored before it.
   */
  latest(id: string): T | undefined {
    return this.#pending.get(id)?.value ?? this.#inFlight.get(id)?.value ?? this.#stored.get(id);
  }

  /** True when a value of `id` waits or is being written. */
  busy(id: string): boolean {
    return this.#pending.has(id) || this.#inFlight.has(id);
  }

  /** Drops what is kept about ids not in `keep` (a write in flight still ends). */
  retain(keep: ReadonlySet<string>): void {
    for (const id of this.#pending.keys()) if (!keep.has(id)) this.#pending.delete(id);
    for (const id of this.#stored.keys()) if (!keep.has(id)) this.#stored.delete(id);
    if (this.#inFlight.size === 0 && this.#pending.size === 0) this.#markIdle();
  }

  /** Resolves once nothing waits and nothing is in flight. */
  settled(): Promise<void> {
    return this.#idle;
  }

  #pump(): void {
    for (const [id, entry] of this.#pending) {
      if (this.#inFlight.size >= this.#limit) return;
      if (this.#inFlight.has(id)) continue;
      this.#pending.delete(id);
      this.#inFlight.set(id, entry);
      void this.#write(id, entry);
    }
  }

  async #write(id: string, entry: Entry<T>): Promise<void> {
    try {
      if (await entry.send(entry.value)) this.#stored.set(id, entry.value);
    } catch (e) {
      this.#onError(id, e);
    }
    this.#inFlight.delete(id);
    this.#pump();
    if (this.#inFlight.size === 0 && this.#pending.size === 0) this.#markIdle();
  }
}
