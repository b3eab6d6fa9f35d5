/**
 * How Go's `fmt` prints a decoded JSON value with `%v`/`%+v` (`map[k:v ...]` with sorted keys,
 * `[a b]`, `<nil>`, integral numbers as int64, others as `%g` floats): kube-apiserver shows a
 * strategic merge patch so in the `patch` cause of a `422` when the patched object does not
 * decode (it unmarshals patches with apimachinery's `util/json`, which turns integral numbers
 * into `int64`).
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";

/** Go's `%v` of a float64 (`%g` with the shortest digits: exponent form below 1e-4 or from 1e6). */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN";
  const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)));
  if (exp >= -4 && exp < 6) return String(n);
  const [mant, e = "0"] = n.toExponential().split("e");
  const ev = Number(e);
  return `${mant}e${ev < 0 ? "-" : "+"}${String(Math.abs(ev)).padStart(2, "0")}`;
}

/**
 * `fmt.Sprintf("%+v", v)` of `v` as Go holds it after `util/json.Unmarshal`.
 *
 * @example
 * ```ts
 * import { goValueText } from "./_go_text.ts";
 * import assert from "node:assert/strict";
 * assert.equal(goValueText({ spec: { replicas: "2", b: [1, 1.5, null, true] } }), "map[spec:map[b:[1 1.5 <nil> true] replicas:2]]");
 * ```
 */
export function goValueText(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") {
    return Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : goFloat(v);
  }
  if (Array.isArray(v)) return `[${v.map(goValueText).join(" ")}]`;
  if (isRecord(v)) {
    return `map[${Object.keys(v).sort().map((k) => `${k}:${goValueText(v[k])}`).join(" ")}]`;
  }
  return String(v);
}
