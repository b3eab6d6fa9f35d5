import assert from "node:assert/strict";
import { join } from "node:path";
import {
  pathExists,
  readDirIfExists,
  readFileIfExists,
  readTextIfExists,
  removeIfExists,
  statIfExists,
} from "./fs.ts";
import { tempDir } from "./testing.ts";

Deno.test("pathExists: true for a file and a directory, false for a missing path", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "f");
  assert.equal(await pathExists(file), false);
  await Deno.writeTextFile(file, "x");
  assert.equal(await pathExists(file), true);
  assert.equal(await pathExists(dir.path), true);
  await Deno.remove(file);
  assert.equal(await pathExists(file), false);
});

Deno.test("pathExists: an error other than NotFound is thrown, not taken for absence", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "f");
  await Deno.writeTextFile(file, "x");
  // A path below a regular file fails with ENOTDIR.
  await assert.rejects(() => pathExists(join(file, "below")));
});

Deno.test("...IfExists helpers: content when present, absence when missing", async (t) => {
  await using dir = await tempDir();
  const file = join(dir.path, "f");
  const sub = join(dir.path, "d");
  await t.step("missing", async () => {
    assert.equal(await statIfExists(file), undefined);
    assert.equal(await readTextIfExists(file), undefined);
    assert.equal(await readFileIfExists(file), undefined);
    assert.deepEqual(await readDirIfExists(sub), []);
    await removeIfExists(sub);
  });
  await t.step("present", async () => {
    await Deno.writeTextFile(file, "hi");
    await Deno.mkdir(join(sub, "inner"), { recursive: true });
    assert.equal((await statIfExists(file))?.size, 2);
    assert.equal(await readTextIfExists(file), "hi");
    assert.deepEqual(await readFileIfExists(file), new TextEncoder().encode("hi"));
    assert.deepEqual((await readDirIfExists(sub)).map((e) => e.name), ["inner"]);
    await removeIfExists(sub);
    assert.equal(await pathExists(sub), false);
  });
});

Deno.test("...IfExists helpers: errors other than NotFound are thrown", async (t) => {
  await using dir = await tempDir();
  const file = join(dir.path, "f");
  await Deno.writeTextFile(file, "x");
  const below = join(file, "below"); // ENOTDIR, not ENOENT
  await t.step("stat", () => assert.rejects(() => statIfExists(below)));
  await t.step("readText", () => assert.rejects(() => readTextIfExists(below)));
  await t.step("readFile", () => assert.rejects(() => readFileIfExists(below)));
  await t.step("readDir of a file", () => assert.rejects(() => readDirIfExists(file)));
  await t.step("remove of a non-empty directory without recursive", async () => {
    await Deno.mkdir(join(dir.path, "d", "e"), { recursive: true });
    await assert.rejects(() => removeIfExists(join(dir.path, "d"), { recursive: false }));
  });
});
