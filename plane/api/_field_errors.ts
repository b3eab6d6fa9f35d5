/**
 * A list of field errors worded as `k8s.io/apimachinery/pkg/util/validation/field` words them
 * (`Invalid value: "x": ...`, `Required value`, `Unsupported value: ...: supported values:
 * ...`), collected as `StatusCause`s.
 *
 * @module
 */

/** One cause of a `422 Invalid` Status (`details.causes[]`). */
export interface StatusCause {
  /**
   * `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`,
   * `FieldValueDuplicate`, `FieldValueNotFound`, `FieldValueForbidden`, `FieldValueTooLong`.
   */
  reason: string;
  /** The error body, e.g. `Invalid value: "Foo": a lowercase RFC 1123 subdomain ...`. */
  message: string;
  /** The field path, e.g. `spec.containers[0].name`. */
  field: string;
}

/** Go's `%v`/`%q` rendering of a bad value, close enough for JSON values. */
export function showValue(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** Builds `spec.containers[0].name`-style paths. */
export class FieldPath {
  readonly #s: string;
  constructor(s = "") {
    this.#s = s;
  }
  /** `a.b` */
  child(...names: string[]): FieldPath {
    let s = this.#s;
    for (const n of names) s = s === "" ? n : `${s}.${n}`;
    return new FieldPath(s);
  }
  /** `a[3]` */
  index(i: number): FieldPath {
    return new FieldPath(`${this.#s}[${i}]`);
  }
  /** `a[key]` */
  key(k: string): FieldPath {
    return new FieldPath(`${this.#s}[${k}]`);
  }
  /** The path text. */
  toString(): string {
    return this.#s;
  }
}

/** Collects causes. */
export class FieldErrors {
  readonly list: StatusCause[] = [];

  #add(reason: string, path: FieldPath, message: string): void {
    this.list.push({ reason, message, field: path.toString() });
  }

  invalid(path: FieldPath, value: unknown, detail: string): void {
    this.#add("FieldValueInvalid", path, `Invalid value: ${showValue(value)}: ${detail}`);
  }

  required(path: FieldPath, detail = ""): void {
    this.#add(
      "FieldValueRequired",
      path,
      detail === "" ? "Required value" : `Required value: ${detail}`,
    );
  }

  notSupported(path: FieldPath, value: unknown, supported: readonly string[]): void {
    const list = supported.map((s) => JSON.stringify(s)).join(", ");
    this.#add(
      "FieldValueNotSupported",
      path,
      `Unsupported value: ${showValue(value)}: supported values: ${list}`,
    );
  }

  duplicate(path: FieldPath, value: unknown): void {
    this.#add("FieldValueDuplicate", path, `Duplicate value: ${showValue(value)}`);
  }

  notFound(path: FieldPath, value: unknown): void {
    this.#add("FieldValueNotFound", path, `Not found: ${showValue(value)}`);
  }

  forbidden(path: FieldPath, detail: string): void {
    this.#add("FieldValueForbidden", path, `Forbidden: ${detail}`);
  }

  tooLong(path: FieldPath, maxBytes: number): void {
    this.#add(
      "FieldValueTooLong",
      path,
      `Too long: may not be more than ${maxBytes} ${maxBytes === 1 ? "byte" : "bytes"}`,
    );
  }

  /** One `Invalid` per message of a rule function (`dns1123LabelErrors` ...). */
  invalidEach(path: FieldPath, value: unknown, messages: readonly string[]): void {
    for (const m of messages) this.invalid(path, value, m);
  }
}
