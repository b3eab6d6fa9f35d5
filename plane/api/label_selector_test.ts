import assert from "node:assert/strict";
import {
  formatLabelSelector,
  type LabelRequirement,
  labelSelectorFromObject,
  matchesLabelSelector,
  matchesLabelSelectorObject,
  parseLabelSelector,
  SelectorError,
} from "./label_selector.ts";

const r = (
  key: string,
  operator: LabelRequirement["operator"],
  values: string[] = [],
): LabelRequirement => ({ key, operator, values });

Deno.test("parseLabelSelector() reads every operator of the grammar", async (t) => {
  const cases: [string, LabelRequirement[]][] = [
    ["", []],
    ["   ", []],
    ["app=web", [r("app", "=", ["web"])]],
    ["app==web", [r("app", "==", ["web"])]],
    ["app!=web", [r("app", "!=", ["web"])]],
    ["app = web", [r("app", "=", ["web"])]],
    ["app=", [r("app", "=", [""])]],
    ["env in (prod, qa)", [r("env", "in", ["prod", "qa"])]],
    ["env notin (qa,prod,qa)", [r("env", "notin", ["prod", "qa"])]],
    ["env in ()", [r("env", "in", [""])]],
    ["env in (,a)", [r("env", "in", ["", "a"])]],
    ["release", [r("release", "exists")]],
    ["!release", [r("release", "!")]],
    ["! release", [r("release", "!")]],
    ["replicas>3", [r("replicas", "gt", ["3"])]],
    ["replicas<2", [r("replicas", "lt", ["2"])]],
    ["in=notin", [r("in", "=", ["notin"])]],
    ["example.com/tier=front_end.1", [r("example.com/tier", "=", ["front_end.1"])]],
    [
      "z=1,a in (x),!m,k",
      [r("a", "in", ["x"]), r("k", "exists"), r("m", "!"), r("z", "=", ["1"])],
    ],
  ];
  for (const [text, want] of cases) {
    await t.step(JSON.stringify(text), () => assert.deepEqual(parseLabelSelector(text), want));
  }
});

Deno.test("parseLabelSelector() rejects bad input with apimachinery's messages", async (t) => {
  const cases: [string, string][] = [
    ["a in b", "unable to parse requirement: found 'b' expected: '('"],
    ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ["a,", "found '', expected: identifier after ','"],
    [",a", "found ',', expected: !, identifier, or 'end of string'"],
    ["a in (b", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["a=(b)", "unable to parse requirement: found '(', expected: identifier"],
    ["a in (b) c", "found 'c', expected: ',' or 'end of string'"],
    ["a=b c", "found 'c', expected: ',' or 'end of string'"],
    ["!a=b", "found '=', expected: ',' or 'end of string'"],
    ["a>x", "for 'Gt', 'Lt' operators, the value must be an integer"],
    [
      "app=@",
      'unable to parse requirement: values[0][app]: Invalid value: "@": a valid label must be ' +
      "an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start " +
      "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', " +
      "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
    [
      "-app=x",
      'unable to parse requirement: <nil>: Invalid value: "-app": name part must consist of ' +
      "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
      "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
      "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
    ["a/b/c", "a qualified name must consist of"],
    ["/b", "prefix part must be non-empty"],
    ["Example.com/b", "prefix part a lowercase RFC 1123 subdomain"],
    [`a=${"x".repeat(64)}`, "must be no more than 63 characters"],
  ];
  for (const [text, want] of cases) {
    await t.step(text.slice(0, 30), () => {
      assert.throws(() => parseLabelSelector(text), SelectorError);
      try {
        parseLabelSelector(text);
      } catch (e) {
        assert.ok(e instanceof SelectorError);
        assert.equal(e.selector, text);
        assert.ok(e.message.includes(want), `${e.message}\n  does not include\n${want}`);
      }
    });
  }
});

Deno.test("matchesLabelSelector() follows Requirement.Matches", async (t) => {
  const labels = { app: "web", env: "prod", replicas: "5" };
  const cases: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["missing=x", false],
    ["env in (prod,qa)", true],
    ["env in (qa)", false],
    ["env notin (qa)", true],
    ["missing notin (qa)", true],
    ["missing in (qa)", false],
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["replicas>4", true],
    ["replicas>5", false],
    ["replicas<6", true],
    ["app>1", false],
    ["missing<9", false],
    ["app=web,env=qa", false],
    ["app=web,env=prod,!canary", true],
  ];
  for (const [text, want] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.equal(matchesLabelSelector(parseLabelSelector(text), labels), want);
    });
  }
  await t.step("undefined labels behave as no labels", () => {
    assert.equal(matchesLabelSelector(parseLabelSelector("!a,b!=c"), undefined), true);
    assert.equal(matchesLabelSelector(parseLabelSelector("a"), undefined), false);
  });
});

Deno.test("labelSelectorFromObject() converts matchLabels and matchExpressions", async (t) => {
  await t.step("both parts, sorted by key", () => {
    assert.deepEqual(
      labelSelectorFromObject({
        matchLabels: { tier: "web", app: "shop" },
        matchExpressions: [
          { key: "env", operator: "In", values: ["qa", "prod"] },
          { key: "canary", operator: "DoesNotExist" },
          { key: "zone", operator: "Exists", values: [] },
          { key: "old", operator: "NotIn", values: ["1"] },
        ],
      }),
      [
        r("app", "=", ["shop"]),
        r("canary", "!"),
        r("env", "in", ["prod", "qa"]),
        r("old", "notin", ["1"]),
        r("tier", "=", ["web"]),
        r("zone", "exists"),
      ],
    );
  });
  await t.step("an empty object selects everything", () => {
    assert.deepEqual(labelSelectorFromObject({}), []);
    assert.equal(matchesLabelSelectorObject({}, undefined), true);
  });
  await t.step("null selects nothing", () => {
    assert.equal(matchesLabelSelectorObject(null, { a: "b" }), false);
    assert.throws(() => labelSelectorFromObject(null), SelectorError);
  });
  await t.step("unknown operator", () => {
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Gt" }] }),
      { message: '"Gt" is not a valid label selector operator' },
    );
  });
  await t.step("In without values", () => {
    assert.throws(
      () => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In" }] }),
      {
        message:
          "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
      },
    );
  });
  await t.step("Exists with values", () => {
    assert.throws(
      () =>
        labelSelectorFromObject({
          matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }],
        }),
      /values set must be empty for exists and does not exist/,
    );
  });
  await t.step("bad matchLabels value", () => {
    assert.throws(
      () => labelSelectorFromObject({ matchLabels: { a: "b c" } }),
      /values\[0\]\[a\]: Invalid value: "b c"/,
    );
  });
});

Deno.test("formatLabelSelector() round-trips through parseLabelSelector()", () => {
  const text = "app=web,!canary,env in (prod,qa),n>3,tier notin (db),x!=y,zone";
  assert.equal(formatLabelSelector(parseLabelSelector(text)), text);
  assert.equal(formatLabelSelector(parseLabelSelector("b==1,a")), "a,b==1");
});

Deno.test("parseLabelSelector() matches like the examples of the Labels and Selectors page", () => {
  // https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/ (selectors
  // written anew with the page's keys).
  const prodFrontend = { environment: "production", tier: "frontend" };
  const qaBackend = { environment: "qa", tier: "backend", partition: "customerA" };
  const devCache = { environment: "dev", tier: "cache" };
  const pick = (sel: string) =>
    [prodFrontend, qaBackend, devCache].filter((l) =>
      matchesLabelSelector(parseLabelSelector(sel), l)
    ).map((l) => l.environment);
  assert.deepEqual(pick("environment in (production, qa)"), ["production", "qa"]);
  assert.deepEqual(pick("tier notin (frontend, backend)"), ["dev"]);
  assert.deepEqual(pick("partition"), ["qa"]);
  assert.deepEqual(pick("!partition"), ["production", "dev"]);
  assert.deepEqual(pick("environment=production,tier!=frontend"), []);
  assert.deepEqual(pick("environment!=production,tier!=frontend"), ["qa", "dev"]);
  assert.deepEqual(pick("partition,environment notin (qa)"), []);
});
