import assert from "node:assert/strict";
import { CleanupError, ConflictError, findCleanupError, UsageError } from "./errors.ts";
import { UndoStack } from "./undo.ts";

Deno.test("UndoStack.guard()", async (t) => {
  await t.step("rethrows the original error unchanged when the rollback succeeds", async () => {
    const undo = new UndoStack();
    const released: string[] = [];
    undo.push("a", () => void released.push("a"));
    undo.push("b", () => void released.push("b"));
    const original = new ConflictError("taken", { cause: new Error("why") });
    await assert.rejects(undo.guard(() => Promise.reject(original)), (e) => e === original);
    assert.deepEqual(released, ["b", "a"]);
    assert.equal(undo.size, 0);
  });

  await t.step(
    "reports a rollback failure under an original error that already has a cause",
    async () => {
      const undo = new UndoStack();
      const released: string[] = [];
      undo.push("delete record web", () => void released.push("record"));
      undo.push("umount /run/rkl/web", () => {
        throw new Error("device or resource busy");
      });
      undo.push("detach network of web", () => {
        throw new Error("CNI DEL failed");
      });
      const why = new Error("EADDRINUSE");
      const original = new ConflictError("Port 80 is taken", { cause: why });
      const error = await undo.guard(() => Promise.reject(original)).then(
        () => assert.fail("guard() resolved"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof CleanupError, `got ${error}`);
      // Every step ran, in reverse, although two failed.
      assert.deepEqual(released, ["record"]);
      assert.equal(error.original, original);
      assert.equal(error.cause, original);
      assert.equal(original.cause, why, "the original's own cause is kept");
      assert.deepEqual(error.leftBehind, ["detach network of web", "umount /run/rkl/web"]);
      assert.equal(
        error.message,
        "Port 80 is taken; rollback failed, left behind: detach network of web (CNI DEL failed); " +
          "umount /run/rkl/web (device or resource busy)",
      );
      assert.equal(findCleanupError(error), error);
    },
  );

  await t.step("keeps the original's exit code", async () => {
    const undo = new UndoStack();
    undo.push("x", () => Promise.reject(new Error("no")));
    await assert.rejects(
      undo.guard(() => Promise.reject(new UsageError("bad flag"))),
      (e: unknown) => e instanceof CleanupError && e.exitCode === 2,
    );
  });

  await t.step("nested guards report the failures of both rollbacks in one error", async () => {
    const outer = new UndoStack();
    outer.push("outer step", () => {
      throw new Error("outer failed");
    });
    const original = new Error("boom", { cause: "root" });
    await assert.rejects(
      outer.guard(async () => {
        const inner = new UndoStack();
        inner.push("inner step", () => {
          throw new Error("inner failed");
        });
        await inner.guard(() => Promise.reject(original));
      }),
      (e: unknown) =>
        e instanceof CleanupError && e.original === original &&
        e.leftBehind.join("|") === "inner step|outer step",
    );
  });

  await t.step("a non-Error original is reported too", async () => {
    const undo = new UndoStack();
    undo.push("s", () => {
      throw "string failure";
    });
    await assert.rejects(
      undo.guard(() => Promise.reject("plain")),
      (e: unknown) =>
        e instanceof CleanupError &&
        e.message === "plain; rollback failed, left behind: s (string failure)",
    );
  });
});

Deno.test("UndoStack.rollback() runs every step and throws one CleanupError", async () => {
  const undo = new UndoStack();
  const ran: string[] = [];
  undo.push("a", () => void ran.push("a"));
  undo.push("b", () => {
    ran.push("b");
    throw new Error("b broke");
  });
  await assert.rejects(
    undo.rollback(),
    (e: unknown) =>
      e instanceof CleanupError && e.original === undefined &&
      e.message === "Cleanup failed, left behind: b (b broke)",
  );
  assert.deepEqual(ran, ["b", "a"]);
});
