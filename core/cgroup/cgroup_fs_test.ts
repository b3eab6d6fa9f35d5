// The cgroup readers and writers against a fake mount root: a plain directory tree laid out like
// /sys/fs/cgroup, read and written with the same cat/tee/rmdir the real one uses.
import assert from "node:assert/strict";
import { join } from "node:path";
import { CommandError } from "../errors.ts";
import { tempDir } from "../testing.ts";
import { applyPodLimits, cgroupDirs, readCgroupLimits, removeCgroup } from "./mod.ts";

async function files(root: string, entries: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(entries)) {
    await Deno.mkdir(join(root, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, rel), text);
  }
}

function read(root: string, rel: string): Promise<string> {
  return Deno.readTextFile(join(root, rel));
}

Deno.test("cgroupDirs() and removeCgroup() find and remove a cgroup's directories", async (t) => {
  await using root = await tempDir();
  await files(root.path, { "memory/rkl/a/cgroup.procs": "", "rkl/a/cgroup.procs": "" });
  await t.step("existing directories only", async () => {
    assert.deepEqual(await cgroupDirs("/rkl/a", root.path), [
      join(root.path, "memory/rkl/a"),
      join(root.path, "rkl/a"),
    ]);
    assert.deepEqual(await cgroupDirs("/rkl/none", root.path), []);
  });
  await t.step("a directory that is not empty is reported", async () => {
    await assert.rejects(() => removeCgroup("/rkl/a", root.path), CommandError);
  });
  await t.step("empty directories are removed; missing ones are fine", async () => {
    await Deno.remove(join(root.path, "memory/rkl/a/cgroup.procs"));
    await Deno.remove(join(root.path, "rkl/a/cgroup.procs"));
    await removeCgroup("/rkl/a", root.path);
    assert.deepEqual(await cgroupDirs("/rkl/a", root.path), []);
    await removeCgroup("/rkl/a", root.path);
  });
});

Deno.test("applyPodLimits() and readCgroupLimits() on a v1 layout", async () => {
  await using root = await tempDir();
  await files(root.path, {
    "memory/rkl/p/memory.limit_in_bytes": "9223372036854771712\n",
    "cpu/rkl/p/cpu.cfs_quota_us": "-1\n",
    "cpu/rkl/p/cpu.cfs_period_us": "100000\n",
  });
  assert.deepEqual(await readCgroupLimits("/rkl/p", root.path), {
    version: 1,
    memory: "max",
    cpuQuota: "max",
    cpuPeriod: 100000,
  });
  assert.equal(await applyPodLimits("/rkl/p", { cpu: "500m", memory: "1Mi" }, root.path), 1);
  // tee writes the bare value; the kernel's files end in a newline, a plain file does not.
  assert.equal(await read(root.path, "memory/rkl/p/memory.limit_in_bytes"), "1048576");
  assert.equal(await read(root.path, "cpu/rkl/p/cpu.cfs_quota_us"), "50000");
  assert.equal(await read(root.path, "cpu/rkl/p/cpu.cfs_period_us"), "100000");
});

Deno.test("applyPodLimits() and readCgroupLimits() on a v2 layout", async () => {
  await using root = await tempDir();
  await files(root.path, { "rkl/p/memory.max": "max\n", "rkl/p/cpu.max": "max 100000\n" });
  assert.deepEqual(await readCgroupLimits("/rkl/p", root.path), {
    version: 2,
    memory: "max",
    cpuQuota: "max",
    cpuPeriod: 100000,
  });
  assert.equal(await applyPodLimits("/rkl/p", { memory: "2Mi", cpu: "1" }, root.path), 2);
  assert.equal(await read(root.path, "rkl/p/memory.max"), "2097152");
  assert.equal(await read(root.path, "rkl/p/cpu.max"), "100000 100000");
  await files(root.path, { "rkl/p/memory.max": "2097152\n", "rkl/p/cpu.max": "50000 100000\n" });
  assert.deepEqual(await readCgroupLimits("/rkl/p", root.path), {
    version: 2,
    memory: 2097152,
    cpuQuota: 50000,
    cpuPeriod: 100000,
  });
});

Deno.test("applyPodLimits() writes nothing without limits and fails when the cgroup is missing", async () => {
  await using root = await tempDir();
  assert.equal(await applyPodLimits("/rkl/p", {}, root.path), undefined);
  await assert.rejects(
    () => applyPodLimits("/rkl/p", { memory: "1Mi" }, root.path),
    (e: unknown) => e instanceof CommandError && /memory\.max/.test(e.message),
  );
  await assert.rejects(() => applyPodLimits("/", { memory: "1Mi" }, root.path), TypeError);
});
