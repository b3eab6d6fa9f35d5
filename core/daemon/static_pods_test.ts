import assert from "node:assert/strict";
import { join } from "node:path";
import { StaticPodSource } from "./static_pods.ts";

const pod = (name: string, image = "/img") =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: app\n      image: ${image}\n`;

Deno.test("StaticPodSource reads one pod per file and reports each problem once per change", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rkl-static-" });
  try {
    const src = new StaticPodSource(dir, "node1", { checkImage: () => undefined });
    await t.step("an empty or missing directory has no pods", async () => {
      assert.deepEqual((await new StaticPodSource(join(dir, "nope"), "n").scan()).desired, []);
      assert.deepEqual((await src.scan()).desired, []);
    });
    await t.step(
      "YAML and JSON files become pods named after the node; editor files are ignored",
      async () => {
        await Deno.writeTextFile(join(dir, "web.yaml"), pod("web"));
        await Deno.writeTextFile(
          join(dir, "db.json"),
          JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "db" },
            spec: { containers: [{ name: "app", image: "/img" }] },
          }),
        );
        for (const junk of [".web.yaml.swp", "web.yaml~", ".hidden.yaml", "notes.txt"]) {
          await Deno.writeTextFile(join(dir, junk), "not: [valid");
        }
        const scan = await src.scan();
        assert.deepEqual(scan.desired.map((d) => d.key), ["default/db-node1", "default/web-node1"]);
        assert.deepEqual(scan.newProblems, []);
        const web = scan.desired.find((d) => d.key === "default/web-node1")!;
        assert.equal(web.manifest.annotations["kubernetes.io/config.source"], "file");
        assert.equal(web.manifest.annotations["rk8s.io/config.file"], join(dir, "web.yaml"));
        assert.equal(web.manifest.annotations["kubernetes.io/config.hash"], web.hash);
      },
    );
    await t.step("a malformed file is reported once with file:line and skipped", async () => {
      await Deno.writeTextFile(
        join(dir, "bad.yaml"),
        pod("bad").replace("name: app", "name: App_1"),
      );
      const first = await src.scan();
      assert.equal(first.newProblems.length, 1);
      assert.match(
        first.newProblems[0]!.message,
        /bad\.yaml:\d+:\d+: spec\.containers\[0\]\.name: /,
      );
      assert.deepEqual(first.desired.map((d) => d.key), ["default/db-node1", "default/web-node1"]);
      const again = await src.scan();
      assert.deepEqual(again.newProblems, [], "not reported again while unchanged");
      assert.equal(again.problems.length, 1, "still listed as a current problem");
    });
    await t.step("a changed spec changes the hash; a removed file removes the pod", async () => {
      const before = (await src.scan()).desired.find((d) => d.key === "default/web-node1")!.hash;
      await Deno.writeTextFile(join(dir, "web.yaml"), pod("web", "/other-image"));
      const after = (await src.scan()).desired.find((d) => d.key === "default/web-node1")!.hash;
      assert.notEqual(after, before);
      await Deno.remove(join(dir, "db.json"));
      assert.deepEqual((await src.scan()).desired.map((d) => d.key), ["default/web-node1"]);
    });
    await t.step(
      "two files with the same pod name: the first wins, the second is a problem",
      async () => {
        await Deno.remove(join(dir, "bad.yaml"));
        await Deno.writeTextFile(join(dir, "zz-web.yaml"), pod("web"));
        const scan = await src.scan();
        assert.deepEqual(scan.desired.map((d) => d.manifest.annotations["rk8s.io/config.file"]), [
          join(dir, "web.yaml"),
        ]);
        assert.equal(scan.newProblems.length, 1);
        assert.match(
          scan.newProblems[0]!.message,
          /zz-web\.yaml:4:9: metadata\.name: pod "default\/web-node1" is already defined in .*\/web\.yaml$/,
        );
        assert.deepEqual((await src.scan()).newProblems, []);
      },
    );
    await t.step(
      "a FIFO or a file that is not text is a problem naming the file (a directory is skipped); nothing blocks",
      async () => {
        await Deno.remove(join(dir, "zz-web.yaml"));
        const fifo = join(dir, "fifo.yaml");
        const mk = await new Deno.Command("/usr/bin/busybox", { args: ["mkfifo", fifo] }).output();
        assert.ok(mk.success);
        await Deno.mkdir(join(dir, "dir.yaml"));
        await Deno.writeFile(join(dir, "binary.yaml"), new Uint8Array([0xff, 0xfe, 0x00]));
        const scan = await src.scan();
        assert.deepEqual(scan.desired.map((d) => d.key), ["default/web-node1"]);
        const messages = scan.newProblems.map((p) => p.message).sort();
        assert.equal(messages.length, 2, messages.join("\n"));
        assert.match(messages[0]!, /binary\.yaml: cannot read file: not UTF-8 text/);
        assert.match(
          messages[1]!,
          /fifo\.yaml: cannot read file: expected a regular file, got a FIFO/,
        );
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("StaticPodSource.stamp() changes with an edit in place, not with ignored files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rkl-static-stamp-" });
  try {
    const src = new StaticPodSource(dir, "node1");
    assert.equal(new StaticPodSource(join(dir, "nope"), "n").stamp(), "missing");
    await Deno.writeTextFile(join(dir, "web.yaml"), pod("web"));
    const before = src.stamp();
    assert.equal(src.stamp(), before, "stable while nothing changes");
    await Deno.writeTextFile(join(dir, ".web.yaml.swp"), "x");
    assert.equal(src.stamp(), before, "editor files do not count");
    // Rewrite in place with a different size: the directory's own mtime does not change.
    await Deno.writeTextFile(join(dir, "web.yaml"), pod("web", "/another-image"));
    assert.notEqual(src.stamp(), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
