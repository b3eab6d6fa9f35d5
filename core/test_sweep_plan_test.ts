import assert from "node:assert/strict";
import { planTestSweep, sparedProcesses, strayProcesses } from "./test_sweep_plan.ts";
import type { TestLeaseRecord, TestResource } from "./test_lease.ts";
import { parseTestLease, statStartTime, TestLease } from "./test_lease.ts";

const lease = (pid: number, start: number, resources: TestResource[]) => ({
  file: `/run/rk8s-test/${pid}-${start}-x.json`,
  record: { version: 1, runner: { pid, start }, resources } satisfies TestLeaseRecord,
});

Deno.test("planTestSweep()", async (t) => {
  const table = [
    { pid: 1, ppid: 0, args: "init" },
    { pid: 10, ppid: 1, args: "etcd --data-dir=/tmp/rk8s-etcd-a/data" },
    { pid: 11, ppid: 1, args: "deno run cli/main.ts --root /tmp/rk8s-cluster-a/node-1 daemon" },
    { pid: 12, ppid: 11, args: "inotifywait /tmp/rk8s-cluster-a/node-1-manifests" },
    { pid: 20, ppid: 1, args: "deno test" },
    { pid: 21, ppid: 20, args: "etcd --data-dir=/tmp/rk8s-etcd-b/data" },
    { pid: 30, ppid: 1, args: "deno run testdata/sweep.ts" },
  ];
  const dead = lease(5, 500, [
    { kind: "process", pid: 10, start: 1000, what: "etcd" },
    { kind: "process", pid: 11, start: 1100, what: "rkl daemon node-1" },
    { kind: "root", path: "/tmp/rk8s-cluster-a/node-1", netns: "rknaaaan0" },
    { kind: "netns", name: "rknaaaan0" },
    { kind: "link", name: "rknaaaabr" },
    { kind: "dir", path: "/tmp/rk8s-cluster-a" },
    { kind: "dir", path: "/tmp/rk8s-etcd-a" },
  ]);
  const live = lease(20, 2000, [
    { kind: "process", pid: 21, start: 2100, what: "etcd" },
    { kind: "dir", path: "/tmp/rk8s-etcd-b" },
  ]);
  const startTimes = new Map([[1, 1], [10, 1000], [11, 1100], [12, 1200], [20, 2000], [
    21,
    2100,
  ], [30, 3000]]);

  await t.step("a dead runner's lease is undone in order; a live runner's is left", () => {
    const plan = planTestSweep({ leases: [dead, live], startTimes, table, self: 30 });
    assert.deepEqual(plan.live, [live.file]);
    assert.equal(plan.sweep.length, 1);
    const s = plan.sweep[0]!;
    assert.deepEqual(s.runner, { pid: 5, start: 500 });
    assert.deepEqual(s.kill, [10, 11, 12], "recorded processes with their descendants");
    assert.deepEqual(s.roots, [{ path: "/tmp/rk8s-cluster-a/node-1", netns: "rknaaaan0" }]);
    assert.deepEqual(s.netns, ["rknaaaan0"]);
    assert.deepEqual(s.links, ["rknaaaabr"]);
    assert.deepEqual(s.dirs, ["/tmp/rk8s-cluster-a", "/tmp/rk8s-etcd-a"]);
    assert.deepEqual(s.paths, [
      "/tmp/rk8s-cluster-a/node-1",
      "/tmp/rk8s-cluster-a",
      "/tmp/rk8s-etcd-a",
    ]);
  });

  await t.step("a reused pid (other start time) is neither runner nor recorded process", () => {
    // pid 5 now runs again, started later: the runner is still gone. pid 10 was reused too.
    const reused = new Map(startTimes).set(5, 999).set(10, 4000);
    const plan = planTestSweep({ leases: [dead], startTimes: reused, table, self: 30 });
    assert.equal(plan.sweep.length, 1);
    assert.deepEqual(plan.sweep[0]!.kill, [11, 12]);
  });

  await t.step("a runner that runs (same start time) is not swept", () => {
    const alive = new Map(startTimes).set(5, 500);
    const plan = planTestSweep({ leases: [dead], startTimes: alive, table, self: 30 });
    assert.deepEqual(plan.sweep, []);
    assert.deepEqual(plan.live, [dead.file]);
  });

  await t.step("what a live runner holds too, and the sweeper's own line, are spared", () => {
    const shared = lease(6, 600, [
      { kind: "process", pid: 21, start: 2100, what: "etcd" },
      { kind: "process", pid: 30, start: 3000, what: "me" },
      { kind: "dir", path: "/tmp/rk8s-etcd-b" },
      { kind: "netns", name: "other" },
    ]);
    const plan = planTestSweep({ leases: [shared, live], startTimes, table, self: 30 });
    const s = plan.sweep[0]!;
    assert.deepEqual(s.kill, []);
    assert.deepEqual(s.dirs, []);
    assert.deepEqual(s.netns, ["other"]);
    assert.deepEqual(s.shared.map((r) => r.kind), ["process", "dir"]);
  });

  await t.step("sparedProcesses(): live runners, their trees, the sweeper's ancestors", () => {
    const spare = sparedProcesses({ leases: [dead, live], startTimes, table, self: 30 });
    assert.deepEqual([...spare].sort((a, b) => a - b), [1, 20, 21, 30]);
  });
});

Deno.test("strayProcesses() matches whole paths and takes descendants", () => {
  const table = [
    { pid: 40, ppid: 1, args: "conmon -b /tmp/rk8s-cluster-a/node-1/run/c1 -p x" },
    { pid: 41, ppid: 40, args: "sleep 1000" },
    { pid: 42, ppid: 1, args: "etcd --data-dir=/tmp/rk8s-cluster-ab" },
    { pid: 43, ppid: 1, args: "cat /tmp/rk8s-cluster-a" },
    { pid: 44, ppid: 1, args: 'x "/tmp/rk8s-cluster-a"' },
  ];
  assert.deepEqual(strayProcesses(table, ["/tmp/rk8s-cluster-a"], new Set([44])), [40, 41, 43]);
  assert.deepEqual(strayProcesses(table, [], new Set()), []);
  assert.deepEqual(strayProcesses(table, ["/tmp/a.b"], new Set()), [], "dots are literal");
});

Deno.test("parseTestLease() rejects what it cannot undo, naming the field", () => {
  const ok = {
    version: 1,
    runner: { pid: 1, start: 2 },
    resources: [
      { kind: "process", pid: 3, start: 4, what: "etcd" },
      { kind: "root", path: "/r", netns: "n" },
      { kind: "root", path: "/r2" },
      { kind: "netns", name: "n" },
      { kind: "link", name: "l" },
      { kind: "dir", path: "/d" },
    ],
  };
  assert.deepEqual(parseTestLease(JSON.stringify(ok)), ok);
  const bad = (resources: unknown[]) => JSON.stringify({ ...ok, resources });
  assert.throws(() => parseTestLease(bad([{ kind: "pod" }])), /resources\[0\]\.kind/);
  assert.throws(() => parseTestLease(bad([{ kind: "dir", path: "" }])), /resources\[0\]\.path/);
  assert.throws(
    () => parseTestLease(bad([{ kind: "process", pid: "1", start: 2, what: "x" }])),
    /resources\[0\]: expected integer pid/,
  );
  assert.throws(() => parseTestLease('{"version":2}'), /version/);
  assert.throws(() => parseTestLease("{"), SyntaxError);
});

Deno.test("statStartTime() counts fields after the last parenthesis", () => {
  const fields = Array.from({ length: 30 }, (_, i) => String(i + 3)); // field 3 = "3", ...
  assert.equal(statStartTime(`7 (we(ird) n) ${fields.join(" ")}`), 22);
  assert.equal(statStartTime("7 (x) S 1"), undefined);
});

Deno.test("TestLease writes every change whole and removes its file when empty", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rk8s-lease-test-" });
  try {
    const lease = new TestLease(dir);
    assert.match(lease.file, new RegExp(`^${dir}/${Deno.pid}-\\d+-[0-9a-f]{8}\\.json$`));
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written while empty");
    lease.hold({ kind: "netns", name: "a" });
    lease.hold({ kind: "netns", name: "a" });
    lease.hold({ kind: "link", name: "b" });
    const read = () => parseTestLease(Deno.readTextFileSync(lease.file));
    assert.deepEqual(read().resources, [{ kind: "netns", name: "a" }, { kind: "link", name: "b" }]);
    assert.deepEqual(read().runner, lease.runner);
    const child = new Deno.Command("sleep", { args: ["30"], stdout: "null", stderr: "null" })
      .spawn();
    lease.holdChild(child, "sleep");
    const held = read().resources.at(-1);
    assert.equal(held?.kind === "process" && held.pid, child.pid);
    child.kill("SIGKILL");
    await child.status;
    assert.equal(read().resources.some((r) => r.kind === "process"), false, "released at exit");
    const temp = lease.makeTempDir("rk8s-lease-test-dir-");
    assert.ok(Deno.statSync(temp).isDirectory);
    lease.hold({ kind: "root", path: `${temp}/node-1` });
    lease.hold({ kind: "root", path: `${temp}-other` });
    await lease.removeDir(temp);
    assert.equal(await Array.fromAsync(Deno.readDir(temp)).catch((e) => e.name), "NotFound");
    assert.deepEqual(
      read().resources.filter((r) => r.kind === "root" || r.kind === "dir"),
      [{ kind: "root", path: `${temp}-other` }],
      "what was below the removed directory is released with it",
    );
    lease.release({ kind: "root", path: `${temp}-other` });
    lease.release({ kind: "netns", name: "a" });
    lease.release({ kind: "link", name: "b" });
    assert.deepEqual([...Deno.readDirSync(dir)], [], "the file is gone once nothing is held");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
