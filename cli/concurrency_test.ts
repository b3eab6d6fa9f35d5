/**
 * Concurrent `rkl` processes on one state root: removals, listings and gc at the same moment.
 * A container that another process removes while it is listed is gone, not an error.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { leftovers, recordIds } from "./_leftovers.ts";
import { projectDir, type RklResult, runRkl, runRklProcess } from "./testing.ts";
import { rootTest, tempDir } from "../core/testing.ts";

const busybox = join(projectDir, "testdata/bundles/busybox");

rootTest("concurrent rm -f, list and gc on one root all succeed and leave nothing", async () => {
  await using dir = await tempDir("rkl-conc-");
  const root = dir.path;
  const containers = ["c0", "c1", "c2"];
  const pods = ["p0", "p1"];
  try {
    for (const name of containers) {
      const file = join(root, `${name}.yaml`);
      await Deno.writeTextFile(file, `name: ${name}\nimage: ${busybox}\nargs: [sleep, "3600"]\n`);
      const r = await runRkl(["--root", root, "c", "run", file]);
      assert.equal(r.code, 0, r.err);
    }
    for (const name of pods) {
      const file = join(root, `${name}.yaml`);
      await Deno.writeTextFile(
        file,
        `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n` +
          `  terminationGracePeriodSeconds: 0\n  containers:\n` +
          `  - {name: a, image: ${busybox}, args: [sleep, "3600"]}\n` +
          `  - {name: b, image: ${busybox}, args: [sleep, "3600"]}\n`,
      );
      const r = await runRkl(["--root", root, "pod", "run", file]);
      assert.equal(r.code, 0, r.err);
    }
    const ids = await recordIds(root);
    const g = ["--root", root];
    // Everything at once, as separate processes with the rkl task's permissions.
    const runs: [string, Promise<RklResult>][] = [
      ...containers.map((n) =>
        [`c rm -f ${n}`, runRklProcess([...g, "c", "rm", "-f", n])] as const
      ),
      ...pods.map((n) => [`pod rm -f ${n}`, runRklProcess([...g, "pod", "rm", "-f", n])] as const),
      ...[1, 2, 3].map((i) => [`c list #${i}`, runRklProcess([...g, "c", "list"])] as const),
      ...[1, 2].map((i) => [`pod list #${i}`, runRklProcess([...g, "pod", "list"])] as const),
      ...[1, 2].map((i) => [`gc #${i}`, runRklProcess([...g, "gc"])] as const),
    ].map(([what, p]) => [what, p] as [string, Promise<RklResult>]);
    for (const [what, p] of runs) {
      const r = await p;
      assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.err}`);
      assert.doesNotMatch(r.err, /no such file|not exist/i, `${what}: ${r.err}`);
    }
    // One more gc (the network of a container removed during the first ones), then nothing.
    assert.equal((await runRkl([...g, "gc"])).code, 0);
    assert.deepEqual(await leftovers(root, [...ids.containers, ...ids.pods]), []);
  } finally {
    for (const n of pods) await runRkl(["--root", root, "pod", "rm", "-f", n]);
    for (const n of containers) await runRkl(["--root", root, "c", "rm", "-f", n]);
  }
});
