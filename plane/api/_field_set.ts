/**
 * Field sets of server-side apply: the paths of an object's fields, the `FieldsV1` encoding of
 * a set (`f:<field>`, `k:<key json>`, `v:<value json>`, `i:<index>`, `.`), and reading, comparing
 * and removing the value at a path. List kinds come from the OpenAPI list types: a `map` list's
 * items are addressed by their keys (`k:{"containerPort":80,"protocol":"TCP"}`), a `set`'s
 * scalars by value (`v:"x"`), an `atomic` list or map is a single leaf.
 *
 * Source: https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
 * (format of `managedFields`), structured-merge-diff's path elements (written anew).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import {
  applyListKind,
  childSchema,
  type FieldSchema,
  itemKey,
  patchSchemaOf,
} from "./patch_strategies.ts";

/** One step of a field path. */
export type PathElement =
  | { f: string }
  | { k: Record<string, unknown> }
  | { v: unknown }
  | { i: number };

/** A field path from the object's root. */
export type FieldPathElements = readonly PathElement[];

/** Fields no manager owns (`stripMeta` of kube-apiserver's field manager). */
const IGNORED_ROOT = new Set(["apiVersion", "kind"]);
const IGNORED_META = new Set([
  "name",
  "namespace",
  "creationTimestamp",
  "selfLink",
  "uid",
  "generation",
  "managedFields",
  "resourceVersion",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
]);

/** JSON with object keys sorted, so equal values have equal text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** The text of one element as `FieldsV1` writes it as a key. */
export function elementKey(e: PathElement): string {
  if ("f" in e) return `f:${e.f}`;
  if ("k" in e) return `k:${canonicalJson(e.k)}`;
  if ("v" in e) return `v:${canonicalJson(e.v)}`;
  return `i:${e.i}`;
}

/** The canonical text of a path (set membership). */
export function pathKey(p: FieldPathElements): string {
  return p.map(elementKey).join("\u0000");
}

/** A path as kube-apiserver prints it in conflicts: `.spec.containers[name="web"].image`. */
export function formatPath(p: FieldPathElements): string {
  return p.map((e) => {
    if ("f" in e) return `.${e.f}`;
    if ("k" in e) {
      const inner = Object.keys(e.k).sort().map((k) => `${k}=${JSON.stringify(e.k[k])}`);
      return `[${inner.join(",")}]`;
    }
    if ("v" in e) return `[=${JSON.stringify(e.v)}]`;
    return `[${e.i}]`;
  }).join("");
}

/** A set of field paths keyed by {@linkcode pathKey}. */
export class FieldSet {
  readonly #paths = new Map<string, FieldPathElements>();

  /** Adds a path. */
  add(p: FieldPathElements): void {
    this.#paths.set(pathKey(p), p);
  }
  /** True when the path is in the set. */
  has(p: FieldPathElements): boolean {
    return this.#paths.has(pathKey(p));
  }
  /** Removes a path. */
  delete(p: FieldPathElements): void {
    this.#paths.delete(pathKey(p));
  }
  /** Number of paths. */
  get size(): number {
    return this.#paths.size;
  }
  /** The paths, in insertion order. */
  paths(): FieldPathElements[] {
    return [...this.#paths.values()];
  }
  /** A copy. */
  clone(): FieldSet {
    const s = new FieldSet();
    for (const p of this.#paths.values()) s.add(p);
    return s;
  }
}

function walkValue(
  v: unknown,
  fs: FieldSchema | undefined,
  path: PathElement[],
  out: FieldSet,
): void {
  if (isRecord(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0 || fs?.mapType === "atomic") {
      out.add(path);
      return;
    }
    for (const [k, c] of entries) walkValue(c, childSchema(fs, k), [...path, { f: k }], out);
    return;
  }
  if (Array.isArray(v)) {
    const lk = applyListKind(fs);
    if (lk.kind === "map") {
      for (const item of v) {
        const key = itemKey(item, lk.keys);
        if (key === undefined || !isRecord(item)) continue;
        const ip: PathElement[] = [...path, { k: key }];
        out.add(ip);
        for (const [k, c] of Object.entries(item)) {
          walkValue(c, childSchema(fs?.items, k), [...ip, { f: k }], out);
        }
      }
      return;
    }
    if (lk.kind === "set" && v.every((x) => !isRecord(x) && !Array.isArray(x))) {
      for (const item of v) out.add([...path, { v: item }]);
      return;
    }
  }
  out.add(path);
}

/**
 * The field set of an object of `kind`: every leaf (an atomic list or map counts as one),
 * every map-list item, every set element; `apiVersion`, `kind` and server-owned metadata
 * (`name`, `uid`, `managedFields`, ...) excluded.
 */
export function fieldSetOf(obj: Readonly<Record<string, unknown>>, kind: string): FieldSet {
  const out = new FieldSet();
  const root = patchSchemaOf(kind, typeof obj.apiVersion === "string" ? obj.apiVersion : undefined);
  for (const [k, v] of Object.entries(obj)) {
    if (IGNORED_ROOT.has(k)) continue;
    if (k === "metadata" && isRecord(v)) {
      const meta = childSchema(root, "metadata");
      for (const [mk, mv] of Object.entries(v)) {
        if (IGNORED_META.has(mk)) continue;
        walkValue(mv, childSchema(meta, mk), [{ f: "metadata" }, { f: mk }], out);
      }
      continue;
    }
    walkValue(v, childSchema(root, k), [{ f: k }], out);
  }
  return out;
}

/** The `FieldsV1` object of a set (leaves `{}`, a node that has children and is owned `.`). */
export function encodeFieldsV1(set: FieldSet): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const sorted = set.paths().sort((a, b) => a.length - b.length);
  for (const p of sorted) {
    let node = root;
    for (const e of p) {
      const key = elementKey(e);
      let next = node[key];
      if (!isRecord(next)) {
        next = {};
        node[key] = next;
      }
      node = next as Record<string, unknown>;
    }
    node["."] = {};
  }
  return normalize(root) as Record<string, unknown>;
}

/** `{".": {}}` alone becomes `{}`; keys sorted as kube-apiserver writes them. */
function normalize(node: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(node).filter((k) => k !== ".");
  if (keys.length === 0) return {};
  const out: Record<string, unknown> = {};
  if (Object.hasOwn(node, ".")) out["."] = {};
  for (const k of keys.sort()) out[k] = normalize(node[k] as Record<string, unknown>);
  return out;
}

function parseElement(key: string): PathElement | undefined {
  const body = key.slice(2);
  try {
    switch (key.slice(0, 2)) {
      case "f:":
        return { f: body };
      case "k:": {
        const k = JSON.parse(body);
        return isRecord(k) ? { k } : undefined;
      }
      case "v:":
        return { v: JSON.parse(body) };
      case "i:":
        return { i: Number(body) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Reads a `FieldsV1` object back into a set; unreadable keys are skipped. */
export function decodeFieldsV1(fields: unknown): FieldSet {
  const out = new FieldSet();
  const visit = (node: unknown, path: PathElement[]): void => {
    if (!isRecord(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === ".") continue;
      const e = parseElement(key);
      if (e === undefined) continue;
      const p = [...path, e];
      if (!isRecord(child) || Object.keys(child).length === 0 || Object.hasOwn(child, ".")) {
        out.add(p);
      }
      visit(child, p);
    }
  };
  visit(fields, []);
  return out;
}

function findItem(list: unknown[], e: PathElement): number {
  if ("k" in e) {
    const want = canonicalJson(e.k);
    return list.findIndex((item) => canonicalJson(itemKey(item, Object.keys(e.k))) === want);
  }
  if ("v" in e) return list.findIndex((item) => canonicalJson(item) === canonicalJson(e.v));
  if ("i" in e) return e.i < list.length ? e.i : -1;
  return -1;
}

/** The value at `path` (`{found: false}` when any step is missing). */
export function valueAt(
  obj: unknown,
  path: FieldPathElements,
): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const e of path) {
    if ("f" in e) {
      if (!isRecord(cur) || !Object.hasOwn(cur, e.f)) return { found: false };
      cur = cur[e.f];
    } else {
      if (!Array.isArray(cur)) return { found: false };
      const at = findItem(cur, e);
      if (at < 0) return { found: false };
      cur = cur[at];
    }
  }
  return { found: true, value: cur };
}

/** Removes the value at `path` from `obj` (in place); a missing path is a no-op. */
export function removeAt(obj: unknown, path: FieldPathElements): void {
  if (path.length === 0) return;
  const parent = valueAt(obj, path.slice(0, -1));
  if (!parent.found) return;
  const last = path[path.length - 1] as PathElement;
  if ("f" in last) {
    if (isRecord(parent.value)) delete parent.value[last.f];
    return;
  }
  if (Array.isArray(parent.value)) {
    const at = findItem(parent.value, last);
    if (at >= 0) parent.value.splice(at, 1);
  }
}
