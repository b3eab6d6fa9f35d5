import assert from "node:assert/strict";
import { planTerminalPod } from "./pod_terminal.ts";
import type { ContainerObservation, PodObservation, PodShape } from "./pod_status.ts";

const exited = (exitCode: number): ContainerObservation => ({
  state: "exited",
  exitCode,
  restartCount: 0,
});
const running: ContainerObservation = { state: "running", restartCount: 0 };

Deno.test("planTerminalPod() stops the sandbox exactly when the kubelet's phase is terminal", async (t) => {
  const cases: {
    name: string;
    shape: Partial<PodShape>;
    obs: Partial<PodObservation>;
    want: { phase: string; reason: RegExp } | undefined;
  }[] = [
    {
      name: "Never, all completed → Succeeded",
      shape: { restartPolicy: "Never" },
      obs: { containers: { a: exited(0), b: exited(0) } },
      want: { phase: "Succeeded", reason: /all containers completed/ },
    },
    {
      name: "Never, one failed → Failed",
      shape: { restartPolicy: "Never" },
      obs: { containers: { a: exited(0), b: exited(3) } },
      want: { phase: "Failed", reason: /container "b" failed/ },
    },
    {
      name: "OnFailure, all completed → Succeeded",
      shape: { restartPolicy: "OnFailure" },
      obs: { containers: { a: exited(0), b: exited(0) } },
      want: { phase: "Succeeded", reason: /completed/ },
    },
    {
      name: "OnFailure, one failed → restarted, not terminal",
      shape: { restartPolicy: "OnFailure" },
      obs: { containers: { a: exited(0), b: exited(1) } },
      want: undefined,
    },
    {
      name: "Always, all completed → restarted, not terminal",
      shape: { restartPolicy: "Always" },
      obs: { containers: { a: exited(0), b: exited(0) } },
      want: undefined,
    },
    {
      name: "Never, one still running",
      shape: { restartPolicy: "Never" },
      obs: { containers: { a: exited(0), b: running } },
      want: undefined,
    },
    {
      name: "Never, one not created yet",
      shape: { restartPolicy: "Never" },
      obs: { containers: { a: exited(0) } },
      want: undefined,
    },
    {
      name: "Never, failed init container → Failed",
      shape: { restartPolicy: "Never", initContainers: ["init"] },
      obs: { containers: { init: exited(42) } },
      want: { phase: "Failed", reason: /init container "init" failed with exit code 42/ },
    },
    {
      name: "OnFailure, failed init container → retried, not terminal",
      shape: { restartPolicy: "OnFailure", initContainers: ["init"] },
      obs: { containers: { init: exited(1) } },
      want: undefined,
    },
    {
      name: "sandbox already stopped → nothing to do",
      shape: { restartPolicy: "Never" },
      obs: { sandbox: "notready", containers: { a: exited(0), b: exited(0) } },
      want: undefined,
    },
    {
      name: "sandbox unknown → nothing to do",
      shape: { restartPolicy: "Never" },
      obs: { sandbox: "unknown", containers: { a: exited(0), b: exited(0) } },
      want: undefined,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const shape: PodShape = {
        initContainers: [],
        containers: ["a", "b"],
        restartPolicy: "Always",
        ...c.shape,
      };
      if (shape.initContainers.length > 0) shape.containers = ["app"];
      const got = planTerminalPod(shape, { sandbox: "ready", containers: {}, ...c.obs });
      if (c.want === undefined) return assert.equal(got, undefined);
      assert.equal(got?.kind, "stop-sandbox");
      assert.equal(got?.phase, c.want.phase);
      assert.match(got!.reason, c.want.reason);
    });
  }
});
