import assert from "node:assert/strict";
import * as node from "node:path";
import * as ours from "./path.ts";

const samples = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///a",
  "a",
  "a/",
  "a//",
  "/a",
  "/a/",
  "/a//b",
  "./a",
  "../a",
  "a/./b",
  "a/../b",
  "a/../..",
  "/../a",
  "/a/b/../../..",
  "a/b/c/..",
  "/var/lib/rkl/rkl.db",
  ".env",
  "a/.env",
  "file.",
  "..a",
  "...",
  "a.b.c",
  "/a/b.yaml/",
  "x/.hidden.yaml",
  "dir.d/file",
];

Deno.test("path functions return what node:path returns", () => {
  for (const p of samples) {
    assert.equal(ours.normalize(p), node.normalize(p), `normalize(${JSON.stringify(p)})`);
    assert.equal(ours.isAbsolute(p), node.isAbsolute(p), `isAbsolute(${JSON.stringify(p)})`);
    assert.equal(ours.dirname(p), node.dirname(p), `dirname(${JSON.stringify(p)})`);
    assert.equal(ours.basename(p), node.basename(p), `basename(${JSON.stringify(p)})`);
    assert.equal(ours.extname(p), node.extname(p), `extname(${JSON.stringify(p)})`);
    assert.equal(ours.resolve(p), node.resolve(p), `resolve(${JSON.stringify(p)})`);
    // (Deno's node:path returns "/" for basename("/", suffix); Node itself returns "".)
    for (const suffix of /[^/]/.test(p) ? [".yaml", ".c", "a", p] : []) {
      assert.equal(ours.basename(p, suffix), node.basename(p, suffix), `basename(${p}, ${suffix})`);
    }
    for (const q of samples) {
      const args = `(${JSON.stringify(p)}, ${JSON.stringify(q)})`;
      assert.equal(ours.join(p, q), node.join(p, q), `join${args}`);
      assert.equal(ours.resolve(p, q), node.resolve(p, q), `resolve${args}`);
      assert.equal(ours.resolve("/w", p, q), node.resolve("/w", p, q), `resolve("/w", …${args}`);
      assert.equal(ours.relative(p, q), node.relative(p, q), `relative${args}`);
    }
  }
  assert.equal(ours.join(), node.join());
  assert.equal(ours.join("a", "", "b"), node.join("a", "", "b"));
  assert.equal(ours.resolve(), node.resolve());
  assert.equal(ours.sep, node.sep);
});
