import assert from "node:assert/strict";
import {
  canAddContainer,
  canRemoveContainer,
  canRemovePod,
  canRemoveSandbox,
  canStartContainer,
  canStopContainer,
  type ContainerObservation,
  type PodContainerState,
  podContainerStates,
  type PodObservation,
  type PodShape,
  type SandboxState,
  summarizePod,
} from "./pod_status.ts";

const running: ContainerObservation = { state: "running", restartCount: 0 };
const done = (exitCode: number, restartCount = 0): ContainerObservation => ({
  state: "exited",
  exitCode,
  restartCount,
});

Deno.test("summarizePod() reports like kubectl get pods", async (t) => {
  const cases: {
    name: string;
    shape: PodShape;
    obs: PodObservation;
    want: { phase: string; status: string; ready: number; total: number; restarts: number };
  }[] = [
    {
      name: "nothing created yet",
      shape: { initContainers: [], containers: ["a"], restartPolicy: "Always" },
      obs: { sandbox: "absent", containers: {} },
      want: { phase: "Pending", status: "Pending", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "sandbox ready, containers being created",
      shape: { initContainers: [], containers: ["a", "b"], restartPolicy: "Always" },
      obs: { sandbox: "ready", containers: {} },
      want: { phase: "Pending", status: "ContainerCreating", ready: 0, total: 2, restarts: 0 },
    },
    {
      name: "second of two init containers running",
      shape: { initContainers: ["i1", "i2"], containers: ["a"], restartPolicy: "Always" },
      obs: { sandbox: "ready", containers: { i1: done(0), i2: running } },
      want: { phase: "Pending", status: "Init:1/2", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "init container failed with restartPolicy Never",
      shape: { initContainers: ["i1"], containers: ["a"], restartPolicy: "Never" },
      obs: { sandbox: "ready", containers: { i1: done(3) } },
      want: { phase: "Failed", status: "Init:Error", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "killed twice by its liveness probe, exited 0, backing off (OnFailure)",
      shape: { initContainers: [], containers: ["a"], restartPolicy: "OnFailure" },
      obs: {
        sandbox: "ready",
        containers: { a: { ...done(0, 1), probes: { unhealthy: "liveness probe failed: x" } } },
      },
      want: { phase: "Running", status: "CrashLoopBackOff", ready: 0, total: 1, restarts: 1 },
    },
    {
      name: "init container crash-looping",
      shape: { initContainers: ["i1"], containers: ["a"], restartPolicy: "Always" },
      obs: { sandbox: "ready", containers: { i1: done(3, 4) } },
      want: { phase: "Pending", status: "Init:CrashLoopBackOff", ready: 0, total: 1, restarts: 4 },
    },
    {
      name: "init done, app containers not started",
      shape: { initContainers: ["i1"], containers: ["a"], restartPolicy: "Always" },
      obs: { sandbox: "ready", containers: { i1: done(0) } },
      want: { phase: "Pending", status: "PodInitializing", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "every container running",
      shape: { initContainers: ["i1"], containers: ["a", "b"], restartPolicy: "Always" },
      obs: {
        sandbox: "ready",
        containers: { i1: done(0), a: running, b: { ...running, restartCount: 2 } },
      },
      want: { phase: "Running", status: "Running", ready: 2, total: 2, restarts: 2 },
    },
    {
      name: "one container failed, one running",
      shape: { initContainers: [], containers: ["a", "b"], restartPolicy: "Never" },
      obs: { sandbox: "ready", containers: { a: done(1), b: running } },
      want: { phase: "Running", status: "Error", ready: 1, total: 2, restarts: 0 },
    },
    {
      name: "one container completed, one running (not every container ready)",
      shape: { initContainers: [], containers: ["a", "b"], restartPolicy: "Never" },
      obs: { sandbox: "ready", containers: { a: done(0), b: running } },
      want: { phase: "Running", status: "NotReady", ready: 1, total: 2, restarts: 0 },
    },
    {
      name: "all completed with restartPolicy Never",
      shape: { initContainers: [], containers: ["a"], restartPolicy: "Never" },
      obs: { sandbox: "ready", containers: { a: done(0) } },
      want: { phase: "Succeeded", status: "Completed", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "OOM-killed container keeps its reason",
      shape: { initContainers: [], containers: ["a"], restartPolicy: "Never" },
      obs: { sandbox: "ready", containers: { a: { ...done(137), reason: "OOMKilled" } } },
      want: { phase: "Failed", status: "OOMKilled", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "stopped pod",
      shape: { initContainers: [], containers: ["a"], restartPolicy: "Always" },
      obs: { sandbox: "notready", containers: { a: done(137) } },
      want: { phase: "Failed", status: "Error", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "a crash-looping container shows CrashLoopBackOff",
      shape: { initContainers: [], containers: ["a", "b"], restartPolicy: "Always" },
      obs: {
        sandbox: "ready",
        containers: { a: { state: "exited", exitCode: 1, restartCount: 3 }, b: running },
      },
      want: { phase: "Running", status: "CrashLoopBackOff", ready: 1, total: 2, restarts: 3 },
    },
    {
      name: "an OOMKilled container waiting for its first restart shows OOMKilled",
      shape: { initContainers: [], containers: ["a"], restartPolicy: "Always" },
      obs: {
        sandbox: "ready",
        containers: { a: { state: "exited", exitCode: 137, reason: "OOMKilled", restartCount: 0 } },
      },
      want: { phase: "Running", status: "OOMKilled", ready: 0, total: 1, restarts: 0 },
    },
    {
      name: "a running container whose readiness probe fails is not ready",
      shape: { initContainers: [], containers: ["a", "b"], restartPolicy: "Always" },
      obs: {
        sandbox: "ready",
        containers: { a: { ...running, probes: { ready: false } }, b: running },
      },
      want: { phase: "Running", status: "NotReady", ready: 1, total: 2, restarts: 0 },
    },
    {
      name: "sandbox state unknown",
      shape: { initContainers: [], containers: ["a"], restartPolicy: "Always" },
      obs: { sandbox: "unknown", containers: { a: running } },
      want: { phase: "Unknown", status: "Unknown", ready: 0, total: 1, restarts: 0 },
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      assert.deepEqual(summarizePod(c.shape, c.obs), c.want);
    });
  }
});

Deno.test("container guards allow exactly the legal transitions", () => {
  const table: Record<PodContainerState, [start: boolean, stop: boolean, remove: boolean]> = {
    created: [true, true, true],
    running: [false, true, false],
    exited: [false, false, true],
    unknown: [false, true, false],
  };
  for (const s of podContainerStates) {
    assert.deepEqual(
      [canStartContainer(s), canStopContainer(s), canRemoveContainer(s)],
      table[s],
      s,
    );
  }
  assert.ok(canAddContainer("ready") && !canAddContainer("unknown"));
  assert.ok(canRemoveSandbox("notready") && !canRemoveSandbox("unknown"));
});

Deno.test("canRemovePod() refuses only a ready pod whose app containers may still run", async (t) => {
  const cases: {
    sandbox: SandboxState;
    apps: (PodContainerState | "waiting")[];
    want: boolean;
  }[] = [
    { sandbox: "ready", apps: ["running"], want: false },
    { sandbox: "ready", apps: ["exited", "created"], want: false },
    { sandbox: "ready", apps: ["exited", "unknown"], want: false },
    { sandbox: "ready", apps: ["exited", "exited"], want: true },
    { sandbox: "ready", apps: ["waiting"], want: true },
    { sandbox: "ready", apps: [], want: true },
    { sandbox: "notready", apps: ["running"], want: true },
    { sandbox: "unknown", apps: ["running"], want: true },
  ];
  for (const c of cases) {
    await t.step(`${c.sandbox} with [${c.apps.join(", ")}] → ${c.want}`, () => {
      assert.equal(canRemovePod(c.sandbox, c.apps), c.want);
    });
  }
});
