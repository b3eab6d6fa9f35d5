import assert from "node:assert/strict";
import type { ObservedPodDetail } from "../../core/daemon/observe.ts";
import type { ContainerObservation } from "../../core/pod/pod_status.ts";
import { LABEL_LAST_STATE } from "../../core/pod/container_facts.ts";
import { buildPodStatus, sameStatus } from "./pod_status_report.ts";

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const now = new Date(T0 + 60_000);

function apiPod(status: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "app", image: "/img" }], ...spec },
    status: {
      phase: "Pending",
      qosClass: "BestEffort",
      conditions: [{
        type: "PodScheduled",
        status: "True",
        lastProbeTime: null,
        lastTransitionTime: "2026-01-01T09:59:00Z",
      }],
      ...status,
    },
  };
}

function detail(
  app: ContainerObservation,
  opts: { labels?: Record<string, string>; policy?: "Always" | "Never" } = {},
): ObservedPodDetail {
  const view = {
    record: { id: "abc123", labels: opts.labels ?? {} },
    status: app.state === "running" ? "running" : "stopped",
    createdAt: T0,
    startedAt: T0 + 1000,
    ...(app.state === "exited" ? { finishedAt: T0 + 5000, exitCode: app.exitCode } : {}),
  };
  return {
    pod: {
      key: "default/web",
      sandboxId: "sb",
      source: "api",
      stopped: false,
      shape: { initContainers: [], containers: ["app"], restartPolicy: opts.policy ?? "Always" },
      observation: { sandbox: "ready", containers: { app } },
    },
    record: { uid: "u1", ips: ["10.1.0.5"], createdAt: T0, manifest: { hostNetwork: false } },
    containers: new Map([["app", view]]),
  } as unknown as ObservedPodDetail;
}

const base = { hostIP: "192.168.1.9", runtime: "runc", now };
type S = {
  phase: string;
  podIP?: string;
  startTime: string;
  qosClass: string;
  conditions: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime: string;
  }[];
  containerStatuses: {
    ready: boolean;
    started: boolean;
    containerID?: string;
    state: Record<string, Record<string, unknown>>;
    lastState: Record<string, Record<string, unknown>>;
  }[];
};

Deno.test("buildPodStatus: a running, ready container makes the pod Running and Ready", () => {
  const s = buildPodStatus({
    ...base,
    apiPod: apiPod(),
    detail: detail({ state: "running", restartCount: 0 }),
  }) as unknown as S;
  assert.equal(s.phase, "Running");
  assert.equal(s.podIP, "10.1.0.5");
  assert.equal(s.startTime, "2026-01-01T10:00:00Z");
  assert.equal(s.qosClass, "BestEffort", "fields other writers own are kept");
  assert.deepEqual(s.conditions.map((c) => `${c.type}=${c.status}`), [
    "PodScheduled=True",
    "Initialized=True",
    "ContainersReady=True",
    "Ready=True",
  ]);
  assert.equal(s.conditions[0]!.lastTransitionTime, "2026-01-01T09:59:00Z");
  assert.equal(s.conditions[3]!.lastTransitionTime, "2026-01-01T10:01:00Z");
  const [c] = s.containerStatuses;
  assert.equal(c!.containerID, "runc://abc123");
  assert.deepEqual(c!.state, { running: { startedAt: "2026-01-01T10:00:01Z" } });
  assert.equal(c!.ready, true);
  assert.equal(c!.started, true);
});

Deno.test("buildPodStatus: an unready container, with the kubelet's reason; transition times kept while a condition holds", () => {
  const first = buildPodStatus({
    ...base,
    apiPod: apiPod(),
    detail: detail({ state: "running", restartCount: 0, probes: { ready: false } }),
  }) as unknown as S;
  const ready = first.conditions.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "False");
  assert.equal(ready.reason, "ContainersNotReady");
  assert.equal(ready.message, "containers with unready status: [app]");
  // Written, then rebuilt later with nothing changed: the same status (no write).
  const later = buildPodStatus({
    ...base,
    now: new Date(T0 + 120_000),
    apiPod: apiPod(first as unknown as Record<string, unknown>),
    detail: detail({ state: "running", restartCount: 0, probes: { ready: false } }),
  });
  assert.ok(sameStatus(later, first));
});

Deno.test("buildPodStatus: a crash-looping container waits in CrashLoopBackOff with its exit as lastState", () => {
  const last = JSON.stringify({
    exitCode: 1,
    reason: "Error",
    containerId: "old1",
    finishedAt: T0,
  });
  const s = buildPodStatus({
    ...base,
    apiPod: apiPod(),
    detail: detail({ state: "exited", exitCode: 1, restartCount: 2 }, {
      labels: { [LABEL_LAST_STATE]: last },
    }),
  }) as unknown as S;
  const [c] = s.containerStatuses;
  assert.equal(c!.state.waiting!.reason, "CrashLoopBackOff");
  assert.match(
    String(c!.state.waiting!.message),
    /back-off restarting failed container app in pod web_default\(u1\)/,
  );
  assert.equal(c!.lastState.terminated!.exitCode, 1);
  assert.equal(c!.lastState.terminated!.containerID, "runc://abc123");
  assert.equal(s.phase, "Running");
});

Deno.test("buildPodStatus: a finished pod is Succeeded with PodCompleted, the container terminated", () => {
  const s = buildPodStatus({
    ...base,
    apiPod: apiPod(),
    detail: detail({ state: "exited", exitCode: 0, restartCount: 0 }, { policy: "Never" }),
  }) as unknown as S;
  assert.equal(s.phase, "Succeeded");
  assert.equal(s.conditions.find((c) => c.type === "Ready")!.reason, "PodCompleted");
  const t = s.containerStatuses[0]!.state.terminated!;
  assert.equal(t.exitCode, 0);
  assert.equal(t.reason, "Completed");
  assert.equal(t.finishedAt, "2026-01-01T10:00:05Z");
});

Deno.test("buildPodStatus: not created yet: Pending, ContainerCreating, hostIP and startTime set, no podIP", () => {
  const s = buildPodStatus({ ...base, apiPod: apiPod() }) as unknown as S & {
    hostIP: string;
  };
  assert.equal(s.phase, "Pending");
  assert.equal(s.hostIP, "192.168.1.9");
  assert.equal(s.podIP, undefined);
  assert.equal(s.startTime, "2026-01-01T10:01:00Z");
  assert.deepEqual(s.containerStatuses[0]!.state, { waiting: { reason: "ContainerCreating" } });
});

Deno.test("buildPodStatus: a sandbox being created is Pending, never the kubelet-less Unknown", () => {
  const d = detail({ state: "unknown", restartCount: 0 } as unknown as ContainerObservation);
  (d.pod.observation as { sandbox: string }).sandbox = "unknown";
  const s = buildPodStatus({ ...base, apiPod: apiPod(), detail: d }) as S;
  assert.equal(s.phase, "Pending");
  const running = buildPodStatus({ ...base, apiPod: apiPod({ phase: "Running" }), detail: d }) as S;
  assert.equal(running.phase, "Running");
});

Deno.test("buildPodStatus: a pod whose start failed on the node stays Pending in CreateContainerError unless restartPolicy is Never", () => {
  const failed = (policy?: string) => {
    const d = detail({ state: "running", restartCount: 0 });
    // Nothing of the pod was created: no container view, no observation; the record says why.
    (d as unknown as { record: Record<string, unknown> }).record.failure =
      'Container "app" has neither command nor args';
    (d as unknown as { containers: Map<string, unknown> }).containers = new Map();
    (d.pod.observation as { containers: Record<string, unknown> }).containers = {};
    (d.pod.observation as { sandbox: string }).sandbox = "notReady";
    return buildPodStatus({
      ...base,
      apiPod: apiPod({}, policy ? { restartPolicy: policy } : {}),
      detail: d,
    }) as unknown as S;
  };
  for (const policy of [undefined, "Always", "OnFailure"]) {
    const s = failed(policy);
    assert.equal(s.phase, "Pending", `restartPolicy ${policy}: a ReplicaSet must not replace it`);
    assert.deepEqual(s.containerStatuses[0]!.state, {
      waiting: {
        reason: "CreateContainerError",
        message: 'Container "app" has neither command nor args',
      },
    });
  }
  assert.equal(failed("Never").phase, "Failed");
});
