/**
 * Phase timing for profiling ("where the time goes"): code wraps a phase in
 * {@linkcode traced}; while a {@linkcode PhaseTrace} is recording (the benchmarks start one),
 * each phase's start and end are kept, otherwise `traced` only calls the function. One trace
 * records at a time, for the whole process (phases of concurrent operations interleave).
 *
 * @module
 */

/** One timed phase. Times are `performance.now()` milliseconds. */
export interface TraceSpan {
  /** Phase name, e.g. `cni bridge ADD` or `sqlite insert pod`. */
  name: string;
  /** When it began (ms). */
  start: number;
  /** When it ended (ms). */
  end: number;
}

let active: PhaseTrace | undefined;

/**
 * A recording of phases. Call {@linkcode PhaseTrace.stop} when done.
 *
 * @example
 * ```ts
 * import { PhaseTrace, traced } from "./trace.ts";
 * import assert from "node:assert/strict";
 * const trace = PhaseTrace.start();
 * await traced("sleep", () => new Promise((r) => setTimeout(r, 5)));
 * trace.stop();
 * await traced("not recorded", () => Promise.resolve());
 * assert.deepEqual(trace.spans.map((s) => s.name), ["sleep"]);
 * assert.ok(trace.spans[0]!.end - trace.spans[0]!.start >= 4);
 * ```
 */
export class PhaseTrace {
  /** The spans recorded so far, in the order they ended. */
  readonly spans: TraceSpan[] = [];

  private constructor() {}

  /** Starts recording (replacing any trace that was recording). */
  static start(): PhaseTrace {
    active = new PhaseTrace();
    return active;
  }

  /** Stops recording; the spans stay readable. */
  stop(): void {
    if (active === this) active = undefined;
  }
}

/** True while a trace records (lets callers skip building span names). */
export function tracing(): boolean {
  return active !== undefined;
}

/**
 * Runs `fn` as the phase `name`: recorded (start and end, also when it throws) while a
 * {@linkcode PhaseTrace} records; otherwise just `fn()`.
 *
 * @example
 * ```ts
 * import { traced } from "./trace.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await traced("add", () => 1 + 1), 2);
 * ```
 */
export async function traced<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const trace = active;
  if (!trace) return await fn();
  const start = performance.now();
  try {
    return await fn();
  } finally {
    trace.spans.push({ name, start, end: performance.now() });
  }
}

/**
 * Records a synchronous phase (SQLite calls) the same way as {@linkcode traced}.
 *
 * @example
 * ```ts
 * import { tracedSync } from "./trace.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tracedSync("mul", () => 2 * 3), 6);
 * ```
 */
export function tracedSync<T>(name: string, fn: () => T): T {
  const trace = active;
  if (!trace) return fn();
  const start = performance.now();
  try {
    return fn();
  } finally {
    trace.spans.push({ name, start, end: performance.now() });
  }
}
