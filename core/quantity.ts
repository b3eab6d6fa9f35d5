/**
 * Kubernetes resource quantities (`cpu: 500m`, `memory: 233Mi`): parsing into numbers, CPU
 * millicores and memory bytes. Their translation to OCI `linux.resources` and cgroup files is
 * `cgroup/` (`cgroup/linux_resources.ts`, `cgroup/cgroup_files.ts`).
 *
 * @module
 */
import { RkError } from "./errors.ts";

/** A quantity that could not be parsed; `reason` says what was expected. */
export class QuantityError extends RkError {
  /** The text that was rejected. */
  readonly input: string;
  /** What was expected, without the input. */
  readonly reason: string;
  /** Creates the error. */
  constructor(input: string, reason: string) {
    super(`Invalid quantity "${input}": ${reason}`);
    this.name = "QuantityError";
    this.input = input;
    this.reason = reason;
  }
}

/** An exact rational value `num / den` (`den` > 0). */
export interface ExactQuantity {
  /** Numerator (carries the sign). */
  num: bigint;
  /** Denominator, positive. */
  den: bigint;
}

const BINARY_EXP: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXP: Record<string, bigint> = {
  n: -9n,
  u: -6n,
  m: -3n,
  "": 0n,
  k: 3n,
  M: 6n,
  G: 9n,
  T: 12n,
  P: 15n,
  E: 18n,
};
/** Largest decimal exponent accepted (`1e30`); beyond it no limit is meaningful. */
const MAX_EXPONENT = 30n;

const QUANTITY =
  /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

const FORMAT =
  "expected a number with an optional suffix (m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, " +
  "or an exponent such as 1e3)";

/**
 * Parses a Kubernetes quantity exactly, without floating point (`"0.1Gi"` is
 * 107374182.4 exactly). The grammar is Kubernetes' (`resource.ParseQuantity`): an optional
 * sign, a decimal number, then a binary suffix (Ki…Ei), a decimal suffix (n, u, m, k, M, G, T,
 * P, E) or a decimal exponent (`e3`, up to `e30`).
 *
 * @example
 * ```ts
 * import { parseExactQuantity } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseExactQuantity("1.5Ki"), { num: 1536n, den: 1n });
 * assert.deepEqual(parseExactQuantity("500m"), { num: 1n, den: 2n });
 * assert.throws(() => parseExactQuantity("1e309"), /exponent/);
 * ```
 */
export function parseExactQuantity(input: string | number): ExactQuantity {
  const text = String(input).trim();
  const m = QUANTITY.exec(text);
  if (!m) throw new QuantityError(text, FORMAT);
  const [, sign, number = "", exp, suffix = ""] = m;
  const [whole = "", frac = ""] = number.split(".");
  let num = BigInt((whole || "0") + frac);
  let den = 10n ** BigInt(frac.length);
  if (sign === "-") num = -num;
  let e10 = exp !== undefined ? BigInt(exp) : DECIMAL_EXP[suffix] ?? 0n;
  if (e10 > MAX_EXPONENT || e10 < -MAX_EXPONENT) {
    throw new QuantityError(text, `exponent ${e10} is out of range (at most ${MAX_EXPONENT})`);
  }
  const e2 = BINARY_EXP[suffix];
  if (e2 !== undefined) {
    num *= 2n ** e2;
    e10 = 0n;
  }
  if (e10 >= 0n) num *= 10n ** e10;
  else den *= 10n ** -e10;
  const g = gcd(num < 0n ? -num : num, den);
  return { num: num / g, den: den / g };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

function ceilDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den > 0n ? q + 1n : q;
}

/**
 * Parses a Kubernetes quantity into a plain number (`"1.5Gi"` → 1610612736, `"500m"` → 0.5).
 * For display and comparisons; limits use the exact {@linkcode cpuMillis} and
 * {@linkcode memoryBytes}.
 *
 * @example
 * ```ts
 * import { parseQuantity } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseQuantity("233Mi"), 233 * 1024 * 1024);
 * assert.equal(parseQuantity("500m"), 0.5);
 * assert.equal(parseQuantity("1e3"), 1000);
 * ```
 */
export function parseQuantity(input: string | number): number {
  const q = parseExactQuantity(input);
  if (q.num < 0n) throw new QuantityError(String(input).trim(), "must not be negative");
  return Number(q.num) / Number(q.den);
}

/**
 * The largest CPU amount, in millicores, that maps onto the kernel's CFS bandwidth: the quota
 * per 100 ms period must stay below 2⁴⁴ µs.
 */
export const MAX_CPU_MILLIS: number = Math.floor((2 ** 44 - 1) / 100);

/** The largest memory amount in bytes (2⁵³ − 1, 8 PiB): larger values lose precision. */
export const MAX_MEMORY_BYTES: number = Number.MAX_SAFE_INTEGER;

/**
 * Parses a CPU quantity into millicores (`"500m"` → 500, `"1"` → 1000, `"0.5"` → 500), exactly.
 * Fractions of a millicore round up, as in Kubernetes. Zero, negative values and amounts above
 * {@linkcode MAX_CPU_MILLIS} are refused.
 *
 * @example
 * ```ts
 * import { cpuMillis } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpuMillis("500m"), 500);
 * assert.equal(cpuMillis(2), 2000);
 * assert.throws(() => cpuMillis("1e30"), /too large/);
 * ```
 */
export function cpuMillis(input: string | number): number {
  const q = parseExactQuantity(input);
  const text = String(input).trim();
  if (q.num <= 0n) throw new QuantityError(text, "CPU must be greater than zero");
  const millis = ceilDiv(q.num * 1000n, q.den);
  if (millis > BigInt(MAX_CPU_MILLIS)) {
    throw new QuantityError(
      text,
      `too large: at most ${MAX_CPU_MILLIS / 1000} CPUs fit the kernel's CFS quota`,
    );
  }
  return Number(millis);
}

/**
 * Parses a memory quantity into bytes (`"233Mi"`, `"1Gi"`, `"512M"`, plain bytes), exactly.
 * Fractional bytes round up. Zero, negative values and amounts above
 * {@linkcode MAX_MEMORY_BYTES} are refused.
 *
 * @example
 * ```ts
 * import { memoryBytes } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(memoryBytes("512M"), 512_000_000);
 * assert.equal(memoryBytes(4096), 4096);
 * assert.equal(memoryBytes("0.1Gi"), 107374183);
 * ```
 */
export function memoryBytes(input: string | number): number {
  const q = parseExactQuantity(input);
  const text = String(input).trim();
  if (q.num <= 0n) throw new QuantityError(text, "memory must be greater than zero");
  const bytes = ceilDiv(q.num, q.den);
  if (bytes > BigInt(MAX_MEMORY_BYTES)) {
    throw new QuantityError(text, "too large: at most 8Pi (2^53-1 bytes)");
  }
  return Number(bytes);
}
