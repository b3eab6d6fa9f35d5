import assert from "node:assert/strict";
import { join } from "node:path";
import { pathExists } from "./fs.ts";
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
