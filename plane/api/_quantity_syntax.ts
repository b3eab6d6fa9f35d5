/**
 * The error apimachinery's `resource.ParseQuantity` gives for a quantity's text, with its
 * exact wording: what kube-apiserver answers (400) when a `Quantity` field of a request body
 * does not parse. Written anew from the parser's rules: sign, digits, an optional fraction,
 * then a suffix of `eEinumkKMGTP` letters optionally followed by a signed exponent; the suffix
 * must then be a binary (`Ki`…`Ei`), decimal (`n`, `u`, `m`, `""`, `k`, `M`…`E`) or exponent
 * (`e3`, `E-2`) suffix.
 *
 * @module
 */

/** `resource.ErrFormatWrong`. */
export const QUANTITY_FORMAT_WRONG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** `resource.ErrSuffix`. */
export const QUANTITY_SUFFIX = "unable to parse quantity's suffix";
/** `resource.ErrNumeric`. */
export const QUANTITY_NUMERIC = "unable to parse numeric part of quantity";

const SUFFIX_LETTERS = "eEinumkKMGTP";
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** The suffix's base and exponent, or undefined (`quantitySuffixer.interpret`). */
function interpret(suffix: string): { base: 2 | 10; exponent: number } | undefined {
  const b = BINARY[suffix];
  if (b !== undefined) return { base: 2, exponent: b };
  const d = DECIMAL[suffix];
  if (d !== undefined) return { base: 10, exponent: d };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const rest = suffix.slice(1);
    // strconv.ParseInt(rest, 10, 32)
    if (!/^[+-]?\d+$/.test(rest)) return undefined;
    const n = Number(rest);
    if (n > 2147483647 || n < -2147483648) return undefined;
    return { base: 10, exponent: n };
  }
  return undefined;
}

/**
 * The error text of `resource.ParseQuantity(text)` (after `strings.TrimSpace`, as
 * `Quantity.UnmarshalJSON` does), or `undefined` when `text` is a valid quantity.
 *
 * @example
 * ```ts
 * import { quantitySyntaxError, QUANTITY_FORMAT_WRONG } from "./_quantity_syntax.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quantitySyntaxError("512Mi"), undefined);
 * assert.equal(quantitySyntaxError("12XB"), QUANTITY_FORMAT_WRONG);
 * assert.equal(quantitySyntaxError("12e"), "unable to parse quantity's suffix");
 * ```
 */
export function quantitySyntaxError(text: string): string | undefined {
  const str = text.trim();
  if (str === "") return QUANTITY_FORMAT_WRONG;
  if (str === "0") return undefined;
  const end = str.length;
  let pos = 0;
  if (str[0] === "-" || str[0] === "+") pos++;
  while (pos < end && str[pos] === "0") pos++;
  if (pos >= end) return undefined;
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos >= end) return undefined;
  let num = str.slice(numStart, pos);
  if (num === "") num = "0";
  let denom = "";
  if (str[pos] === ".") {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    if (pos >= end) return undefined;
    denom = str.slice(denomStart, pos);
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && SUFFIX_LETTERS.includes(str[pos]!)) pos++;
  if (pos < end) {
    if (str[pos] === "-" || str[pos] === "+") pos++;
    while (pos < end && isDigit(str[pos])) pos++;
    if (pos < end) return QUANTITY_FORMAT_WRONG;
  }
  const suffix = str.slice(suffixStart);
  const s = interpret(suffix);
  if (s === undefined) return QUANTITY_SUFFIX;
  // The int64 fast path (no error possible) or inf.Dec's SetString of the number's text.
  const digits = num + denom;
  const precision = s.base === 10
    ? 18 - digits.length
    : s.exponent >= 0 && denom === ""
    ? 15 - num.length - Math.trunc(s.exponent * 3 / 10) - 1
    : -1;
  const scale = (s.base === 10 ? s.exponent : 0) - denom.length;
  if (precision >= 0 && scale >= -9) return undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(value) ? undefined : QUANTITY_NUMERIC;
}
