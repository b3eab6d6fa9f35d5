import assert from "node:assert/strict";
import {
  payloadDirName,
  projectedPathProblem,
  projectedTopLevel,
  writeProjectedFiles,
} from "./projected_files.ts";

const file = (path: string, text: string, mode = 0o644) => ({ path, data: btoa(text), mode });

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    out.push(e.isSymlink ? `${e.name} -> ${await Deno.readLink(`${dir}/${e.name}`)}` : e.name);
  }
  return out.sort();
}

Deno.test("writeProjectedFiles() writes like the kubelet's atomic writer", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rk8s-projected-" });
  try {
    const t0 = new Date(Date.UTC(2026, 11, 1, 0, 10, 22));
    await t.step("first payload: ..data, a timestamped dir, links per top-level name", async () => {
      assert.equal(
        await writeProjectedFiles(dir, [file("a", "A"), file("conf/b", "B", 0o400)], t0),
        true,
      );
      const names = await listing(dir);
      assert.equal(names.length, 4, names.join(", "));
      assert.match(names[0]!, /^\.\.2026_12_01_00_10_22\.\d{9}$/);
      assert.equal(names[1], `..data -> ${names[0]}`);
      assert.deepEqual(names.slice(2), ["a -> ..data/a", "conf -> ..data/conf"]);
      assert.equal(await Deno.readTextFile(`${dir}/conf/b`), "B");
      assert.equal((await Deno.stat(`${dir}/conf/b`)).mode! & 0o777, 0o400);
    });
    await t.step("the same payload writes nothing", async () => {
      const before = await listing(dir);
      assert.equal(
        await writeProjectedFiles(dir, [file("a", "A"), file("conf/b", "B", 0o400)]),
        false,
      );
      assert.deepEqual(await listing(dir), before);
    });
    await t.step("a mode change alone is a new payload", async () => {
      assert.equal(
        await writeProjectedFiles(dir, [file("a", "A"), file("conf/b", "B", 0o440)]),
        true,
      );
      assert.equal((await Deno.stat(`${dir}/conf/b`)).mode! & 0o777, 0o440);
    });
    await t.step("an update replaces the payload; removed names and the old dir go", async () => {
      const old = await Deno.readLink(`${dir}/..data`);
      // A process holding the old file keeps reading the old content.
      const held = await Deno.open(`${dir}/a`);
      assert.equal(await writeProjectedFiles(dir, [file("a", "A2"), file("c", "C")]), true);
      const names = await listing(dir);
      assert.ok(!names.some((n) => n.startsWith(old)), names.join(", "));
      assert.ok(!names.some((n) => n.startsWith("conf")), names.join(", "));
      assert.ok(names.includes("c -> ..data/c"));
      assert.equal(await Deno.readTextFile(`${dir}/a`), "A2");
      const buf = new Uint8Array(8);
      const n = await held.read(buf);
      held.close();
      assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), "A");
    });
    await t.step("a path that escapes is refused before anything is written", async () => {
      const before = await listing(dir);
      await assert.rejects(writeProjectedFiles(dir, [file("../x", "X")]), TypeError);
      await assert.rejects(writeProjectedFiles(dir, [file("..data/x", "X")]), /must not start/);
      assert.deepEqual(await listing(dir), before);
    });
    await t.step("an empty payload leaves only ..data and its empty dir", async () => {
      assert.equal(await writeProjectedFiles(dir, []), true);
      const names = await listing(dir);
      assert.equal(names.length, 2, names.join(", "));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("projected path rules, top-level names and payload dir names", () => {
  assert.equal(projectedPathProblem("a/b"), undefined);
  assert.match(projectedPathProblem("/a")!, /relative/);
  assert.match(projectedPathProblem("a/../b")!, /\.\./);
  assert.match(projectedPathProblem("a//b")!, /empty/);
  assert.deepEqual(projectedTopLevel([file("z", ""), file("a/b", ""), file("a/c", "")]), [
    "a",
    "z",
  ]);
  assert.equal(
    payloadDirName(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), "7"),
    "..2026_01_02_03_04_05.7",
  );
});
