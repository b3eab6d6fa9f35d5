import assert from "node:assert/strict";
import { tempDir } from "../core/testing.ts";
import { engineFor } from "./engine.ts";

const io = { stdout() {}, stderr() {}, env: { PATH: Deno.env.get("PATH") }, cwd: "/" };

Deno.test("engineFor() finds the runtime on PATH when it is first used", async () => {
  await using dir = await tempDir("rkl-engine-");
  const engine = await engineFor(io, { root: dir.path, runtime: undefined });
  try {
    // Known without a search: the runtime's root.
    assert.deepEqual(engine.runtime.globalArgs(), ["--root", engine.paths.runtimeRoot]);
    assert.equal(engine.runtime.root, engine.paths.runtimeRoot);
    // Then found: youki, runc or crun (runc here).
    assert.match(engine.runtime.binary, /\/(youki|runc|crun)$/);
    assert.equal(engine.runtime.name, engine.runtime.binary.split("/").pop());
    assert.deepEqual(await engine.runtime.list(), []);
    assert.equal(await engine.runtime.state("no-such-ctr"), undefined);
  } finally {
    engine.close();
  }
});

Deno.test("engineFor() checks a runtime named with --runtime at once", async () => {
  await using dir = await tempDir("rkl-engine-");
  await assert.rejects(
    engineFor(io, { root: dir.path, runtime: "nosuchruntime" }),
    /OCI runtime "nosuchruntime" not found on PATH/,
  );
  const engine = await engineFor(io, { root: dir.path, runtime: "runc" });
  assert.equal(engine.runtime.name, "runc");
  engine.close();
});
