import assert from "node:assert/strict";
import { processStartTime, type TestLeaseRecord } from "./test_lease.ts";
import { sweepTestLeftovers } from "./test_sweep.ts";

const me = { pid: Deno.pid, start: processStartTime(Deno.pid)! };
// This pid with another start time: a runner that is gone and whose pid was reused.
const gone = { pid: me.pid, start: me.start + 1 };

function writeLease(dir: string, name: string, record: TestLeaseRecord): string {
  const file = `${dir}/${name}`;
  Deno.writeTextFileSync(file, JSON.stringify(record));
  return file;
}

Deno.test("sweepTestLeftovers() without root parts", async (t) => {
  const leases = await Deno.makeTempDir({ prefix: "rk8s-sweep-test-" });
  const held = await Deno.makeTempDir({ prefix: "rk8s-sweep-test-held-" });
  try {
    await t.step("two sweeps at once undo a dead runner's lease once", async () => {
      const dirs = [0, 1, 2].map(() => Deno.makeTempDirSync({ prefix: "rk8s-sweep-test-x-" }));
      Deno.mkdirSync(`${dirs[0]}/inner/deeper`, { recursive: true });
      const file = writeLease(leases, `${gone.pid}-${gone.start}-aaaaaaaa.json`, {
        version: 1,
        runner: gone,
        resources: dirs.map((path) => ({ kind: "dir" as const, path })),
      });
      const [a, b] = await Promise.all([
        sweepTestLeftovers({ dir: leases }),
        sweepTestLeftovers({ dir: leases }),
      ]);
      const reports = [...a.swept, ...b.swept].filter((s) => s.file === file);
      assert.equal(reports.length, 1, JSON.stringify([a, b]));
      assert.deepEqual(reports[0]!.errors, []);
      assert.deepEqual([...reports[0]!.dirs].sort(), [...dirs].sort());
      for (const d of dirs) assert.throws(() => Deno.statSync(d), Deno.errors.NotFound);
      assert.deepEqual([...Deno.readDirSync(leases)], [], "the lease and the claim are gone");
    });

    await t.step("a live runner's lease is left as it is, and so is what it holds", async () => {
      const record: TestLeaseRecord = {
        version: 1,
        runner: me,
        resources: [{ kind: "dir", path: held }],
      };
      const mine = writeLease(leases, `${me.pid}-${me.start}-bbbbbbbb.json`, record);
      // A dead runner's lease naming the same directory does not get it removed either.
      const other = writeLease(leases, `${gone.pid}-${gone.start}-cccccccc.json`, {
        ...record,
        runner: gone,
      });
      const r = await sweepTestLeftovers({ dir: leases });
      assert.equal(r.live, 1);
      assert.deepEqual(r.swept.map((s) => [s.file, s.dirs, s.errors]), [[other, [], []]]);
      assert.ok(Deno.statSync(held).isDirectory);
      assert.deepEqual(JSON.parse(Deno.readTextFileSync(mine)), record);
      Deno.removeSync(mine);
    });

    await t.step("a claim of a sweep that was killed is taken over", async () => {
      const dir = Deno.makeTempDirSync({ prefix: "rk8s-sweep-test-y-" });
      const base = `${gone.pid}-${gone.start}-dddddddd.json`;
      writeLease(leases, `${base}.sweep-${gone.pid}-${gone.start}`, {
        version: 1,
        runner: gone,
        resources: [{ kind: "dir", path: dir }],
      });
      // And a half-written update of a dead runner: dropped.
      Deno.writeTextFileSync(`${leases}/${gone.pid}-${gone.start}-eeeeeeee.json.tmp`, "{");
      const r = await sweepTestLeftovers({ dir: leases });
      assert.deepEqual(r.swept.map((s) => [s.file, s.dirs]), [[`${leases}/${base}`, [dir]]]);
      assert.deepEqual([...Deno.readDirSync(leases)], []);
    });

    await t.step("what cannot be undone stays in the lease for the next sweep", async () => {
      // A "root" that rkl cannot open: a file.
      const notARoot = Deno.makeTempFileSync({ prefix: "rk8s-sweep-test-file-" });
      const file = writeLease(leases, `${gone.pid}-${gone.start}-ffffffff.json`, {
        version: 1,
        runner: gone,
        resources: [{ kind: "root", path: notARoot }],
      });
      const r = await sweepTestLeftovers({ dir: leases, rklTimeoutMs: 60_000 });
      assert.equal(r.swept.length, 1);
      assert.match(r.swept[0]!.errors.join("\n"), new RegExp(`empty root ${notARoot}`));
      const kept = JSON.parse(Deno.readTextFileSync(file));
      assert.deepEqual(kept.resources, [{ kind: "root", path: notARoot }]);
      assert.deepEqual(kept.runner, gone);
      Deno.removeSync(file);
      Deno.removeSync(notARoot);
    });
  } finally {
    await Deno.remove(leases, { recursive: true });
    await Deno.remove(held, { recursive: true });
  }
});
