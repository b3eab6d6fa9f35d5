import assert from "node:assert/strict";
import { join } from "node:path";
import type { ContainerView } from "../container/mod.ts";
import { classifyExit } from "./observe.ts";

/** The fields of a view classifyExit reads (a test fake for the rest). */
function exited(exitCode: number, stateDir: string): ContainerView {
  return {
    exitCode,
    record: { id: "c1", stateDir, config: { cgroupParent: undefined } },
  } as unknown as ContainerView;
}

Deno.test("classifyExit() tells Completed, Error, signals and OOMKilled apart", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rkl-classify-" });
  try {
    const none = () => Promise.resolve(undefined);
    await t.step("exit 0 is Completed and never asks the cgroup", async () => {
      const f = await classifyExit(exited(0, dir), () => {
        throw new Error("read the cgroup for exit 0");
      });
      assert.deepEqual(f, { reason: "Completed", message: "" });
    });
    await t.step("exit 3 is Error; 137 is Error with signal 9 without an OOM kill", async () => {
      assert.equal((await classifyExit(exited(3, dir), none)).reason, "Error");
      const killed = await classifyExit(exited(137, dir), () => Promise.resolve(0));
      assert.equal(killed.reason, "Error");
      assert.equal(killed.signal, 9);
    });
    await t.step("the memory cgroup's OOM kill counter makes it OOMKilled", async () => {
      const f = await classifyExit(exited(137, dir), () => Promise.resolve(1));
      assert.equal(f.reason, "OOMKilled");
      assert.match(f.message, /counted 1 OOM kill/);
    });
    await t.step(
      "conmon's oom file in the bundle makes it OOMKilled when the cgroup is gone",
      async () => {
        await Deno.writeTextFile(join(dir, "oom"), "");
        const f = await classifyExit(exited(137, dir), none);
        assert.equal(f.reason, "OOMKilled");
        assert.match(f.message, /oom file/);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
