import assert from "node:assert/strict";
import { cpuMillis, memoryBytes, parseExactQuantity, parseQuantity } from "./quantity.ts";

Deno.test("parseQuantity() reads Kubernetes quantities", async (t) => {
  const cases: [string | number, number][] = [
    ["500m", 0.5],
    ["1", 1],
    ["0.5", 0.5],
    [2, 2],
    ["1k", 1000],
    ["1Ki", 1024],
    ["233Mi", 233 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["512M", 512e6],
    ["1e3", 1000],
    ["1.5Gi", 1.5 * 2 ** 30],
    [".5", 0.5],
  ];
  for (const [input, want] of cases) {
    await t.step(`${input} → ${want}`, () => assert.equal(parseQuantity(input), want));
  }
});

Deno.test("parseQuantity() rejects malformed quantities", async (t) => {
  for (const input of ["", "abc", "1.2.3", "5x", "-1", "1 Gi", "Mi", "1mi"]) {
    await t.step(JSON.stringify(input), () => {
      assert.throws(() => parseQuantity(input), /Invalid quantity/);
    });
  }
});

Deno.test("cpuMillis() and memoryBytes() convert and validate", () => {
  assert.equal(cpuMillis("500m"), 500);
  assert.equal(cpuMillis("1"), 1000);
  assert.equal(cpuMillis("0.5"), 500);
  assert.equal(cpuMillis("0.0001"), 1);
  assert.throws(() => cpuMillis("0"), /greater than zero/);
  assert.equal(memoryBytes("233Mi"), 244318208);
  assert.equal(memoryBytes("1Gi"), 1073741824);
  assert.equal(memoryBytes("512M"), 512000000);
  assert.equal(memoryBytes(4096), 4096);
  assert.throws(() => memoryBytes("0"), /greater than zero/);
});
Deno.test("quantities are exact: no float rounding", async (t) => {
  const cases: [string, "cpu" | "memory", number][] = [
    ["0.1Gi", "memory", 107374183], // 107374182.4 rounds up
    ["1.1", "cpu", 1100],
    ["0.001", "cpu", 1],
    ["0.0011", "cpu", 2], // a fraction of a millicore rounds up
    ["100n", "cpu", 1],
    ["1500u", "cpu", 2],
    ["1e3", "memory", 1000],
    ["1E3", "memory", 1000],
    ["1.5e-3", "memory", 1],
    ["9007199254740991", "memory", 9007199254740991],
    ["8191.999999Ti", "memory", 9007199253641481],
    ["0.3", "cpu", 300],
    ["+2", "cpu", 2000],
  ];
  for (const [input, kind, want] of cases) {
    await t.step(`${kind} ${input} → ${want}`, () => {
      assert.equal(kind === "cpu" ? cpuMillis(input) : memoryBytes(input), want);
    });
  }
  await t.step("parseExactQuantity keeps the exact fraction", () => {
    assert.deepEqual(parseExactQuantity("0.1Gi"), { num: 536870912n, den: 5n });
    assert.deepEqual(parseExactQuantity("-1.25"), { num: -5n, den: 4n });
  });
});

Deno.test("values the runtime cannot take are refused", async (t) => {
  const cases: [string, "cpu" | "memory", RegExp][] = [
    ["1e309", "cpu", /exponent 309 is out of range/],
    ["1e31", "memory", /exponent 31 is out of range/],
    ["1e30", "cpu", /too large: at most \d+(\.\d+)? CPUs/],
    ["200000000", "cpu", /too large/],
    ["9007199254740992", "memory", /too large: at most 8Pi/],
    ["8Ei", "memory", /too large/],
    ["-1", "cpu", /greater than zero/],
    ["0", "memory", /greater than zero/],
    ["1.2.3", "cpu", /expected a number/],
    ["Infinity", "cpu", /expected a number/],
    ["NaN", "memory", /expected a number/],
    ["0x10", "memory", /expected a number/],
  ];
  for (const [input, kind, message] of cases) {
    await t.step(`${kind} ${input}`, () => {
      assert.throws(() => (kind === "cpu" ? cpuMillis(input) : memoryBytes(input)), message);
    });
  }
});
