/** Unit tests of the watch stream's inbox: order, end and failure, and its pause policy. */
import assert from "node:assert/strict";
import { Inbox } from "./_inbox.ts";

function recorder(high: number) {
  const calls: string[] = [];
  const inbox = new Inbox<number>({
    high,
    pause: () => calls.push(`pause@${inbox.size}`),
    resume: () => calls.push(`resume@${inbox.size}`),
  });
  return { inbox, calls };
}

Deno.test("Inbox", async (t) => {
  await t.step("yields items in order, including ones pushed while the reader waits", async () => {
    const { inbox } = recorder(1024);
    const it = inbox.drain();
    const waiting = it.next();
    inbox.push(1);
    assert.deepEqual(await waiting, { value: 1, done: false });
    for (let i = 2; i <= 5000; i++) inbox.push(i);
    inbox.end();
    let want = 2;
    for await (const n of it) assert.equal(n, want++);
    assert.equal(want, 5001);
  });

  await t.step("pauses once at the high mark and resumes at an eighth of it", async () => {
    const { inbox, calls } = recorder(64);
    for (let i = 0; i < 63; i++) inbox.push(i);
    assert.deepEqual(calls, []);
    inbox.push(63);
    assert.deepEqual(calls, ["pause@64"]);
    // More items while paused (already in flight) do not pause again.
    for (let i = 64; i < 100; i++) inbox.push(i);
    assert.deepEqual(calls, ["pause@64"]);
    const it = inbox.drain();
    let read = 0;
    while (calls.length === 1) {
      await it.next();
      read++;
    }
    assert.equal(read, 100 - 8, "resumed when 8 (64 / 8) items are left unread");
    assert.deepEqual(calls, ["pause@64", "resume@8"]);
    assert.equal(inbox.paused, false);
    // A second round pauses and resumes again.
    for (let i = 0; i < 56; i++) inbox.push(i);
    assert.deepEqual(calls, ["pause@64", "resume@8", "pause@64"]);
    for (let i = 0; i < 56; i++) await it.next();
    assert.deepEqual(calls, ["pause@64", "resume@8", "pause@64", "resume@8"]);
  });

  await t.step("a failure is thrown after the items queued before it", async () => {
    const { inbox } = recorder(1024);
    inbox.push(1);
    inbox.push(2);
    inbox.fail(new RangeError("stream broke"));
    inbox.push(3);
    inbox.end();
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const n of inbox.drain()) got.push(n);
    }, RangeError);
    assert.deepEqual(got, [1, 2]);
  });

  await t.step("a high mark below 1 is refused", () => {
    assert.throws(
      () => new Inbox<number>({ high: 0, pause() {}, resume() {} }),
      /Inbox high mark must be ≥ 1, got 0/,
    );
  });
});
