import assert from "node:assert/strict";
import { ControllerExpectations, EXPECTATIONS_TTL_MS } from "./controller_expectations.ts";

Deno.test("ControllerExpectations waits for every creation and deletion, and expires", () => {
  const e = new ControllerExpectations();
  const t0 = new Date(1_000_000);
  assert.equal(e.satisfied("ns/a", t0), true, "unknown keys are satisfied");
  e.expectCreations("ns/a", 2, t0);
  e.expectDeletions("ns/a", ["u1"], t0);
  e.creationObserved("ns/a");
  e.creationObserved("ns/a");
  assert.equal(e.satisfied("ns/a", t0), false, "a deletion is still pending");
  e.deletionObserved("ns/a", "other");
  assert.equal(e.satisfied("ns/a", t0), false);
  e.deletionObserved("ns/a", "u1");
  assert.equal(e.satisfied("ns/a", t0), true);
  e.expectCreations("ns/a", 1, t0);
  assert.equal(e.satisfied("ns/a", new Date(t0.getTime() + EXPECTATIONS_TTL_MS)), false);
  assert.equal(
    e.satisfied("ns/a", new Date(t0.getTime() + EXPECTATIONS_TTL_MS + 1)),
    true,
    "expired",
  );
  e.delete("ns/a");
  assert.equal(e.satisfied("ns/a", t0), true);
});
