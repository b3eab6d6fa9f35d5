import assert from "node:assert/strict";
import { run } from "./exec.ts";
import { currentOwner, liveOwners, ownerKey, procStartTime } from "./owner_process.ts";
import { PhaseTrace } from "./trace.ts";

/** The programs `fn` started, as `run` traces them (`exec ps`, `exec cat`). */
async function programsRun(fn: () => Promise<unknown>): Promise<string[]> {
  const trace = PhaseTrace.start();
  try {
    await fn();
  } finally {
    trace.stop();
  }
  return trace.spans.map((s) => s.name).filter((n) => n.startsWith("exec "));
}

Deno.test("liveOwners() answers for this process without running ps", async () => {
  const me = await currentOwner(); // its one `cat`, once per process
  const earlier = { pid: me.pid, startedAt: me.startedAt - 3_600_000 }; // our pid, reused
  let live = new Set<string>();
  const programs = await programsRun(async () => {
    live = await liveOwners([me, earlier, me]);
  });
  assert.deepEqual(programs, []);
  assert.deepEqual([...live], [ownerKey(me)]);
});

Deno.test("liveOwners() asks ps once for the other processes", async () => {
  const me = await currentOwner();
  // A child that runs while asked, then one that has exited: only ps can tell them apart.
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const stat = await run(["cat", "/proc/stat", `/proc/${child.pid}/stat`]);
    const startedAt = procStartTime(stat.stdout, child.pid);
    assert.ok(startedAt !== undefined);
    const childOwner = { pid: child.pid, startedAt };
    const gone = { pid: 2 ** 22 + 1, startedAt: me.startedAt }; // above Linux's pid_max
    let live = new Set<string>();
    const programs = await programsRun(async () => {
      live = await liveOwners([me, childOwner, gone]);
    });
    assert.deepEqual(programs, ["exec ps"]);
    assert.deepEqual([...live].sort(), [ownerKey(me), ownerKey(childOwner)].sort());
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
});
