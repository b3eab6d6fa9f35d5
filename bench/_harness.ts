/**
 * Side-by-side benchmark harness: contenders run interleaved in one process, in the same
 * run, and the table reports medians and ratios against a baseline contender.
 *
 * @module
 */

/** One tool being measured. */
export interface Contender {
  /** Row label, e.g. `rkl container run` or `runc create+start`. */
  name: string;
  /** Skipped (with this reason printed) when set, e.g. podman not installed. */
  skip?: string;
  /** Timed operation for iteration `i`. */
  run(i: number): Promise<void>;
  /** Untimed clean-up after iteration `i`. */
  cleanup?(i: number): Promise<void>;
}

/** Measured figures for one contender (milliseconds). */
export interface Row {
  /** Contender name. */
  name: string;
  /** Median duration. */
  median: number;
  /** 90th percentile. */
  p90: number;
  /** Fastest run. */
  min: number;
  /** Number of timed runs. */
  runs: number;
}

/** Returns the q-quantile (0..1) of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx]!;
}

/**
 * Runs every contender `runs` times, interleaved (c1, c2, c1, c2, ...), after `warmup`
 * untimed rounds, prints a table with ratios against `baseline` (the first by default) and
 * returns the rows.
 */
export async function compare(
  title: string,
  contenders: readonly Contender[],
  { runs = 10, warmup = 1, baseline }: { runs?: number; warmup?: number; baseline?: string } = {},
): Promise<Row[]> {
  const active = contenders.filter((c) => !c.skip);
  const times = new Map<string, number[]>(active.map((c) => [c.name, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of active) {
      const t0 = performance.now();
      await c.run(i);
      const dt = performance.now() - t0;
      await c.cleanup?.(i);
      if (i >= warmup) times.get(c.name)!.push(dt);
    }
  }
  const rows = active.map((c) => {
    const v = times.get(c.name)!;
    return {
      name: c.name,
      median: quantile(v, 0.5),
      p90: quantile(v, 0.9),
      min: Math.min(...v),
      runs: v.length,
    };
  });
  printTable(title, rows, baseline ?? active[0]?.name);
  for (const c of contenders.filter((c) => c.skip)) console.log(`  (skipped ${c.name}: ${c.skip})`);
  return rows;
}

/** Prints rows as an aligned table with a ratio column against `baseline`. */
export function printTable(title: string, rows: readonly Row[], baseline?: string): void {
  const base = rows.find((r) => r.name === baseline);
  console.log(`\n## ${title}`);
  const header = [
    "contender",
    "median ms",
    "p90 ms",
    "min ms",
    "runs",
    base ? `÷ ${base.name}` : "",
  ];
  const lines = rows.map((r) => [
    r.name,
    r.median.toFixed(1),
    r.p90.toFixed(1),
    r.min.toFixed(1),
    String(r.runs),
    base ? `${(r.median / base.median).toFixed(2)}×` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
}

/**
 * Describes how `ours` compares with `peer` (both durations): `2.1× faster` when ours is
 * shorter, `1.4× slower` when it is longer.
 */
export function speedup(peer: number, ours: number): string {
  return ours <= peer
    ? `${(peer / ours).toFixed(1)}× faster`
    : `${(ours / peer).toFixed(1)}× slower`;
}
