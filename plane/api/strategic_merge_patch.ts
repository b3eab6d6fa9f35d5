/**
 * Strategic merge patch (`application/strategic-merge-patch+json`): a JSON merge patch whose
 * lists follow the Kubernetes patch strategies of {@link ./patch_strategies.ts} (merge by key,
 * merge scalar sets, replace) and whose directives are honoured:
 * `$patch: replace | delete | merge`, `$setElementOrder/<list>`, `$retainKeys` and
 * `$deleteFromPrimitiveList/<list>`; `null` deletes a field.
 *
 * Source: https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md
 * and https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 * (behaviour of `k8s.io/apimachinery/pkg/util/strategicpatch`, written anew).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { setOwn } from "./_set_own.ts";
import { PatchError } from "./patch_error.ts";
import { childSchema, type FieldSchema, isMergeList, patchSchemaOf } from "./patch_strategies.ts";
import { cloneJson } from "./clone_json.ts";

type Obj = Record<string, unknown>;

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";
const RETAIN_KEYS = "$retainKeys";
const PATCH = "$patch";

/**
 * Applies a strategic merge patch to `original` (not modified) for an object of `kind`
 * (`Pod`, `Deployment`, ...; unknown kinds get the defaults: maps merge, lists replace).
 *
 * @throws {PatchError} `400` for a malformed patch (`invalid patch format of retainKeys`,
 *   `invalid patch format of setElementOrder list`, `unknown patch type: x in map: ...`),
 *   `422` for a patch that does not fit the object (`map: {...} does not contain declared
 *   merge key: name`, `lists of lists are not supported`).
 *
 * Source: https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/#use-a-strategic-merge-patch-to-update-a-deployment
 *
 * @example
 * ```ts
 * import { strategicMergePatch } from "./strategic_merge_patch.ts";
 * import assert from "node:assert/strict";
 * const pod = { spec: { containers: [{ name: "a", image: "x:1" }, { name: "b", image: "y:1" }] } };
 * const out = strategicMergePatch(pod, { spec: { containers: [{ name: "b", image: "y:2" }] } }, "Pod");
 * assert.deepEqual(out.spec, {
 *   containers: [{ name: "a", image: "x:1" }, { name: "b", image: "y:2" }],
 * });
 * ```
 */
export function strategicMergePatch(
  original: Readonly<Record<string, unknown>>,
  patch: unknown,
  kind: string,
): Record<string, unknown> {
  if (!isRecord(patch)) throw new PatchError(400, "invalid JSON document");
  const apiVersion = typeof original.apiVersion === "string" ? original.apiVersion : undefined;
  return mergeMap(
    cloneJson(original) as Obj,
    cloneJson(patch),
    patchSchemaOf(kind, apiVersion),
  );
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function mergeMap(original: Obj | undefined, patch: Obj, schema: FieldSchema | undefined): Obj {
  if (Object.hasOwn(patch, PATCH)) {
    const d = patch[PATCH];
    if (d === "replace") {
      delete patch[PATCH];
      return mergeMap({}, patch, schema);
    }
    if (d === "delete") return {};
    if (d === "merge") {
      delete patch[PATCH];
    } else {
      throw new PatchError(400, `unknown patch type: ${show(d)} in map: ${show(patch)}`);
    }
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  applySetElementOrders(out, patch, schema);
  for (const [key, pv] of Object.entries(patch)) {
    let k = key;
    let isDeleteList = false;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      k = key.slice(DELETE_PRIMITIVE.length);
      isDeleteList = true;
      if (!Array.isArray(pv)) {
        throw new PatchError(400, "invalid patch format of primitive list");
      }
    }
    if (pv === null) {
      delete out[k];
      continue;
    }
    const fm = childSchema(schema, k);
    if (!Object.hasOwn(out, k)) {
      if (!isDeleteList) setOwn(out, k, clean(pv, fm));
      continue;
    }
    const ov = out[k];
    if (valueKind(ov) !== valueKind(pv)) {
      if (!isDeleteList) setOwn(out, k, clean(pv, fm));
      continue;
    }
    if (isRecord(ov) && isRecord(pv)) {
      setOwn(out, k, fm?.patchStrategy === "replace" ? clean(pv, fm) : mergeMap(ov, pv, fm));
    } else if (Array.isArray(ov) && Array.isArray(pv)) {
      setOwn(
        out,
        k,
        isMergeList(fm) || isDeleteList ? mergeSlice(ov, pv, fm, isDeleteList) : clean(pv, fm),
      );
    } else {
      setOwn(out, k, pv);
    }
  }
  return out;
}

function valueKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** A value taken from the patch as is, minus directives (as `removeDirectives` does). */
function clean(v: unknown, fm: FieldSchema | undefined): unknown {
  if (isRecord(v)) return mergeMap({}, v, fm);
  if (Array.isArray(v)) {
    if (isMergeList(fm)) return mergeSlice([], v, fm, false);
    return v.map((item) => isRecord(item) ? mergeMap({}, item, fm?.items) : item);
  }
  return v;
}

/** `$retainKeys: [..]` clears the keys of `original` that the list does not name. */
function applyRetainKeys(original: Obj, patch: Obj): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys)) throw new PatchError(400, "invalid patch format of retainKeys");
  const keep = new Set(keys.map((k) => String(k)));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
    if (!keep.has(k)) throw new PatchError(400, "invalid patch format of retainKeys");
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** Merges each list named by a `$setElementOrder/<list>` directive and orders it. */
function applySetElementOrders(original: Obj, patch: Obj, schema: FieldSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) {
      throw new PatchError(400, "invalid patch format of setElementOrder list");
    }
    const field = key.slice(SET_ORDER.length);
    const fm = childSchema(schema, field);
    const mergeKey = fm?.patchMergeKey ?? "";
    const ov = original[field];
    const pv = patch[field];
    if (pv === null) continue; // the list is deleted by the main loop
    if (ov !== undefined && !Array.isArray(ov)) continue; // type change: main loop replaces
    if (pv !== undefined && !Array.isArray(pv)) {
      throw new PatchError(400, "invalid patch format of setElementOrder list");
    }
    if (pv !== undefined) checkOrderConsistent(pv, order, mergeKey);
    let merged: unknown[];
    if (ov !== undefined && pv === undefined) merged = ov;
    else if (ov === undefined && pv !== undefined) merged = clean(pv, fm) as unknown[];
    else if (ov !== undefined && pv !== undefined) {
      merged = isMergeList(fm) ? mergeSlice(ov, pv, fm, false) : clean(pv, fm) as unknown[];
    } else continue;
    const inOrder = merged.filter((m) => indexIn(order, m, mergeKey) >= 0);
    const serverOnly = merged.filter((m) => indexIn(order, m, mergeKey) < 0);
    original[field] = normalizeOrder(inOrder, serverOnly, order, ov ?? [], mergeKey);
    delete patch[field];
  }
}

function hasDirective(v: unknown): boolean {
  return isRecord(v) && Object.hasOwn(v, PATCH);
}

/** The patch list's items must appear in the `$setElementOrder` list in the same order. */
function checkOrderConsistent(list: unknown[], order: unknown[], mergeKey: string): void {
  const items = list.filter((i) => !hasDirective(i));
  let pi = 0;
  for (let oi = 0; pi < items.length && oi < order.length; oi++) {
    if (sameItem(items[pi], order[oi], mergeKey)) pi++;
  }
  if (pi < items.length) {
    throw new PatchError(
      400,
      `invalid patch format of setElementOrder list: the order in patch list ${show(list)} ` +
        `doesn't match $setElementOrder list ${show(order)}`,
    );
  }
}

function equalJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameItem(a: unknown, b: unknown, mergeKey: string): boolean {
  if (mergeKey === "") return equalJson(a, b);
  return isRecord(a) && isRecord(b) && Object.hasOwn(a, mergeKey) &&
    equalJson(a[mergeKey], b[mergeKey]);
}

function indexIn(list: readonly unknown[], item: unknown, mergeKey: string): number {
  return list.findIndex((x) => sameItem(x, item, mergeKey));
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  fm: FieldSchema | undefined,
  isDeleteList: boolean,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const all = [...original, ...patch];
  if (all.some((v) => Array.isArray(v))) {
    throw new PatchError(422, "lists of lists are not supported");
  }
  const maps = all.filter(isRecord).length;
  if (maps !== 0 && maps !== all.length) {
    throw new PatchError(422, `mismatched element types in list: ${show(all)}`);
  }
  const mergeKey = fm?.patchMergeKey ?? "";
  let merged: unknown[];
  if (maps === 0) {
    if (isDeleteList) return original.filter((o) => !patch.some((p) => equalJson(o, p)));
    merged = [];
    for (const v of all) if (!merged.some((m) => equalJson(m, v))) merged.push(v);
  } else {
    if (mergeKey === "") {
      throw new PatchError(422, "cannot merge lists without merge key");
    }
    const [orig, items] = specialElements(original as Obj[], patch as Obj[], mergeKey);
    merged = orig;
    for (const item of items) {
      if (!Object.hasOwn(item, mergeKey)) {
        throw new PatchError(
          422,
          `map: ${show(item)} does not contain declared merge key: ${mergeKey}`,
        );
      }
      const at = indexIn(merged, item, mergeKey);
      if (at >= 0) merged[at] = mergeMap(merged[at] as Obj, item, fm?.items);
      else merged.push(mergeMap({}, item, fm?.items));
    }
  }
  const inPatch = merged.filter((m) => indexIn(patch, m, mergeKey) >= 0);
  const serverOnly = merged.filter((m) => indexIn(patch, m, mergeKey) < 0);
  return normalizeOrder(inPatch, serverOnly, patch, original, mergeKey);
}

/** Handles `{$patch: delete, key}` and `{$patch: replace}` items of a merge list. */
function specialElements(original: Obj[], patch: Obj[], mergeKey: string): [Obj[], Obj[]] {
  const plain: Obj[] = [];
  let orig = [...original];
  let replace = false;
  for (const item of patch) {
    if (!Object.hasOwn(item, PATCH)) {
      plain.push(item);
      continue;
    }
    const d = item[PATCH];
    if (d === "delete") {
      if (!Object.hasOwn(item, mergeKey)) {
        throw new PatchError(
          422,
          `map: ${show(item)} does not contain declared merge key: ${mergeKey}`,
        );
      }
      orig = orig.filter((o) => !equalJson(o[mergeKey], item[mergeKey]));
    } else if (d === "replace") {
      replace = true;
    } else if (d === "merge") {
      throw new PatchError(400, "merging lists cannot yet be specified in the patch");
    } else {
      throw new PatchError(400, `unknown patch type: ${show(d)} in map: ${show(item)}`);
    }
  }
  if (replace) return [plain.map((p) => ({ ...p })), []];
  return [orig, plain];
}

/**
 * Orders `patchItems` by `patchOrder` and `serverOnly` by `serverOrder`, then interleaves
 * them keeping both relative orders (apimachinery `normalizeElementOrder`).
 */
function normalizeOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
): unknown[] {
  const byIndex = (list: readonly unknown[]) => (a: unknown, b: unknown) => {
    const ia = indexIn(list, a, mergeKey);
    const ib = indexIn(list, b, mergeKey);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || 0;
  };
  const right = [...patchItems].sort(byIndex(patchOrder));
  const left = [...serverOnly].sort(byIndex(serverOrder));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
