import assert from "node:assert/strict";
import { parseProcStats, readProcStats } from "./proc_stat.ts";

Deno.test("parseProcStats() reads pid, state and parent, whatever the command name holds", () => {
  const text = [
    "42 (sleep) S 40 42 42 0 -1 4194560",
    "43 (a b) c)) R 1 43",
    "44 (z) Z 40 44",
    "",
    "garbage",
    "x (y) S 1",
  ].join("\n");
  assert.deepEqual([...parseProcStats(text)], [
    [42, { state: "S", ppid: 40 }],
    [43, { state: "R", ppid: 1 }],
    [44, { state: "Z", ppid: 40 }],
  ]);
});

Deno.test("readProcStats() reads live pids with one cat and leaves gone ones out", async () => {
  const stats = await readProcStats([Deno.pid, Deno.pid, 4_194_305]);
  assert.equal(stats.size, 1);
  assert.match(stats.get(Deno.pid)?.state ?? "", /^[RSD]$/);
  assert.equal(stats.get(Deno.pid)?.ppid !== undefined, true);
  assert.equal((await readProcStats([])).size, 0);
});
