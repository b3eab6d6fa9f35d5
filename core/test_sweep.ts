/**
 * The sweep of test leftovers: undoes what the leases (`./test_lease.ts`) of test runners that
 * no longer run still hold — kills their processes, removes the pods and containers of their
 * state roots with rkl itself (so mounts, cgroups, IP allocations and iptables rules are
 * released the way rkl releases them), kills what still names their directories, deletes
 * their network namespaces and bridges and removes their directories. Run at the start of the
 * test suite (`deno task sweep`, a dependency of `deno task test`) and by the test helpers
 * that start clusters, etcd and rks.
 *
 * @module
 */
import { run } from "./exec.ts";
import { pathExists as exists, removeIfExists } from "./fs.ts";
import { type ProcessEntry, processTable, processTree } from "./runtime/conmon.ts";
import {
  parseTestLease,
  type ProcessRef,
  processStartTime,
  statStartTime,
  testLeaseDir,
  type TestLeaseRecord,
} from "./test_lease.ts";
import {
  type LeaseFile,
  type LeaseSweep,
  planTestSweep,
  sparedProcesses,
  strayProcesses,
} from "./test_sweep_plan.ts";

/** What one dead runner's lease sweep did. */
export interface LeaseSweepReport {
  /** The lease file. */
  file: string;
  /** The dead runner. */
  runner: ProcessRef;
  /** Pids killed (recorded processes, their descendants, strays naming the paths). */
  killed: number[];
  /** Roots emptied with rkl. */
  roots: string[];
  /** Network namespaces deleted. */
  netns: string[];
  /** Links deleted. */
  links: string[];
  /** Directories removed. */
  dirs: string[];
  /** What failed; the lease is kept with what is left, for the next sweep. */
  errors: string[];
}

/** The result of {@linkcode sweepTestLeftovers}. */
export interface SweepReport {
  /** The leases of dead runners, swept. */
  swept: LeaseSweepReport[];
  /** How many leases of live runners were left alone. */
  live: number;
}

/** Options of {@linkcode sweepTestLeftovers}. */
export interface SweepOptions {
  /** The lease directory (default {@linkcode testLeaseDir}). */
  dir?: string;
  /** Deadline of each rkl run (default 120 s). */
  rklTimeoutMs?: number;
}

const repo = new URL("..", import.meta.url).pathname;

async function leaseFiles(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.isFile).map((e) =>
      `${dir}/${e.name}`
    ).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** `PID-START-…` at the start of a lease file's name, `sweep-PID-START` at the end of a claim. */
function namedRefs(file: string): { runner?: ProcessRef; claimer?: ProcessRef } {
  const name = file.slice(file.lastIndexOf("/") + 1);
  const r = /^(\d+)-(\d+)-/.exec(name);
  const c = /\.sweep-(\d+)-(\d+)$/.exec(name);
  return {
    ...(r ? { runner: { pid: Number(r[1]), start: Number(r[2]) } } : {}),
    ...(c ? { claimer: { pid: Number(c[1]), start: Number(c[2]) } } : {}),
  };
}

/** Start times of those of `pids` that run, with one `cat`. */
async function startTimes(pids: Iterable<number>): Promise<Map<number, number>> {
  const list = [...new Set(pids)];
  const out = new Map<number, number>();
  if (list.length === 0) return out;
  const r = await run(["cat", ...list.map((p) => `/proc/${p}/stat`)], {
    allowFailure: true,
    timeoutMs: 30_000,
  });
  for (const line of r.stdout.split("\n")) {
    const pid = Number(/^(\d+) /.exec(line)?.[1]);
    const start = statStartTime(line);
    if (pid && start !== undefined) out.set(pid, start);
  }
  return out;
}

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = new Set((await processTable()).map((p) => p.pid));
    const left = pids.filter((p) => table.has(p));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs rkl on `root` (inside `netns` when it still exists); throws on a non-zero exit. */
async function rkl(root: string, netns: string | undefined, args: string[], timeoutMs: number) {
  const inNetns = netns !== undefined && await exists(`/run/netns/${netns}`);
  const argv = [
    ...(inNetns ? ["nsenter", `--net=/run/netns/${netns}`] : []),
    "deno",
    "run",
    "-q",
    "--frozen",
    "-P=rkl",
    "cli/main.ts",
    "--root",
    root,
    ...args,
  ];
  return (await run(argv, { cwd: repo, timeoutMs, env: { NO_COLOR: "1" } })).stdout;
}

/** Removes every pod and container of `root` with rkl, then `rkl gc`; checks none is left. */
async function emptyRoot(root: string, netns: string | undefined, timeoutMs: number) {
  const names = (out: string) => {
    const v: unknown = JSON.parse(out || "[]");
    if (!Array.isArray(v)) throw new TypeError(`rkl pod list: expected a JSON array`);
    return v.map((p: unknown) =>
      typeof p === "object" && p !== null && "name" in p ? String(p.name) : ""
    ).filter(Boolean);
  };
  const pods = names(await rkl(root, netns, ["pod", "list", "-o", "json"], timeoutMs));
  if (pods.length > 0) await rkl(root, netns, ["pod", "rm", "-f", ...pods], timeoutMs);
  const ids = (out: string) => out.split("\n").map((l) => l.trim()).filter(Boolean);
  const containers = ids(await rkl(root, netns, ["container", "list", "-q"], timeoutMs));
  if (containers.length > 0) {
    await rkl(root, netns, ["container", "rm", "-f", ...containers], timeoutMs);
  }
  await rkl(root, netns, ["gc"], timeoutMs);
  const podsLeft = names(await rkl(root, netns, ["pod", "list", "-o", "json"], timeoutMs));
  const containersLeft = ids(await rkl(root, netns, ["container", "list", "-q"], timeoutMs));
  if (podsLeft.length + containersLeft.length > 0) {
    throw new Error(`still there: pods ${podsLeft.join(",")}; containers ${containersLeft}`);
  }
}

/** The rkl state roots (`ROOT/lib/rkl.db`) among `dirs` and their subdirectories. */
async function rootsInside(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const candidates = [dir];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.isDirectory) candidates.push(`${dir}/${e.name}`);
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) continue;
      throw e;
    }
    for (const c of candidates) if (await exists(`${c}/lib/rkl.db`)) out.push(c);
  }
  return out;
}

/** Mount points at or below `dir`, deepest first. */
async function mountsBelow(dir: string): Promise<string[]> {
  const text = (await run(["cat", "/proc/self/mounts"], { timeoutMs: 30_000 })).stdout;
  return text.split("\n").map((l) => l.split(" ")[1] ?? "")
    .map((m) => m.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

async function undo(
  s: LeaseSweep,
  spared: (table: readonly ProcessEntry[]) => Set<number>,
  timeoutMs: number,
): Promise<{
  report: LeaseSweepReport;
  left: TestLeaseRecord["resources"];
}> {
  const report: LeaseSweepReport = {
    file: s.file,
    runner: s.runner,
    killed: [],
    roots: [],
    netns: [],
    links: [],
    dirs: [],
    errors: [],
  };
  const left: TestLeaseRecord["resources"] = [];
  const attempt = async (what: string, fn: () => Promise<void>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (e) {
      report.errors.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };
  const kill = async (pids: number[]) => {
    if (pids.length === 0) return;
    await run(["kill", "-KILL", ...pids.map(String)], { allowFailure: true, timeoutMs: 30_000 });
    const alive = await waitGone(pids, 10_000);
    report.killed.push(...pids.filter((p) => !alive.includes(p)));
    if (alive.length > 0) report.errors.push(`still running after SIGKILL: ${alive.join(" ")}`);
    for (const pid of alive) {
      const start = processStartTime(pid);
      if (start !== undefined) left.push({ kind: "process", pid, start, what: "unkillable" });
    }
  };
  // 1. The recorded processes and their descendants, then other processes that name its roots
  // or directories (a foreground `rkl compose up`, a daemon it did not record) except the
  // containers' monitors and what runs under them: rkl stops those in step 2.
  await kill(s.kill);
  if (s.paths.length > 0) {
    const table = await processTable();
    const spare = spared(table);
    for (const p of table) {
      if (/^\S*\bconmon$/.test(p.args.split(" ")[0] ?? "")) {
        for (const q of processTree(table, p.pid)) spare.add(q);
      }
    }
    await kill(strayProcesses(table, s.paths, spare));
  }
  // 2. Pods and containers of the roots, by rkl.
  for (const r of s.roots) {
    if (!await exists(r.path)) continue;
    const ok = await attempt(`empty root ${r.path}`, () => emptyRoot(r.path, r.netns, timeoutMs));
    if (ok) report.roots.push(r.path);
    else left.push({ kind: "root", ...r });
  }
  // Roots a test made inside a held directory without holding them (`tempDir` roots of the
  // CLI tests): emptied too, on a best-effort basis — such a root may have been a fake
  // runtime's, and the directory is removed below anyway.
  for (const root of await rootsInside(s.dirs)) {
    if (s.roots.some((r) => r.path === root)) continue;
    const ok = await attempt(
      `empty root ${root} (found)`,
      () => emptyRoot(root, undefined, timeoutMs),
    );
    if (ok) report.roots.push(root);
  }
  // 3. Whatever still names a root or directory (a monitor or runtime rkl did not own).
  if (s.paths.length > 0) {
    const table = await processTable();
    await kill(strayProcesses(table, s.paths, spared(table)));
  }
  // 4. Namespaces, 5. links.
  for (const name of s.netns) {
    if (!await exists(`/run/netns/${name}`)) continue;
    const ok = await attempt(`ip netns del ${name}`, async () => {
      await run(["ip", "netns", "del", name], { timeoutMs: 30_000 });
    });
    if (ok) report.netns.push(name);
    else left.push({ kind: "netns", name });
  }
  for (const name of s.links) {
    const shown = await run(["ip", "link", "show", name], {
      allowFailure: true,
      timeoutMs: 30_000,
    });
    if (shown.code !== 0) continue;
    const ok = await attempt(`ip link del ${name}`, async () => {
      await run(["ip", "link", "del", name], { timeoutMs: 30_000 });
    });
    if (ok) report.links.push(name);
    else left.push({ kind: "link", name });
  }
  // 6. Directories (whatever is still mounted below one is unmounted first).
  for (const dir of s.dirs) {
    if (!await exists(dir)) continue;
    const ok = await attempt(`remove ${dir}`, async () => {
      for (const m of await mountsBelow(dir)) {
        await run(["umount", "-l", m], { timeoutMs: 30_000 });
      }
      await Deno.remove(dir, { recursive: true });
    });
    if (ok) report.dirs.push(dir);
    else left.push({ kind: "dir", path: dir });
  }
  return { report, left };
}

/**
 * Sweeps the leftovers of dead test runners (see the module doc). A lease is claimed before
 * it is swept (renamed to `….sweep-PID-START`), so two sweeps at once never undo the same
 * lease twice, and a sweep that was itself killed is taken over by the next one. When
 * something cannot be undone, the lease is written back with what is left and the report
 * says what failed. Never touches what a live runner holds.
 *
 * @example
 * ```ts ignore
 * import { sweepTestLeftovers } from "./test_sweep.ts";
 * const report = await sweepTestLeftovers();
 * for (const s of report.swept) console.log(s.file, s.killed, s.errors);
 * ```
 */
export async function sweepTestLeftovers(opts: SweepOptions = {}): Promise<SweepReport> {
  const dir = opts.dir ?? testLeaseDir();
  const timeoutMs = opts.rklTimeoutMs ?? 120_000;
  const files = await leaseFiles(dir);
  if (files.length === 0) return { swept: [], live: 0 };
  const leases: LeaseFile[] = [];
  const orphans: string[] = [];
  const errors: LeaseSweepReport[] = [];
  const unreadable: string[] = [];
  const asked = new Set<number>();
  for (const file of files) {
    const { runner, claimer } = namedRefs(file);
    if (runner) asked.add(runner.pid);
    if (claimer) asked.add(claimer.pid);
  }
  const parsed = new Map<string, TestLeaseRecord>();
  for (const file of files) {
    if (file.endsWith(".tmp")) continue;
    try {
      const record = parseTestLease(await Deno.readTextFile(file));
      parsed.set(file, record);
      for (const r of record.resources) if (r.kind === "process") asked.add(r.pid);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue; // released or claimed meanwhile
      unreadable.push(file);
      errors.push({
        file,
        runner: namedRefs(file).runner ?? { pid: 0, start: 0 },
        killed: [],
        roots: [],
        netns: [],
        links: [],
        dirs: [],
        errors: [`unreadable lease: ${e instanceof Error ? e.message : String(e)}`],
      });
    }
  }
  const starts = await startTimes(asked);
  const alive = (ref: ProcessRef | undefined) => ref && starts.get(ref.pid) === ref.start;
  for (const file of files) {
    const { runner, claimer } = namedRefs(file);
    if (file.endsWith(".tmp")) {
      // A write the runner did not finish: the lease beside it holds the last whole state.
      if (!alive(runner)) orphans.push(file);
      continue;
    }
    const record = parsed.get(file);
    if (!record) continue;
    if (claimer && alive(claimer)) continue; // another sweep is at it
    leases.push({ file, record });
  }
  // A partial write, or a lease that cannot be read, of a runner that is gone: nothing to
  // undo can be read from it.
  for (const f of unreadable) if (!alive(namedRefs(f).runner)) orphans.push(f);
  for (const f of orphans) await removeIfExists(f);
  const self = Deno.pid;
  const selfStart = processStartTime(self);
  const plan = planTestSweep({ leases, startTimes: starts, table: await processTable(), self });
  const swept: LeaseSweepReport[] = [...errors];
  for (const s of plan.sweep) {
    const base = s.file.replace(/\.sweep-\d+-\d+$/, "");
    const claim = `${base}.sweep-${self}-${selfStart}`;
    try {
      await Deno.rename(s.file, claim);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue; // another sweep claimed it first
      throw e;
    }
    const spared = (table: readonly ProcessEntry[]) =>
      sparedProcesses({ leases, startTimes: starts, table, self });
    const { report, left } = await undo(s, spared, timeoutMs);
    report.file = base;
    if (left.length === 0 && report.errors.length === 0) {
      await Deno.remove(claim);
    } else {
      const record: TestLeaseRecord = { version: 1, runner: s.runner, resources: left };
      await Deno.writeTextFile(claim, JSON.stringify(record, null, 1) + "\n");
      await Deno.rename(claim, base);
    }
    swept.push(report);
  }
  return { swept, live: plan.live.length };
}
