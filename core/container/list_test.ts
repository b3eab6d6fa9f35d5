/**
 * `listContainers` with a monitor that reads `/proc` (`procStats`), against the recording fake
 * runtime: which facts it trusts, when it asks the runtime, and how it waits for an exit file
 * conmon has not written yet.
 */
import assert from "node:assert/strict";
import type { ProcStat } from "./init_liveness.ts";
import { FakeRuntime, plainDirRootfs } from "../runtime/fake_runtime.ts";
import type {
  ContainerMonitor,
  ExitInfo,
  MonitoredContainer,
  MonitorRequest,
} from "../runtime/conmon.ts";
import type { OciRuntime } from "../runtime/oci_runtime.ts";
import { testBundles, withTempEngine } from "../testing.ts";
import { type Engine, listContainers, runContainer } from "./mod.ts";

/** The fake runtime's containers as a conmon-like monitor sees them: `/proc` is `procs`. */
class ProcMonitor implements ContainerMonitor {
  readonly procs = new Map<number, ProcStat>();
  /** Exit files hidden from the directory listing for this many more reads. */
  hideExitsFor = 0;
  exitDirReads = 0;
  constructor(readonly rt: FakeRuntime) {}
  create(runtime: OciRuntime, req: MonitorRequest): Promise<MonitoredContainer> {
    return this.rt.create(runtime, req);
  }
  readExit(exitDir: string, id: string): Promise<ExitInfo | undefined> {
    return this.rt.readExit(exitDir, id);
  }
  exitedIds(): Promise<ReadonlySet<string>> {
    this.exitDirReads++;
    if (this.hideExitsFor > 0) {
      this.hideExitsFor--;
      return Promise.resolve(new Set());
    }
    return Promise.resolve(new Set(this.rt.exits.keys()));
  }
  procStats(pids: readonly number[]): Promise<ReadonlyMap<number, ProcStat>> {
    return Promise.resolve(
      new Map(pids.flatMap((p) => this.procs.has(p) ? [[p, this.procs.get(p)!]] : [])),
    );
  }
}

async function withProcEngine(
  fn: (engine: Engine, rt: FakeRuntime, monitor: ProcMonitor) => Promise<void>,
): Promise<void> {
  const rt = new FakeRuntime();
  const monitor = new ProcMonitor(rt);
  await withTempEngine({
    prefix: "rkl-list-unit-",
    parts: { runtime: rt, monitor, rootfs: plainDirRootfs },
  }, (engine) => fn(engine, rt, monitor));
}

const image = testBundles.busybox;
const runtimeCalls = (rt: FakeRuntime) => rt.calls.filter((c) => c.op === "list").length;

Deno.test("listContainers() takes a running container from /proc, not from the runtime", async () => {
  await withProcEngine(async (engine, rt, monitor) => {
    const rec = await runContainer(engine, { name: "a", image, args: ["sleep"] });
    monitor.procs.set(rec.pid!, { state: "S", ppid: rec.monitorPid! });
    const [v] = await listContainers(engine);
    assert.equal(v?.status, "running");
    assert.equal(v?.pid, rec.pid);
    assert.equal(runtimeCalls(rt), 0);
    // Re-parented (its conmon died): the runtime decides.
    monitor.procs.set(rec.pid!, { state: "S", ppid: 1 });
    assert.equal((await listContainers(engine))[0]?.status, "running");
    assert.equal(runtimeCalls(rt), 1);
  });
});

Deno.test("listContainers() waits for the exit file of a container that just ended under a live conmon", async () => {
  await withProcEngine(async (engine, rt, monitor) => {
    const rec = await runContainer(engine, { name: "a", image, args: ["sleep"] });
    monitor.procs.set(rec.monitorPid!, { state: "S", ppid: 1 }); // conmon alive, init gone
    rt.exit(rec.id, 4);
    monitor.hideExitsFor = 2; // conmon writes the file a little later
    const [v] = await listContainers(engine);
    assert.equal(v?.status, "stopped");
    assert.equal(v?.exitCode, 4);
    assert.equal(monitor.exitDirReads, 3);
    assert.equal(runtimeCalls(rt), 0);
  });
});

Deno.test("listContainers() reports an end without exit file at once when conmon is gone too", async () => {
  await withProcEngine(async (engine, rt, monitor) => {
    const rec = await runContainer(engine, { name: "a", image, args: ["sleep"] });
    monitor.procs.set(rec.monitorPid!, { state: "Z", ppid: 1 }); // conmon died: no file comes
    const [v] = await listContainers(engine);
    assert.equal(v?.status, "stopped");
    assert.equal(v?.exitCode, undefined);
    assert.equal(v?.reason, "exited; the monitor recorded no exit code");
    assert.equal(monitor.exitDirReads, 1, "no wait for a file that cannot come");
    assert.equal(runtimeCalls(rt), 0);
  });
});
