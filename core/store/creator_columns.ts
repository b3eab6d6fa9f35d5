/**
 * The `creator_pid` and `creator_started_at` columns of `containers` and `pod_sandboxes`
 * (migration 3): who is creating the row's container or pod, NULL once it is created.
 *
 * @module
 */
import type { OwnerProcess } from "../owner_process.ts";
import type { RowReader } from "./row_reader.ts";

/**
 * Reads the creator columns: both set, or both NULL (undefined).
 *
 * @example
 * ```ts
 * import { readCreator } from "./creator_columns.ts";
 * import { RowReader } from "./row_reader.ts";
 * import assert from "node:assert/strict";
 * const row = { id: "a", creator_pid: 7, creator_started_at: 1000 };
 * assert.deepEqual(readCreator(new RowReader("containers", row)), { pid: 7, startedAt: 1000 });
 * const none = { id: "a", creator_pid: null, creator_started_at: null };
 * assert.equal(readCreator(new RowReader("containers", none)), undefined);
 * ```
 *
 * @throws {MalformedRowError} When a column is not an integer or only one of them is set.
 */
export function readCreator(r: RowReader): OwnerProcess | undefined {
  const pid = r.optionalInteger("creator_pid");
  const startedAt = r.optionalInteger("creator_started_at");
  if (pid === undefined && startedAt === undefined) return undefined;
  // One without the other: read the missing one as required, which names it in the error.
  return {
    pid: pid ?? r.integer("creator_pid"),
    startedAt: startedAt ?? r.integer("creator_started_at"),
  };
}

/**
 * The values of the two columns for `creator` (NULLs for none), in column order.
 *
 * @example
 * ```ts
 * import { creatorValues } from "./creator_columns.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(creatorValues({ pid: 7, startedAt: 1000 }), [7, 1000]);
 * assert.deepEqual(creatorValues(undefined), [null, null]);
 * ```
 */
export function creatorValues(creator: OwnerProcess | undefined): [number | null, number | null] {
  return creator ? [creator.pid, creator.startedAt] : [null, null];
}
