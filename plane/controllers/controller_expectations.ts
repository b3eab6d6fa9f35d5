/**
 * `ControllerExpectations`: what a controller has asked the API to create or delete and not yet
 * seen come back through its watch, so a burst of watch events does not make it act twice
 * (`UIDTrackingControllerExpectations` in kube-controller-manager's controller_utils.go).
 *
 * @module
 */

/** Expectations older than this (ms) count as satisfied, as upstream's 5 minute TTL. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Entry {
  adds: number;
  deletes: Set<string>;
  since: number;
}

/**
 * Per controller key (`namespace/name`): how many creations are pending and which pod UIDs are
 * pending deletion. `satisfied(key, now)` is true when nothing is pending, nothing was ever
 * recorded, or the record is older than {@linkcode EXPECTATIONS_TTL_MS}.
 *
 * @example
 * ```ts
 * import { ControllerExpectations } from "./controller_expectations.ts";
 * import assert from "node:assert/strict";
 * const e = new ControllerExpectations();
 * const now = new Date(0);
 * e.expectCreations("default/web", 2, now);
 * e.creationObserved("default/web");
 * assert.equal(e.satisfied("default/web", now), false);
 * e.creationObserved("default/web");
 * assert.equal(e.satisfied("default/web", now), true);
 * ```
 */
export class ControllerExpectations {
  #entries = new Map<string, Entry>();

  /** Records that `count` creations were just requested for `key`. */
  expectCreations(key: string, count: number, now: Date): void {
    const e = this.#entry(key, now);
    e.adds += count;
    e.since = now.getTime();
  }

  /** Records that the pods with `uids` were just asked to be deleted for `key`. */
  expectDeletions(key: string, uids: readonly string[], now: Date): void {
    const e = this.#entry(key, now);
    for (const u of uids) e.deletes.add(u);
    e.since = now.getTime();
  }

  /** A pod created for `key` was seen (or its creation failed). */
  creationObserved(key: string): void {
    const e = this.#entries.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** The pod `uid` of `key` was seen deleted or being deleted (or its deletion failed). */
  deletionObserved(key: string, uid: string): void {
    this.#entries.get(key)?.deletes.delete(uid);
  }

  /** Whether `key` may act again. */
  satisfied(key: string, now: Date): boolean {
    const e = this.#entries.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.deletes.size === 0) return true;
    return now.getTime() - e.since > EXPECTATIONS_TTL_MS;
  }

  /** Forgets `key` (its controller object was deleted). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  #entry(key: string, now: Date): Entry {
    let e = this.#entries.get(key);
    if (!e) {
      e = { adds: 0, deletes: new Set(), since: now.getTime() };
      this.#entries.set(key, e);
    }
    return e;
  }
}
