/**
 * Reading one database row into its type: every column and every field of its JSON columns is
 * checked, and anything malformed is a {@linkcode MalformedRowError} naming the table, the row's
 * id and the field. One policy for every table: a row that does not parse is an error, never
 * silently dropped or cast.
 *
 * @module
 */
import { RkError } from "../errors.ts";
import type { SqlRow } from "./db.ts";
import { fieldPath, type Shape, ShapeError } from "./shape.ts";

/**
 * A stored row that does not have the shape its table promises (a bug, a newer rkl's data or a
 * hand edit). Names the table, the row's id and the field.
 *
 * @example
 * ```ts
 * import { MalformedRowError } from "./row_reader.ts";
 * import assert from "node:assert/strict";
 * const e = new MalformedRowError("containers", "abc", "labels.app", "expected text, got number 1");
 * assert.equal(
 *   e.message,
 *   'Malformed row "abc" in table containers: labels.app: expected text, got number 1',
 * );
 * ```
 */
export class MalformedRowError extends RkError {
  /** Table name. */
  readonly table: string;
  /** The row's id (`?` when the id itself is unreadable). */
  readonly id: string;
  /** Column, then the path inside a JSON column (`spec.resources.limits.cpu`). */
  readonly field: string;
  /** What is wrong. */
  readonly reason: string;
  /** Creates the error. */
  constructor(table: string, id: string, field: string, reason: string, options?: ErrorOptions) {
    super(`Malformed row "${id}" in table ${table}: ${field}: ${reason}`, options);
    this.name = "MalformedRowError";
    this.table = table;
    this.id = id;
    this.field = field;
    this.reason = reason;
  }
}

/**
 * Typed access to the columns of one row of `table`; each accessor throws
 * {@linkcode MalformedRowError} when the column does not hold what it asks for.
 *
 * @example
 * ```ts
 * import { RowReader } from "./row_reader.ts";
 * import { dict, text } from "./shape.ts";
 * import assert from "node:assert/strict";
 * const r = new RowReader("containers", { id: "abc", name: "web", labels: '{"a":"b"}' });
 * assert.equal(r.text("name"), "web");
 * assert.deepEqual(r.json("labels", dict(text)), { a: "b" });
 * assert.throws(() => r.integer("name"), /Malformed row "abc" in table containers: name:/);
 * ```
 */
export class RowReader {
  /** Table the row comes from. */
  readonly table: string;
  /** The row's id, for errors. */
  readonly id: string;
  readonly #row: SqlRow;

  /** Wraps `row` of `table`; its `id` column names it in errors. */
  constructor(table: string, row: SqlRow, idColumn = "id") {
    this.table = table;
    this.#row = row;
    const id = row[idColumn];
    this.id = typeof id === "string" || typeof id === "number" ? String(id) : "?";
  }

  #fail(field: string, reason: string, cause?: unknown): never {
    throw new MalformedRowError(this.table, this.id, field, reason, { cause });
  }

  #get(col: string): unknown {
    if (!(col in this.#row)) this.#fail(col, "no such column");
    return this.#row[col];
  }

  /** A TEXT column. */
  text(col: string): string {
    const v = this.#get(col);
    if (typeof v !== "string") this.#fail(col, `expected text, got ${typeName(v)}`);
    return v;
  }

  /** A nullable TEXT column (NULL → undefined). */
  optionalText(col: string): string | undefined {
    const v = this.#get(col);
    return v === null ? undefined : this.text(col);
  }

  /** An INTEGER column (a safe integer). */
  integer(col: string): number {
    const v = this.#get(col);
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n)) {
      this.#fail(col, `expected an integer, got ${typeName(v)}`);
    }
    return n;
  }

  /** A nullable INTEGER column (NULL → undefined). */
  optionalInteger(col: string): number | undefined {
    return this.#get(col) === null ? undefined : this.integer(col);
  }

  /** An INTEGER column holding 0 or 1. */
  boolean(col: string): boolean {
    const n = this.integer(col);
    if (n !== 0 && n !== 1) this.#fail(col, `expected 0 or 1, got ${n}`);
    return n === 1;
  }

  /** A TEXT column holding JSON of shape `shape`. */
  json<T>(col: string, shape: Shape<T>): T {
    const raw = this.text(col);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      this.#fail(col, "not JSON", e);
    }
    try {
      return shape(value, "");
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      this.#fail(fieldPath(col, e.path), e.reason, e);
    }
  }

  /**
   * Defines `target[key]` as the JSON of column `col` checked against `shape`, parsed when the
   * property is first read (or replaced when first written) and kept then: listings that never
   * look at a large column pay neither its parse nor its check (checking a container's stored
   * config costs ~50 times its `JSON.parse`). A malformed value throws the same
   * {@linkcode MalformedRowError} as {@linkcode RowReader.json}, from that first read. The
   * property stays enumerable at its place, so `JSON.stringify` and spreads see it.
   *
   * @example
   * ```ts
   * import { RowReader } from "./row_reader.ts";
   * import { list, text } from "./shape.ts";
   * import assert from "node:assert/strict";
   * const rec = { id: "a", tags: [] as string[] };
   * new RowReader("t", { id: "a", tags: '["x"]' }).lazyJson(rec, "tags", "tags", list(text));
   * assert.deepEqual(rec.tags, ["x"]);
   * const bad = { id: "b", tags: [] as string[] };
   * new RowReader("t", { id: "b", tags: "[1]" }).lazyJson(bad, "tags", "tags", list(text));
   * assert.throws(() => bad.tags, /Malformed row "b" in table t: tags\[0\]: expected text/);
   * ```
   */
  lazyJson<R extends object, K extends keyof R>(
    target: R,
    key: K,
    col: string,
    shape: Shape<R[K]>,
  ): void {
    const settle = (value: R[K]): R[K] => {
      Object.defineProperty(target, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      return value;
    };
    this.#get(col);
    Object.defineProperty(target, key, {
      get: () => settle(this.json(col, shape)),
      set: (value: R[K]) => void settle(value),
      enumerable: true,
      configurable: true,
    });
  }

  /** A nullable TEXT column holding JSON of shape `shape` (NULL → undefined). */
  optionalJson<T>(col: string, shape: Shape<T>): T | undefined {
    return this.#get(col) === null ? undefined : this.json(col, shape);
  }
}

function typeName(v: unknown): string {
  if (v === null) return "NULL";
  if (v instanceof Uint8Array) return "a BLOB";
  return `${typeof v} ${JSON.stringify(String(v)).slice(0, 40)}`;
}
