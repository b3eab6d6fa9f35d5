/**
 * A positioned view of a plain YAML tree (from `readYamlTree`): typed accessors that throw a
 * `ManifestError` naming file, line, column and field path, and warnings at the same positions.
 *
 * @module
 */
import { ManifestError, type SourcePosition } from "../errors.ts";
import { isRecord } from "../is_record.ts";
import { type ManifestWarning, treePosition } from "../manifest_reader.ts";

/** Kind of a plain value, for messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** One value with its path and position. */
export class Field {
  /** The value. */
  readonly value: unknown;
  /** Field path such as `services.web.ports[0]`. */
  readonly path: string;
  /** Where it was written. */
  readonly pos: SourcePosition;
  readonly #warnings: ManifestWarning[];

  /** Wraps a value. */
  constructor(value: unknown, path: string, pos: SourcePosition, warnings: ManifestWarning[]) {
    this.value = value;
    this.path = path;
    this.pos = pos;
    this.#warnings = warnings;
  }

  /** True when absent or null. */
  get isNull(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** An error at this field. */
  error(reason: string): ManifestError {
    return new ManifestError(reason, { ...this.pos, path: this.path });
  }

  /** A warning at this field. */
  warn(message: string): void {
    this.#warnings.push({ ...this.pos, path: this.path, message });
  }

  #child(key: string | number, value: unknown, container: object): Field {
    let path: string;
    if (typeof key === "number") path = `${this.path}[${key}]`;
    else {
      const safe = /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key);
      path = this.path ? `${this.path}.${safe}` : safe;
    }
    return new Field(value, path, treePosition(container, key) ?? this.pos, this.#warnings);
  }

  /** True when a mapping. */
  get isMap(): boolean {
    return isRecord(this.value);
  }

  /** Asserts a mapping. */
  map(): Record<string, unknown> {
    if (!this.isMap) throw this.error(`expected a mapping, got ${describe(this.value)}`);
    return this.value as Record<string, unknown>;
  }

  /** Keys of this mapping (none when null). */
  keys(): string[] {
    return this.isNull ? [] : Object.keys(this.map());
  }

  /** The child at `key`. */
  get(key: string): Field {
    if (this.isNull) return this.#child(key, undefined, {});
    const m = this.map();
    return this.#child(key, Object.hasOwn(m, key) ? m[key] : undefined, m);
  }

  /** The child fields of a mapping, in order. */
  entries(): [string, Field][] {
    return this.keys().map((k) => [k, this.get(k)]);
  }

  /** The items of a list (none when null). */
  items(): Field[] {
    if (this.isNull) return [];
    if (!Array.isArray(this.value)) {
      throw this.error(`expected a list, got ${describe(this.value)}`);
    }
    const arr = this.value;
    return arr.map((v, i) => this.#child(i, v, arr));
  }

  /** A string. */
  string(): string {
    if (typeof this.value === "string") return this.value;
    throw this.error(`expected a string, got ${describe(this.value)}`);
  }

  /** A string, accepting numbers and booleans (written as YAML scalars). */
  scalar(): string {
    const v = this.value;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw this.error(`expected a string, got ${describe(v)}`);
  }

  /** A boolean (also the strings "true"/"false", which interpolation produces). */
  boolean(): boolean {
    const v = this.value;
    if (typeof v === "boolean") return v;
    if (v === "true") return true;
    if (v === "false") return false;
    throw this.error(`expected true or false, got ${describe(v)}`);
  }

  /** An integer within [min, max] (numeric strings accepted, for interpolated values). */
  integer(min: number, max: number): number {
    const v = this.value;
    const n = typeof v === "number"
      ? v
      : typeof v === "string" && /^-?\d+$/.test(v)
      ? Number(v)
      : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw this.error(`expected an integer from ${min} to ${max}, got ${describe(v)}`);
    }
    return n;
  }

  /** A number (numeric strings accepted). */
  number(): number {
    const v = this.value;
    const n = typeof v === "number"
      ? v
      : typeof v === "string" && v.trim() !== ""
      ? Number(v)
      : NaN;
    if (!Number.isFinite(n)) throw this.error(`expected a number, got ${describe(v)}`);
    return n;
  }

  /** A string or a list of strings, as a list. */
  stringOrList(): string[] {
    if (this.isNull) return [];
    if (Array.isArray(this.value)) return this.items().map((i) => i.scalar());
    return [this.scalar()];
  }
}
