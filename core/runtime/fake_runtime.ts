/**
 * Recording fakes of the OCI runtime, the monitor and the rootfs manager, for unit tests of
 * the container and pod logic without root. They keep container states in memory, record
 * every call, and can be told to fail.
 *
 * @module
 */
import { join } from "node:path";
import { removeIfExists } from "../fs.ts";
import type { RootfsManager } from "../rootfs.ts";
import type { UndoStack } from "../undo.ts";
import type { ContainerMonitor, ExitInfo, MonitoredContainer, MonitorRequest } from "./conmon.ts";
import {
  type ExecProcess,
  type ExecResult,
  type OciRuntime,
  RuntimeError,
  type RuntimeState,
} from "./oci_runtime.ts";

/** One recorded call. */
export interface FakeCall {
  /** Operation (`create`, `start`, `kill`, `delete`, `state`, `list`, `exec`). */
  op: string;
  /** Container id. */
  id: string;
  /** Extra detail (signal, argv). */
  detail?: string;
}

/**
 * An in-memory runtime + monitor. `create` puts a container in `created`, `start` makes it
 * `running`, `kill` with SIGKILL (or SIGTERM unless `ignoreSigterm`) makes it exit with
 * 128+signal and writes an in-memory exit record.
 *
 * @example
 * ```ts
 * import { FakeRuntime } from "./fake_runtime.ts";
 * import assert from "node:assert/strict";
 * const rt = new FakeRuntime();
 * await rt.create(rt, { id: "c1", name: "c1" } as never);
 * await rt.start("c1");
 * assert.equal((await rt.state("c1"))?.status, "running");
 * await rt.kill("c1", "SIGKILL");
 * assert.equal((await rt.readExit("", "c1"))?.code, 137);
 * assert.deepEqual(rt.calls.map((c) => c.op), ["create", "start", "state", "kill"]);
 * ```
 */
export class FakeRuntime implements OciRuntime, ContainerMonitor {
  /** Name. */
  readonly name = "fake";
  /** Pretend binary. */
  readonly binary = "/fake/runtime";
  /** Pretend root. */
  readonly root = "/fake/root";
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  /** Containers by id. */
  readonly containers: Map<string, RuntimeState> = new Map();
  /** Exit records by id. */
  readonly exits: Map<string, ExitInfo> = new Map();
  /** Make the next creates fail with this message. */
  failCreate: string | undefined;
  /** Make starts fail with this message. */
  failStart: string | undefined;
  /** The init process ignores SIGTERM (like `sleep` as PID 1). */
  ignoreSigterm = false;
  /** Result of exec. */
  execResult: ExecResult = { exitCode: 0, stdout: "", stderr: "" };
  #nextPid = 1000;

  /** `[]`. */
  globalArgs(): string[] {
    return [];
  }

  /** Monitor create: the container becomes `created`. */
  create(_runtime: OciRuntime, req: MonitorRequest): Promise<MonitoredContainer> {
    this.calls.push({ op: "create", id: req.id });
    if (this.failCreate) return Promise.reject(new Error(this.failCreate));
    const pid = this.#nextPid++;
    this.containers.set(req.id, {
      id: req.id,
      status: "created",
      pid,
      bundle: req.bundle,
      created: new Date().toISOString(),
    });
    return Promise.resolve({ pid, monitorPid: pid + 100_000 });
  }

  /** Exit record of `id`. */
  readExit(_exitDir: string, id: string): Promise<ExitInfo | undefined> {
    return Promise.resolve(this.exits.get(id));
  }

  #get(op: string, id: string): RuntimeState {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError([this.binary, op, id], 1, `container "${id}" does not exist`);
    return c;
  }

  /** created → running. */
  start(id: string): Promise<void> {
    this.calls.push({ op: "start", id });
    if (this.failStart) return Promise.reject(new Error(this.failStart));
    const c = this.#get("start", id);
    if (c.status !== "created") {
      return Promise.reject(new RuntimeError([this.binary, "start", id], 1, "not created"));
    }
    c.status = "running";
    return Promise.resolve();
  }

  /** Makes the container exit (unless it ignores the signal). */
  kill(id: string, signal: string | number): Promise<void> {
    this.calls.push({ op: "kill", id, detail: String(signal) });
    const c = this.#get("kill", id);
    if (c.status === "stopped") {
      return Promise.reject(
        new RuntimeError([this.binary, "kill", id], 1, "container not running"),
      );
    }
    const num = signal === "SIGKILL" || signal === "9" ? 9 : signal === "SIGTERM" ? 15 : 0;
    if (num === 9 || (num === 15 && !this.ignoreSigterm)) this.exit(id, 128 + num);
    return Promise.resolve();
  }

  /** Marks the container exited with `code` (test helper). */
  exit(id: string, code: number): void {
    const c = this.containers.get(id);
    if (c) {
      c.status = "stopped";
      c.pid = 0;
    }
    this.exits.set(id, { code, finishedAt: Date.now() });
  }

  /** Forgets the container (a forced delete of a live one records exit 137). */
  delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    this.calls.push({ op: "delete", id, detail: opts.force ? "force" : "" });
    const c = this.containers.get(id);
    if (c && c.status === "running" && !opts.force) {
      return Promise.reject(new RuntimeError([this.binary, "delete", id], 1, "running"));
    }
    // Like conmon, record the exit of a container killed by a forced delete.
    if (c && c.status !== "stopped") this.exit(id, 137);
    this.containers.delete(id);
    return Promise.resolve();
  }

  /** Copy of the state. */
  state(id: string): Promise<RuntimeState | undefined> {
    this.calls.push({ op: "state", id });
    const c = this.containers.get(id);
    return Promise.resolve(c ? { ...c } : undefined);
  }

  /** Every container. */
  list(): Promise<RuntimeState[]> {
    this.calls.push({ op: "list", id: "" });
    return Promise.resolve([...this.containers.values()].map((c) => ({ ...c })));
  }

  /** Records the exec and returns {@linkcode FakeRuntime.execResult}. */
  exec(id: string, process: ExecProcess): Promise<ExecResult> {
    this.calls.push({ op: "exec", id, detail: process.args.join(" ") });
    this.#get("exec", id);
    return Promise.resolve(this.execResult);
  }
}

/**
 * A rootfs manager that only creates an empty `rootfs/` dir in the state dir (no mount), for
 * tests without root.
 *
 * @example
 * ```ts ignore
 * import { plainDirRootfs } from "./fake_runtime.ts";
 * ```
 */
export const plainDirRootfs: RootfsManager = {
  async mount(_image: string, stateDir: string, undo: UndoStack): Promise<string> {
    const dir = join(stateDir, "rootfs");
    await Deno.mkdir(dir, { recursive: true });
    undo.push(`remove ${dir}`, () => Deno.remove(dir, { recursive: true }));
    return dir;
  },
  async unmount(_image: string, stateDir: string): Promise<void> {
    await removeIfExists(join(stateDir, "rootfs"));
  },
};
