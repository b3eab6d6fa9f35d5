import assert from "node:assert/strict";
import { humanDuration, psCommand, psStatus } from "./ps_status.ts";

Deno.test("humanDuration() words durations as go-units' HumanDuration does", () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  const table: [number, string][] = [
    [0, "Less than a second"],
    [999, "Less than a second"],
    [1 * s, "1 second"],
    [59 * s, "59 seconds"],
    [60 * s, "About a minute"],
    [119 * s, "About a minute"],
    [2 * m, "2 minutes"],
    [59 * m, "59 minutes"],
    [60 * m, "About an hour"],
    [89 * m, "About an hour"],
    [90 * m, "2 hours"],
    [47 * h, "47 hours"],
    [48 * h, "2 days"],
    [13 * d, "13 days"],
    [14 * d, "2 weeks"],
    [60 * d, "2 months"],
    [730 * d, "2 years"],
  ];
  for (const [ms, want] of table) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

Deno.test("psStatus() gives docker's lower-case State and its Status sentence", () => {
  const now = 1_000_000;
  const table: [Parameters<typeof psStatus>[0], string, string, number][] = [
    [{ state: "running", startedAt: now - 3_000 }, "running", "Up 3 seconds", 0],
    [
      { state: "exited", exitCode: 0, finishedAt: now - 2_000 },
      "exited",
      "Exited (0) 2 seconds ago",
      0,
    ],
    [
      { state: "exited", exitCode: 137, finishedAt: now - 300_000 },
      "exited",
      "Exited (137) 5 minutes ago",
      137,
    ],
    [{ state: "created" }, "created", "Created", 0],
    [{ state: "waiting" }, "created", "Created", 0],
    [{ state: "unknown" }, "dead", "Dead", 0],
    [undefined, "dead", "Dead", 0],
  ];
  for (const [facts, state, status, code] of table) {
    assert.deepEqual(psStatus(facts, now), { State: state, Status: status, ExitCode: code });
  }
});

Deno.test("psCommand() quotes and cuts the command as docker's COMMAND column", () => {
  assert.equal(psCommand([]), '""');
  assert.equal(psCommand(["sleep", "300"]), '"sleep 300"');
  assert.equal(psCommand(["a".repeat(20)]), `"${"a".repeat(20)}"`);
  assert.equal(psCommand(["a".repeat(21)]), `"${"a".repeat(19)}…"`);
  assert.equal(psCommand(["a".repeat(21)], false), `"${"a".repeat(21)}"`);
});
