/**
 * Reading YAML manifests with positions, so every error names file, line, column and field path.
 * This is the only module that imports the YAML library.
 *
 * @module
 */
// Deferred: the library (≈ 35 ms of start-up, CommonJS through Node compatibility) is evaluated
// on first use, so commands that read no manifest and print no YAML never pay for it.
import defer * as yaml from "yaml";
import type { Document, LineCounter, Node, Scalar } from "yaml";
import { fsErrorReason, ManifestError, shorten, type SourcePosition } from "./errors.ts";

/** A non-fatal finding such as an unknown field. */
export interface ManifestWarning extends SourcePosition {
  /** Field path of the finding. */
  path: string;
  /** What was found. */
  message: string;
}

/**
 * Formats a warning like an error: `file:line:column: path: message`.
 *
 * @example
 * ```ts
 * import { formatWarning } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   formatWarning({ file: "a.yaml", line: 2, column: 1, path: "foo", message: "unknown field" }),
 *   "a.yaml:2:1: foo: unknown field",
 * );
 * ```
 */
export function formatWarning(w: ManifestWarning): string {
  return `${w.file}:${w.line}:${w.column}: ${w.path ? `${w.path}: ` : ""}${w.message}`;
}

/**
 * Serializes a plain value as YAML (for `-o yaml` output).
 *
 * @example
 * ```ts
 * import { toYaml } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * assert.equal(toYaml({ name: "web" }), "name: web\n");
 * ```
 */
export function toYaml(value: unknown): string {
  return yaml.stringify(value);
}

/**
 * Largest manifest rkl reads, in bytes (1 MiB). The Kubernetes API server caps request bodies
 * at a similar size (3 MiB for the whole request, 1.5 MiB stored per object in etcd).
 */
export const MANIFEST_MAX_BYTES: number = 1024 * 1024;

/**
 * Most items rkl accepts in any one list of a manifest (e.g. `env`, `ports`, `args`) and
 * most keys in any one mapping (e.g. `labels`). Fields with a tighter limit (containers per
 * pod) check it themselves with {@linkcode ManifestField.list}'s `max`.
 */
export const MANIFEST_MAX_ITEMS = 4096;

/**
 * Reads a manifest file as UTF-8 text: only a regular file (after following symlinks), at most
 * `maxBytes` bytes. A FIFO, a device (`/dev/zero`), a directory, a missing file, a symlink loop,
 * an unreadable path or a path with a NUL byte gives a {@linkcode ManifestError} naming the
 * file (`shown`, default `path`) and the reason; it never blocks and never reads without bound.
 *
 * @example
 * ```ts
 * import { readManifestFile } from "./manifest_reader.ts";
 * import { ManifestError } from "./errors.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(
 *   readManifestFile("/nonexistent/pod.yaml"),
 *   (e: unknown) => e instanceof ManifestError && e.message === "/nonexistent/pod.yaml: cannot read file: not found",
 * );
 * ```
 */
export async function readManifestFile(
  path: string,
  shown: string = path,
  maxBytes: number = MANIFEST_MAX_BYTES,
): Promise<string> {
  const fail = readFailure(shown);
  if (path.includes("\0")) throw fail("the path contains a NUL byte");
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw fail(fsErrorReason(e), e);
  }
  const problem = fileProblem(info, maxBytes);
  if (problem) throw fail(problem);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    throw fail(fsErrorReason(e), e);
  }
  const chunks = new BoundedChunks(maxBytes, fail);
  try {
    // Read at most maxBytes + 1 bytes: files such as those in /proc report size 0.
    const buf = new Uint8Array(64 * 1024);
    for (let n = await file.read(buf); n !== null; n = await file.read(buf)) chunks.add(buf, n);
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw fail(fsErrorReason(e), e);
  } finally {
    file.close();
  }
  return chunks.text();
}

/**
 * {@linkcode readManifestFile} for synchronous callers (the compose loader): the same checks,
 * limit and one-line {@linkcode ManifestError}s. A missing file's error has the
 * `Deno.errors.NotFound` as its `cause` (an optional file may be skipped).
 *
 * @example
 * ```ts
 * import { readManifestFileSync } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * assert.throws(
 *   () => readManifestFileSync("/"),
 *   /\/: cannot read file: expected a regular file, got a directory$/,
 * );
 * const missing = (() => { try { readManifestFileSync("/nonexistent.yaml"); } catch (e) { return e; } })();
 * assert.ok(missing instanceof Error && missing.cause instanceof Deno.errors.NotFound);
 * ```
 */
export function readManifestFileSync(
  path: string,
  shown: string = path,
  maxBytes: number = MANIFEST_MAX_BYTES,
): string {
  const fail = readFailure(shown);
  if (path.includes("\0")) throw fail("the path contains a NUL byte");
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (e) {
    throw fail(fsErrorReason(e), e);
  }
  const problem = fileProblem(info, maxBytes);
  if (problem) throw fail(problem);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (e) {
    throw fail(fsErrorReason(e), e);
  }
  const chunks = new BoundedChunks(maxBytes, fail);
  try {
    const buf = new Uint8Array(64 * 1024);
    for (let n = file.readSync(buf); n !== null; n = file.readSync(buf)) chunks.add(buf, n);
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw fail(fsErrorReason(e), e);
  } finally {
    file.close();
  }
  return chunks.text();
}

type ReadFailure = (reason: string, cause?: unknown) => ManifestError;

function readFailure(shown: string): ReadFailure {
  return (reason, cause) =>
    new ManifestError(
      `cannot read file: ${reason}`,
      { file: shorten(shown), line: 0, column: 0, path: "" },
      cause === undefined ? undefined : { cause },
    );
}

/** Why a file with this `stat` is not read: not a regular file, or larger than the limit. */
function fileProblem(info: Deno.FileInfo, maxBytes: number): string | undefined {
  if (!info.isFile) {
    const kind = info.isDirectory
      ? "a directory"
      : info.isFifo
      ? "a FIFO"
      : info.isCharDevice
      ? "a character device"
      : info.isBlockDevice
      ? "a block device"
      : info.isSocket
      ? "a socket"
      : "not a regular file";
    return `expected a regular file, got ${kind}`;
  }
  if (info.size > maxBytes) return `larger than the ${limitText(maxBytes)} limit`;
  return undefined;
}

/** Bytes read so far, refused past `maxBytes`, decoded as strict UTF-8 at the end. */
class BoundedChunks {
  readonly #chunks: Uint8Array[] = [];
  #total = 0;
  readonly #maxBytes: number;
  readonly #fail: ReadFailure;

  constructor(maxBytes: number, fail: ReadFailure) {
    this.#maxBytes = maxBytes;
    this.#fail = fail;
  }

  add(buf: Uint8Array, n: number): void {
    this.#total += n;
    if (this.#total > this.#maxBytes) {
      throw this.#fail(`larger than the ${limitText(this.#maxBytes)} limit`);
    }
    this.#chunks.push(buf.slice(0, n));
  }

  text(): string {
    const bytes = new Uint8Array(this.#total);
    let at = 0;
    for (const c of this.#chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (e) {
      throw this.#fail("not UTF-8 text", e);
    }
  }
}

function limitText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}

/**
 * Parses YAML text into a {@linkcode ManifestField} tree. Syntax errors throw
 * {@linkcode ManifestError} with the position of the first error.
 *
 * @example
 * ```ts
 * import { readManifest } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("name: web\nargs: [sleep, '1']\n", "c.yaml");
 * assert.equal(root.requiredString("name"), "web");
 * assert.deepEqual(root.stringArray("args"), ["sleep", "1"]);
 * ```
 */
export function readManifest(
  text: string,
  file: string,
): { root: ManifestField; warnings: ManifestWarning[] } {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const line = first.message.split("\n")[0] ?? first.message;
    const reason = /call stack/i.test(line) ? "nesting is too deep" : line;
    throw new ManifestError(`invalid YAML: ${reason}`, {
      file,
      line: pos.line,
      column: pos.col,
      path: "",
    });
  }
  const warnings: ManifestWarning[] = [];
  const ctx: Ctx = { file, lineCounter, warnings };
  const root = new ManifestField(ctx, doc.contents ?? undefined, "", 0);
  return { root, warnings };
}

interface Ctx {
  file: string;
  lineCounter: LineCounter;
  warnings: ManifestWarning[];
}

function typeName(node: Node | undefined): string {
  if (node === undefined) return "nothing";
  if (yaml.isMap(node)) return "a mapping";
  if (yaml.isSeq(node)) return "a list";
  if (yaml.isScalar(node)) {
    const v = node.value;
    if (v === null) return "null";
    return `${typeof v} ${shorten(JSON.stringify(v) ?? String(v))}`;
  }
  return "an alias";
}

/**
 * One node of a manifest with its field path and source position. Accessors validate the type
 * and throw {@linkcode ManifestError} naming the field and what was expected.
 */
export class ManifestField {
  readonly #ctx: Ctx;
  readonly #node: Node | undefined;
  /** Field path, e.g. `spec.containers[0].name`. */
  readonly path: string;
  readonly #offset: number;

  /** Creates a field; use {@linkcode readManifest} instead. */
  constructor(ctx: Ctx, node: Node | undefined, path: string, fallbackOffset: number) {
    this.#ctx = ctx;
    this.#node = node;
    this.path = path;
    this.#offset = node?.range?.[0] ?? fallbackOffset;
  }

  /** Source position of this node. */
  get position(): SourcePosition {
    const p = this.#ctx.lineCounter.linePos(this.#offset);
    return { file: this.#ctx.file, line: p.line, column: p.col };
  }

  /** The node as a plain JavaScript value. */
  get value(): unknown {
    return this.#node === undefined ? undefined : this.#node.toJSON();
  }

  /** True when this is a mapping. */
  get isObject(): boolean {
    return yaml.isMap(this.#node);
  }

  /** True when the document or value is absent or null. */
  get isNull(): boolean {
    return this.#node === undefined || (yaml.isScalar(this.#node) && this.#node.value === null);
  }

  /** An error positioned at this field. */
  error(reason: string): ManifestError {
    return new ManifestError(reason, { ...this.position, path: this.path });
  }

  /** Records a warning positioned at this field. */
  warn(message: string): void {
    this.#ctx.warnings.push({ ...this.position, path: this.path, message });
  }

  #childPath(key: string | number): string {
    if (typeof key === "number") return `${this.path}[${key}]`;
    const safe = /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key);
    return this.path ? `${this.path}.${safe}` : safe;
  }

  /** Asserts this is a mapping (throws otherwise). */
  object(): this {
    if (!yaml.isMap(this.#node)) {
      throw this.error(`expected a mapping, got ${typeName(this.#node)}`);
    }
    return this;
  }

  /** Keys of this mapping in source order. */
  keys(): string[] {
    this.object();
    const map = this.#node as unknown as { items: { key: unknown }[] };
    if (map.items.length > MANIFEST_MAX_ITEMS) {
      throw this.error(`at most ${MANIFEST_MAX_ITEMS} keys are allowed, got ${map.items.length}`);
    }
    return map.items.map((p) => String(yaml.isScalar(p.key) ? (p.key as Scalar).value : p.key));
  }

  /** The child at `key` (a field whose value is absent when the key is missing). */
  get(key: string): ManifestField {
    this.object();
    const map = this.#node as unknown as { items: { key: unknown; value: Node | null }[] };
    const pair = map.items.find((p) => yaml.isScalar(p.key) && String(p.key.value) === key);
    return new ManifestField(
      this.#ctx,
      pair?.value ?? undefined,
      this.#childPath(key),
      (
        pair?.key as Node | undefined
      )?.range?.[0] ?? this.#offset,
    );
  }

  /** True when the mapping has `key` with a non-null value. */
  has(key: string): boolean {
    return this.isObject && !this.get(key).isNull;
  }

  /** Warns about every key not in `known` ("unknown field"). Returns the unknown keys. */
  known(known: readonly string[]): string[] {
    const unknown: string[] = [];
    const map = this.object().#node as unknown as { items: { key: Node }[] };
    for (const pair of map.items) {
      const key = String(yaml.isScalar(pair.key) ? pair.key.value : pair.key);
      if (!known.includes(key)) {
        unknown.push(key);
        const p = this.#ctx.lineCounter.linePos(pair.key?.range?.[0] ?? this.#offset);
        this.#ctx.warnings.push({
          file: this.#ctx.file,
          line: p.line,
          column: p.col,
          path: this.#childPath(key),
          message: "unknown field, ignored",
        });
      }
    }
    return unknown;
  }

  /** The items of this list; more than `max` items is an error (default {@linkcode MANIFEST_MAX_ITEMS}). */
  items(max: number = MANIFEST_MAX_ITEMS): ManifestField[] {
    if (!yaml.isSeq(this.#node)) throw this.error(`expected a list, got ${typeName(this.#node)}`);
    if (this.#node.items.length > max) {
      throw this.error(`at most ${max} items are allowed, got ${this.#node.items.length}`);
    }
    return this.#node.items.map((n, i) =>
      new ManifestField(
        this.#ctx,
        (n as Node | null) ?? undefined,
        this.#childPath(i),
        this.#offset,
      )
    );
  }

  /**
   * This scalar as a string; a string holding a NUL byte is refused (no process argument,
   * environment variable or path can carry one). Numbers and booleans are not accepted (they are
   * never coerced): the
   * error quotes the value as written and says to quote it, e.g.
   * `expected a string, got number 1.1 (write "1.10" in quotes for the text 1.10)`.
   */
  string(): string {
    if (yaml.isScalar(this.#node) && typeof this.#node.value === "string") {
      const v = this.#node.value;
      if (v.includes("\0")) {
        throw this.error(
          "contains a NUL byte, which no argument, environment variable, name or path can hold",
        );
      }
      return v;
    }
    const n = this.#node;
    if (yaml.isScalar(n) && (typeof n.value === "number" || typeof n.value === "boolean")) {
      const written = typeof n.source === "string" ? n.source : String(n.value);
      throw this.error(
        `expected a string, got ${
          typeName(n)
        } (write "${written}" in quotes for the text ${written})`,
      );
    }
    throw this.error(`expected a string, got ${typeName(n)}`);
  }

  /**
   * This scalar as a string, accepting numbers too (for quantities such as `cpu: 1`). A number
   * is returned as written in the file (`1.10`, `1e309`), never rounded through a float.
   */
  stringOrNumber(): string {
    if (yaml.isScalar(this.#node)) {
      const v = this.#node.value;
      if (typeof v === "string") return this.string();
      if (typeof v === "number") {
        return typeof this.#node.source === "string" ? this.#node.source : String(v);
      }
    }
    throw this.error(`expected a string or number, got ${typeName(this.#node)}`);
  }

  /** This scalar as a number. */
  number(): number {
    if (yaml.isScalar(this.#node) && typeof this.#node.value === "number") return this.#node.value;
    throw this.error(`expected a number, got ${typeName(this.#node)}`);
  }

  /** This scalar as an integer within [min, max]. */
  integer(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const n = this.number();
    if (!Number.isInteger(n) || n < min || n > max) {
      throw this.error(`expected an integer from ${min} to ${max}, got ${n}`);
    }
    return n;
  }

  /** This scalar as a boolean. */
  boolean(): boolean {
    if (yaml.isScalar(this.#node) && typeof this.#node.value === "boolean") return this.#node.value;
    throw this.error(`expected true or false, got ${typeName(this.#node)}`);
  }

  /** `get(key).string()`, or a "missing required field" error. */
  requiredString(key: string): string {
    const f = this.get(key);
    if (f.isNull) throw f.error("required field is missing");
    return f.string();
  }

  /** `get(key).string()` or undefined when absent. */
  optionalString(key: string): string | undefined {
    const f = this.get(key);
    return f.isNull ? undefined : f.string();
  }

  /** `get(key).boolean()` or undefined when absent. */
  optionalBoolean(key: string): boolean | undefined {
    const f = this.get(key);
    return f.isNull ? undefined : f.boolean();
  }

  /** `get(key).integer(min, max)` or undefined when absent. */
  optionalInteger(key: string, min?: number, max?: number): number | undefined {
    const f = this.get(key);
    return f.isNull ? undefined : f.integer(min, max);
  }

  /** A list of strings at `key`, or undefined when absent. */
  stringArray(key: string): string[] | undefined {
    const f = this.get(key);
    return f.isNull ? undefined : f.items().map((i) => i.string());
  }

  /** A mapping of strings at `key` (e.g. labels), or undefined when absent. */
  stringMap(key: string): Record<string, string> | undefined {
    const f = this.get(key);
    if (f.isNull) return undefined;
    const out: Record<string, string> = {};
    for (const k of f.keys()) out[k] = f.get(k).string();
    return out;
  }

  /** The list items at `key`, or `[]` when absent; at most `max` items (see {@linkcode items}). */
  list(key: string, max?: number): ManifestField[] {
    const f = this.get(key);
    return f.isNull ? [] : f.items(max);
  }
}

/** Where each key of a mapping or item of a list came from (see {@linkcode readYamlTree}). */
const treePositions = new WeakMap<object, Map<string | number, SourcePosition>>();

/**
 * The source position recorded for `container[key]` by {@linkcode readYamlTree} or
 * {@linkcode setTreePosition}; undefined when unknown.
 *
 * @example
 * ```ts
 * import { readYamlTree, treePosition } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const tree = readYamlTree("a:\n  b: 1\n", "f.yaml") as { a: object };
 * assert.deepEqual(treePosition(tree.a, "b"), { file: "f.yaml", line: 2, column: 3 });
 * ```
 */
export function treePosition(container: object, key: string | number): SourcePosition | undefined {
  return treePositions.get(container)?.get(key);
}

/**
 * Records where `container[key]` came from (used when a tree is rebuilt, e.g. by a merge).
 *
 * @example
 * ```ts
 * import { setTreePosition, treePosition } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const o = { a: 1 };
 * setTreePosition(o, "a", { file: "x", line: 3, column: 1 });
 * assert.equal(treePosition(o, "a")?.line, 3);
 * ```
 */
export function setTreePosition(
  container: object,
  key: string | number,
  pos: SourcePosition | undefined,
): void {
  if (pos === undefined) return;
  let m = treePositions.get(container);
  if (!m) treePositions.set(container, m = new Map());
  m.set(key, pos);
}

/** Options of {@linkcode readYamlTree}. */
export interface YamlTreeOptions {
  /**
   * Called for every string scalar value (not for keys) with its position and field path;
   * returns the value to use (compose interpolation). Throwing a `ManifestError` is the way to
   * reject a value.
   */
  scalar?: (value: string, where: SourcePosition & { path: string }) => string;
}

/**
 * Parses YAML into plain values (objects, arrays, strings, numbers, booleans, null) with anchors,
 * aliases and `<<` merge keys resolved, recording the source position of every mapping key and
 * list item ({@linkcode treePosition}). Syntax errors throw {@linkcode ManifestError} with
 * `file:line:column`; duplicate keys are errors.
 *
 * @example
 * ```ts
 * import { readYamlTree } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const v = readYamlTree("base: &b {x: 1}\nsvc:\n  <<: *b\n  y: $Y\n", "c.yaml", {
 *   scalar: (s) => s.replace("$Y", "2"),
 * });
 * assert.deepEqual(v, { base: { x: 1 }, svc: { x: 1, y: "2" } });
 * ```
 */
export function readYamlTree(text: string, file: string, opts: YamlTreeOptions = {}): unknown {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const first = doc.errors[0];
  if (first) {
    const pos = lineCounter.linePos(first.pos[0]);
    const reason = first.message.split("\n")[0] ?? first.message;
    throw new ManifestError(`invalid YAML: ${reason}`, {
      file,
      line: pos.line,
      column: pos.col,
      path: "",
    });
  }
  const posOf = (offset: number | undefined): SourcePosition => {
    const p = lineCounter.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  const childPath = (path: string, key: string | number): string => {
    if (typeof key === "number") return `${path}[${key}]`;
    const safe = /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key);
    return path ? `${path}.${safe}` : safe;
  };
  const seen = new Set<Node>();
  const walk = (node: unknown, path: string, depth: number): unknown => {
    if (depth > 200) throw new ManifestError("nesting too deep", { ...posOf(0), file, path });
    if (node === null || node === undefined) return null;
    if (yaml.isAlias(node)) {
      const target = node.resolve(doc as Document) as Node | undefined;
      if (!target || seen.has(target)) {
        throw new ManifestError(`alias *${node.source} cannot be resolved`, {
          ...posOf(node.range?.[0]),
          path,
        });
      }
      seen.add(target);
      try {
        return walk(target, path, depth + 1);
      } finally {
        seen.delete(target);
      }
    }
    if (yaml.isScalar(node)) {
      const v = node.value;
      if (typeof v === "string" && opts.scalar) {
        return opts.scalar(v, { ...posOf(node.range?.[0]), path });
      }
      if (typeof v === "bigint") return Number(v);
      if (v instanceof Date) return v.toISOString();
      return v ?? null;
    }
    if (yaml.isSeq(node)) {
      const out: unknown[] = [];
      node.items.forEach((item, i) => {
        out.push(walk(item, childPath(path, i), depth + 1));
        const n = item as Node | null;
        setTreePosition(out, i, posOf(n?.range?.[0] ?? node.range?.[0]));
      });
      return out;
    }
    if (yaml.isMap(node)) {
      const out: Record<string, unknown> = {};
      const merged: [string, unknown, SourcePosition][] = [];
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const rawKey = yaml.isScalar(keyNode) ? keyNode.value : keyNode;
        const keyPos = posOf(keyNode?.range?.[0] ?? node.range?.[0]);
        if (typeof rawKey === "symbol" || rawKey === "<<") {
          // A merge key: its mapping (or list of mappings) supplies keys not set explicitly;
          // earlier mappings in a list win over later ones, as YAML 1.1 defines.
          const src = walk(pair.value, path, depth + 1);
          const sources = Array.isArray(src) ? src : [src];
          for (const s of sources) {
            if (typeof s !== "object" || s === null || Array.isArray(s)) {
              throw new ManifestError("a merge key (<<) needs a mapping or a list of mappings", {
                ...keyPos,
                path,
              });
            }
            for (const [k, v] of Object.entries(s)) {
              merged.push([k, v, treePosition(s, k) ?? keyPos]);
            }
          }
          continue;
        }
        if (typeof rawKey === "object" && rawKey !== null) {
          throw new ManifestError("a mapping key must be a plain value", { ...keyPos, path });
        }
        const key = String(rawKey);
        out[key] = walk(pair.value, childPath(path, key), depth + 1);
        setTreePosition(out, key, keyPos);
      }
      for (const [k, v, p] of merged) {
        if (Object.hasOwn(out, k)) continue;
        out[k] = v;
        setTreePosition(out, k, p);
      }
      return out;
    }
    return null;
  };
  return walk(doc.contents, "", 0);
}
