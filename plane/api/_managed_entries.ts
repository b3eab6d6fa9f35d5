/**
 * Reading and writing `metadata.managedFields` entries (internal to server-side apply and
 * {@link ./managed_fields.ts}).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { decodeFieldsV1, encodeFieldsV1, type FieldSet } from "./_field_set.ts";

/** One `metadata.managedFields` entry (`ManagedFieldsEntry`). */
export interface ManagedFieldsEntry {
  /** The field manager (`kubectl`, `kubectl-client-side-apply`, `kube-controller-manager`). */
  manager: string;
  /** `Apply` for server-side apply, `Update` for every other write. */
  operation: "Apply" | "Update";
  /** The API version the fields were written in (`v1`, `apps/v1`). */
  apiVersion: string;
  /** RFC 3339 time (seconds) of the manager's last change to its set. */
  time?: string;
  /** Always `FieldsV1`. */
  fieldsType: "FieldsV1";
  /** The owned fields, `f:`/`k:`/`v:`/`i:` keyed. */
  fieldsV1: Record<string, unknown>;
  /** `status`, `scale` ... when written through a subresource. */
  subresource?: string;
}

/** A manager's entry with its field set decoded. */
export interface ManagerSet {
  /** The entry without `fieldsV1`. */
  entry: Omit<ManagedFieldsEntry, "fieldsV1">;
  /** The owned fields. */
  fields: FieldSet;
}

/** Identity of an entry: manager, operation, subresource and (for Update) apiVersion. */
export function managerKey(
  e: Pick<ManagedFieldsEntry, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  return JSON.stringify([
    e.manager,
    e.operation,
    e.operation === "Update" ? e.apiVersion : "",
    e.subresource ?? "",
  ]);
}

/** RFC 3339 with whole seconds, as `metav1.Time` serialises. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Reads `metadata.managedFields` of `obj`; malformed entries are dropped. */
export function readManagedFields(
  obj: Readonly<Record<string, unknown>> | undefined,
): ManagerSet[] {
  const meta = isRecord(obj?.metadata) ? obj.metadata : {};
  const list = Array.isArray(meta.managedFields) ? meta.managedFields : [];
  const out: ManagerSet[] = [];
  for (const e of list) {
    if (!isRecord(e) || typeof e.manager !== "string") continue;
    if (e.operation !== "Apply" && e.operation !== "Update") continue;
    const entry: Omit<ManagedFieldsEntry, "fieldsV1"> = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      fieldsType: "FieldsV1",
      ...(typeof e.time === "string" ? { time: e.time } : {}),
      ...(typeof e.subresource === "string" && e.subresource !== ""
        ? { subresource: e.subresource }
        : {}),
    };
    out.push({ entry, fields: decodeFieldsV1(e.fieldsV1) });
  }
  return out;
}

/**
 * Entries sorted as kube-apiserver sorts them (operation, time, manager, apiVersion,
 * subresource), empty sets dropped.
 */
export function encodeManagedFields(sets: readonly ManagerSet[]): ManagedFieldsEntry[] {
  const entries = sets.filter((s) => s.fields.size > 0).map((s) => ({
    ...s.entry,
    fieldsV1: encodeFieldsV1(s.fields),
  }));
  const seconds = (t: string | undefined) => (t === undefined ? 0 : Date.parse(t) / 1000);
  return entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    if (seconds(p.time) !== seconds(q.time)) return seconds(p.time) - seconds(q.time);
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? "") < (q.subresource ?? "") ? -1 : 1;
  });
}

/** Returns `obj` with `metadata.managedFields` set to `entries` (removed when empty). */
export function withManagedFields(
  obj: Record<string, unknown>,
  entries: readonly ManagedFieldsEntry[],
): Record<string, unknown> {
  const meta = isRecord(obj.metadata) ? { ...obj.metadata } : {};
  if (entries.length === 0) delete meta.managedFields;
  else meta.managedFields = entries;
  return { ...obj, metadata: meta };
}
