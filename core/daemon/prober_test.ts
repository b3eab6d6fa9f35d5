import assert from "node:assert/strict";
import { nextProbeResult, verdictChanged } from "./prober.ts";
import type { ProbeKind, ProbeResult } from "../pod/container_facts.ts";

Deno.test("nextProbeResult() applies success and failure thresholds per probe kind", async (t) => {
  const spec = { successThreshold: 2, failureThreshold: 3 };
  const series = (kind: ProbeKind, outcomes: boolean[]): boolean[] => {
    let r: ProbeResult | undefined;
    return outcomes.map((ok, i) => {
      r = nextProbeResult(kind, r, spec, { ok, output: ok ? "" : `fail ${i}` }, i);
      return r.healthy;
    });
  };
  await t.step("readiness starts not ready and needs successThreshold successes", () => {
    assert.deepEqual(series("readiness", [true, true, false, false, false, true, true]), [
      false,
      true,
      true,
      true,
      false,
      false,
      true,
    ]);
  });
  await t.step("liveness starts healthy and fails after failureThreshold failures in a row", () => {
    assert.deepEqual(series("liveness", [false, false, true, false, false, false]), [
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });
  await t.step("the output of the last failure is kept", () => {
    const r = nextProbeResult("liveness", undefined, spec, { ok: false, output: "HTTP 500" }, 0);
    assert.equal(r.output, "HTTP 500");
    assert.equal(r.failures, 1);
  });
});

Deno.test("verdictChanged() wakes the daemon when a verdict changes what the node must do", async (t) => {
  const spec = { successThreshold: 1, failureThreshold: 3 };
  const fail = { ok: false, output: "x" };
  const pass = { ok: true, output: "" };
  const wakes = (kind: ProbeKind, outcomes: boolean[]): boolean[] => {
    let r: ProbeResult | undefined;
    return outcomes.map((ok, i) => {
      const next = nextProbeResult(kind, r, spec, ok ? pass : fail, i);
      const woke = verdictChanged(kind, r, next, spec);
      r = next;
      return woke;
    });
  };
  await t.step("a startup probe reaching failureThreshold wakes it once", () => {
    assert.deepEqual(wakes("startup", [false, false, false, false]), [false, false, true, false]);
  });
  await t.step("a startup probe passing wakes it", () => {
    assert.deepEqual(wakes("startup", [false, true]), [false, true]);
  });
  await t.step("liveness wakes it on the failure that makes it unhealthy, and on recovery", () => {
    assert.deepEqual(wakes("liveness", [true, false, false, false, true]), [
      false,
      false,
      false,
      true,
      true,
    ]);
  });
  await t.step("readiness wakes it when it passes and when it fails again", () => {
    assert.deepEqual(wakes("readiness", [false, true, false, false, false]), [
      false,
      true,
      false,
      false,
      true,
    ]);
  });
});
