import assert from "node:assert/strict";
import { acquireDaemonLock, daemonLockPath, DaemonRunningError } from "./daemon_lock.ts";

Deno.test("acquireDaemonLock() refuses a live holder and takes over a dead one's lock", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rkl-lock-" });
  try {
    const alive = new Set<number>([100]);
    const isAlive = (pid: number) => Promise.resolve(alive.has(pid));
    const first = await acquireDaemonLock(dir, 100, isAlive);
    assert.equal(await Deno.readTextFile(daemonLockPath(dir)), "100\n");
    const err = await acquireDaemonLock(dir, 200, isAlive).catch((e) => e);
    assert.ok(err instanceof DaemonRunningError);
    assert.equal(err.pid, 100);
    assert.match(err.message, /Another rkl daemon \(pid 100\) is already running/);
    // The holder dies without releasing (kill -9): the next daemon takes the lock over.
    alive.delete(100);
    const second = await acquireDaemonLock(dir, 200, isAlive);
    assert.equal(await Deno.readTextFile(daemonLockPath(dir)), "200\n");
    await first.release(); // not ours any more: leaves the file alone
    assert.equal(await Deno.readTextFile(daemonLockPath(dir)), "200\n");
    await second.release();
    await assert.rejects(Deno.stat(daemonLockPath(dir)), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
