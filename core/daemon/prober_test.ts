import assert from "node:assert/strict";
import { nextProbeResult } from "./prober.ts";
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
