/**
 * Leases of rk8s's own test runs. A test process (the "runner": `deno test`, a bench, a demo)
 * that starts something long-lived — etcd, rks, node daemons, containers in a state root,
 * network namespaces, bridges, temporary directories — writes it into its lease file under
 * {@linkcode testLeaseDir} (`/run/rk8s-test/` as root) before it acquires it (a process right
 * after its spawn, with its start time so that a reused pid is never taken for it), and
 * releases it once it undid it. A runner that is killed (timeout, Ctrl-C, `kill -9`) leaves its
 * lease behind; `sweepTestLeftovers` (`./test_sweep.ts`) undoes what the leases of dead
 * runners hold and never touches a live runner's. Test infrastructure: not exported from
 * `mod.ts`.
 *
 * @module
 */
import { isRecord } from "./is_record.ts";

/** A process as the kernel knows it: pid plus start time, so a reused pid is told apart. */
export interface ProcessRef {
  /** Process id. */
  pid: number;
  /** Field 22 of `/proc/PID/stat`: clock ticks after boot when it started. */
  start: number;
}

/** Something a runner holds; what the sweep undoes when the runner is gone. */
export type TestResource =
  /** A process (and its descendants): killed. */
  | { kind: "process"; pid: number; start: number; what: string }
  /** An rkl state root: its pods and containers removed with rkl (in `netns` when given). */
  | { kind: "root"; path: string; netns?: string }
  /** A named network namespace (`/run/netns/NAME`): deleted. */
  | { kind: "netns"; name: string }
  /** A host network link (a test bridge): deleted. */
  | { kind: "link"; name: string }
  /** A directory: removed with everything in it. */
  | { kind: "dir"; path: string };

/** A lease file's content. */
export interface TestLeaseRecord {
  /** Format version (1). */
  version: 1;
  /** The runner that holds the resources. */
  runner: ProcessRef;
  /** What it holds, in the order it was acquired. */
  resources: TestResource[];
}

/**
 * Where lease files live: `/run/rk8s-test` for root (tmpfs: gone after a reboot, as is all it
 * could name), `/tmp/rk8s-test-UID` for anybody else.
 *
 * @example
 * ```ts
 * import { testLeaseDir } from "./test_lease.ts";
 * import assert from "node:assert/strict";
 * assert.match(testLeaseDir(), /^\/(run\/rk8s-test|tmp\/rk8s-test-\d+)$/);
 * ```
 */
export function testLeaseDir(): string {
  const uid = Deno.uid();
  return uid === 0 ? "/run/rk8s-test" : `/tmp/rk8s-test-${uid}`;
}

/**
 * The start time (field 22) of a `/proc/PID/stat` line, or `undefined` when the line is not
 * one or the process has exited and waits to be reaped (state `Z` or `X`: it runs no more,
 * and its pid is not reused before it is reaped). The command name (field 2) may hold spaces
 * and parentheses: fields are counted after the last `)`.
 *
 * @example
 * ```ts
 * import { statStartTime } from "./test_lease.ts";
 * import assert from "node:assert/strict";
 * const line = "42 (a) b) S 1 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 1";
 * assert.equal(statStartTime(line), 987654);
 * assert.equal(statStartTime(line.replace(") S ", ") Z ")), undefined);
 * assert.equal(statStartTime("garbage"), undefined);
 * ```
 */
export function statStartTime(line: string): number | undefined {
  const close = line.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = line.slice(close + 1).trim().split(/\s+/);
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? Number(start) : undefined;
}

/**
 * The start time of process `pid`, or `undefined` when there is no such process. Deno may not
 * read `/proc` without `--allow-all`; `cat` may (it is on the test permission lists).
 *
 * @example
 * ```ts
 * import { processStartTime } from "./test_lease.ts";
 * import assert from "node:assert/strict";
 * assert.ok((processStartTime(Deno.pid) ?? 0) > 0);
 * assert.equal(processStartTime(2 ** 22 + 1), undefined); // above the kernel's pid_max
 * ```
 */
export function processStartTime(pid: number): number | undefined {
  const o = new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return o.code === 0 ? statStartTime(new TextDecoder().decode(o.stdout)) : undefined;
}

function isRef(v: unknown): v is ProcessRef {
  return isRecord(v) && Number.isInteger(v.pid) && Number.isInteger(v.start);
}

function parseResource(v: unknown, at: string): TestResource {
  const str = (x: unknown, field: string) => {
    if (typeof x !== "string" || x === "") {
      throw new TypeError(`${at}.${field}: expected a non-empty string`);
    }
    return x;
  };
  if (!isRecord(v)) throw new TypeError(`${at}: expected an object`);
  switch (v.kind) {
    case "process":
      if (!isRef(v)) throw new TypeError(`${at}: expected integer pid and start`);
      return { kind: "process", pid: v.pid, start: v.start, what: str(v.what, "what") };
    case "root":
      return v.netns === undefined
        ? { kind: "root", path: str(v.path, "path") }
        : { kind: "root", path: str(v.path, "path"), netns: str(v.netns, "netns") };
    case "netns":
      return { kind: "netns", name: str(v.name, "name") };
    case "link":
      return { kind: "link", name: str(v.name, "name") };
    case "dir":
      return { kind: "dir", path: str(v.path, "path") };
    default:
      throw new TypeError(`${at}.kind: expected process, root, netns, link or dir`);
  }
}

/**
 * Parses a lease file's text; throws `TypeError` naming the field that is wrong.
 *
 * @example
 * ```ts
 * import { parseTestLease } from "./test_lease.ts";
 * import assert from "node:assert/strict";
 * const r = parseTestLease(
 *   '{"version":1,"runner":{"pid":7,"start":9},"resources":[{"kind":"netns","name":"n1"}]}',
 * );
 * assert.deepEqual(r.resources, [{ kind: "netns", name: "n1" }]);
 * assert.throws(() => parseTestLease('{"version":1,"runner":{}}'), /runner/);
 * ```
 */
export function parseTestLease(text: string): TestLeaseRecord {
  const v: unknown = JSON.parse(text);
  if (!isRecord(v) || v.version !== 1) throw new TypeError("version: expected 1");
  if (!isRef(v.runner)) throw new TypeError("runner: expected integer pid and start");
  if (!Array.isArray(v.resources)) throw new TypeError("resources: expected an array");
  return {
    version: 1,
    runner: { pid: v.runner.pid, start: v.runner.start },
    resources: v.resources.map((r, i) => parseResource(r, `resources[${i}]`)),
  };
}

/**
 * The identity of a resource: two entries with the same key are the same thing (a root is the
 * same root whatever namespace it was noted with).
 *
 * @example
 * ```ts
 * import { resourceKey } from "./test_lease.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resourceKey({ kind: "root", path: "/r", netns: "n" }), "root:/r");
 * assert.equal(resourceKey({ kind: "process", pid: 7, start: 9, what: "etcd" }), "process:7:9");
 * ```
 */
export function resourceKey(r: TestResource): string {
  switch (r.kind) {
    case "process":
      return `process:${r.pid}:${r.start}`;
    case "root":
    case "dir":
      return `${r.kind}:${r.path}`;
    case "netns":
    case "link":
      return `${r.kind}:${r.name}`;
  }
}

/**
 * One runner's lease file. Every change is written at once (a temporary file renamed over
 * the lease), so a runner killed at any moment leaves a whole lease; the file is removed when
 * the lease holds nothing. Use the process's one lease, {@linkcode testLease}.
 */
export class TestLease {
  /** The lease file. */
  readonly file: string;
  readonly #runner: ProcessRef;
  #resources: TestResource[] = [];

  /** A new, empty lease of this process in `dir` (nothing is written until it holds something). */
  constructor(dir: string = testLeaseDir()) {
    const start = processStartTime(Deno.pid);
    if (start === undefined) throw new Error(`Cannot read the start time of process ${Deno.pid}`);
    this.#runner = { pid: Deno.pid, start };
    this.file = `${dir}/${Deno.pid}-${start}-${crypto.randomUUID().slice(0, 8)}.json`;
  }

  /** The runner (this process). */
  get runner(): ProcessRef {
    return { ...this.#runner };
  }

  /** What the lease holds now. */
  get resources(): TestResource[] {
    return this.#resources.map((r) => ({ ...r }));
  }

  /** Records `r` (once; a second hold of the same resource is a no-op). */
  hold(r: TestResource): void {
    const key = resourceKey(r);
    if (this.#resources.some((x) => resourceKey(x) === key)) return;
    this.#resources.push(r);
    this.#write();
  }

  /**
   * Records child process `pid` with its start time; a process that already exited is not
   * recorded. Returns the recorded entry (for {@linkcode TestLease.release}).
   */
  holdProcess(pid: number, what: string): TestResource | undefined {
    const start = processStartTime(pid);
    if (start === undefined) return undefined;
    const r: TestResource = { kind: "process", pid, start, what };
    this.hold(r);
    return r;
  }

  /**
   * Records a child process ({@linkcode TestLease.holdProcess}) until it exits: the entry is
   * released when its status settles.
   */
  holdChild(child: Deno.ChildProcess, what: string): void {
    const r = this.holdProcess(child.pid, what);
    const release = () => r && this.release(r);
    child.status.then(release, release);
  }

  /** Forgets `r` (it was undone by the test itself). */
  release(r: TestResource): void {
    const key = resourceKey(r);
    const left = this.#resources.filter((x) => resourceKey(x) !== key);
    if (left.length === this.#resources.length) return;
    this.#resources = left;
    this.#write();
  }

  /**
   * Creates a fresh directory `/tmp/PREFIX<random>` (mode 0700) after recording it, and
   * returns its path. Remove it with {@linkcode TestLease.removeDir}.
   */
  makeTempDir(prefix: string): string {
    const path = `/tmp/${prefix}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    this.hold({ kind: "dir", path });
    Deno.mkdirSync(path, { mode: 0o700 });
    return path;
  }

  /**
   * Removes directory `path` with everything in it (if it is there) and releases it, with the
   * roots and directories held below it.
   */
  async removeDir(path: string): Promise<void> {
    try {
      await Deno.remove(path, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    const below = (p: string) => p === path || p.startsWith(`${path}/`);
    const left = this.#resources.filter((r) =>
      !((r.kind === "dir" || r.kind === "root") && below(r.path))
    );
    if (left.length === this.#resources.length) return;
    this.#resources = left;
    this.#write();
  }

  #write(): void {
    if (this.#resources.length === 0) {
      try {
        Deno.removeSync(this.file);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      return;
    }
    const dir = this.file.slice(0, this.file.lastIndexOf("/"));
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const record: TestLeaseRecord = {
      version: 1,
      runner: this.#runner,
      resources: this.#resources,
    };
    const tmp = `${this.file}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(record, null, 1) + "\n");
    Deno.renameSync(tmp, this.file);
  }
}

let current: TestLease | undefined;

/**
 * This process's lease, created on first use (nothing happens on import).
 *
 * @example
 * ```ts
 * import { testLease } from "./test_lease.ts";
 * import assert from "node:assert/strict";
 * const lease = testLease();
 * assert.equal(lease, testLease());
 * const dir = lease.makeTempDir("rk8s-doc-");
 * assert.deepEqual(lease.resources.at(-1), { kind: "dir", path: dir });
 * Deno.removeSync(dir);
 * lease.release({ kind: "dir", path: dir });
 * ```
 */
export function testLease(): TestLease {
  return current ??= new TestLease();
}
