import assert from "node:assert/strict";
import { parseRksArgs, resolveRksConfig } from "./rks_config.ts";

const resolve = (argv: string[]) => resolveRksConfig(parseRksArgs(["start", ...argv]).flags, {});

Deno.test("rks start: node lifecycle flags as kube-controller-manager and kube-apiserver spell them", () => {
  assert.equal(resolve([]).nodeLifecycle, undefined);
  assert.deepEqual(
    resolve(["--node-monitor-grace-period", "8s", "--default-unreachable-toleration-seconds=5"])
      .nodeLifecycle,
    { gracePeriodSeconds: 8, defaultTolerationSeconds: 5 },
  );
  assert.deepEqual(resolve(["--node-monitor-grace-period=1m30s"]).nodeLifecycle, {
    gracePeriodSeconds: 90,
  });
  assert.throws(
    () => resolve(["--node-monitor-grace-period", "soon"]),
    /--node-monitor-grace-period: expected a duration such as 40s or 1m30s, got "soon"/,
  );
  assert.throws(
    () => resolve(["--default-unreachable-toleration-seconds", "-1"]),
    /--default-unreachable-toleration-seconds: expected a whole number of seconds, got "-1"/,
  );
  assert.deepEqual(resolve(["--default-not-ready-toleration-seconds", "60"]).nodeLifecycle, {
    defaultNotReadyTolerationSeconds: 60,
  });
  assert.throws(
    () => resolve(["--default-not-ready-toleration-seconds", "1.5"]),
    /--default-not-ready-toleration-seconds: expected a whole number of seconds, got "1.5"/,
  );
});
