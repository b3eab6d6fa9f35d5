import assert from "node:assert/strict";
import { planMasqCleanup, splitIptablesLine } from "./masq_rules.ts";

Deno.test("splitIptablesLine() keeps quoted comments with escaped quotes together", () => {
  assert.deepEqual(splitIptablesLine('-A X --comment "a b" -j "" Y'), [
    "-A",
    "X",
    "--comment",
    "a b",
    "-j",
    "",
    "Y",
  ]);
});

Deno.test("planMasqCleanup() selects only the attachment's own rules on its network", () => {
  const rules = [
    '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
    '-A POSTROUTING -s 10.1.0.2/32 -m comment --comment "name: \\"n\\" id: \\"c1\\"" -j CNI-aaa',
    '-A POSTROUTING -s 10.2.0.2/32 -m comment --comment "name: \\"other\\" id: \\"c1\\"" -j CNI-bbb',
    '-A POSTROUTING -s 10.1.0.3/32 -m comment --comment "name: \\"n\\" id: \\"c10\\"" -j CNI-ccc',
  ].join("\n");
  const plan = planMasqCleanup(rules, "n", "c1");
  assert.deepEqual(plan.chains, ["CNI-aaa"]);
  assert.deepEqual(plan.deletes, [[
    "POSTROUTING",
    "-s",
    "10.1.0.2/32",
    "-m",
    "comment",
    "--comment",
    'name: "n" id: "c1"',
    "-j",
    "CNI-aaa",
  ]]);
});
