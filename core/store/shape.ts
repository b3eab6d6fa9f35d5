/**
 * Shapes: small typed parsers from `unknown` (stored JSON) into rk8s's types. A shape checks
 * every field it knows and builds a fresh value, so nothing is cast; a mismatch throws
 * {@linkcode ShapeError} with the field path. {@linkcode object} is typed so that a shape must
 * name every field of its type (required ones with a shape, optional ones with
 * {@linkcode optional}); a field added to a type without a shape is a compile error.
 *
 * @example
 * ```ts
 * import { integer, list, object, optional, text } from "./shape.ts";
 * import assert from "node:assert/strict";
 * interface Port { port: number; name?: string }
 * const port = object<Port>({ port: integer, name: optional(text) });
 * assert.deepEqual(list(port)([{ port: 80 }], "ports"), [{ port: 80 }]);
 * assert.throws(() => list(port)([{ port: "80" }], "ports"), /ports\[0\]\.port: expected an integer/);
 * ```
 *
 * @module
 */
import { RkError } from "../errors.ts";
import { isRecord } from "../is_record.ts";

/** A value that does not have the expected shape. */
export class ShapeError extends RkError {
  /** Field path, e.g. `resources.limits.cpu` (empty for the value itself). */
  readonly path: string;
  /** What was expected, e.g. `text`. */
  readonly expected: string;
  /** The message without the path: `expected text, got number 5`. */
  readonly reason: string;
  /** Creates the error for `value` found at `path`. */
  constructor(path: string, expected: string, value: unknown, options?: ErrorOptions) {
    const reason = `expected ${expected}, got ${describe(value)}`;
    super(`${path ? `${path}: ` : ""}${reason}`, options);
    this.name = "ShapeError";
    this.path = path;
    this.expected = expected;
    this.reason = reason;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  const json = JSON.stringify(v);
  return `${typeof v} ${json.length > 40 ? `${json.slice(0, 37)}...` : json}`;
}

/** Parses `value` (found at field path `path`) into a `T`, or throws {@linkcode ShapeError}. */
export type Shape<T> = (value: unknown, path: string) => T;

/** What a shape checks first: the kind of value it takes, and its `expected` when it is not. */
interface KindCheck {
  /** The shape's `expected` for a value of another kind. */
  readonly expected: string;
  /** True when the value is of the kind (the shape may still reject what is inside). */
  accepts(v: unknown): boolean;
}

/**
 * The kind checks of the basic shapes, so that {@linkcode oneOf} can pass over an alternative
 * that would reject the value outright without calling it (a thrown error costs more than the
 * whole check of a stored value).
 */
const kindChecks = new WeakMap<Shape<unknown>, KindCheck>();

/** Registers `shape`'s kind check and returns it. */
function kinded<S extends Shape<unknown>>(
  shape: S,
  expected: string,
  accepts: (v: unknown) => boolean,
): S {
  kindChecks.set(shape, { expected, accepts });
  return shape;
}

/** A field that may be absent: wraps the shape of its value (see {@linkcode optional}). */
export interface OptionalField<T> {
  /** The shape of the value when present. */
  readonly optional: Shape<T>;
}

/** A shape that takes a value exactly when `accepts(v)`, else fails with `expected`. */
function scalar<T>(expected: string, accepts: (v: unknown) => v is T): Shape<T> {
  return kinded(
    (v, path) => {
      if (!accepts(v)) throw new ShapeError(path, expected, v);
      return v;
    },
    expected,
    accepts,
  );
}

/** Text. */
export const text: Shape<string> = scalar("text", (v): v is string => typeof v === "string");

/** A finite number. */
export const number: Shape<number> = scalar(
  "a number",
  (v): v is number => typeof v === "number" && Number.isFinite(v),
);

/** A safe integer. */
export const integer: Shape<number> = scalar(
  "an integer",
  (v): v is number => typeof v === "number" && Number.isSafeInteger(v),
);

/** `true` or `false`. */
export const boolean: Shape<boolean> = scalar(
  "true or false",
  (v): v is boolean => typeof v === "boolean",
);

/**
 * One of the given strings.
 *
 * @example
 * ```ts
 * import { literal } from "./shape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(literal("TCP", "UDP")("UDP", "protocol"), "UDP");
 * assert.throws(() => literal("TCP", "UDP")("tcp", "protocol"), /one of "TCP", "UDP"/);
 * ```
 */
export function literal<const T extends readonly string[]>(...values: T): Shape<T[number]> {
  return scalar(
    `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`,
    (v): v is T[number] => typeof v === "string" && values.includes(v),
  );
}

/**
 * A list whose items have shape `item`.
 *
 * @example
 * ```ts
 * import { list, text } from "./shape.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(list(text)(["a"], "args"), ["a"]);
 * assert.throws(() => list(text)(["a", 1], "args"), /args\[1\]: expected text/);
 * ```
 */
export function list<T>(item: Shape<T>): Shape<T[]> {
  return kinded(
    (v, path) => {
      if (!Array.isArray(v)) throw new ShapeError(path, "a list", v);
      return v.map((x, i) => item(x, `${path}[${i}]`));
    },
    "a list",
    Array.isArray,
  );
}

/**
 * A map from text keys to values of shape `value`.
 *
 * @example
 * ```ts
 * import { dict, text } from "./shape.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(dict(text)({ app: "web" }, "labels"), { app: "web" });
 * assert.throws(() => dict(text)({ app: 1 }, "labels"), /labels\.app: expected text/);
 * ```
 */
export function dict<T>(value: Shape<T>): Shape<Record<string, T>> {
  return kinded(
    (v, path) => {
      if (!isRecord(v)) throw new ShapeError(path, "an object", v);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = value(x, fieldPath(path, k));
      return out;
    },
    "an object",
    isRecord,
  );
}

/**
 * Marks a field of {@linkcode object} as optional: absent (or `null`) leaves it out.
 *
 * @example
 * ```ts
 * import { object, optional, text } from "./shape.ts";
 * import assert from "node:assert/strict";
 * const s = object<{ a?: string }>({ a: optional(text) });
 * assert.deepEqual(s({}, ""), {});
 * assert.deepEqual(s({ a: "x" }, ""), { a: "x" });
 * ```
 */
export function optional<T>(shape: Shape<T>): OptionalField<T> {
  return { optional: shape };
}

type OptionalKeys<T> = {
  // deno-lint-ignore ban-types
  [K in keyof T]-?: {} extends Pick<T, K> ? K : never;
}[keyof T];

/**
 * The field shapes of an object type `T`: a {@linkcode Shape} for every required field and an
 * {@linkcode OptionalField} for every optional one.
 */
export type Fields<T> =
  & { [K in Exclude<keyof T, OptionalKeys<T>>]-?: Shape<T[K]> }
  & { [K in OptionalKeys<T>]-?: OptionalField<Exclude<T[K], undefined>> };

/**
 * Field path `key` below `path`: `a.b`, or `a[0]` for a list index (`key` `[0]`).
 *
 * @example
 * ```ts
 * import { fieldPath } from "./shape.ts";
 * import assert from "node:assert/strict";
 * assert.equal(fieldPath("spec", "labels"), "spec.labels");
 * assert.equal(fieldPath("ips", "[1]"), "ips[1]");
 * assert.equal(fieldPath("", "name"), "name");
 * ```
 */
export function fieldPath(path: string, key: string): string {
  return !path || !key ? path + key : key.startsWith("[") ? path + key : `${path}.${key}`;
}

/**
 * An object with the given fields, in the stored key order; keys that are not fields are
 * dropped.
 *
 * @example
 * ```ts
 * import { integer, object, text } from "./shape.ts";
 * import assert from "node:assert/strict";
 * const user = object<{ uid: number; name: string }>({ uid: integer, name: text });
 * assert.deepEqual(user({ uid: 0, name: "root" }, "user"), { uid: 0, name: "root" });
 * assert.throws(() => user({ uid: 0 }, "user"), /user\.name: expected text, got nothing/);
 * ```
 */
export function object<T>(fields: Fields<T>): Shape<T> {
  const entries = Object.entries(fields as Record<string, Shape<unknown> | OptionalField<unknown>>);
  const byKey = new Map(entries);
  const required = entries.flatMap(([key, field]) => typeof field === "function" ? [key] : []);
  // Checks the fields in declaration order, so that of several bad fields the first declared is
  // reported.
  const checkInOrder = (v: Record<string, unknown>, path: string): Record<string, unknown> => {
    const parsed = new Map<string, unknown>();
    for (const [key, field] of entries) {
      const x = v[key];
      if (typeof field === "function") {
        parsed.set(key, field(x, fieldPath(path, key)));
      } else if (x !== undefined && x !== null) {
        parsed.set(key, field.optional(x, fieldPath(path, key)));
      }
    }
    // Keep the stored key order (output such as `-o json` shows it).
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) if (parsed.has(key)) out[key] = parsed.get(key);
    for (const [key, x] of parsed) if (!(key in out)) out[key] = x;
    return out;
  };
  return kinded(
    (v, path) => {
      if (!isRecord(v)) throw new ShapeError(path, "an object", v);
      // The same result built in one pass over the stored keys (a stored value sets few of the
      // many optional fields of e.g. a pod spec): what `rkl pod list` spends most of its time on.
      // A bad value is checked again in declaration order for the error.
      try {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(v)) {
          const field = byKey.get(key);
          if (field === undefined) continue;
          const x = v[key];
          if (typeof field === "function") out[key] = field(x, fieldPath(path, key));
          else if (x !== undefined && x !== null) {
            out[key] = field.optional(x, fieldPath(path, key));
          }
        }
        for (const key of required) {
          if (!Object.hasOwn(v, key)) {
            out[key] = (byKey.get(key) as Shape<unknown>)(undefined, fieldPath(path, key));
          }
        }
        // Every field of T has been checked by its shape above (Fields<T> names them all).
        return out as T;
      } catch (e) {
        if (!(e instanceof ShapeError)) throw e;
        checkInOrder(v, path);
        throw e;
      }
    },
    "an object",
    isRecord,
  );
}

/**
 * The first of `shapes` that accepts the value (for unions without a tag field).
 *
 * @example
 * ```ts
 * import { dict, list, oneOf, text } from "./shape.ts";
 * import assert from "node:assert/strict";
 * const env = oneOf(list(text), dict(text));
 * assert.deepEqual(env({ A: "1" }, "env"), { A: "1" });
 * assert.throws(() => env(5, "env"), /env: expected a list or an object/);
 * ```
 */
export function oneOf<T extends unknown[]>(
  ...shapes: { [I in keyof T]: Shape<T[I]> }
): Shape<T[number]> {
  return (v, path) => {
    const errors: { path: string; expected: string }[] = [];
    // A failed alternative is the common case (every record whose value is the second kind):
    // its ShapeError is only compared, never shown, so it is built without a stack trace, the
    // costly part of constructing an error (≈ 3 ms per listed pod before). Shapes are
    // synchronous, so nothing else runs before the limit is restored.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (const s of shapes) {
        // An alternative of another kind would throw at `path` with its `expected`.
        const kind = kindChecks.get(s);
        if (kind && !kind.accepts(v)) {
          errors.push({ path, expected: kind.expected });
          continue;
        }
        try {
          return s(v, path);
        } catch (e) {
          if (!(e instanceof ShapeError)) throw e;
          errors.push(e);
        }
      }
    } finally {
      Error.stackTraceLimit = limit;
    }
    // Report the failure of the alternative that got furthest into the value.
    const deepest = errors.reduce((a, b) => (b.path.length > a.path.length ? b : a));
    if (deepest.path !== path && deepest instanceof ShapeError) throw deepest;
    throw new ShapeError(path, [...new Set(errors.map((e) => e.expected))].join(" or "), v);
  };
}

/**
 * A tagged union: the value of field `tag` picks the shape of the whole value.
 *
 * @example
 * ```ts
 * import { literal, object, text, variant } from "./shape.ts";
 * import assert from "node:assert/strict";
 * type V = { kind: "a"; a: string } | { kind: "b"; b: string };
 * const v = variant<V>("kind", {
 *   a: object<{ kind: "a"; a: string }>({ kind: literal("a"), a: text }),
 *   b: object<{ kind: "b"; b: string }>({ kind: literal("b"), b: text }),
 * });
 * assert.deepEqual(v({ kind: "b", b: "x" }, "v"), { kind: "b", b: "x" });
 * assert.throws(() => v({ kind: "c" }, "v"), /v\.kind: expected one of "a", "b"/);
 * assert.throws(() => v({ kind: "a" }, "v"), /v\.a: expected text/);
 * ```
 */
export function variant<T>(tag: string, shapes: Record<string, Shape<T>>): Shape<T> {
  const pick = literal(...Object.keys(shapes));
  return (v, path) => {
    if (!isRecord(v)) throw new ShapeError(path, "an object", v);
    return shapes[pick(v[tag], fieldPath(path, tag))]!(v, path);
  };
}

/**
 * A value of shape `shape` that `ok` also accepts; otherwise a {@linkcode ShapeError} saying
 * `expected`.
 *
 * @example
 * ```ts
 * import { integer, refine } from "./shape.ts";
 * import assert from "node:assert/strict";
 * const port = refine(integer, "a port (1-65535)", (n) => n >= 1 && n <= 65535);
 * assert.throws(() => port(0, "containerPort"), /containerPort: expected a port/);
 * ```
 */
export function refine<T>(shape: Shape<T>, expected: string, ok: (v: T) => boolean): Shape<T> {
  return (v, path) => {
    const out = shape(v, path);
    if (!ok(out)) throw new ShapeError(path, expected, v);
    return out;
  };
}
