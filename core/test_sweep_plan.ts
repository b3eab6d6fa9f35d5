/**
 * What a sweep of test leftovers does, planned from facts (lease files, start times, the
 * process table) without touching anything: the pure half of `./test_sweep.ts`.
 *
 * @module
 */
import type { ProcessEntry } from "./runtime/conmon.ts";
import { processTree } from "./runtime/conmon.ts";
import {
  type ProcessRef,
  resourceKey,
  type TestLeaseRecord,
  type TestResource,
} from "./test_lease.ts";

/** A lease file and its content. */
export interface LeaseFile {
  /** Path of the file. */
  file: string;
  /** Its content. */
  record: TestLeaseRecord;
}

/** What {@linkcode planTestSweep} decides from. */
export interface SweepFacts {
  /** Every lease file found. */
  leases: readonly LeaseFile[];
  /** Start time of each live process asked about (runners and recorded processes), by pid. */
  startTimes: ReadonlyMap<number, number>;
  /** The process table. */
  table: readonly ProcessEntry[];
  /** The sweeping process: neither it nor its ancestors are ever killed. */
  self: number;
}

/** The undoing of one dead runner's lease, in the order it is done. */
export interface LeaseSweep {
  /** The lease file. */
  file: string;
  /** The dead runner. */
  runner: ProcessRef;
  /** 1. SIGKILL: the recorded processes that still run (same start time) and their descendants. */
  kill: number[];
  /** 2. State roots whose pods and containers rkl removes (inside `netns` when given). */
  roots: { path: string; netns?: string }[];
  /** 3. Paths (roots, directories): processes whose arguments name one are killed next. */
  paths: string[];
  /** 4. Network namespaces to delete. */
  netns: string[];
  /** 5. Links (test bridges) to delete. */
  links: string[];
  /** 6. Directories to remove. */
  dirs: string[];
  /** Resources a live runner holds too: left alone. */
  shared: TestResource[];
}

/** The result of {@linkcode planTestSweep}. */
export interface SweepPlan {
  /** One entry per lease of a dead runner. */
  sweep: LeaseSweep[];
  /** Lease files of live runners (untouched). */
  live: string[];
}

/**
 * True when `ref` names a process that runs now (same pid and start time).
 *
 * @example
 * ```ts
 * import { isAlive } from "./test_sweep_plan.ts";
 * import assert from "node:assert/strict";
 * const now = new Map([[42, 1000]]);
 * assert.equal(isAlive({ pid: 42, start: 1000 }, now), true);
 * assert.equal(isAlive({ pid: 42, start: 999 }, now), false); // the pid was reused
 * ```
 */
export function isAlive(ref: ProcessRef, startTimes: ReadonlyMap<number, number>): boolean {
  return startTimes.get(ref.pid) === ref.start;
}

function ancestors(table: readonly ProcessEntry[], pid: number): Set<number> {
  const byPid = new Map(table.map((p) => [p.pid, p.ppid]));
  const out = new Set<number>();
  for (let p: number | undefined = pid; p !== undefined && p > 0 && !out.has(p);) {
    out.add(p);
    p = byPid.get(p);
  }
  return out;
}

/**
 * The processes a sweep never kills: the sweeping process and its ancestors, every live
 * runner, and every process a live runner's lease holds, with its descendants.
 *
 * @example
 * ```ts
 * import { sparedProcesses } from "./test_sweep_plan.ts";
 * import assert from "node:assert/strict";
 * const spare = sparedProcesses({
 *   leases: [],
 *   startTimes: new Map(),
 *   table: [{ pid: 5, ppid: 1, args: "deno test" }, { pid: 6, ppid: 5, args: "deno run" }],
 *   self: 6,
 * });
 * assert.deepEqual([...spare].sort(), [1, 5, 6]);
 * ```
 */
export function sparedProcesses(facts: SweepFacts): Set<number> {
  const { leases, startTimes, table } = facts;
  const spare = ancestors(table, facts.self);
  for (const l of leases) {
    if (!isAlive(l.record.runner, startTimes)) continue;
    spare.add(l.record.runner.pid);
    for (const r of l.record.resources) {
      if (r.kind === "process" && isAlive(r, startTimes)) {
        for (const p of processTree(table, r.pid)) spare.add(p);
      }
    }
  }
  return spare;
}

/**
 * Plans the sweep: every lease whose runner no longer runs (its pid is gone or belongs to a
 * process started at another time) is undone; a lease of a live runner is never touched, and
 * neither is any resource, process or process descendant that a live runner's lease holds too,
 * nor the sweeping process and its ancestors.
 *
 * @example
 * ```ts
 * import { planTestSweep } from "./test_sweep_plan.ts";
 * import assert from "node:assert/strict";
 * const lease = (pid: number, resources: unknown[]) => ({
 *   file: `/run/rk8s-test/${pid}.json`,
 *   record: { version: 1 as const, runner: { pid, start: 5 }, resources: resources as never },
 * });
 * const plan = planTestSweep({
 *   leases: [
 *     lease(100, [{ kind: "process", pid: 101, start: 6, what: "etcd" }, { kind: "netns", name: "a" }]),
 *     lease(200, [{ kind: "netns", name: "b" }]),
 *   ],
 *   startTimes: new Map([[101, 6], [200, 5]]), // runner 100 is gone, its etcd and runner 200 run
 *   table: [{ pid: 101, ppid: 1, args: "etcd" }, { pid: 102, ppid: 101, args: "child" }],
 *   self: 300,
 * });
 * assert.deepEqual(plan.sweep.map((s) => [s.kill, s.netns]), [[[101, 102], ["a"]]]);
 * assert.deepEqual(plan.live, ["/run/rk8s-test/200.json"]);
 * ```
 */
export function planTestSweep(facts: SweepFacts): SweepPlan {
  const { leases, startTimes, table } = facts;
  const liveLeases = leases.filter((l) => isAlive(l.record.runner, startTimes));
  const deadLeases = leases.filter((l) => !isAlive(l.record.runner, startTimes));
  const liveKeys = new Set(liveLeases.flatMap((l) => l.record.resources.map(resourceKey)));
  const spare = sparedProcesses(facts);
  const sweep = deadLeases.map((l): LeaseSweep => {
    const s: LeaseSweep = {
      file: l.file,
      runner: l.record.runner,
      kill: [],
      roots: [],
      paths: [],
      netns: [],
      links: [],
      dirs: [],
      shared: [],
    };
    for (const r of l.record.resources) {
      if (liveKeys.has(resourceKey(r))) {
        s.shared.push(r);
        continue;
      }
      switch (r.kind) {
        case "process":
          if (!isAlive(r, startTimes)) break;
          for (const p of processTree(table, r.pid)) {
            if (!spare.has(p) && !s.kill.includes(p)) s.kill.push(p);
          }
          break;
        case "root":
          s.roots.push(r.netns === undefined ? { path: r.path } : { path: r.path, netns: r.netns });
          s.paths.push(r.path);
          break;
        case "netns":
          s.netns.push(r.name);
          break;
        case "link":
          s.links.push(r.name);
          break;
        case "dir":
          s.dirs.push(r.path);
          s.paths.push(r.path);
          break;
      }
    }
    // Inner directories before the ones holding them.
    s.dirs.sort((a, b) => b.length - a.length);
    return s;
  });
  return { sweep, live: liveLeases.map((l) => l.file) };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Processes whose command line names one of `paths` (as a whole path or a path below it),
 * with their descendants, except the pids in `spare`: what a dead runner's children left
 * running outside their recorded process trees (a daemonized monitor, a runtime).
 *
 * @example
 * ```ts
 * import { strayProcesses } from "./test_sweep_plan.ts";
 * import assert from "node:assert/strict";
 * const table = [
 *   { pid: 10, ppid: 1, args: "conmon -b /tmp/rk8s-x/node-1/bundles/c1" },
 *   { pid: 11, ppid: 10, args: "sleep 100" },
 *   { pid: 12, ppid: 1, args: "etcd --data-dir=/tmp/rk8s-xy" },
 * ];
 * assert.deepEqual(strayProcesses(table, ["/tmp/rk8s-x"], new Set()), [10, 11]);
 * ```
 */
export function strayProcesses(
  table: readonly ProcessEntry[],
  paths: readonly string[],
  spare: ReadonlySet<number>,
): number[] {
  if (paths.length === 0) return [];
  const re = new RegExp(
    `(?:${paths.map(escapeRegExp).join("|")})(?=$|[/\\s"',:=;])`,
  );
  const out: number[] = [];
  for (const p of table) {
    if (!re.test(p.args)) continue;
    for (const q of processTree(table, p.pid)) {
      if (!spare.has(q) && !out.includes(q)) out.push(q);
    }
  }
  return out;
}
