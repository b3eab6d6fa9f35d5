/**
 * End-to-end runs of the real entry point (`cli/main.ts`) as separate processes with exactly
 * the permissions of the `rkl` task in deno.json, several at once on one state root.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir } from "../core/testing.ts";
import { runRklProcess as rklProcess } from "./testing.ts";

rootTest("concurrent `rkl container run` processes on one root: all consistent", async () => {
  await using dir = await tempDir("rkl-proc-");
  const root = join(dir.path, "state");
  const manifest = async (name: string) => {
    const file = join(dir.path, `${name}.yaml`);
    await Deno.writeTextFile(
      file,
      `name: ${name}\nimage: ./testdata/bundles/busybox\nargs: [sleep, "100"]\n`,
    );
    return file;
  };
  const [a, b] = [await manifest("proc-a"), await manifest("proc-b")];
  // Two different containers and a second claim on the first name, all at once.
  const results = await Promise.all([
    rklProcess(["--root", root, "container", "run", a]),
    rklProcess(["--root", root, "container", "run", b]),
    rklProcess(["--root", root, "container", "run", a]),
  ]);
  try {
    const ok = results.filter((r) => r.code === 0);
    const failed = results.filter((r) => r.code !== 0);
    assert.equal(ok.length, 2, results.map((r) => r.err).join("\n"));
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.code, 1);
    assert.match(failed[0]!.err, /Container name "proc-a" is already in use/);

    const list = await rklProcess(["--root", root, "c", "list", "-o", "json"]);
    assert.equal(list.code, 0, list.err);
    const infos: { id: string; name: string; status: string }[] = JSON.parse(list.out);
    assert.deepEqual(infos.map((i) => [i.name, i.status]).sort(), [
      ["proc-a", "running"],
      ["proc-b", "running"],
    ]);
    assert.deepEqual(
      infos.map((i) => i.id).sort(),
      ok.map((r) => r.out.trim()).sort(),
      "the printed ids are the listed containers",
    );
    const dirs = await Array.fromAsync(Deno.readDir(join(root, "lib", "containers")));
    assert.equal(dirs.length, 2, "the losing process left no state dir behind");
  } finally {
    const rm = await rklProcess(["--root", root, "c", "rm", "-f", "proc-a", "proc-b"]);
    assert.equal(rm.code, 0, rm.err);
  }
});
