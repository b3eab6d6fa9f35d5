/**
 * Which process owns an operation in progress (creating a container or a pod, attaching a
 * network), recorded before the operation acquires anything (write-ahead). A later command can
 * then tell an operation that is still running from one whose process died (`kill -9`, a crash,
 * a reboot) and clean it up at once instead of waiting for a timeout. A pid alone is not enough
 * (pids are reused): the process's start time, as the kernel reports it through `ps`, is
 * recorded with it. Deno may not read `/proc` without every permission; `ps` may.
 *
 * @module
 */
import { run } from "./exec.ts";

/** A process identified by pid and start time. */
export interface OwnerProcess {
  /** Process id. */
  pid: number;
  /** When the process started, ms since the epoch, whole seconds (as `ps -o lstart` says). */
  startedAt: number;
}

/** What `ps` says about one process. */
export interface ObservedProcess {
  /** `ps` state (`S`, `R`, `Z`, ...). */
  stat: string;
  /** Start time, ms since the epoch (whole seconds). */
  startedAt: number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Parses a start time as `ps -o lstart=` prints it with `LC_ALL=C TZ=UTC`
 * (`Mon Nov 30 07:28:48 2026`) into ms since the epoch; undefined when it is not one.
 *
 * @example
 * ```ts
 * import { parsePsStart } from "./owner_process.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parsePsStart("Mon Nov 30 07:28:48 2026"), Date.UTC(2026, 10, 30, 7, 28, 48));
 * assert.equal(parsePsStart("Tue Dec  1 00:00:00 2026"), Date.UTC(2026, 11, 1));
 * assert.equal(parsePsStart("yesterday"), undefined);
 * ```
 */
export function parsePsStart(text: string): number | undefined {
  const m = /^\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s*$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return undefined;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

/** `ps` output of `pid=,stat=,lstart=` lines, by pid (lines that do not parse are skipped). */
function parsePsLines(stdout: string): Map<number, ObservedProcess> {
  const seen = new Map<number, ObservedProcess>();
  for (const line of stdout.split("\n")) {
    const m = /^\s*(\d+)\s+(\S+)\s+(.+)$/.exec(line);
    const startedAt = m ? parsePsStart(m[3]!) : undefined;
    if (m && startedAt !== undefined) seen.set(Number(m[1]), { stat: m[2]!, startedAt });
  }
  return seen;
}

async function psProcesses(pids: readonly number[]): Promise<Map<number, ObservedProcess>> {
  if (pids.length === 0) return new Map();
  const r = await run(["ps", "-o", "pid=,stat=,lstart=", "-p", [...new Set(pids)].join(",")], {
    allowFailure: true, // exit 1 when none of the pids exists
    timeoutMs: 30_000,
    env: { LC_ALL: "C", TZ: "UTC" },
  });
  return parsePsLines(r.stdout);
}

let self: Promise<OwnerProcess> | undefined;

/**
 * Start time (ms since the epoch, whole seconds, as `ps -o lstart` computes it: boot time plus
 * the process's start in clock ticks, 100 per second) from `/proc/stat` and `/proc/PID/stat`
 * as one `cat` prints them; undefined when they do not parse.
 *
 * @example
 * ```ts
 * import { procStartTime } from "./owner_process.ts";
 * import assert from "node:assert/strict";
 * const text = "cpu  1 2 3\nbtime 1796013109\n" +
 *   "42 (de no) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 2150061 0 0\n";
 * assert.equal(procStartTime(text, 42), (1796013109 + 21500) * 1000);
 * assert.equal(procStartTime("btime 1\n", 42), undefined);
 * ```
 */
export function procStartTime(text: string, pid: number): number | undefined {
  const btime = /^btime (\d+)$/m.exec(text)?.[1];
  const line = text.split("\n").find((l) => l.startsWith(`${pid} (`));
  if (btime === undefined || line === undefined) return undefined;
  // Fields after "(COMM)": state is field 3, starttime field 22.
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[19]);
  if (!Number.isInteger(ticks)) return undefined;
  return (Number(btime) + Math.floor(ticks / 100)) * 1000;
}

/**
 * This process as an owner, asked once per process: `cat` of `/proc/stat` and
 * `/proc/PID/stat` (Deno reads `/proc` only with every permission; `ps` would read every
 * process's files, many times the cost), `ps` when that fails.
 *
 * @example
 * ```ts
 * import { currentOwner } from "./owner_process.ts";
 * import assert from "node:assert/strict";
 * const me = await currentOwner();
 * assert.equal(me.pid, Deno.pid);
 * assert.ok(me.startedAt <= Date.now());
 * ```
 *
 * @throws {Error} When `ps` does not report this process.
 */
export function currentOwner(): Promise<OwnerProcess> {
  self ??= (async () => {
    const r = await run(["cat", "/proc/stat", `/proc/${Deno.pid}/stat`], { allowFailure: true })
      .catch(() => undefined);
    const startedAt = r?.code === 0 ? procStartTime(r.stdout, Deno.pid) : undefined;
    if (startedAt !== undefined) return { pid: Deno.pid, startedAt };
    const me = (await psProcesses([Deno.pid])).get(Deno.pid);
    if (!me) throw new Error(`ps does not report this process (pid ${Deno.pid})`);
    return { pid: Deno.pid, startedAt: me.startedAt };
  })();
  return self;
}

/**
 * True when `observed` is `owner` still running: the pid exists, is not a zombie, and started
 * when the owner did (a reused pid started later). Start times are whole seconds; one second
 * of difference is allowed for a clock step between the two readings.
 *
 * @example
 * ```ts
 * import { ownerMatches } from "./owner_process.ts";
 * import assert from "node:assert/strict";
 * const owner = { pid: 42, startedAt: 1_000_000 };
 * assert.equal(ownerMatches(owner, { stat: "S", startedAt: 1_000_000 }), true);
 * assert.equal(ownerMatches(owner, { stat: "S", startedAt: 1_060_000 }), false); // reused pid
 * assert.equal(ownerMatches(owner, { stat: "Z", startedAt: 1_000_000 }), false); // zombie
 * assert.equal(ownerMatches(owner, undefined), false); // gone
 * ```
 */
export function ownerMatches(owner: OwnerProcess, observed: ObservedProcess | undefined): boolean {
  if (observed === undefined || observed.stat.startsWith("Z")) return false;
  return Math.abs(observed.startedAt - owner.startedAt) <= 1_000;
}

/**
 * The key of an owner in {@linkcode liveOwners}' result.
 *
 * @example
 * ```ts
 * import { ownerKey } from "./owner_process.ts";
 * import assert from "node:assert/strict";
 * assert.equal(ownerKey({ pid: 7, startedAt: 1000 }), "7@1000");
 * ```
 */
export function ownerKey(owner: OwnerProcess): string {
  return `${owner.pid}@${owner.startedAt}`;
}

/**
 * Asks `ps` (one call for all of them) which `owners` are still running; returns their
 * {@linkcode ownerKey}s. Owners with this process's pid are answered without `ps`, from
 * {@linkcode currentOwner} (alive when the start time is this process's).
 *
 * @example
 * ```ts
 * import { currentOwner, liveOwners, ownerKey } from "./owner_process.ts";
 * import assert from "node:assert/strict";
 * const me = await currentOwner();
 * const dead = { pid: me.pid, startedAt: me.startedAt - 3_600_000 }; // a reused pid
 * const alive = await liveOwners([me, dead]);
 * assert.ok(alive.has(ownerKey(me)));
 * assert.ok(!alive.has(ownerKey(dead)));
 * ```
 */
export async function liveOwners(owners: readonly OwnerProcess[]): Promise<Set<string>> {
  const live = new Set<string>();
  // This process's own operations (a daemon asks about the pods it is creating on every relist)
  // need no `ps`: the pid is ours, so the owner is alive exactly when it is this process (a
  // record with our pid and another start time was left by an earlier process).
  const me = owners.some((o) => o.pid === Deno.pid)
    ? await currentOwner().catch(() => undefined)
    : undefined;
  const others = me ? owners.filter((o) => o.pid !== me.pid) : owners;
  if (me) {
    for (const o of owners) {
      if (o.pid === me.pid && ownerMatches(o, { stat: "R", startedAt: me.startedAt })) {
        live.add(ownerKey(o));
      }
    }
  }
  if (others.length === 0) return live;
  const seen = await psProcesses(others.map((o) => o.pid));
  for (const o of others) if (ownerMatches(o, seen.get(o.pid))) live.add(ownerKey(o));
  return live;
}

/**
 * True when `owner` is still running (see {@linkcode liveOwners}).
 *
 * @example
 * ```ts
 * import { currentOwner, ownerAlive } from "./owner_process.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await ownerAlive(await currentOwner()), true);
 * assert.equal(await ownerAlive({ pid: 2 ** 22 + 1, startedAt: 0 }), false);
 * ```
 */
export async function ownerAlive(owner: OwnerProcess): Promise<boolean> {
  return (await liveOwners([owner])).has(ownerKey(owner));
}
