/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`): merges a manager's applied
 * configuration into the live object, tracks which manager owns which field in
 * `metadata.managedFields`, refuses to change fields other managers own (`409 Conflict`)
 * unless forced, and removes fields the manager applied before but no longer applies.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/server-side-apply/ (conflicts,
 * merge strategy, field removal, `before-first-apply`) and kube-apiserver's conflict
 * message format.
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { setOwn } from "./_set_own.ts";
import type { StatusCause } from "./_field_errors.ts";
import {
  canonicalJson,
  type FieldPathElements,
  FieldSet,
  fieldSetOf,
  formatPath,
  pathKey,
  removeAt,
  valueAt,
} from "./_field_set.ts";
import {
  encodeManagedFields,
  managerKey,
  type ManagerSet,
  readManagedFields,
  rfc3339,
  withManagedFields,
} from "./_managed_entries.ts";
import { PatchError } from "./patch_error.ts";
import {
  applyListKind,
  childSchema,
  type FieldSchema,
  itemKey,
  patchSchemaOf,
} from "./patch_strategies.ts";
import { cloneJson } from "./clone_json.ts";
import { KUBECTL_MANAGER, lastAppliedFields, refreshLastApplied } from "./_last_applied.ts";

export { PatchError } from "./patch_error.ts";
export type { StatusCause } from "./_field_errors.ts";

/** One field another manager owns and the apply would change. */
export interface ApplyConflict {
  /** The owning manager's entry (manager, operation, apiVersion, time). */
  manager: string;
  /** How kube-apiserver names the manager: `"kubectl"`, `"kubectl-edit" using v1 at <time>`. */
  managerText: string;
  /** The field, as kube-apiserver prints it: `.spec.replicas`. */
  field: string;
}

/**
 * The applied configuration changes fields owned by other managers (`409 Conflict`, reason
 * `Conflict`). `message` is kube-apiserver's (`Apply failed with 1 conflict: conflict with
 * "kubectl-edit" using v1 at 2026-01-01T00:00:00Z: .spec.replicas`); `causes` are the
 * `details.causes` (`reason: "FieldManagerConflict"`, `message: "conflict with \"...\""`,
 * `field: ".spec.replicas"`).
 *
 * @example
 * ```ts
 * import { ApplyConflictError } from "./server_side_apply.ts";
 * import assert from "node:assert/strict";
 * const e = new ApplyConflictError([{ manager: "a", managerText: '"a"', field: ".spec.x" }]);
 * assert.equal(e.code, 409);
 * assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "a": .spec.x');
 * ```
 */
export class ApplyConflictError extends PatchError {
  /** The conflicts, in field order. */
  readonly conflicts: readonly ApplyConflict[];
  /** `details.causes` of the Status. */
  readonly causes: readonly StatusCause[];
  /** Builds the error from its conflicts. */
  constructor(conflicts: readonly ApplyConflict[]) {
    super(409, conflictMessage(conflicts));
    this.name = "ApplyConflictError";
    this.conflicts = conflicts;
    this.causes = conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${c.managerText}`,
      field: c.field,
    }));
  }
}

function conflictMessage(conflicts: readonly ApplyConflict[]): string {
  const [only] = conflicts;
  if (conflicts.length === 1 && only !== undefined) {
    return `Apply failed with 1 conflict: conflict with ${only.managerText}: ${only.field}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const list = byManager.get(c.managerText) ?? [];
    list.push(c.field);
    byManager.set(c.managerText, list);
  }
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${m}:`);
    for (const f of byManager.get(m) ?? []) lines.push(`- ${f}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

function managerText(s: ManagerSet): string {
  let out = JSON.stringify(s.entry.manager);
  if (s.entry.subresource !== undefined) {
    out += ` with subresource ${JSON.stringify(s.entry.subresource)}`;
  }
  if (s.entry.operation === "Update") {
    out += ` using ${s.entry.apiVersion}`;
    if (s.entry.time !== undefined) out += ` at ${s.entry.time}`;
  }
  return out;
}

/** Options of {@linkcode serverSideApply}. */
export interface ServerSideApplyOptions {
  /** `?fieldManager=` (required for apply). */
  manager: string;
  /** `?force=true`: take ownership of conflicting fields instead of failing. */
  force: boolean;
  /** The request's time, for `managedFields[].time`. */
  now: Date;
  /** The object's kind (`Pod`), for list merge keys. */
  kind: string;
  /** The subresource applied to (`status`), if any. */
  subresource?: string;
}

/**
 * Merges the applied configuration into the live object: granular maps key by key, `map`
 * lists item by item (by their keys), `set` lists as a union, atomic lists and maps replaced.
 */
function mergeApplied(live: unknown, applied: unknown, fs: FieldSchema | undefined): unknown {
  if (isRecord(applied)) {
    if (!isRecord(live) || fs?.mapType === "atomic") return cloneJson(applied);
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      setOwn(out, k, mergeApplied(live[k], v, childSchema(fs, k)));
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const lk = applyListKind(fs);
    if (lk.kind === "map") {
      const out = [...live];
      for (const item of applied) {
        const key = canonicalJson(itemKey(item, lk.keys) ?? null);
        const at = out.findIndex((o) => canonicalJson(itemKey(o, lk.keys) ?? null) === key);
        if (at >= 0 && key !== "null") out[at] = mergeApplied(out[at], item, fs?.items);
        else out.push(cloneJson(item));
      }
      return out;
    }
    if (lk.kind === "set") {
      const out = [...live];
      for (const item of applied) {
        if (!out.some((o) => canonicalJson(o) === canonicalJson(item))) out.push(item);
      }
      return out;
    }
  }
  return cloneJson(applied);
}

/**
 * Applies `applied` (the manager's full intent for the object) to `live` (absent on create)
 * as server-side apply does:
 *
 * 1. Fields of `applied` owned by another manager whose value would change are conflicts:
 *    {@linkcode ApplyConflictError} (409) unless `force`, which moves them to this manager.
 *    Equal values become shared ownership. A live object without managed fields is first
 *    owned by the `before-first-apply` manager, as kube-apiserver does.
 * 2. `applied` is merged into `live`: maps by key, lists by their OpenAPI list type
 *    (`containers` by `name`, ports by `containerPort` and `protocol`, finalizers as a set,
 *    atomic lists such as `args` and atomic maps such as `nodeSelector` replaced).
 * 3. Fields this manager applied before but not now are removed unless another manager owns
 *    them.
 * 4. The manager's `Apply` entry in `metadata.managedFields` becomes the applied field set.
 *
 * With the manager `kubectl` (kubectl's `apply --server-side`), conflicts on fields that the
 * live object's `kubectl.kubernetes.io/last-applied-configuration` annotation holds with the
 * live value do not count (the apply takes them over: the documented upgrade from client-side
 * apply), and an object carrying that annotation gets it rewritten to `applied` (so client-side
 * `kubectl apply` can follow again), as kube-apiserver does.
 *
 * `apiVersion`/`kind`/`metadata.name` in `applied` are the caller's to check against the URL;
 * defaulting and validation of the result are the caller's too, and so is dropping the fields
 * the endpoint resets before calling (`status` when applying to the main resource, everything
 * but `status` on the `status` subresource), so that they are neither merged nor owned.
 *
 * @throws {ApplyConflictError} 409 on conflicts without `force`.
 * @throws {PatchError} 400 when `applied` is not an object or sets `metadata.managedFields`.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
 *
 * @example
 * ```ts
 * import { serverSideApply } from "./server_side_apply.ts";
 * import assert from "node:assert/strict";
 * const now = new Date("2026-01-01T00:00:00Z");
 * const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
 * const { object } = serverSideApply(undefined, cm, { manager: "kubectl", force: false, now, kind: "ConfigMap" });
 * assert.deepEqual(object.data, { a: "1" });
 * // Another manager changing "a" conflicts; forcing takes it over.
 * const other = { ...cm, data: { a: "2" } };
 * assert.throws(() => serverSideApply(object, other, { manager: "ci", force: false, now, kind: "ConfigMap" }), { code: 409 });
 * const forced = serverSideApply(object, other, { manager: "ci", force: true, now, kind: "ConfigMap" });
 * assert.deepEqual(forced.object.data, { a: "2" });
 * ```
 */
export function serverSideApply(
  live: Record<string, unknown> | undefined,
  applied: Record<string, unknown>,
  opts: ServerSideApplyOptions,
): { object: Record<string, unknown> } {
  if (!isRecord(applied)) throw new PatchError(400, "the applied configuration must be an object");
  const appliedMeta = isRecord(applied.metadata) ? applied.metadata : {};
  if (appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw new PatchError(400, "metadata.managedFields must be nil");
  }
  const base = live ?? {};
  const apiVersion = typeof applied.apiVersion === "string"
    ? applied.apiVersion
    : typeof base.apiVersion === "string"
    ? base.apiVersion
    : "";
  const sets = readManagedFields(live);
  if (live !== undefined && sets.length === 0) {
    const fields = fieldSetOf(live, opts.kind);
    if (fields.size > 0) {
      sets.push({
        entry: {
          manager: "before-first-apply",
          operation: "Update",
          apiVersion,
          fieldsType: "FieldsV1",
        },
        fields,
      });
    }
  }
  const key = managerKey({
    manager: opts.manager,
    operation: "Apply",
    apiVersion,
    ...(opts.subresource === undefined ? {} : { subresource: opts.subresource }),
  });
  const mine = sets.find((s) => managerKey(s.entry) === key);
  const previous = mine?.fields ?? new FieldSet();
  const applying = fieldSetOf(applied, opts.kind);

  // 1. Conflicts.
  const taken: [ManagerSet, FieldPathElements][] = [];
  for (const p of applying.paths()) {
    const now = valueAt(base, p);
    if (!now.found) continue;
    const want = valueAt(applied, p);
    const differs = canonicalJson(now.value) !== canonicalJson(want.value) && !isRecord(want.value);
    if (!differs) continue;
    for (const s of sets) {
      if (s !== mine && s.fields.has(p)) taken.push([s, p]);
    }
  }
  if (taken.length > 0 && !opts.force) {
    // kubectl's first server-side apply after client-side applies takes over, without
    // conflicts, the fields the last-applied annotation still describes.
    const upgradable = opts.manager === KUBECTL_MANAGER && live !== undefined
      ? lastAppliedFields(live, opts.kind)
      : undefined;
    const left = upgradable === undefined ? taken : taken.filter(([, p]) => !upgradable(p));
    if (left.length > 0) {
      throw new ApplyConflictError(left.map(([s, p]) => ({
        manager: s.entry.manager,
        managerText: managerText(s),
        field: formatPath(p),
      })));
    }
  }
  for (const [s, p] of taken) s.fields.delete(p);

  // 2. Merge.
  const schema = patchSchemaOf(opts.kind, apiVersion === "" ? undefined : apiVersion);
  const merged = mergeApplied(cloneJson(base), applied, schema) as Record<string, unknown>;

  // 3. Remove what this manager no longer applies and nobody else owns.
  const dropped = previous.paths().filter((p) => !applying.has(p));
  // Another manager owning the field, or anything inside it, keeps it.
  const ownedByOthers = (p: FieldPathElements) => {
    const prefix = pathKey(p);
    return sets.some((s) =>
      s !== mine && s.fields.paths().some((q) => {
        const k = pathKey(q);
        return k === prefix || k.startsWith(prefix + "\u0000");
      })
    );
  };
  const removing = dropped.filter((p) => !ownedByOthers(p));
  const removingKeys = new Set(removing.map(pathKey));
  const hasRemovedAncestor = (p: FieldPathElements) =>
    p.some((_, i) => i < p.length - 1 && removingKeys.has(pathKey(p.slice(0, i + 1))));
  for (const p of removing.sort((a, b) => b.length - a.length)) {
    if (!hasRemovedAncestor(p)) removeAt(merged, p);
  }

  // 4. Managed fields.
  const entry: ManagerSet = {
    entry: {
      manager: opts.manager,
      operation: "Apply",
      apiVersion,
      time: rfc3339(opts.now),
      fieldsType: "FieldsV1",
      ...(opts.subresource === undefined ? {} : { subresource: opts.subresource }),
    },
    fields: applying,
  };
  const others = sets.filter((s) => s !== mine);
  const object = withManagedFields(merged, encodeManagedFields([...others, entry]));
  return {
    object: opts.manager === KUBECTL_MANAGER ? refreshLastApplied(object, applied) : object,
  };
}
