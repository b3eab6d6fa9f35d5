import assert from "node:assert/strict";
import { formatWarning, readManifest } from "./manifest_reader.ts";
import { ManifestError } from "./errors.ts";

Deno.test("readManifest() reports syntax errors with file, line and column", () => {
  assert.throws(
    () => readManifest("name: a\nargs: [sleep\n", "bad.yaml"),
    (e: unknown) =>
      e instanceof ManifestError && e.file === "bad.yaml" && e.line >= 2 &&
      /^bad\.yaml:\d+:\d+: invalid YAML/.test(e.message),
  );
});

Deno.test("ManifestField names the field path and line of a wrong type", async (t) => {
  const text = "name: web\nspec:\n  containers:\n    - name: 5\n";
  const { root } = readManifest(text, "p.yaml");
  await t.step("nested list item", () => {
    const c = root.get("spec").list("containers")[0]!;
    try {
      c.requiredString("name");
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof ManifestError);
      assert.equal(e.path, "spec.containers[0].name");
      assert.equal(e.line, 4);
      assert.equal(e.column, 13);
      assert.match(e.message, /expected a string, got number 5/);
    }
  });
  await t.step("missing required field points at the parent", () => {
    try {
      root.requiredString("image");
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof ManifestError);
      assert.equal(e.path, "image");
      assert.match(e.message, /required field is missing/);
    }
  });
});

Deno.test("ManifestField.known() warns about unknown fields with their line", () => {
  const { root, warnings } = readManifest("name: a\nimgae: x\n", "c.yaml");
  assert.deepEqual(root.known(["name", "image"]), ["imgae"]);
  assert.equal(warnings.length, 1);
  assert.equal(formatWarning(warnings[0]!), "c.yaml:2:1: imgae: unknown field, ignored");
});

Deno.test("readManifest() rejects duplicate keys", () => {
  assert.throws(() => readManifest("a: 1\na: 2\n", "d.yaml"), /d\.yaml:\d+:\d+: invalid YAML/);
});
