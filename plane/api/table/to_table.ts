/**
 * Objects as a `meta.k8s.io/v1` `Table`: what `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
 *
 * @module
 */
import type { ApiResource } from "../resources.ts";
import { tableColumns } from "./columns.ts";
import { rowCells } from "./row_cells.ts";
import { rec } from "./_fields.ts";

/** What `rows[].object` carries (the `includeObject` query parameter). */
export type IncludeObject = "None" | "Metadata" | "Object";

/** Options of {@linkcode toTable}. */
export interface ToTableOptions {
  /** The reference time for ages (`AGE`, `LAST SEEN`, restarts). */
  now: Date;
  /**
   * `"Metadata"` (kube-apiserver's default): a `PartialObjectMetadata` with the full
   * `metadata`, which kubectl needs for `-A`, `--show-labels` and `-L`; `"Object"`: the stored
   * object; `"None"`: no `object`.
   */
  includeObject: IncludeObject;
  /**
   * `metadata` of the list (`resourceVersion` is where `kubectl get -w` starts watching,
   * `continue` the next page). When absent and exactly one object is given, the Table carries
   * that object's `resourceVersion`, as kube-apiserver does for a single-object GET.
   */
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /**
   * Leave out `columnDefinitions` (kube-apiserver does so for every watch event after the
   * first one, `TableOptions.noHeaders`). Default `false`.
   */
  noHeaders?: boolean;
  /**
   * The subresource the objects come from (`kubectl get … --subresource=status|scale`):
   * `"scale"` prints autoscaling/v1 Scale objects (`NAME DESIRED AVAILABLE AGE`); `"status"`
   * and absent print the resource's own kind.
   */
  subresource?: string;
}

/**
 * The `Table` of `objects` of one resource, with the columns and cells of the upstream
 * printers for that kind, wide columns included (priority 1; kubectl shows them with
 * `-o wide`).
 *
 * Shape: `{kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: {resourceVersion?,
 * continue?, remainingItemCount?}, columnDefinitions: [{name, type, format, description,
 * priority}], rows: [{cells, conditions?, object?}]}`. Rows keep the order of `objects`.
 *
 * Source: `TableConvertor` (kubernetes/pkg/printers/storage, always `Wide: true`) and
 * `transformObject`/`asTable` in k8s.io/apiserver/pkg/endpoints/handlers/response.go.
 * Never throws: fields a printer needs and does not find print as Go zero values.
 *
 * @param resource the resource the objects belong to (from `findResource`).
 * @param objects stored objects (with `metadata`).
 * @param opts see {@linkcode ToTableOptions}.
 *
 * @example
 * ```ts
 * import { findResource } from "../resources.ts";
 * import { toTable } from "./to_table.ts";
 * import assert from "node:assert/strict";
 * const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", resourceVersion: "7", creationTimestamp: "2026-01-01T00:00:00Z" }, status: { phase: "Active" } };
 * const table = toTable(findResource("", "v1", "namespaces")!, [ns], {
 *   now: new Date("2026-01-03T05:00:00Z"),
 *   includeObject: "Metadata",
 *   listMeta: { resourceVersion: "9" },
 * });
 * assert.deepEqual(table.metadata, { resourceVersion: "9" });
 * const rows = table.rows as { cells: unknown[]; object: { kind: string } }[];
 * assert.deepEqual(rows[0]!.cells, ["default", "Active", "2d5h"]);
 * assert.equal(rows[0]!.object.kind, "PartialObjectMetadata");
 * ```
 */
export function toTable(
  resource: ApiResource,
  objects: readonly Record<string, unknown>[],
  opts: ToTableOptions,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  const single = objects.length === 1 ? rec(objects[0], "metadata") : {};
  const rv = opts.listMeta ? opts.listMeta.resourceVersion : single["resourceVersion"];
  if (typeof rv === "string" && rv !== "") metadata["resourceVersion"] = rv;
  if (opts.listMeta?.continue) metadata["continue"] = opts.listMeta.continue;
  if (opts.listMeta?.remainingItemCount !== undefined) {
    metadata["remainingItemCount"] = opts.listMeta.remainingItemCount;
  }
  const table: Record<string, unknown> = {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
  };
  const [group, plural] = opts.subresource === "scale"
    ? ["autoscaling", "scale"]
    : [resource.group, resource.resource];
  if (!opts.noHeaders) {
    table["columnDefinitions"] = tableColumns(group, plural).map((c) => ({
      ...c,
    }));
  }
  table["rows"] = objects.map((obj) => {
    const { cells, conditions } = rowCells(group, plural, obj, opts.now);
    const row: Record<string, unknown> = { cells };
    if (conditions) row["conditions"] = conditions;
    if (opts.includeObject === "Object") {
      row["object"] = obj;
    } else if (opts.includeObject === "Metadata") {
      row["object"] = {
        kind: "PartialObjectMetadata",
        apiVersion: "meta.k8s.io/v1",
        metadata: rec(obj, "metadata"),
      };
    }
    return row;
  });
  return table;
}
