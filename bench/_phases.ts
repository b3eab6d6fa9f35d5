/**
 * "Where the time goes": runs an operation several times under a {@linkcode PhaseTrace} and
 * prints, per phase (spans named by `traced()` in the code: SQLite, netns, each CNI plugin,
 * conmon + runtime create, starts, every spawned program), the median start offset from the
 * operation's start, the median duration and how often it ran. Phases overlap where the code
 * runs them concurrently, so durations do not add up to the total.
 *
 * @module
 */
import { PhaseTrace, tracedSync, type TraceSpan } from "../core/trace.ts";
import { Database } from "../core/store/db.ts";
import { run } from "../core/exec.ts";
import { quantile } from "./_harness.ts";

let sqliteTraced = false;

/**
 * Makes every SQLite statement a phase (`sqlite`): wraps the `Database` methods once for this
 * benchmark process (the store itself stays untouched).
 */
export function traceSqlite(): void {
  if (sqliteTraced) return;
  sqliteTraced = true;
  for (const m of ["run", "get", "all", "exec"] as const) {
    const orig = Database.prototype[m] as (this: Database, ...a: unknown[]) => unknown;
    Object.defineProperty(Database.prototype, m, {
      value: function (this: Database, ...a: unknown[]) {
        return tracedSync("sqlite statement", () => orig.apply(this, a));
      },
      configurable: true,
      writable: true,
    });
  }
}

/** One phase of the breakdown (milliseconds). */
export interface PhaseRow {
  /** Phase name. */
  name: string;
  /** Median start offset from the operation's start (first occurrence). */
  start: number;
  /** Median summed duration per operation. */
  duration: number;
  /** Median number of occurrences per operation. */
  count: number;
}

/** One traced run: when it started and its spans. */
export interface TracedRun {
  /** `performance.now()` at the start. */
  t0: number;
  /** Total duration. */
  total: number;
  /** The spans recorded. */
  spans: TraceSpan[];
}

/** Runs `op` `runs` times, each under its own trace. */
export async function traceRuns(
  runs: number,
  op: (i: number) => Promise<void>,
  cleanup?: (i: number) => Promise<void>,
): Promise<TracedRun[]> {
  traceSqlite();
  const out: TracedRun[] = [];
  for (let i = 0; i < runs; i++) {
    const trace = PhaseTrace.start();
    const t0 = performance.now();
    try {
      await op(i);
    } finally {
      trace.stop();
    }
    out.push({ t0, total: performance.now() - t0, spans: trace.spans });
    await cleanup?.(i);
  }
  return out;
}

/** Aggregates traced runs into rows ordered by median start. */
export function phaseRows(runs: readonly TracedRun[]): PhaseRow[] {
  const names = new Set(runs.flatMap((r) => r.spans.map((s) => s.name)));
  const rows: PhaseRow[] = [];
  for (const name of names) {
    const starts: number[] = [];
    const durations: number[] = [];
    const counts: number[] = [];
    for (const r of runs) {
      const mine = r.spans.filter((s) => s.name === name);
      counts.push(mine.length);
      durations.push(mine.reduce((a, s) => a + (s.end - s.start), 0));
      if (mine.length > 0) starts.push(Math.min(...mine.map((s) => s.start)) - r.t0);
    }
    rows.push({
      name,
      start: quantile(starts, 0.5),
      duration: quantile(durations, 0.5),
      count: quantile(counts, 0.5),
    });
  }
  return rows.sort((a, b) => a.start - b.start);
}

/** The 1-minute load average from /proc/loadavg via `cat` (Deno may not read /proc). */
export async function loadAverage(): Promise<string> {
  const r = await run(["cat", "/proc/loadavg"], { allowFailure: true });
  return r.stdout.split(" ").slice(0, 3).join(" ");
}

/** Prints the breakdown table of `runs` under `title`. */
export async function printPhases(title: string, runs: readonly TracedRun[]): Promise<void> {
  const rows = phaseRows(runs);
  const total = quantile(runs.map((r) => r.total), 0.5);
  console.log(
    `\n## where the time goes: ${title} (median of ${runs.length}, load average ${await loadAverage()})`,
  );
  const width = Math.max(5, ...rows.map((r) => r.name.length));
  console.log(`  ${"phase".padEnd(width)}  start ms  duration ms  per run`);
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(width)}  ${r.start.toFixed(1).padStart(8)}  ${
        r.duration.toFixed(1).padStart(11)
      }  ${String(r.count).padStart(7)}`,
    );
  }
  console.log(`  ${"total".padEnd(width)}  ${"".padStart(8)}  ${total.toFixed(1).padStart(11)}`);
}
