/**
 * A failed operation whose rollback fails too: the CLI names both the failure and what the
 * rollback left behind, without RKL_DEBUG, and `rkl gc` releases it once it can.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir, testBundles } from "../core/testing.ts";
import { failingPluginDir } from "../net/_test_util.ts";
import { runRkl } from "./testing.ts";

rootTest(
  "rkl container run reports a rollback that failed, naming what it left behind",
  async () => {
    await using dir = await tempDir("rkl-rollback-");
    const root = ["--root", dir.path];
    const flag = join(dir.path, "fail-del");
    // The default network: one plugin that refuses ADD, and DEL while the flag file exists.
    await Deno.mkdir(join(dir.path, "etc", "cni"), { recursive: true });
    await Deno.writeTextFile(
      join(dir.path, "etc", "cni", "rkl.conflist"),
      JSON.stringify({
        cniVersion: "1.0.0",
        name: "rkl",
        plugins: [{ type: "rkl-fail", failDelWhile: flag }],
      }),
    );
    await Deno.writeTextFile(flag, "");
    const manifest = join(dir.path, "c.yaml");
    await Deno.writeTextFile(
      manifest,
      `name: leaky\nimage: ${testBundles.busybox}\nargs: ["/bin/sleep", "60"]\n`,
    );
    const env = { CNI_PATH: `${failingPluginDir}:/usr/lib/cni:/opt/cni/bin` };
    const attachments = join(dir.path, "lib", "cni", "attachments");
    try {
      const r = await runRkl([...root, "container", "run", manifest], { cwd: "/", env });
      assert.equal(r.code, 1, r.err);
      assert.equal(r.out, "");
      const lines = r.err.trimEnd().split("\n");
      assert.equal(lines.length, 1, `one line: ${r.err}`);
      assert.match(
        r.err.trimEnd(),
        /^Error: CNI plugin "rkl-fail" failed on ADD for network "rkl": rkl-fail refuses ADD .*; rollback failed, left behind: release network attachment "[0-9a-f]+" \(CNI DEL on network "rkl" for leaky \(CNI plugin "rkl-fail" failed on DEL for network "rkl": rkl-fail refuses DEL \(injected failure\) \(code 7\)\)\)$/,
      );
      assert.equal((await Array.fromAsync(Deno.readDir(attachments))).length, 1);
      // The container itself was rolled back.
      const ls = await runRkl([...root, "container", "list", "-q"], { cwd: "/", env });
      assert.equal(ls.out, "");

      // Once DEL works again, gc releases what was left.
      await Deno.remove(flag);
      const gc = await runRkl([...root, "gc"], { cwd: "/", env });
      assert.equal(gc.code, 0, gc.err);
      assert.match(gc.out, /released attachment [0-9a-f]+ \(leaky\)/);
      assert.deepEqual(await Array.fromAsync(Deno.readDir(attachments)), []);
    } finally {
      await Deno.remove(flag).catch(() => {});
      await runRkl([...root, "gc"], { cwd: "/", env });
    }
  },
);
