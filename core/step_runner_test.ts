import assert from "node:assert/strict";
import { CleanupError } from "./errors.ts";
import { StepRunner } from "./step_runner.ts";

const fail = (msg: string) => () => {
  throw new Error(msg);
};

Deno.test("StepRunner", async (t) => {
  await t.step("keeps going past a failure with run()", async () => {
    const steps = new StepRunner();
    const ran: string[] = [];
    assert.equal(await steps.run("a", fail("a broke")), false);
    assert.equal(await steps.run("b", () => void ran.push("b")), true);
    assert.deepEqual(ran, ["b"]);
    assert.equal(steps.ok, false);
    assert.deepEqual(steps.failures.map((f) => f.step), ["a"]);
  });

  await t.step("stops with runIfClean() and reports the skipped steps as left behind", async () => {
    const steps = new StepRunner();
    const ran: string[] = [];
    await steps.run("detach network", fail("CNI DEL failed"));
    await steps.runIfClean("remove state dir", () => void ran.push("dir"));
    await steps.runIfClean("delete record", () => void ran.push("record"));
    assert.deepEqual(ran, []);
    assert.deepEqual(steps.skipped, ["remove state dir", "delete record"]);
    assert.throws(
      () => steps.throwIfFailed(),
      (e: unknown) =>
        e instanceof CleanupError &&
        e.leftBehind.join("|") === "detach network|remove state dir|delete record" &&
        e.message ===
          "Cleanup failed, left behind: detach network (CNI DEL failed); " +
            "remove state dir (not attempted); delete record (not attempted)",
    );
  });

  await t.step(
    "runIfClean() runs while nothing failed; throwIfFailed() is then silent",
    async () => {
      const steps = new StepRunner();
      assert.equal(await steps.runIfClean("x", () => Promise.resolve()), true);
      steps.throwIfFailed();
      assert.equal(steps.error(), undefined);
    },
  );

  await t.step("runAll() runs steps concurrently and records each failure", async () => {
    const steps = new StepRunner();
    let release!: () => void;
    const gate = new Promise<void>((r) => release = r);
    const ran: string[] = [];
    await steps.runAll([
      {
        name: "waits",
        run: async () => {
          await gate;
          ran.push("waits");
        },
      },
      {
        name: "opens",
        run: () => {
          ran.push("opens");
          release();
        },
      },
      { name: "fails", run: () => Promise.reject(new Error("no")) },
    ]);
    assert.deepEqual(ran, ["opens", "waits"]);
    assert.deepEqual(steps.failures.map((f) => f.step), ["fails"]);
  });

  await t.step("error(original) reports a rollback failure after the original", async () => {
    const steps = new StepRunner();
    await steps.run("remove /d", fail("EBUSY"));
    const e = steps.error(new Error("create failed"));
    assert.ok(e instanceof CleanupError);
    assert.equal(e.message, "create failed; rollback failed, left behind: remove /d (EBUSY)");
  });
});
