import assert from "node:assert/strict";
import { KillDeadline } from "./kill_deadline.ts";

Deno.test("KillDeadline moves only earlier and expires at the (moved) deadline", async () => {
  const start = Date.now();
  const d = new KillDeadline(3600, start);
  let expired = false;
  void d.expired.then(() => expired = true);
  assert.equal(d.at, start + 3_600_000);
  assert.equal(d.shorten(7200, start), false, "a longer grace period changes nothing");
  assert.equal(d.shorten(3600, start), false, "the same one neither");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(expired, false);
  assert.equal(d.shorten(0.05, Date.now()), true);
  await d.expired;
  assert.ok(Date.now() - start >= 50, "not before the shortened deadline");
  assert.equal(expired, true);
  d.dispose();
  assert.equal(d.shorten(0), false, "disposed: nothing to move");
});

Deno.test("KillDeadline of 0 s expires at once; dispose keeps a pending one pending", async () => {
  const now = new KillDeadline(0);
  await now.expired;
  now.dispose();
  const later = new KillDeadline(3600);
  later.dispose();
  const r = await Promise.race([
    later.expired.then(() => "expired"),
    new Promise((r) => setTimeout(r, 20, "pending")),
  ]);
  assert.equal(r, "pending");
});
