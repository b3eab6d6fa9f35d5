/**
 * Variable interpolation as the Compose Specification defines it: `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`,
 * `${VAR+alt}` and `$$` for a literal `$`. Defaults and alternatives are interpolated too
 * (`${A:-${B}}`). Pure.
 *
 * @module
 */
import { RkError } from "../errors.ts";

/**
 * An interpolation that cannot be done: a required variable is unset (`${VAR:?msg}`) or the
 * template is malformed. `variable` names the variable when there is one.
 *
 * @example
 * ```ts
 * import { InterpolationError } from "./interpolate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new InterpolationError("x", "DB").variable, "DB");
 * ```
 */
export class InterpolationError extends RkError {
  /** The variable concerned, when there is one. */
  readonly variable: string | undefined;
  /** Creates the error. */
  constructor(message: string, variable?: string) {
    super(message);
    this.name = "InterpolationError";
    this.variable = variable;
  }
}

/** Looks a variable up; undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

/** Options of {@linkcode interpolate}. */
export interface InterpolateOptions {
  /** Called for every variable that is used without a default and is not set. */
  onUnset?: (name: string) => void;
}

const NAME = /^[_A-Za-z][_A-Za-z0-9]*/;

/**
 * Replaces variables in `text`. Unset variables without a default become `""` (and are reported
 * through `onUnset`, as docker compose warns). Throws {@linkcode InterpolationError} for
 * `${VAR:?msg}` / `${VAR?msg}` when the variable is unset (or empty, with `:`), and for malformed
 * templates such as `${}` or `$1`.
 *
 * Source of the rules: compose-spec `interpolation.md`.
 *
 * @example
 * ```ts
 * import { interpolate } from "./interpolate.ts";
 * import assert from "node:assert/strict";
 * const env: Record<string, string> = { TAG: "v1", EMPTY: "" };
 * const get = (n: string) => env[n];
 * assert.equal(interpolate("img:${TAG}", get), "img:v1");
 * assert.equal(interpolate("${EMPTY:-x}/${EMPTY-y}", get), "x/");
 * assert.equal(interpolate("$$TAG", get), "$TAG");
 * assert.throws(() => interpolate("${DB:?needs DB}", get), /needs DB/);
 * ```
 */
export function interpolate(
  text: string,
  lookup: VariableLookup,
  opts: InterpolateOptions = {},
): string {
  if (!text.includes("$")) return text;
  const { value, end } = parse(text, 0, lookup, opts, false);
  if (end !== text.length) {
    throw new InterpolationError(`invalid interpolation format in "${text}"`);
  }
  return value;
}

/** Parses from `i` until the end of `text` or, when `nested`, an unmatched `}`. */
function parse(
  text: string,
  start: number,
  lookup: VariableLookup,
  opts: InterpolateOptions,
  nested: boolean,
): { value: string; end: number } {
  let out = "";
  let i = start;
  while (i < text.length) {
    const ch = text[i]!;
    if (nested && ch === "}") return { value: out, end: i };
    if (ch !== "$") {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const r = braced(text, i + 2, lookup, opts);
      out += r.value;
      i = r.end;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (!m) {
      throw new InterpolationError(
        `invalid interpolation format in "${text}": "$" must be followed by a variable name, "{" or "$" (write "$$" for a literal "$")`,
      );
    }
    out += variable(m[0], lookup, opts);
    i += 1 + m[0].length;
  }
  if (nested) {
    throw new InterpolationError(`invalid interpolation format in "${text}": missing "}"`);
  }
  return { value: out, end: i };
}

function variable(name: string, lookup: VariableLookup, opts: InterpolateOptions): string {
  const v = lookup(name);
  if (v === undefined) {
    opts.onUnset?.(name);
    return "";
  }
  return v;
}

/** `${...}` starting after `${`; returns the value and the index after the closing `}`. */
function braced(
  text: string,
  i: number,
  lookup: VariableLookup,
  opts: InterpolateOptions,
): { value: string; end: number } {
  const m = NAME.exec(text.slice(i));
  if (!m) {
    throw new InterpolationError(
      `invalid interpolation format in "${text}": "\${" must be followed by a variable name`,
    );
  }
  const name = m[0];
  let j = i + name.length;
  if (text[j] === "}") return { value: variable(name, lookup, opts), end: j + 1 };
  const colon = text[j] === ":";
  if (colon) j++;
  const op = text[j];
  if (op !== "-" && op !== "?" && op !== "+") {
    throw new InterpolationError(
      `invalid interpolation format in "${text}": unexpected "${
        text.slice(i + name.length, j + 1)
      }" after "\${${name}" (expected "}", ":-", "-", ":?", "?", ":+" or "+")`,
    );
  }
  // The word after the operator is interpolated only when it is used; parse it lazily with a
  // lookup that reports nothing, then again for real.
  const silent = parse(text, j + 1, () => "-", {}, true);
  const end = silent.end + 1;
  const raw = lookup(name);
  const set = colon ? raw !== undefined && raw !== "" : raw !== undefined;
  const word = () => parse(text, j + 1, lookup, opts, true).value;
  switch (op) {
    case "-":
      return { value: set ? raw! : word(), end };
    case "+":
      return { value: set ? word() : "", end };
    case "?": {
      if (set) return { value: raw!, end };
      const msg = word();
      throw new InterpolationError(
        `required variable ${name} is ${raw === undefined ? "missing a value" : "empty"}${
          msg ? `: ${msg}` : ""
        }`,
        name,
      );
    }
  }
}
