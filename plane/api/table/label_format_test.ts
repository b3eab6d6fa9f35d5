/** Unit tests of label and selector formatting. */
import assert from "node:assert/strict";
import { formatLabels, formatLabelSelector, labelSelectorString } from "./label_format.ts";

Deno.test("labelSelectorString() writes requirements sorted by key, as labels.Selector.String()", () => {
  const cases: [unknown, string][] = [
    [undefined, ""],
    [{}, ""],
    [{ matchLabels: { b: "2", a: "1" } }, "a=1,b=2"],
    [
      { matchExpressions: [{ key: "env", operator: "NotIn", values: ["b", "a"] }] },
      "env notin (a,b)",
    ],
    [{ matchExpressions: [{ key: "env", operator: "In", values: ["x"] }] }, "env in (x)"],
    [
      {
        matchLabels: { z: "1" },
        matchExpressions: [
          { key: "gpu", operator: "Exists" },
          { key: "arm", operator: "DoesNotExist" },
        ],
      },
      "!arm,gpu,z=1",
    ],
    [{ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, "<invalid>"],
  ];
  for (const [sel, text] of cases) {
    assert.equal(labelSelectorString(sel), text, JSON.stringify(sel));
  }
});

Deno.test("formatLabelSelector() and formatLabels() print <none> when empty", () => {
  assert.equal(formatLabelSelector({}), "<none>");
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: "a", operator: "?" }] }), "<error>");
  assert.equal(formatLabels({}), "<none>");
  assert.equal(formatLabels({ b: "", a: "x" }), "a=x,b=");
});
