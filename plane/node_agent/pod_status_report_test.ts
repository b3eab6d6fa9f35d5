import assert from "node:assert/strict";
import type { ObservedPodDetail } from "../../core/daemon/observe.ts";
import type { ContainerObservation, PodObservation } from "../../core/pod/pod_status.ts";
import { LABEL_LAST_STATE } from "../../core/pod/container_facts.ts";
import { buildPodStatus, sameStatus } from "./pod_status_report.ts";
import { podCells } from "../api/table/pod_cells.ts";

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
  // The kubelet's wording (kuberuntime_manager.go doBackOff), with the current back-off.
  assert.equal(
    c!.state.waiting!.message,
    "back-off 20s restarting failed container=app pod=web_default(u1)",
  );
  assert.equal(c!.lastState.terminated!.exitCode, 1);
  assert.equal(c!.lastState.terminated!.containerID, "runc://abc123");
  assert.equal(s.phase, "Running");
});

Deno.test("buildPodStatus: a restart held back by a missing key waits in CreateContainerConfigError", () => {
  const s = buildPodStatus({
    ...base,
    apiPod: apiPod(),
    detail: detail({ state: "exited", exitCode: 0, restartCount: 1 }),
    containerProblems: { app: "couldn't find key MODE in ConfigMap default/cfg" },
  }) as unknown as S;
  const [c] = s.containerStatuses;
  assert.deepEqual(c!.state, {
    waiting: {
      reason: "CreateContainerConfigError",
      message: "couldn't find key MODE in ConfigMap default/cfg",
    },
  });
  assert.equal(c!.lastState.terminated!.exitCode, 0);
  assert.equal(c!.lastState.terminated!.reason, "Completed");
  assert.equal(c!.started, false);
  assert.equal(s.phase, "Running");
});

Deno.test("buildPodStatus: a container that could not start is StartError with the runtime's message; long back-offs read as Go durations", () => {
  const why = 'runc create failed: exec: "/x": stat /x: no such file or directory';
  const last = JSON.stringify({ exitCode: 128, reason: "StartError", message: why });
  const s = buildPodStatus({
    ...base,
    apiPod: apiPod(),
    detail: detail({
      state: "exited",
      exitCode: 128,
      reason: "StartError",
      message: why,
      restartCount: 6,
    }, { labels: { [LABEL_LAST_STATE]: last } }),
  }) as unknown as S;
  const [c] = s.containerStatuses;
  assert.equal(
    c!.state.waiting!.message,
    "back-off 5m0s restarting failed container=app pod=web_default(u1)",
  );
  assert.equal(c!.lastState.terminated!.reason, "StartError");
  assert.equal(c!.lastState.terminated!.exitCode, 128);
  assert.equal((c!.lastState.terminated as { message?: string }).message, why);
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
    // The failed creation stopped its sandbox (kept for its IP and record).
    (d.pod.observation as { sandbox: PodObservation["sandbox"] }).sandbox = "notready";
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

Deno.test("buildPodStatus: a pod with an init container shows Init:0/1 while it is created and runs, then PodInitializing", async (t) => {
  const spec = {
    initContainers: [{ name: "i", image: "/img" }],
    containers: [{ name: "app", image: "/img" }],
  };
  /** The relist of the pod with its init container in `init` (absent: not created yet). */
  const withInit = (init: ContainerObservation | undefined, initStatus: string) => {
    const d = detail({ state: "running", restartCount: 0 });
    const obs = d.pod.observation as { containers: Record<string, unknown>; sandbox: string };
    (d.pod as { shape: unknown }).shape = {
      initContainers: ["i"],
      containers: ["app"],
      restartPolicy: "Always",
    };
    obs.containers = init ? { i: init } : {};
    obs.sandbox = init ? "ready" : "unknown";
    const views = new Map<string, unknown>();
    if (init) {
      views.set("i", {
        record: { id: "init1", labels: {} },
        status: initStatus,
        createdAt: T0,
        startedAt: T0 + 1000,
        ...(init.state === "exited" ? { finishedAt: T0 + 2000, exitCode: init.exitCode } : {}),
      });
    }
    (d as unknown as { containers: Map<string, unknown> }).containers = views;
    return d;
  };
  type Full = S & { initContainerStatuses: S["containerStatuses"] };
  const statusOf = (d: ObservedPodDetail) =>
    buildPodStatus({ ...base, apiPod: apiPod({}, spec), detail: d }) as unknown as Full;
  const columnOf = (s: Full) =>
    podCells({ ...apiPod({}, spec), metadata: { name: "web" }, status: s }, now).cells[2];

  await t.step(
    "being created: every container waits in PodInitializing (kubelet's default)",
    () => {
      for (
        const d of [
          withInit(undefined, ""),
          withInit({ state: "created", restartCount: 0 } as ContainerObservation, "created"),
        ]
      ) {
        const s = statusOf(d);
        assert.deepEqual(s.initContainerStatuses[0]!.state, {
          waiting: { reason: "PodInitializing" },
        });
        assert.deepEqual(s.containerStatuses[0]!.state, { waiting: { reason: "PodInitializing" } });
        assert.equal(columnOf(s), "Init:0/1");
      }
    },
  );

  await t.step(
    "running: the init container runs, Initialized is False with the kubelet's reason",
    () => {
      const s = statusOf(withInit({ state: "running", restartCount: 0 }, "running"));
      assert.deepEqual(Object.keys(s.initContainerStatuses[0]!.state), ["running"]);
      assert.equal(s.initContainerStatuses[0]!.containerID, "runc://init1");
      assert.deepEqual(s.containerStatuses[0]!.state, { waiting: { reason: "PodInitializing" } });
      const initialized = s.conditions.find((c) => c.type === "Initialized")!;
      assert.equal(initialized.status, "False");
      assert.equal(initialized.reason, "ContainersNotInitialized");
      assert.equal(initialized.message, "containers with incomplete status: [i]");
      assert.equal(s.phase, "Pending");
      assert.equal(columnOf(s), "Init:0/1");
    },
  );

  await t.step(
    "completed: terminated with reason Completed, Initialized True, PodInitializing",
    () => {
      const s = statusOf(
        withInit({ state: "exited", exitCode: 0, restartCount: 0 }, "stopped"),
      );
      const term = s.initContainerStatuses[0]!.state.terminated!;
      assert.equal(term.reason, "Completed");
      assert.equal(term.exitCode, 0);
      assert.equal(s.conditions.find((c) => c.type === "Initialized")!.status, "True");
      assert.equal(columnOf(s), "PodInitializing");
    },
  );
});

Deno.test("buildPodStatus: a missing init image is the init container's ErrImageNeverPull; the app container waits in PodInitializing", () => {
  const s = buildPodStatus({
    ...base,
    apiPod: apiPod({}, { initContainers: [{ name: "setup", image: "busybox:1.28" }] }),
    problem: {
      reason: "ErrImageNeverPull",
      message: 'Container image "busybox:1.28" is not present with pull policy of Never',
      container: "setup",
    },
  }) as unknown as S & { initContainerStatuses: S["containerStatuses"] };
  assert.equal(s.initContainerStatuses[0]!.state.waiting!.reason, "ErrImageNeverPull");
  assert.deepEqual(s.containerStatuses[0]!.state, { waiting: { reason: "PodInitializing" } });
});

Deno.test("buildPodStatus: past activeDeadlineSeconds the pod is Failed with reason DeadlineExceeded", async (t) => {
  const running = { state: "running", restartCount: 0 } as const;
  const startTime = "2026-01-01T10:00:00Z"; // now is 60 s later
  await t.step("past the deadline: Failed, DeadlineExceeded, not Ready", () => {
    const s = buildPodStatus({
      ...base,
      apiPod: apiPod({ phase: "Running", startTime }, { activeDeadlineSeconds: 30 }),
      detail: detail(running),
    }) as unknown as S & { reason: string; message: string };
    assert.equal(s.phase, "Failed");
    assert.equal(s.reason, "DeadlineExceeded");
    assert.equal(s.message, "Pod was active on the node longer than the specified deadline");
    const ready = s.conditions.find((c) => c.type === "Ready")!;
    assert.equal(ready.status, "False");
    assert.equal(ready.reason, "PodCompleted");
  });
  await t.step("its killed container stays terminated (never restarted)", () => {
    const s = buildPodStatus({
      ...base,
      apiPod: apiPod({ phase: "Failed", startTime }, { activeDeadlineSeconds: 30 }),
      detail: detail({ state: "exited", exitCode: 137, restartCount: 0 }),
    }) as unknown as S;
    assert.equal(s.phase, "Failed");
    assert.equal(s.containerStatuses[0]!.state.terminated?.exitCode, 137);
    assert.deepEqual(s.containerStatuses[0]!.lastState, {});
  });
  await t.step("before the deadline: Running, no reason", () => {
    const s = buildPodStatus({
      ...base,
      apiPod: apiPod({ phase: "Running", startTime }, { activeDeadlineSeconds: 90 }),
      detail: detail(running),
    }) as unknown as S & { reason?: string };
    assert.equal(s.phase, "Running");
    assert.equal(s.reason, undefined);
  });
  await t.step("a pod that completed before its deadline stays Succeeded", () => {
    const s = buildPodStatus({
      ...base,
      apiPod: apiPod({ phase: "Running", startTime }, { activeDeadlineSeconds: 30 }),
      detail: detail({ state: "exited", exitCode: 0, restartCount: 0, finishedAt: T0 + 5000 }, {
        policy: "Never",
      }),
    }) as unknown as S & { reason?: string };
    assert.equal(s.phase, "Succeeded");
    assert.equal(s.reason, undefined);
  });
});

Deno.test("buildPodStatus: a running container reports the image it was created from, not a newer spec's", () => {
  const d = detail({ state: "running", restartCount: 0 });
  (d.record.manifest as { annotations?: Record<string, string> }).annotations = {
    "rk8s.io/container-images": JSON.stringify({ app: "busybox:1.35" }),
  };
  const s = buildPodStatus({
    ...base,
    apiPod: apiPod({}, { containers: [{ name: "app", image: "busybox:1.36" }] }),
    detail: d,
  }) as unknown as { containerStatuses: { image: string }[] };
  assert.equal(s.containerStatuses[0]!.image, "busybox:1.35");
});
