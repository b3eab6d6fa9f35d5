/**
 * Bounded waits on the runtime and the monitor, and `gc` of what belongs to no record, against
 * the real runtime (runc here) and conmon.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { containerStatus, runContainer } from "./container/mod.ts";
import { deleteContainerRecord, listContainerRecords } from "./store/containers.ts";
import { collectOrphans } from "./orphan_gc.ts";
import { processTable } from "./runtime/conmon.ts";
import { rootTest, testBundles, withTempEngine } from "./testing.ts";

async function processesOf(root: string): Promise<string[]> {
  return (await processTable()).filter((p) => p.args.includes(root)).map((p) =>
    `${p.pid} ${p.args.slice(0, 120)}`
  );
}

async function mountsUnder(root: string): Promise<string[]> {
  const proc = await new Deno.Command("mount", { stdout: "piped" }).output();
  return new TextDecoder().decode(proc.stdout).split("\n").filter((l) => l.includes(root));
}

rootTest(
  "a 70,000-character command fails with the runtime's message and leaves no monitor or runtime running",
  async () => {
    await withTempEngine({ prefix: "rkl-huge-" }, async (engine, root) => {
      await assert.rejects(
        runContainer(engine, {
          name: "huge",
          image: testBundles.busybox,
          command: ["x".repeat(70_000)],
          hostNetwork: true,
        }),
        (e: unknown) => {
          assert.ok(e instanceof Error);
          assert.match(e.message, /Runtime runc failed to create container "huge": .*exec: "x+…/);
          assert.ok(e.message.length < 1500, `shortened: ${e.message.length} chars`);
          return true;
        },
      );
      assert.deepEqual(await processesOf(root), [], "no conmon or runc left for this root");
      assert.deepEqual(await engine.runtime.list(), []);
      assert.deepEqual(listContainerRecords(engine.db, {}), []);
      assert.deepEqual(await mountsUnder(root), []);
    });
  },
);

rootTest("gc kills a monitor and deletes a container whose record is gone", async () => {
  await withTempEngine({ prefix: "rkl-orphan-" }, async (engine, root) => {
    const rec = await runContainer(engine, {
      name: "orphan",
      image: testBundles.busybox,
      args: ["sleep", "3600"],
      hostNetwork: true,
    });
    assert.equal((await containerStatus(engine, "orphan")).status, "running");
    // As if the process that owned it crashed after forgetting the record.
    deleteContainerRecord(engine.db, rec.id);
    assert.ok((await processesOf(root)).some((p) => p.includes("conmon")), "conmon runs");

    const report = await collectOrphans(engine);
    assert.ok(
      report.details.some((d) => /killed orphan monitor process \d+/.test(d)),
      report.details.join("\n"),
    );
    assert.ok(report.details.includes(`deleted runtime container ${rec.id} (no record)`));
    assert.ok(report.details.some((d) => d.startsWith("removed container state dir")));
    assert.deepEqual(await processesOf(root), []);
    assert.deepEqual(await engine.runtime.list(), []);
    assert.deepEqual(await mountsUnder(root), []);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(root, "lib", "containers"))), []);
    // A second run finds nothing.
    assert.deepEqual((await collectOrphans(engine)).details, []);
  });
});
