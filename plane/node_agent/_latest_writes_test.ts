import assert from "node:assert/strict";
import { LatestWrites } from "./_latest_writes.ts";

/** A send whose calls wait until the test releases them (true: stored). */
function gatedSend() {
  const calls: { id: string; value: string; release: (ok: boolean) => void }[] = [];
  let inFlight = 0;
  let most = 0;
  const send = (id: string) => (value: string) =>
    new Promise<boolean>((resolve) => {
      inFlight++;
      most = Math.max(most, inFlight);
      calls.push({
        id,
        value,
        release: (ok) => {
          inFlight--;
          resolve(ok);
        },
      });
    });
  return { calls, send, most: () => most };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("LatestWrites", async (t) => {
  await t.step("writes of different ids overlap, up to the limit", async () => {
    const g = gatedSend();
    const q = new LatestWrites<string>(2);
    for (const id of ["a", "b", "c"]) q.put(id, `${id}1`, g.send(id));
    await tick();
    assert.deepEqual(g.calls.map((c) => c.value), ["a1", "b1"], "c waits for a free slot");
    g.calls[0]!.release(true);
    await tick();
    assert.deepEqual(g.calls.map((c) => c.value), ["a1", "b1", "c1"]);
    g.calls[1]!.release(true);
    g.calls[2]!.release(true);
    await q.settled();
    assert.equal(g.most(), 2);
  });

  await t.step(
    "one id's writes never overlap; the newest waiting value replaces the others",
    async () => {
      const g = gatedSend();
      const q = new LatestWrites<string>(8);
      q.put("a", "a1", g.send("a"));
      await tick();
      q.put("a", "a2", g.send("a"));
      q.put("a", "a3", g.send("a"));
      await tick();
      assert.deepEqual(g.calls.map((c) => c.value), ["a1"], "a2 and a3 wait for a1");
      assert.equal(q.latest("a"), "a3");
      assert.ok(q.busy("a"));
      g.calls[0]!.release(true);
      await tick();
      assert.deepEqual(g.calls.map((c) => c.value), ["a1", "a3"], "a2 is never written");
      g.calls[1]!.release(true);
      await q.settled();
      assert.equal(q.latest("a"), "a3");
      assert.ok(!q.busy("a"));
      assert.equal(g.most(), 1);
    },
  );

  await t.step("a failed write leaves the value stored before it as the latest", async () => {
    const g = gatedSend();
    const errors: unknown[] = [];
    const q = new LatestWrites<string>(4, (_id, e) => errors.push(e));
    q.put("a", "a1", g.send("a"));
    await tick();
    g.calls[0]!.release(true);
    await q.settled();
    q.put("a", "a2", g.send("a"));
    await tick();
    g.calls[1]!.release(false);
    await q.settled();
    assert.equal(q.latest("a"), "a1");
    q.put("a", "a3", () => Promise.reject(new Error("connection closed")));
    await q.settled();
    assert.equal(q.latest("a"), "a1");
    assert.equal(errors.length, 1);
  });

  await t.step("retain() forgets the ids it is not given", async () => {
    const q = new LatestWrites<string>(1);
    q.put("a", "a1", () => Promise.resolve(true));
    q.put("b", "b1", () => Promise.resolve(true));
    await q.settled();
    q.retain(new Set(["b"]));
    assert.equal(q.latest("a"), undefined);
    assert.equal(q.latest("b"), "b1");
  });

  await t.step("a limit below 1 is refused", () => {
    assert.throws(() => new LatestWrites(0), /positive integer, not 0/);
  });
});
