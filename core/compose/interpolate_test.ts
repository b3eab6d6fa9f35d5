import assert from "node:assert/strict";
import { interpolate, InterpolationError } from "./interpolate.ts";

const env: Record<string, string> = { SET: "val", EMPTY: "", NUM: "3", OTHER: "o" };
const lookup = (n: string) => env[n];

Deno.test("interpolate() handles every form of the Compose Specification", async (t) => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["$SET", "val"],
    ["${SET}", "val"],
    ["a-$SET-b", "a-val-b"],
    ["$SET$NUM", "val3"],
    ["${UNSET}", ""],
    ["$UNSET", ""],
    ["${SET:-d}", "val"],
    ["${EMPTY:-d}", "d"],
    ["${UNSET:-d}", "d"],
    ["${SET-d}", "val"],
    ["${EMPTY-d}", ""],
    ["${UNSET-d}", "d"],
    ["${SET:+alt}", "alt"],
    ["${EMPTY:+alt}", ""],
    ["${UNSET:+alt}", ""],
    ["${SET+alt}", "alt"],
    ["${EMPTY+alt}", "alt"],
    ["${UNSET+alt}", ""],
    ["${SET:?err}", "val"],
    ["${EMPTY?err}", ""],
    ["$$", "$"],
    ["$$SET", "$SET"],
    ["$${SET}", "${SET}"],
    ["${UNSET:-${OTHER}}", "o"],
    ["${UNSET:-${ALSO_UNSET:-deep}}", "deep"],
    ["${UNSET:-a b:c}", "a b:c"],
    ["${SET:-${UNSET:?never evaluated}}", "val"],
    ["${UNSET:-}", ""],
    ["price: 5$$", "price: 5$"],
  ];
  for (const [input, want] of cases) {
    await t.step(`${input} → ${JSON.stringify(want)}`, () => {
      assert.equal(interpolate(input, lookup), want);
    });
  }
});

Deno.test("interpolate() rejects required variables and malformed templates", async (t) => {
  const cases: [string, RegExp][] = [
    ["${UNSET:?set it please}", /required variable UNSET is missing a value: set it please/],
    ["${EMPTY:?no}", /required variable EMPTY is empty: no/],
    ["${UNSET?}", /required variable UNSET is missing a value$/],
    ["${}", /must be followed by a variable name/],
    ["${SET", /unexpected|missing "}"/],
    ["${SET:-x", /missing "}"/],
    ["$1", /must be followed by a variable name/],
    ["a $ b", /write "\$\$" for a literal/],
    ["${SET!x}", /unexpected "!"/],
  ];
  for (const [input, want] of cases) {
    await t.step(input, () => {
      assert.throws(() => interpolate(input, lookup), (e: unknown) => {
        assert.ok(e instanceof InterpolationError);
        assert.match(e.message, want);
        return true;
      });
    });
  }
});

Deno.test("interpolate() reports unset variables used without a default", () => {
  const unset: string[] = [];
  interpolate("${A} $B ${C:-x} ${SET}", lookup, { onUnset: (n) => unset.push(n) });
  assert.deepEqual(unset, ["A", "B"]);
});
