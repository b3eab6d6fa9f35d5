/**
 * Hostile input never reaches a user as a stack trace: every faulty manifest path, faulty file,
 * oversized or deeply nested document, impossible image path or escaping volume path gives one
 * line `Error: …` naming the file, and no `at …` frames. Runs the real command tree in-process.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { projectDir, runRkl } from "./testing.ts";
import { tempDir } from "../core/testing.ts";

const busybox = join(projectDir, "testdata/bundles/busybox");

/** Asserts that `err` is exactly one line `Error: …` without stack frames. */
function assertOneLineError(err: string, context: string): void {
  assert.ok(err.startsWith("Error: "), `${context}: starts with "Error: ": ${err}`);
  assert.equal(err.trimEnd().split("\n").length, 1, `${context}: one line: ${err}`);
  assert.doesNotMatch(err, /^\s+at /m, `${context}: no stack frames`);
  assert.ok(err.length < 2100, `${context}: short (${err.length} chars)`);
}

function pod(image: string, extra = ""): string {
  return `apiVersion: v1\nkind: Pod\nmetadata: {name: hostile}\nspec:\n${extra}  containers:\n` +
    `  - name: c\n    image: ${JSON.stringify(image)}\n    args: [sleep, "1"]\n`;
}

function single(image: string): string {
  return `name: hostile\nimage: ${JSON.stringify(image)}\nargs: [sleep, "1"]\n`;
}

Deno.test("rkl prints one line naming the file for every faulty manifest file", async (t) => {
  await using dir = await tempDir("rkl-hostile-");
  const d = dir.path;
  await Deno.symlink(join(d, "loop-b"), join(d, "loop-a"));
  await Deno.symlink(join(d, "loop-a"), join(d, "loop-b"));
  // busybox is on the test permission list; mkfifo itself is not.
  await new Deno.Command("/usr/bin/busybox", { args: ["mkfifo", join(d, "fifo")] }).output();
  await Deno.writeFile(join(d, "big.yaml"), new Uint8Array(1024 * 1024 + 1).fill(0x20));
  await Deno.writeFile(join(d, "latin1.yaml"), new Uint8Array([0x6e, 0x3a, 0x20, 0xe9, 0x0a]));
  const root = join(d, "root");
  const cases: [string, string, RegExp][] = [
    ["missing file", join(d, "missing.yaml"), /missing\.yaml: cannot read file: not found/],
    ["a directory", d, /cannot read file: expected a regular file, got a directory/],
    ["a symlink loop", join(d, "loop-a"), /loop-a: cannot read file: too many levels/],
    ["/proc/self/mem", "/proc/self/mem", /\/proc\/self\/mem: cannot read file/],
    ["/dev/zero", "/dev/zero", /\/dev\/zero: cannot read file: .*character device/],
    ["more than 1 MiB", join(d, "big.yaml"), /big\.yaml: cannot read file: larger than the 1 MiB/],
    ["not UTF-8", join(d, "latin1.yaml"), /latin1\.yaml: cannot read file: not UTF-8/],
    ["a path under a file", join(d, "big.yaml", "x.yaml"), /x\.yaml: cannot read file: a path/],
    ["a NUL byte in the path", join(d, "a\0b.yaml"), /a\\0b\.yaml: cannot read file: .*NUL/],
    ["a 5000-character path", join(d, "x".repeat(5000)), /cannot read file: /],
  ];
  if ((await Deno.lstat(join(d, "fifo")).catch(() => undefined))?.isFifo) {
    cases.push(["a FIFO (must not hang)", join(d, "fifo"), /fifo: cannot read file: .*FIFO/]);
  }
  for (const [what, file, expected] of cases) {
    for (const group of ["pod", "c"]) {
      await t.step(`${group} run: ${what}`, async () => {
        const r = await runRkl(["--root", root, group, "run", file]);
        assert.equal(r.code, 1);
        assertOneLineError(r.err, what);
        assert.match(r.err, expected);
      });
    }
  }
});

Deno.test("rkl prints one line naming file, line and field for hostile manifest content", async (t) => {
  await using dir = await tempDir("rkl-hostile-");
  const d = dir.path;
  await Deno.writeTextFile(join(d, "plain-file"), "x");
  await Deno.mkdir(join(d, "evil"));
  await Deno.symlink("/", join(d, "evil", "rootfs"));
  const root = join(d, "root");
  const nested = (n: number) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: x, labels: ${"{a: ".repeat(n)}1${
      "}".repeat(n)
    }}\n` +
    `spec:\n  containers: [{name: c, image: ${busybox}, args: [sleep, "1"]}]\n`;
  const many = (n: number) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: many}\nspec:\n  containers:\n` +
    Array.from(
      { length: n },
      (_, i) => `  - {name: c${i}, image: ${busybox}, args: [sleep, "1"]}\n`,
    )
      .join("");
  const long = `/tmp/${"a".repeat(300)}`;
  const podCases: [string, string, RegExp][] = [
    ["2,000 nested mappings", nested(2000), /m\.yaml:\d+:\d+: invalid YAML: nesting is too deep/],
    ["an image path under a file", pod(join(d, "plain-file", "img")), /image: .*not a directory/],
    [
      "/proc/self/root as image",
      pod("/proc/self/root"),
      /image: image directory "\/proc\/self\/root"/,
    ],
    ["a 300-character image path", pod(long), /image: .*aaaa…\(\d+ chars\)…aaaa/],
    ["a NUL byte in the image path", pod("/tmp/a\0b"), /image: .*NUL byte/],
    [
      "a bundle whose rootfs links to /",
      pod(join(d, "evil")),
      /rootfs" is a symbolic link to "\/"/,
    ],
    [
      "'..' in a hostPath",
      pod(busybox, "  volumes: [{name: v, hostPath: {path: /tmp/../etc}}]\n"),
      /spec\.volumes\[0\]\.hostPath\.path: must not contain '\.\.'/,
    ],
    [
      "10,000 containers",
      many(10_000),
      /spec\.containers: at most 100 items are allowed, got 10000/,
    ],
    ["101 containers", many(101), /spec\.containers: at most 100 items/],
  ];
  for (const [what, text, expected] of podCases) {
    await t.step(`pod run: ${what}`, async () => {
      await Deno.writeTextFile(join(d, "m.yaml"), text);
      const r = await runRkl(["--root", root, "pod", "run", join(d, "m.yaml")]);
      assert.equal(r.code, 1);
      assertOneLineError(r.err, what);
      assert.match(r.err, /m\.yaml/);
      assert.match(r.err, expected);
    });
  }
  const singleCases: [string, string, RegExp][] = [
    ["/proc/self/root as image", single("/proc/self/root"), /2:8: image: /],
    ["a 300-character image path", single(long), /2:8: image: .*…\(\d+ chars\)…/],
    ["a NUL byte in the image path", single("/tmp/a\0b"), /2:8: image: .*NUL byte/],
    ["a bundle whose rootfs links to /", single(join(d, "evil")), /rootfs" is a symbolic link/],
    [
      "'..' in a hostPath mount",
      single(busybox) + "volumeMounts: [{mountPath: /m, hostPath: /tmp/../etc}]\n",
      /volumeMounts\[0\]\.hostPath: must not contain '\.\.'/,
    ],
  ];
  for (const [what, text, expected] of singleCases) {
    await t.step(`container run: ${what}`, async () => {
      await Deno.writeTextFile(join(d, "m.yaml"), text);
      const r = await runRkl(["--root", root, "c", "run", join(d, "m.yaml")]);
      assert.equal(r.code, 1);
      assertOneLineError(r.err, what);
      assert.match(r.err, expected);
    });
  }
});
