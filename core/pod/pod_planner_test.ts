import assert from "node:assert/strict";
import { type PlanOptions, planPod } from "./pod_planner.ts";
import type { ContainerObservation, PodObservation, PodShape } from "./pod_status.ts";
import type { RestartPolicy } from "./pod_manifest.ts";

const run = (restartCount = 0): ContainerObservation => ({ state: "running", restartCount });
const exited = (exitCode: number, restartCount = 0, finishedAt = 1_000): ContainerObservation => ({
  state: "exited",
  exitCode,
  restartCount,
  finishedAt,
});
const created: ContainerObservation = { state: "created", restartCount: 0 };

function shape(policy: RestartPolicy = "Always", inits = ["i1", "i2"]): PodShape {
  return { initContainers: inits, containers: ["a", "b"], restartPolicy: policy };
}

interface Case {
  name: string;
  shape: PodShape;
  obs: PodObservation;
  opts?: Partial<PlanOptions>;
  want: string[];
}

const oneShot: PlanOptions = { restarts: false, now: 2_000 };

Deno.test("planPod() decides the next steps of a pod", async (t) => {
  const cases: Case[] = [
    {
      name: "creates the sandbox first",
      shape: shape(),
      obs: { sandbox: "absent", containers: {} },
      want: ["runSandbox"],
    },
    {
      name: "runs the first init container once the sandbox is ready",
      shape: shape(),
      obs: { sandbox: "ready", containers: {} },
      want: ["runInit:i1"],
    },
    {
      name: "waits for a running init container before the next one",
      shape: shape(),
      obs: { sandbox: "ready", containers: { i1: run() } },
      want: ["wait:i1"],
    },
    {
      name: "runs init containers one at a time, in order",
      shape: shape(),
      obs: { sandbox: "ready", containers: { i1: exited(0) } },
      want: ["runInit:i2"],
    },
    {
      name: "starts a created init container",
      shape: shape(),
      obs: { sandbox: "ready", containers: { i1: exited(0), i2: created } },
      want: ["runInit:i2"],
    },
    {
      name: "starts every app container after the last init container completed",
      shape: shape(),
      obs: { sandbox: "ready", containers: { i1: exited(0), i2: exited(0) } },
      want: ["startContainer:a", "startContainer:b"],
    },
    {
      name: "starts only the app containers that are not running",
      shape: shape("Always", []),
      obs: { sandbox: "ready", containers: { a: run(), b: created } },
      want: ["startContainer:b"],
    },
    {
      name: "a failing init container fails the pod with its exit code (one-shot run)",
      shape: shape("Always"),
      obs: { sandbox: "ready", containers: { i1: exited(0), i2: exited(7) } },
      want: ["failPod:i2:7"],
    },
    {
      name: "a failing init container fails the pod with restartPolicy Never",
      shape: shape("Never"),
      obs: { sandbox: "ready", containers: { i1: exited(3) } },
      opts: { restarts: true },
      want: ["failPod:i1:3"],
    },
    {
      name: "a supervisor restarts a failing init container with restartPolicy OnFailure",
      shape: shape("OnFailure"),
      obs: { sandbox: "ready", containers: { i1: exited(3) } },
      opts: { restarts: true },
      want: ["restartContainer:i1"],
    },
    {
      name: "restarts a container that exited with restartPolicy Always",
      shape: shape("Always", []),
      obs: { sandbox: "ready", containers: { a: exited(0), b: run() } },
      opts: { restarts: true },
      want: ["restartContainer:a"],
    },
    {
      name: "does not restart a container that completed with restartPolicy OnFailure",
      shape: shape("OnFailure", []),
      obs: { sandbox: "ready", containers: { a: exited(0), b: exited(1) } },
      opts: { restarts: true },
      want: ["restartContainer:b"],
    },
    {
      name:
        "restarts a container killed for a failed liveness probe with OnFailure, even after exit 0",
      shape: shape("OnFailure", []),
      obs: {
        sandbox: "ready",
        containers: {
          a: { ...exited(0), probes: { unhealthy: "liveness probe failed: x" } },
          b: run(),
        },
      },
      opts: { restarts: true },
      want: ["restartContainer:a"],
    },
    {
      name:
        "restarts a container killed for a failed startup probe with OnFailure, even after exit 0",
      shape: shape("OnFailure", []),
      obs: {
        sandbox: "ready",
        containers: {
          a: { ...exited(0), probes: { unhealthy: "startup probe failed: x" } },
          b: run(),
        },
      },
      opts: { restarts: true },
      want: ["restartContainer:a"],
    },
    {
      name: "does not restart a container killed for a failed probe with restartPolicy Never",
      shape: shape("Never", []),
      obs: {
        sandbox: "ready",
        containers: {
          a: { ...exited(0), probes: { unhealthy: "liveness probe failed: x" } },
          b: run(),
        },
      },
      opts: { restarts: true },
      want: [],
    },
    {
      name: "never restarts with restartPolicy Never",
      shape: shape("Never", []),
      obs: { sandbox: "ready", containers: { a: exited(0), b: exited(1) } },
      opts: { restarts: true },
      want: [],
    },
    {
      name: "the one-shot runner never restarts app containers",
      shape: shape("Always", []),
      obs: { sandbox: "ready", containers: { a: exited(1), b: run() } },
      want: [],
    },
    {
      name: "backs off before restarting a crash-looping container",
      shape: shape("Always", []),
      obs: { sandbox: "ready", containers: { a: exited(1, 2, 1_000), b: run() } },
      opts: { restarts: true, now: 5_000 },
      want: ["wait:a"],
    },
    {
      name: "restarts a crash-looping container once the back-off passed",
      shape: shape("Always", []),
      obs: { sandbox: "ready", containers: { a: exited(1, 2, 1_000), b: run() } },
      opts: { restarts: true, now: 41_001 },
      want: ["restartContainer:a"],
    },
    {
      name: "has nothing to do when every app container runs",
      shape: shape(),
      obs: { sandbox: "ready", containers: { i1: exited(0), i2: exited(0), a: run(), b: run() } },
      want: [],
    },
    {
      name: "fails a pod whose sandbox stopped (one-shot run)",
      shape: shape("Always", []),
      obs: { sandbox: "notready", containers: { a: run(), b: run() } },
      want: ["failPod"],
    },
    {
      name: "a supervisor recreates a sandbox that stopped",
      shape: shape("Always", []),
      obs: { sandbox: "notready", containers: { a: exited(137), b: exited(137) } },
      opts: { restarts: true },
      want: ["recreateSandbox"],
    },
    {
      name: "leaves a finished Never pod with a stopped sandbox alone",
      shape: shape("Never", []),
      obs: { sandbox: "notready", containers: { a: exited(0), b: exited(2) } },
      opts: { restarts: true },
      want: [],
    },
    {
      name: "waits while the sandbox state is unknown",
      shape: shape(),
      obs: { sandbox: "unknown", containers: {} },
      want: ["wait"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const actions = planPod(c.shape, c.obs, { ...oneShot, ...c.opts });
      const got = actions.map((a) => {
        const parts: string[] = [a.kind];
        if ("container" in a && a.container) parts.push(a.container);
        if (a.kind === "failPod" && a.exitCode !== undefined) parts.push(String(a.exitCode));
        return parts.join(":");
      });
      assert.deepEqual(got, c.want);
      for (const a of actions) assert.ok(a.reason.length > 0, "every action has a reason");
    });
  }
});

Deno.test("planPod() names the failed init container and exit code in the reason", () => {
  const [a] = planPod(shape("Never"), {
    sandbox: "ready",
    containers: { i1: exited(42) },
  }, oneShot);
  assert.equal(a?.reason, 'init container "i1" failed with exit code 42');
});
