import assert from "node:assert/strict";
import { expandCommand, expandEnv, expandVars } from "./expansion.ts";

Deno.test("expandVars() follows the kubelet's $(VAR) rules", async (t) => {
  const vars = new Map([["A", "a"], ["GREETING", "hello"], ["EMPTY", ""], ["B)", "x"]]);
  const lookup = (n: string) => vars.get(n);
  const cases: [string, string][] = [
    ["greet=$(GREETING)", "greet=hello"],
    ["$(A)$(A)", "aa"],
    ["$(MISSING)", "$(MISSING)"],
    ["$(EMPTY)x", "x"],
    ["$$(A)", "$(A)"],
    ["$$$(A)", "$a"],
    ["$$$$(A)", "$$(A)"],
    ["cost: $$5", "cost: $5"],
    ["$A", "$A"],
    ["${A}", "${A}"],
    ["$(A", "$(A"],
    ["$()", "$()"],
    ["trailing $", "trailing $"],
    ["$", "$"],
    ["$(A)$", "a$"],
    ["no refs", "no refs"],
    ["$(GREETING) $(A) $(MISSING) $$(A)", "hello a $(MISSING) $(A)"],
  ];
  for (const [input, want] of cases) {
    await t.step(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => {
      assert.equal(expandVars(input, lookup), want);
    });
  }
});

Deno.test("expandEnv() sees only earlier entries; fieldRef values are not expanded", () => {
  const env = expandEnv([
    { name: "LATER_REF", value: "$(B)" },
    { name: "B", value: "b" },
    { name: "C", value: "$(B)-$(B)" },
    { name: "POD", value: "$(B)", resolved: true },
    { name: "B", value: "$(B)2" },
    { name: "D", value: "$(B)" },
  ]);
  assert.deepEqual(Object.fromEntries(env), {
    LATER_REF: "$(B)",
    B: "b2",
    C: "b-b",
    POD: "$(B)",
    D: "b2",
  });
});

Deno.test("expandCommand() sees the whole environment", () => {
  const env = expandEnv([{ name: "GREETING", value: "hello" }]);
  assert.deepEqual(expandCommand(["echo", "greet=$(GREETING)", "$$(GREETING)"], env), [
    "echo",
    "greet=hello",
    "$(GREETING)",
  ]);
});
