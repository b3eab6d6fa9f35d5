import assert from "node:assert/strict";
import { cpuMillis, memoryBytes, parseQuantity } from "./quantity.ts";

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
