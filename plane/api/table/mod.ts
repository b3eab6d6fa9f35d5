/**
 * Server-side Table printing (`kubectl get`): the columns and cells of kube-apiserver 1.32's
 * printers for every kind rks serves, and kubectl's age format.
 *
 * @example
 * ```ts
 * import { findResource } from "../resources.ts";
 * import { toTable } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const table = toTable(findResource("", "v1", "configmaps")!, [], {
 *   now: new Date(),
 *   includeObject: "Metadata",
 *   listMeta: { resourceVersion: "1" },
 * });
 * assert.deepEqual(table.rows, []);
 * ```
 *
 * @module
 */
export * from "./to_table.ts";
export * from "./columns.ts";
export * from "./row_cells.ts";
export * from "./pod_cells.ts";
export * from "./human_duration.ts";
export * from "./label_format.ts";
