/**
 * `metadata.managedFields`: reading and writing the entries (manager, operation `Apply` or
 * `Update`, apiVersion, time, `FieldsV1`), and tracking ownership for ordinary writes
 * (create, update, non-apply patches), as kube-apiserver's field manager does so that a later
 * server-side apply sees who owns what.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { canonicalJson, FieldSet, fieldSetOf, valueAt } from "./_field_set.ts";
import {
  encodeManagedFields,
  managerKey,
  readManagedFields,
  rfc3339,
  withManagedFields,
} from "./_managed_entries.ts";

export type { ManagedFieldsEntry } from "./_managed_entries.ts";

/** Options of {@linkcode updateManagedFields}. */
export interface UpdateManagedFieldsOptions {
  /** The writer's field manager (`?fieldManager=`, else derived from the user agent). */
  manager: string;
  /** The object's kind (`Pod`), for list merge keys. */
  kind: string;
  /** The write's time. */
  now: Date;
  /** The write's API version; default the object's `apiVersion`. */
  apiVersion?: string;
  /** The subresource written (`status`, `scale`), if any. */
  subresource?: string;
}

/**
 * Records a non-apply write (create, update, JSON/merge/strategic patch) of `next` over `old`
 * (absent on create) in `next`'s `metadata.managedFields`, as an `Update` entry of `manager`:
 * the manager gains every field it added or changed, and other managers lose those fields and
 * any field that was removed. The returned object is `next` with the new entries (the input
 * is not modified). The starting point is the request's own `metadata.managedFields` when it
 * carries any (so clients can rewrite them, and `[{}]` clears them all), else those of `old`
 * (an absent, `null` or `[]` list never drops them), as kube-apiserver does.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 * and #clearing-managedfields
 *
 * @example
 * ```ts
 * import { updateManagedFields } from "./managed_fields.ts";
 * import assert from "node:assert/strict";
 * const now = new Date("2026-01-02T03:04:05.678Z");
 * const created = updateManagedFields(undefined, {
 *   apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" },
 * }, { manager: "kubectl-create", kind: "ConfigMap", now });
 * assert.deepEqual((created.metadata as { managedFields: unknown }).managedFields, [{
 *   manager: "kubectl-create", operation: "Update", apiVersion: "v1",
 *   time: "2026-01-02T03:04:05Z", fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:a": {} } },
 * }]);
 * ```
 */
export function updateManagedFields(
  old: Readonly<Record<string, unknown>> | undefined,
  next: Readonly<Record<string, unknown>>,
  opts: UpdateManagedFieldsOptions,
): Record<string, unknown> {
  const nextMeta = isRecord(next.metadata) ? next.metadata : {};
  // A request that carries managed fields sets them (kubectl's client-side to server-side
  // apply migration does that; `[{}]` clears them); none, `null` or `[]` keeps the stored ones,
  // so clients unaware of the field cannot drop it. Subresource writes always keep them.
  const given = nextMeta.managedFields;
  const sets = Array.isArray(given) && given.length > 0 && opts.subresource === undefined
    ? readManagedFields(next)
    : readManagedFields(old);
  const oldFields = old === undefined ? new FieldSet() : fieldSetOf(old, opts.kind);
  const newFields = fieldSetOf(next, opts.kind);
  const changed = new FieldSet();
  for (const p of newFields.paths()) {
    if (!oldFields.has(p)) {
      changed.add(p);
      continue;
    }
    const a = valueAt(old, p);
    const b = valueAt(next, p);
    if (canonicalJson(a.value) !== canonicalJson(b.value) && !isRecord(b.value)) changed.add(p);
  }
  const removed = oldFields.paths().filter((p) => !newFields.has(p));
  const apiVersion = opts.apiVersion ??
    (typeof next.apiVersion === "string" ? next.apiVersion : "");
  const key = managerKey({
    manager: opts.manager,
    operation: "Update",
    apiVersion,
    ...(opts.subresource === undefined ? {} : { subresource: opts.subresource }),
  });
  let mine = sets.find((s) => managerKey(s.entry) === key);
  for (const s of sets) {
    if (s === mine) continue;
    for (const p of changed.paths()) s.fields.delete(p);
    for (const p of removed) s.fields.delete(p);
  }
  if (mine !== undefined) { for (const p of removed) mine.fields.delete(p); }
  if (changed.size > 0) {
    if (mine === undefined) {
      mine = {
        entry: {
          manager: opts.manager,
          operation: "Update",
          apiVersion,
          fieldsType: "FieldsV1",
          ...(opts.subresource === undefined ? {} : { subresource: opts.subresource }),
        },
        fields: new FieldSet(),
      };
      sets.push(mine);
    }
    for (const p of changed.paths()) mine.fields.add(p);
    mine.entry = { ...mine.entry, time: rfc3339(opts.now) };
  }
  return withManagedFields({ ...next }, encodeManagedFields(sets));
}
