import assert from "node:assert/strict";
import { initRuntimeFact, parseProcStats, readProcStats } from "./init_liveness.ts";

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

Deno.test("initRuntimeFact() trusts /proc only where it is unambiguous", async (t) => {
  const rec = { id: "c1", pid: 42, monitorPid: 40, startedAt: 1, stateDir: "/s/c1" };
  const { pid: _pid, ...noPid } = rec;
  const { monitorPid: _monitorPid, ...noMonitor } = rec;
  const { startedAt: _startedAt, ...notStarted } = rec;
  const cases: [
    string,
    Parameters<typeof initRuntimeFact>[0],
    Parameters<typeof initRuntimeFact>[1],
    string | undefined,
  ][] = [
    ["alive under its conmon: running", rec, { state: "S", ppid: 40 }, "running"],
    ["alive, sleeping in D or stopped: still running", rec, { state: "T", ppid: 40 }, "running"],
    ["gone: stopped", rec, undefined, "stopped"],
    ["a zombie: stopped", rec, { state: "Z", ppid: 40 }, "stopped"],
    ["dead (X): stopped", rec, { state: "X", ppid: 40 }, "stopped"],
    ["alive under another parent (conmon killed, or pid reused): the runtime", rec, {
      state: "S",
      ppid: 1,
    }, undefined],
    ["no pid recorded: the runtime", noPid, undefined, undefined],
    ["no conmon pid recorded: the runtime", noMonitor, {
      state: "S",
      ppid: 40,
    }, undefined],
    ["created, not started: the runtime", notStarted, {
      state: "S",
      ppid: 40,
    }, undefined],
    [
      "still being created: the runtime",
      { ...rec, creator: { pid: 9, startedAt: 1 } },
      undefined,
      undefined,
    ],
  ];
  for (const [name, r, stat, want] of cases) {
    await t.step(name, () => {
      const fact = initRuntimeFact(r, stat);
      assert.equal(fact?.status, want);
      if (fact?.status === "running") assert.equal(fact.pid, r.pid);
      if (fact) assert.equal(fact.id, "c1");
    });
  }
});
