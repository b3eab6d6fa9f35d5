/**
 * Merging several Compose files (`-f a.yaml -f b.yaml`, `compose.override.yaml`) as the Compose
 * Specification's `merge.md` defines: mappings merge key by key, later files win for scalars;
 * `command`, `entrypoint` and `healthcheck.test` are replaced; `ports`, `expose`, `cap_add`,
 * `cap_drop`, `dns`, `dns_search`, `env_file`, `tmpfs`, `profiles` append and de-duplicate;
 * `volumes` (by target), `configs` and `secrets` (by target, else source) replace entries with the
 * same key; `environment`, `labels`, `extra_hosts`, `depends_on`, `networks` and `ulimits`
 * are turned into mappings and merged. Source positions travel with the values. Pure.
 *
 * @module
 */
import { isRecord } from "../is_record.ts";
import { setTreePosition, treePosition } from "../manifest_reader.ts";

type Tree = Record<string, unknown>;

function isMap(v: unknown): v is Tree {
  return isRecord(v);
}

/** Copies `v` (deeply) with its positions. */
function clone(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(clone);
    v.forEach((_, i) => setTreePosition(out, i, treePosition(v, i)));
    return out;
  }
  if (isMap(v)) {
    const out: Tree = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = clone(x);
      setTreePosition(out, k, treePosition(v, k));
    }
    return out;
  }
  return v;
}

const APPEND = new Set([
  "ports",
  "expose",
  "cap_add",
  "cap_drop",
  "dns",
  "dns_search",
  "env_file",
  "tmpfs",
  "profiles",
]);
const TO_MAP = new Set([
  "environment",
  "labels",
  "extra_hosts",
  "depends_on",
  "networks",
  "ulimits",
  "sysctls",
]);
const REPLACE = new Set(["command", "entrypoint"]);

/**
 * A list-or-mapping field turned into a mapping (`["A=1", "B"]` → `{A: "1", B: null}`;
 * `depends_on: [db]` → `{db: {condition: service_started}}`; `networks: [a]` → `{a: null}`,
 * `extra_hosts: ["h:1.2.3.4"]` or `["h=1.2.3.4"]` → `{h: "1.2.3.4"}`).
 *
 * @example
 * ```ts
 * import { listToMap } from "./merge.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(listToMap("environment", ["A=1", "B"]), { A: "1", B: null });
 * assert.deepEqual(listToMap("depends_on", ["db"]), { db: { condition: "service_started" } });
 * ```
 */
export function listToMap(field: string, v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const out: Tree = {};
  v.forEach((item, i) => {
    const pos = treePosition(v, i);
    if (typeof item !== "string" && typeof item !== "number") {
      // Left for validation to report with its position.
      out[`\0${i}`] = item;
      setTreePosition(out, `\0${i}`, pos);
      return;
    }
    const s = String(item);
    let key = s;
    let value: unknown = null;
    if (field === "depends_on") value = { condition: "service_started" };
    else if (field === "extra_hosts") {
      const m = /^([^=:]+)[=:](.*)$/.exec(s);
      if (m) [key, value] = [m[1]!, m[2]!];
    } else if (field !== "networks") {
      const eq = s.indexOf("=");
      if (eq >= 0) [key, value] = [s.slice(0, eq), s.slice(eq + 1)];
    }
    out[key] = value;
    setTreePosition(out, key, pos);
  });
  return out;
}

function portKey(v: unknown): string {
  return JSON.stringify(v);
}

function volumeKey(v: unknown): string {
  if (typeof v === "string") {
    const parts = v.split(":");
    return parts.length === 1 ? parts[0]! : (parts[1]!.startsWith("/") ? parts[1]! : parts[0]!);
  }
  if (isMap(v) && typeof v.target === "string") return v.target;
  return JSON.stringify(v);
}

function fileRefKey(v: unknown): string {
  if (typeof v === "string") return v;
  if (isMap(v)) return String(v.target ?? v.source);
  return JSON.stringify(v);
}

function mergeListBy(base: unknown[], over: unknown[], key: (v: unknown) => string): unknown[] {
  const out: unknown[] = [];
  const index = new Map<string, number>();
  const add = (src: unknown[], i: number) => {
    const k = key(src[i]);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      out.push(clone(src[i]));
      setTreePosition(out, out.length - 1, treePosition(src, i));
    } else {
      out[at] = clone(src[i]);
      setTreePosition(out, at, treePosition(src, i));
    }
  };
  base.forEach((_, i) => add(base, i));
  over.forEach((_, i) => add(over, i));
  return out;
}

function mergeValue(field: string, base: unknown, over: unknown, inService: boolean): unknown {
  if (over === undefined) return clone(base);
  if (base === undefined) return clone(over);
  if (inService) {
    if (REPLACE.has(field)) return clone(over);
    if (TO_MAP.has(field)) {
      return mergeMaps(listToMap(field, base), listToMap(field, over), false);
    }
    if (APPEND.has(field)) {
      const b = Array.isArray(base) ? base : [base];
      const o = Array.isArray(over) ? over : [over];
      return mergeListBy(b, o, portKey);
    }
    if (field === "volumes" && Array.isArray(base) && Array.isArray(over)) {
      return mergeListBy(base, over, volumeKey);
    }
    if (
      (field === "configs" || field === "secrets") && Array.isArray(base) && Array.isArray(over)
    ) {
      return mergeListBy(base, over, fileRefKey);
    }
    if (field === "healthcheck" && isMap(base) && isMap(over)) {
      return mergeMaps(base, over, false);
    }
  }
  if (isMap(base) && isMap(over)) return mergeMaps(base, over, false);
  return clone(over);
}

function mergeMaps(base: unknown, over: unknown, services: boolean): unknown {
  if (!isMap(base) || !isMap(over)) return clone(over ?? base);
  const out: Tree = {};
  for (const k of new Set([...Object.keys(base), ...Object.keys(over)])) {
    const b = base[k];
    const o = over[k];
    out[k] = services && isMap(b) && isMap(o) ? mergeService(b, o) : mergeValue(k, b, o, false);
    setTreePosition(out, k, treePosition(o !== undefined ? over : base, k));
  }
  return out;
}

function mergeService(base: Tree, over: Tree): Tree {
  const out: Tree = {};
  for (const k of new Set([...Object.keys(base), ...Object.keys(over)])) {
    out[k] = mergeValue(k, base[k], over[k], true);
    setTreePosition(out, k, treePosition(over[k] !== undefined ? over : base, k));
  }
  return out;
}

/**
 * Merges Compose documents in order (later ones override).
 *
 * @example
 * ```ts
 * import { mergeComposeFiles } from "./merge.ts";
 * import assert from "node:assert/strict";
 * const merged = mergeComposeFiles([
 *   { services: { web: { image: "a", ports: ["80:80"], command: ["x"], environment: ["A=1"] } } },
 *   { services: { web: { ports: ["80:80", "443:443"], command: ["y"], environment: { B: "2" } } } },
 * ]) as { services: { web: Record<string, unknown> } };
 * assert.deepEqual(merged.services.web, {
 *   image: "a", ports: ["80:80", "443:443"], command: ["y"], environment: { A: "1", B: "2" },
 * });
 * ```
 */
export function mergeComposeFiles(docs: readonly unknown[]): unknown {
  let acc: unknown = undefined;
  for (const doc of docs) {
    if (acc === undefined) {
      acc = clone(doc);
      continue;
    }
    if (!isMap(acc) || !isMap(doc)) {
      acc = clone(doc);
      continue;
    }
    const out: Tree = {};
    for (const k of new Set([...Object.keys(acc), ...Object.keys(doc)])) {
      const a = acc[k];
      const d = doc[k];
      out[k] = k === "services" ? mergeMaps(a ?? {}, d ?? {}, true) : mergeValue(k, a, d, false);
      setTreePosition(out, k, treePosition(d !== undefined ? doc : acc, k));
    }
    acc = out;
  }
  return acc;
}
