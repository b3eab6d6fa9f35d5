/** Unit tests of kubectl's age format. */
import assert from "node:assert/strict";
import { ageSince, humanDuration } from "./human_duration.ts";

Deno.test("humanDuration() follows apimachinery's HumanDuration steps", () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h, y = 365 * d;
  const cases: [number, string][] = [
    [-2 * s, "<invalid>"],
    [-1 * s, "0s"],
    [-500, "0s"],
    [0, "0s"],
    [5 * s, "5s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [3 * m + 20 * s, "3m20s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [7 * h + 5 * m, "7h5m"],
    [8 * h + 30 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [2 * d + 5 * h, "2d5h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d + 5 * h, "8d"],
    [729 * d, "729d"],
    [2 * y, "2y"],
    [2 * y + 10 * d, "2y10d"],
    [8 * y + 10 * d, "8y"],
  ];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, `${ms} ms`);
});

Deno.test("ageSince() prints <unknown> for missing, unparsable and Go-zero timestamps", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  assert.equal(ageSince(undefined, now), "<unknown>");
  assert.equal(ageSince("", now), "<unknown>");
  assert.equal(ageSince("yesterday", now), "<unknown>");
  assert.equal(ageSince("0001-01-01T00:00:00Z", now), "<unknown>");
  assert.equal(ageSince("2025-12-31T23:59:30Z", now), "30s");
});
