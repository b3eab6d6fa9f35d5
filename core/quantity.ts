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

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  m: 1e-3,
};

const QUANTITY =
  /^([+]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m))?$/;

/**
 * Parses a Kubernetes quantity into a plain number (`"1.5Gi"` → 1610612736, `"500m"` → 0.5).
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
  const text = String(input).trim();
  const m = QUANTITY.exec(text);
  if (!m) {
    throw new QuantityError(
      text,
      "expected a number with an optional suffix (m, k, M, G, T, Ki, Mi, Gi, Ti, or an exponent)",
    );
  }
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? "";
  return base * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

/**
 * Parses a CPU quantity into millicores (`"500m"` → 500, `"1"` → 1000, `"0.5"` → 500).
 * Fractions of a millicore round up, as in Kubernetes.
 *
 * @example
 * ```ts
 * import { cpuMillis } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(cpuMillis("500m"), 500);
 * assert.equal(cpuMillis(2), 2000);
 * ```
 */
export function cpuMillis(input: string | number): number {
  const n = parseQuantity(input);
  if (n <= 0) throw new QuantityError(String(input), "CPU must be greater than zero");
  return Math.ceil(Math.round(n * 1e6) / 1e3);
}

/**
 * Parses a memory quantity into bytes (`"233Mi"`, `"1Gi"`, `"512M"`, plain bytes). Fractional
 * bytes round up.
 *
 * @example
 * ```ts
 * import { memoryBytes } from "./quantity.ts";
 * import assert from "node:assert/strict";
 * assert.equal(memoryBytes("512M"), 512_000_000);
 * assert.equal(memoryBytes(4096), 4096);
 * ```
 */
export function memoryBytes(input: string | number): number {
  const n = parseQuantity(input);
  if (n <= 0) throw new QuantityError(String(input), "memory must be greater than zero");
  const bytes = Math.ceil(n);
  if (!Number.isSafeInteger(bytes)) throw new QuantityError(String(input), "too large");
  return bytes;
}
