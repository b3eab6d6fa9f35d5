/**
 * `listContainers` against the real runtime (runc) and conmon: statuses come from rkl's records,
 * conmon's exit files and `/proc`; the runtime is asked only where they cannot tell, and agrees.
 */
import assert from "node:assert/strict";
import { run } from "../exec.ts";
import type { OciRuntime } from "../runtime/oci_runtime.ts";
import { rootTest, testBundles, waitFor, withTempEngine } from "../testing.ts";
import {
  createContainer,
  type Engine,
  listContainers,
  removeContainer,
  runContainer,
} from "./mod.ts";

const image = testBundles.busybox;

/** The engine with a runtime that counts its `list` and `state` calls. */
function counting(engine: Engine): { engine: Engine; asked: () => number } {
  let asked = 0;
  const runtime = new Proxy(engine.runtime, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if ((key === "list" || key === "state") && typeof v === "function") {
        return (...args: unknown[]) => {
          asked++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as OciRuntime;
  return { engine: { ...engine, runtime }, asked: () => asked };
}

rootTest("listContainers() tells running and exited containers without the runtime", async (t) => {
  await withTempEngine({
    prefix: "rkl-list-",
    cleanup: async (engine) => {
      for (const v of await listContainers(engine)) {
        await removeContainer(engine, v.record.id, { force: true });
      }
    },
  }, async (real) => {
    const { engine, asked } = counting(real);
    const byName = async () =>
      new Map((await listContainers(engine)).map((v) => [v.record.name, v]));

    await t.step("a running container: running, with its pid, no runtime call", async () => {
      const rec = await runContainer(engine, { name: "up", image, args: ["sleep", "300"] });
      const before = asked();
      const up = (await byName()).get("up");
      assert.equal(up?.status, "running");
      assert.equal(up?.pid, rec.pid);
      assert.equal(asked(), before);
      assert.equal((await real.runtime.state(rec.id))?.status, "running", "runc agrees");
    });

    await t.step(
      "a container that exited: its exit code from conmon, no runtime call",
      async () => {
        await runContainer(engine, { name: "done", image, args: ["sh", "-c", "exit 4"] });
        const before = asked();
        const done = await waitFor("the container to exit", async () => {
          const v = (await byName()).get("done");
          return v?.status === "stopped" ? v : undefined;
        });
        assert.equal(done.exitCode, 4);
        assert.equal(asked(), before);
      },
    );

    await t.step("a created container: the runtime is asked (once for all)", async () => {
      await createContainer(engine, { name: "new", image, args: ["sleep", "300"] });
      const before = asked();
      const all = await byName();
      assert.equal(all.get("new")?.status, "created");
      assert.equal(all.get("up")?.status, "running");
      assert.equal(asked(), before + 1);
      await removeContainer(engine, "new", { force: true });
    });

    await t.step(
      "conmon killed: the re-parented container is asked for and still running",
      async () => {
        const up = (await byName()).get("up")!;
        await run(["kill", "-9", String(up.record.monitorPid)]);
        const still = await waitFor("conmon to be gone and its child re-parented", async () => {
          const before = asked();
          const v = (await byName()).get("up");
          return asked() > before ? v : undefined;
        });
        assert.equal(still?.status, "running");
        assert.equal(still?.pid, up.record.pid);
      },
    );

    await t.step(
      "then its process killed: stopped without an exit file, as runc says",
      async () => {
        const up = (await byName()).get("up")!;
        await run(["kill", "-9", String(up.record.pid)]);
        const gone = await waitFor("the container to be seen stopped", async () => {
          const v = (await byName()).get("up");
          return v?.status === "stopped" ? v : undefined;
        });
        assert.equal(gone.reason, "exited; the monitor recorded no exit code");
        assert.equal(gone.exitCode, undefined);
        assert.equal((await real.runtime.state(up.record.id))?.status, "stopped", "runc agrees");
      },
    );
  });
});
