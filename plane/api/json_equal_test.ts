import assert from "node:assert/strict";
import { jsonEqual } from "./json_equal.ts";

Deno.test("jsonEqual() agrees with comparing key-sorted JSON texts", () => {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as never)[k])]))
      : v;
  const text = (v: unknown) => JSON.stringify(sorted(v));
  const values: unknown[] = [
    null,
    0,
    1,
    "1",
    true,
    false,
    [],
    {},
    [1, 2],
    [2, 1],
    [1, [2]],
    { a: 1 },
    { a: 1, b: undefined },
    { b: 2, a: 1 },
    { a: 1, b: 2 },
    { a: { b: [1, { c: null }] } },
    { a: { b: [1, { c: 0 }] } },
    { a: { b: [1, {}] } },
    [undefined],
    [null],
    { a: [] },
    { a: {} },
  ];
  for (const a of values) {
    for (const b of values) {
      assert.equal(jsonEqual(a, b), text(a) === text(b), `${text(a)} vs ${text(b)}`);
    }
  }
});

Deno.test("jsonEqual() skips the keys `skip` names at their path only", () => {
  const rv = (p: readonly string[]) => p.length === 2 && p[0] === "metadata" && p[1] === "rv";
  assert.equal(jsonEqual({ metadata: { rv: "1", n: 1 } }, { metadata: { n: 1 } }, rv), true);
  assert.equal(jsonEqual({ metadata: { n: 1 } }, { metadata: { rv: "2", n: 1 } }, rv), true);
  assert.equal(jsonEqual({ spec: { rv: "1" } }, { spec: { rv: "2" } }, rv), false);
  assert.equal(jsonEqual({ metadata: { rv: "1", n: 1 } }, { metadata: { n: 2 } }, rv), false);
});
