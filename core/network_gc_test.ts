import assert from "node:assert/strict";
import type { ContainerStatus } from "./container/status.ts";
import { liveSandboxIds } from "./network_gc.ts";
import type { SandboxState } from "./pod/pod_status.ts";

Deno.test("liveSandboxIds() keeps what may still use its network", async (t) => {
  const containers: [ContainerStatus, boolean][] = [
    ["created", true],
    ["running", true],
    ["unknown", true],
    ["stopped", false],
  ];
  for (const [status, live] of containers) {
    await t.step(`a ${status} container is ${live ? "live" : "collected"}`, () => {
      assert.deepEqual([...liveSandboxIds([{ id: "c", status }], [])], live ? ["c"] : []);
    });
  }
  const sandboxes: [SandboxState, boolean][] = [
    ["ready", true],
    ["unknown", true],
    ["notready", false],
  ];
  for (const [state, live] of sandboxes) {
    await t.step(`a ${state} pod sandbox is ${live ? "live" : "collected"}`, () => {
      assert.deepEqual([...liveSandboxIds([], [{ id: "p", state }])], live ? ["p"] : []);
    });
  }
});
