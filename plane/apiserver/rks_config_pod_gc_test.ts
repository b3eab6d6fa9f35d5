import assert from "node:assert/strict";
import { configFromYaml, parseRksArgs, resolveRksConfig } from "./rks_config.ts";

const resolve = (argv: string[], yaml: unknown = undefined) =>
  resolveRksConfig(parseRksArgs(["start", ...argv]).flags, configFromYaml(yaml, "rks.yaml"));

Deno.test("rks start: pod GC settings from --terminated-pod-gc-threshold, --pod-gc-quarantine and pod_gc_controller", async (t) => {
  await t.step("none given: the controller's defaults", () => {
    assert.equal(resolve([]).podGc, undefined);
  });
  await t.step("flags", () => {
    assert.deepEqual(
      resolve(["--terminated-pod-gc-threshold", "5", "--pod-gc-quarantine=1500ms"]).podGc,
      { terminatedPodGcThreshold: 5, quarantineMs: 1500 },
    );
    assert.deepEqual(resolve(["--terminated-pod-gc-threshold=0"]).podGc, {
      terminatedPodGcThreshold: 0,
    });
  });
  await t.step("the YAML section, flags over it", () => {
    const yaml = { pod_gc_controller: { terminatedPodGCThreshold: 100, quarantine: "2s" } };
    assert.deepEqual(resolve([], yaml).podGc, {
      terminatedPodGcThreshold: 100,
      quarantineMs: 2000,
    });
    assert.deepEqual(resolve(["--pod-gc-quarantine", "1s"], yaml).podGc, {
      terminatedPodGcThreshold: 100,
      quarantineMs: 1000,
    });
  });
  await t.step("bad values name the flag or field", () => {
    assert.throws(
      () => resolve(["--terminated-pod-gc-threshold", "many"]),
      /--terminated-pod-gc-threshold: expected a whole number, got "many"/,
    );
    assert.throws(
      () => resolve(["--pod-gc-quarantine", "soon"]),
      /--pod-gc-quarantine: expected a duration such as 40s or 500ms, got "soon"/,
    );
    assert.throws(
      () => resolve([], { pod_gc_controller: { terminatedPodGCThreshold: 1.5 } }),
      /rks.yaml: pod_gc_controller.terminatedPodGCThreshold: expected a whole number/,
    );
    assert.throws(
      () => resolve([], { pod_gc_controller: { quarantine: "0s" } }),
      /rks.yaml: pod_gc_controller.quarantine: must be greater than zero/,
    );
    assert.throws(
      () => resolve([], { pod_gc_controller: [] }),
      /rks.yaml: pod_gc_controller: expected a mapping/,
    );
  });
});
