import assert from "node:assert/strict";
import {
  boolean,
  dict,
  fieldPath,
  integer,
  list,
  literal,
  number,
  object,
  oneOf,
  optional,
  refine,
  ShapeError,
  text,
  variant,
} from "./shape.ts";

interface Item {
  id: number;
  tags: string[];
  note?: string;
  on?: boolean;
}
const item = object<Item>({
  id: integer,
  tags: list(text),
  note: optional(text),
  on: optional(boolean),
});

Deno.test("object() checks every field, leaves absent optional ones out, keeps key order", () => {
  assert.deepEqual(item({ tags: [], id: 1 }, "item"), { tags: [], id: 1 });
  assert.deepEqual(Object.keys(item({ note: "n", tags: [], id: 1 }, "")), ["note", "tags", "id"]);
  // null in an optional field means unset; unknown keys are dropped.
  assert.deepEqual(item({ id: 1, tags: ["a"], note: null, extra: 5 }, ""), { id: 1, tags: ["a"] });
});

Deno.test("shapes reject what their type does not allow, naming the path", async (t) => {
  const cases: [string, () => unknown, string, string][] = [
    ["missing field", () => item({ tags: [] }, "item"), "item.id", "an integer"],
    ["float for integer", () => item({ id: 1.5, tags: [] }, "item"), "item.id", "an integer"],
    ["list item", () => item({ id: 1, tags: ["a", 2] }, "item"), "item.tags[1]", "text"],
    ["optional wrong type", () => item({ id: 1, tags: [], on: 1 }, ""), "on", "true or false"],
    ["not an object", () => item([], "item"), "item", "an object"],
    ["NaN", () => number(NaN, "n"), "n", "a number"],
    ["dict value", () => dict(integer)({ a: "1" }, "m"), "m.a", "an integer"],
    ["literal", () => literal("a", "b")("c", "x"), "x", 'one of "a", "b"'],
    ["refine", () => refine(integer, "a port", (n) => n > 0)(0, "p"), "p", "a port"],
  ];
  for (const [name, fn, path, expected] of cases) {
    await t.step(name, () => {
      assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof ShapeError, String(e));
        assert.equal(e.path, path);
        assert.equal(e.expected, expected);
        return true;
      });
    });
  }
});

Deno.test("oneOf() reports the deepest failure; variant() picks by tag", async (t) => {
  const env = oneOf(list(object<{ name: string }>({ name: text })), dict(text));
  await t.step("deepest alternative", () => {
    assert.throws(() => env({ A: 1 }, "env"), /^ShapeError: env\.A: expected text/);
    assert.throws(() => env([{ name: 1 }], "env"), /env\[0\]\.name: expected text/);
  });
  await t.step("no alternative got in: all expectations listed", () => {
    assert.throws(() => env(7, "env"), /env: expected a list or an object, got number 7/);
  });
  await t.step("variant", () => {
    type V = { k: "a"; n: number } | { k: "b" };
    const v = variant<V>("k", {
      a: object<{ k: "a"; n: number }>({ k: literal("a"), n: integer }),
      b: object<{ k: "b" }>({ k: literal("b") }),
    });
    assert.deepEqual(v({ k: "b", n: "x" }, ""), { k: "b" });
    assert.throws(() => v({ k: "a", n: "x" }, "v"), /v\.n: expected an integer/);
    assert.throws(() => v({ n: 1 }, "v"), /v\.k: expected one of "a", "b", got nothing/);
  });
  await t.step("fieldPath", () => {
    assert.equal(fieldPath("a", "[0]"), "a[0]");
    assert.equal(fieldPath("a", ""), "a");
  });
});

Deno.test("oneOf() passes over alternatives of another kind without changing its answers", async (t) => {
  const ns = oneOf(literal("new", "host"), object<{ path: string }>({ path: text }));
  const q = oneOf(text, number);
  await t.step("values of either kind", () => {
    assert.deepEqual(ns({ path: "/run/netns/x" }, "ns"), { path: "/run/netns/x" });
    assert.equal(ns("host", "ns"), "host");
    assert.equal(q(5, "q"), 5);
    assert.equal(q("5", "q"), "5");
  });
  await t.step("a value of no kind lists every expectation in order", () => {
    assert.throws(
      () => ns(5, "ns"),
      /^ShapeError: ns: expected one of "new", "host" or an object, got number 5$/,
    );
    assert.throws(
      () => ns("pod", "ns"),
      /ns: expected one of "new", "host" or an object, got string "pod"/,
    );
    assert.throws(() => q(null, "q"), /q: expected text or a number, got null/);
    assert.throws(() => q(NaN, "q"), /q: expected text or a number, got number null/);
  });
  await t.step("the right kind but a bad inside: the deepest failure", () => {
    assert.throws(
      () => ns({ path: 1 }, "ns"),
      /^ShapeError: ns\.path: expected text, got number 1$/,
    );
  });
});

Deno.test("object() reports the first declared bad field, whatever the stored order", () => {
  const pair = object<{ a: number; b: number; c?: string }>({
    a: integer,
    b: integer,
    c: optional(text),
  });
  assert.throws(
    () => pair({ c: 1, b: "x", a: "y" }, "p"),
    /^ShapeError: p\.a: expected an integer/,
  );
  assert.throws(() => pair({ c: 1, b: 2, a: 1 }, "p"), /^ShapeError: p\.c: expected text/);
  assert.throws(() => pair({ b: 2 }, "p"), /^ShapeError: p\.a: expected an integer, got nothing$/);
  assert.deepEqual(Object.keys(pair({ c: "z", b: 2, a: 1, d: 0 }, "p")), ["c", "b", "a"]);
});
