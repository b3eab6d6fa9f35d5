/** Unit tests of the Pod Table row (READY, STATUS, RESTARTS as kubectl shows them). */
import assert from "node:assert/strict";
import { podCells } from "./pod_cells.ts";

const NOW = new Date("2026-01-01T01:00:00Z");
const CREATED = "2026-01-01T00:00:00Z";

function pod(
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    metadata: { name: "p", creationTimestamp: CREATED, ...metadata },
    spec: { containers: [{ name: "a", image: "busybox" }], ...spec },
    status,
  };
}

const running = (name: string, ready = true, restartCount = 0) => ({
  name,
  ready,
  restartCount,
  state: { running: { startedAt: CREATED } },
});

Deno.test("podCells() computes STATUS as kubectl shows it", async (t) => {
  const cases: [
    string,
    Record<string, unknown>,
    Record<string, unknown>,
    string,
    string,
    Record<string, unknown>?,
  ][] = [
    ["Pending without statuses", {}, { phase: "Pending" }, "0/1", "Pending"],
    [
      "Running and ready",
      {},
      { phase: "Running", containerStatuses: [running("a")] },
      "1/1",
      "Running",
    ],
    [
      "waiting reason wins",
      {},
      {
        phase: "Pending",
        containerStatuses: [{ name: "a", state: { waiting: { reason: "ContainerCreating" } } }],
      },
      "0/1",
      "ContainerCreating",
    ],
    [
      "terminated Completed",
      {},
      {
        phase: "Succeeded",
        containerStatuses: [{
          name: "a",
          state: { terminated: { exitCode: 0, reason: "Completed" } },
        }],
      },
      "0/1",
      "Completed",
    ],
    [
      "terminated without reason shows the exit code",
      {},
      {
        phase: "Failed",
        containerStatuses: [{ name: "a", state: { terminated: { exitCode: 2 } } }],
      },
      "0/1",
      "ExitCode:2",
    ],
    [
      "terminated by a signal",
      {},
      {
        phase: "Failed",
        containerStatuses: [{ name: "a", state: { terminated: { exitCode: 137, signal: 9 } } }],
      },
      "0/1",
      "Signal:9",
    ],
    [
      "Completed with another container running and Ready",
      { containers: [{ name: "a" }, { name: "b" }] },
      {
        phase: "Running",
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [{
          name: "a",
          state: { terminated: { exitCode: 0, reason: "Completed" } },
        }, running("b")],
      },
      "1/2",
      "Running",
    ],
    [
      "Completed with another container running but not Ready",
      { containers: [{ name: "a" }, { name: "b" }] },
      {
        phase: "Running",
        containerStatuses: [{
          name: "a",
          state: { terminated: { exitCode: 0, reason: "Completed" } },
        }, running("b")],
      },
      "1/2",
      "NotReady",
    ],
    [
      "first init container not started",
      { initContainers: [{ name: "i1" }, { name: "i2" }] },
      {
        phase: "Pending",
        initContainerStatuses: [{ name: "i1", state: { waiting: { reason: "PodInitializing" } } }],
      },
      "0/1",
      "Init:0/2",
    ],
    [
      "second init container running",
      { initContainers: [{ name: "i1" }, { name: "i2" }] },
      {
        phase: "Pending",
        initContainerStatuses: [
          { name: "i1", state: { terminated: { exitCode: 0, reason: "Completed" } } },
          { name: "i2", state: { running: {} } },
        ],
      },
      "0/1",
      "Init:1/2",
    ],
    [
      "init container crash looping",
      { initContainers: [{ name: "i1" }] },
      {
        phase: "Pending",
        initContainerStatuses: [{ name: "i1", state: { waiting: { reason: "CrashLoopBackOff" } } }],
      },
      "0/1",
      "Init:CrashLoopBackOff",
    ],
    [
      "init container failed with a reason",
      { initContainers: [{ name: "i1" }] },
      {
        phase: "Pending",
        initContainerStatuses: [{
          name: "i1",
          state: { terminated: { exitCode: 1, reason: "Error" } },
        }],
      },
      "0/1",
      "Init:Error",
    ],
    [
      "init container failed without a reason",
      { initContainers: [{ name: "i1" }] },
      {
        phase: "Pending",
        initContainerStatuses: [{ name: "i1", state: { terminated: { exitCode: 3 } } }],
      },
      "0/1",
      "Init:ExitCode:3",
    ],
    [
      "init container killed",
      { initContainers: [{ name: "i1" }] },
      {
        phase: "Pending",
        initContainerStatuses: [{
          name: "i1",
          state: { terminated: { exitCode: 137, signal: 9 } },
        }],
      },
      "0/1",
      "Init:Signal:9",
    ],
    [
      "a started sidecar counts as a container and does not block",
      { initContainers: [{ name: "side", restartPolicy: "Always" }] },
      {
        phase: "Running",
        conditions: [{ type: "Initialized", status: "True" }],
        initContainerStatuses: [{
          name: "side",
          started: true,
          ready: true,
          state: { running: {} },
        }],
        containerStatuses: [running("a")],
      },
      "2/2",
      "Running",
    ],
    [
      "scheduling gated",
      {},
      {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }],
      },
      "0/1",
      "SchedulingGated",
    ],
    [
      "status.reason replaces the phase",
      {},
      { phase: "Failed", reason: "Evicted" },
      "0/1",
      "Evicted",
    ],
    [
      "deletionTimestamp on a running pod",
      {},
      { phase: "Running", containerStatuses: [running("a")] },
      "1/1",
      "Terminating",
      { deletionTimestamp: "2026-01-01T00:59:00Z" },
    ],
    [
      "deletionTimestamp on a finished pod keeps its status",
      {},
      {
        phase: "Succeeded",
        containerStatuses: [{
          name: "a",
          state: { terminated: { exitCode: 0, reason: "Completed" } },
        }],
      },
      "0/1",
      "Completed",
      { deletionTimestamp: "2026-01-01T00:59:00Z" },
    ],
    [
      "deletionTimestamp on a pod of a lost node",
      {},
      { phase: "Running", reason: "NodeLost" },
      "0/1",
      "Unknown",
      { deletionTimestamp: "2026-01-01T00:59:00Z" },
    ],
  ];
  for (const [title, spec, status, ready, text, metadata] of cases) {
    await t.step(title, () => {
      const { cells } = podCells(pod(spec, status, metadata), NOW);
      assert.equal(cells[1], ready);
      assert.equal(cells[2], text);
    });
  }
});

Deno.test("podCells() prints RESTARTS with the time of the last restart", () => {
  const status = {
    phase: "Running",
    containerStatuses: [
      {
        name: "a",
        restartCount: 3,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { exitCode: 1, finishedAt: "2026-01-01T00:55:00Z" } },
      },
      {
        ...running("b", true, 1),
        lastState: { terminated: { exitCode: 0, finishedAt: "2026-01-01T00:10:00Z" } },
      },
    ],
  };
  const { cells } = podCells(pod({ containers: [{ name: "a" }, { name: "b" }] }, status), NOW);
  assert.deepEqual(cells.slice(1, 5), ["1/2", "CrashLoopBackOff", "4 (5m ago)", "60m"]);
  const noLastState = podCells(pod({}, { containerStatuses: [{ ...running("a", true, 2) }] }), NOW);
  assert.equal(noLastState.cells[3], "2");
});

Deno.test("podCells() fills the wide columns and row conditions", () => {
  const full = podCells(
    pod(
      { nodeName: "n1", readinessGates: [{ conditionType: "x/ok" }, { conditionType: "x/lb" }] },
      {
        phase: "Running",
        podIPs: [{ ip: "10.1.0.5" }, { ip: "fd00::5" }],
        nominatedNodeName: "n2",
        conditions: [{ type: "x/ok", status: "True" }, { type: "x/lb", status: "False" }],
        containerStatuses: [running("a")],
      },
    ),
    NOW,
  );
  assert.deepEqual(full.cells, ["p", "1/1", "Running", "0", "60m", "10.1.0.5", "n1", "n2", "1/2"]);
  assert.equal(full.conditions, undefined);
  const empty = podCells(pod({}, {}), NOW);
  assert.deepEqual(empty.cells.slice(5), ["<none>", "<none>", "<none>", "<none>"]);
  const done = podCells(pod({}, { phase: "Succeeded" }), NOW);
  assert.deepEqual(done.conditions, [{
    type: "Completed",
    status: "True",
    reason: "Succeeded",
    message: "The pod has completed successfully.",
  }]);
  assert.equal(podCells(pod({}, { phase: "Failed" }), NOW).conditions?.[0]?.reason, "Failed");
});

Deno.test("podCells() never throws on malformed objects", () => {
  for (
    const bad of [{}, { metadata: 1, spec: [], status: "x" }, { spec: { containers: [1, null] } }]
  ) {
    const { cells } = podCells(bad as Record<string, unknown>, NOW);
    assert.equal(cells.length, 9);
  }
});
