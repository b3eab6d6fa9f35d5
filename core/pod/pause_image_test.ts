import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../testing.ts";
import { ensurePauseBundle, pauseArgs } from "./pause_image.ts";

Deno.test("ensurePauseBundle() builds the pause rootfs once under the data dir", async () => {
  await using dir = await tempDir("rk8s-pause-");
  const fakeCatatonit = join(dir.path, "catatonit-bin");
  await Deno.writeTextFile(fakeCatatonit, "#!/bin/false\n");
  const bundle = await ensurePauseBundle(join(dir.path, "lib"), [
    join(dir.path, "nope"),
    fakeCatatonit,
  ]);
  assert.equal(bundle, join(dir.path, "lib", "images", "pause"));
  const st = await Deno.stat(join(bundle, "rootfs", "catatonit"));
  assert.equal(st.mode! & 0o777, 0o755);
  assert.ok((await Deno.stat(join(bundle, "rootfs", "proc"))).isDirectory);
  assert.deepEqual(await pauseArgs(bundle), ["/catatonit", "-P"]);

  // Second call keeps the same files (same inode), a changed binary rebuilds.
  const ino = st.ino;
  await ensurePauseBundle(join(dir.path, "lib"), [fakeCatatonit]);
  assert.equal((await Deno.stat(join(bundle, "rootfs", "catatonit"))).ino, ino);
  await Deno.writeTextFile(fakeCatatonit, "#!/bin/false\n# changed\n");
  await ensurePauseBundle(join(dir.path, "lib"), [fakeCatatonit]);
  assert.equal(
    await Deno.readTextFile(join(bundle, "rootfs", "catatonit")),
    "#!/bin/false\n# changed\n",
  );
  const leftovers = [];
  for await (const e of Deno.readDir(join(dir.path, "lib", "images"))) leftovers.push(e.name);
  assert.deepEqual(leftovers, ["pause"]);
});

Deno.test("ensurePauseBundle() names the package to install when catatonit is missing", async () => {
  await using dir = await tempDir("rk8s-pause-");
  await assert.rejects(
    () => ensurePauseBundle(dir.path, [join(dir.path, "none")]),
    /catatonit not found .*install the Debian package catatonit/,
  );
});

Deno.test("pauseArgs() prefers the bundle's own config.json, then known programs", async () => {
  await using dir = await tempDir("rk8s-pause-");
  await Deno.mkdir(join(dir.path, "rootfs"));
  await assert.rejects(() => pauseArgs(dir.path), /has no pause program/);
  await Deno.writeTextFile(join(dir.path, "rootfs", "pause"), "");
  assert.deepEqual(await pauseArgs(dir.path), ["/pause"]);
  await Deno.writeTextFile(
    join(dir.path, "config.json"),
    JSON.stringify({ process: { args: ["/pause", "-v"] } }),
  );
  assert.deepEqual(await pauseArgs(dir.path), ["/pause", "-v"]);
  await Deno.writeTextFile(join(dir.path, "config.json"), "{");
  await assert.rejects(() => pauseArgs(dir.path), /config\.json is not valid JSON/);
});
