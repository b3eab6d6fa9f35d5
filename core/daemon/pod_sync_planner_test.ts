import assert from "node:assert/strict";
import {
  type DesiredPod,
  type ObservedPod,
  planPodSync,
  type PodSyncAction,
} from "./pod_sync_planner.ts";
import type { PodManifest, RestartPolicy } from "../pod/pod_manifest.ts";
import type { ContainerObservation } from "../pod/pod_status.ts";

const S = 1_000;
const manifest = { name: "web-node1", namespace: "default" } as unknown as PodManifest;

function desired(hash = "h1", source: DesiredPod["source"] = "file"): DesiredPod {
  return { key: "default/web-node1", manifest, hash, source };
}

function observed(
  policy: RestartPolicy,
  app: ContainerObservation | undefined,
  extra: Partial<ObservedPod> = {},
): ObservedPod {
  return {
    key: "default/web-node1",
    sandboxId: "sb1",
    source: "file",
    hash: "h1",
    stopped: false,
    shape: { initContainers: [], containers: ["app"], restartPolicy: policy },
    observation: { sandbox: "ready", containers: { app } },
    ...extra,
  };
}

function show(a: PodSyncAction): string {
  const parts: string[] = [a.kind];
  if ("container" in a && a.container) parts.push(a.container);
  if (a.kind === "restartContainer") parts.push(`attempt=${a.attempt}`, `steps=${a.backoffSteps}`);
  if (a.kind === "wait" && a.untilMs !== undefined) parts.push(`until=${a.untilMs}`);
  return parts.join(":");
}

const plan = (d: DesiredPod[], o: ObservedPod[], now = 100 * S) =>
  planPodSync(d, o, now, { baseBackoffMs: 10 * S, maxBackoffMs: 300 * S, backoffResetMs: 600 * S })
    .map(show);

Deno.test("planPodSync() applies every restart policy to every kind of exit, in every back-off window", async (t) => {
  // Which exits each policy restarts (kubernetes.io pod-lifecycle, "Container restart policy").
  // "liveness 0" / "startup 0": killed for a failed probe, exited 0 on SIGTERM; the kubelet
  // restarts it whenever restartPolicy is not Never (computePodActions).
  const probeKilled = { "liveness 0": true, "startup 0": true, "liveness 143": true };
  const restarts: Record<RestartPolicy, Record<string, boolean>> = {
    Always: { "0": true, "1": true, "137": true, OOMKilled: true, ...probeKilled },
    OnFailure: { "0": false, "1": true, "137": true, OOMKilled: true, ...probeKilled },
    Never: {
      "0": false,
      "1": false,
      "137": false,
      OOMKilled: false,
      "liveness 0": false,
      "startup 0": false,
      "liveness 143": false,
    },
  };
  // Back-off windows at now = 100 s. steps: consecutive short runs so far.
  const windows = [
    // First crash: restart at once, the next crash waits 10 s.
    {
      name: "first crash",
      restartCount: 0,
      steps: 0,
      startedAt: 95 * S,
      finishedAt: 99 * S,
      want: "restart",
      nextSteps: 1,
    },
    // Third crash after 2 short runs: 20 s back-off from 95 s → until 115 s.
    {
      name: "inside back-off",
      restartCount: 2,
      steps: 2,
      startedAt: 94 * S,
      finishedAt: 95 * S,
      want: "wait",
      until: 115 * S,
    },
    // Same, exit at 70 s: 20 s back-off is over at 90 s.
    {
      name: "back-off passed",
      restartCount: 2,
      steps: 2,
      startedAt: 69 * S,
      finishedAt: 70 * S,
      want: "restart",
      nextSteps: 3,
    },
    // Cap: 9 short runs → 10 s·2^8 = 2560 s capped at 300 s.
    {
      name: "capped at 5 min",
      restartCount: 9,
      steps: 9,
      startedAt: 0,
      finishedAt: 1 * S,
      want: "wait",
      until: 301 * S,
    },
    // Ran ≥ 10 min: back-off resets, restart at once.
    {
      name: "ran 10 min",
      restartCount: 7,
      steps: 7,
      startedAt: -600 * S,
      finishedAt: 99 * S,
      want: "restart",
      nextSteps: 1,
    },
  ] as const;
  for (const policy of ["Always", "OnFailure", "Never"] as const) {
    for (const exit of Object.keys(restarts[policy])) {
      for (const w of windows) {
        await t.step(`${policy} × exit ${exit} × ${w.name}`, () => {
          const [probe, code] = exit.includes(" ") ? exit.split(" ") : [undefined, exit];
          const c: ContainerObservation = {
            state: "exited",
            exitCode: code === "OOMKilled" ? 137 : Number(code),
            restartCount: w.restartCount,
            backoffSteps: w.steps,
            startedAt: w.startedAt,
            finishedAt: w.finishedAt,
          };
          if (exit === "OOMKilled") c.reason = "OOMKilled";
          if (probe) c.probes = { unhealthy: `${probe} probe failed: x` };
          const got = plan([desired()], [observed(policy, c)]);
          if (!restarts[policy][exit]) {
            // Not restarted: the pod is finished, its sandbox is stopped.
            assert.deepEqual(got, ["stopPod"]);
          } else if (w.want === "wait") {
            assert.deepEqual(got, [`wait:app:until=${w.until}`]);
          } else {
            assert.deepEqual(got, [
              `restartContainer:app:attempt=${w.restartCount + 1}:steps=${w.nextSteps}`,
            ]);
          }
        });
      }
    }
  }
});

Deno.test("planPodSync() acts on probe verdicts of running containers", async (t) => {
  const running: ContainerObservation = { state: "running", restartCount: 1, startedAt: 50 * S };
  for (const policy of ["Always", "OnFailure", "Never"] as const) {
    await t.step(`${policy}: a failed liveness probe kills the container`, () => {
      const c = { ...running, probes: { unhealthy: "liveness probe failed: HTTP 500" } };
      const actions = planPodSync([desired()], [observed(policy, c)], 100 * S);
      assert.deepEqual(actions.map(show), ["killContainer:app"]);
      assert.match(actions[0]!.reason, /liveness probe failed: HTTP 500/);
    });
    await t.step(
      `${policy}: an unready container is left alone (readiness only gates READY)`,
      () => {
        const c = { ...running, probes: { ready: false, started: true } };
        assert.deepEqual(plan([desired()], [observed(policy, c)]), []);
      },
    );
    await t.step(
      `${policy}: a container still starting (startup probe pending) is left alone`,
      () => {
        const c = { ...running, probes: { started: false } };
        assert.deepEqual(plan([desired()], [observed(policy, c)]), []);
      },
    );
    await t.step(`${policy}: a healthy running container is left alone`, () => {
      assert.deepEqual(plan([desired()], [observed(policy, running)]), []);
    });
  }
});

Deno.test("planPodSync() creates, replaces and removes pods", async (t) => {
  const run: ContainerObservation = { state: "running", restartCount: 0 };
  await t.step("a new manifest creates its pod", () => {
    assert.deepEqual(plan([desired()], []), ["createPod"]);
  });
  await t.step("a changed manifest (other hash) replaces the pod: remove, then create", () => {
    assert.deepEqual(plan([desired("h2")], [observed("Always", run)]), ["removePod", "createPod"]);
  });
  await t.step("a removed manifest removes its static pod", () => {
    assert.deepEqual(plan([], [observed("Always", run)]), ["removePod"]);
  });
  await t.step("a pod not from a file is never removed for lack of a file", () => {
    assert.deepEqual(plan([], [observed("Always", run, { source: "store" })]), []);
  });
  await t.step("a static pod name taken by a CLI pod is not touched", () => {
    const got = plan([desired()], [observed("Always", run, { source: "store" })]);
    assert.deepEqual(got, ["wait"]);
  });
  await t.step("a supervised CLI pod (store source) is restarted like a static one", () => {
    const exited: ContainerObservation = {
      state: "exited",
      exitCode: 1,
      restartCount: 0,
      finishedAt: 99 * S,
    };
    const got = plan(
      [desired("", "store")],
      [observed("OnFailure", exited, { source: "store" })],
    );
    assert.deepEqual(got, ["restartContainer:app:attempt=1:steps=1"]);
  });
  await t.step("a container whose env cannot be resolved waits instead of (re)starting", () => {
    const exited: ContainerObservation = {
      state: "exited",
      exitCode: 0,
      restartCount: 0,
      finishedAt: 50 * S,
    };
    const blocked = {
      ...desired(),
      containerConfigErrors: { app: "couldn't find key K in ConfigMap default/cfg" },
    };
    assert.deepEqual(plan([blocked], [observed("Always", exited)]), ["wait:app"]);
    assert.deepEqual(plan([blocked], [observed("Always", undefined)]), ["wait:app"]);
    const [w] = planPodSync([blocked], [observed("Always", exited)], 100 * S);
    assert.equal(
      w?.kind === "wait" ? w.reason : "",
      "CreateContainerConfigError: couldn't find key K in ConfigMap default/cfg",
    );
    // The other containers are not held back; once the key is back it restarts.
    assert.deepEqual(plan([desired()], [observed("Always", exited)]), [
      "restartContainer:app:attempt=1:steps=1",
    ]);
  });
  await t.step("a pod stopped on purpose is left alone", () => {
    const exited: ContainerObservation = { state: "exited", exitCode: 137, restartCount: 0 };
    assert.deepEqual(plan([desired()], [observed("Always", exited, { stopped: true })]), []);
  });
  await t.step("a missing container is created and started", () => {
    assert.deepEqual(plan([desired()], [observed("Always", undefined)]), ["startContainer:app"]);
  });
  await t.step("a dead sandbox (pause exited, host reboot) is recreated", () => {
    const o = observed("Always", { state: "exited", exitCode: 137, restartCount: 3 });
    o.observation = { ...o.observation, sandbox: "notready" };
    assert.deepEqual(plan([desired()], [o]), ["recreateSandbox"]);
  });
  await t.step("a finished pod whose sandbox already stopped needs nothing", () => {
    const o = observed("Never", { state: "exited", exitCode: 0, restartCount: 0 });
    o.observation = { ...o.observation, sandbox: "notready" };
    assert.deepEqual(plan([desired()], [o]), []);
  });
  await t.step("an unknown sandbox state waits", () => {
    const o = observed("Always", undefined);
    o.observation = { sandbox: "unknown", containers: {} };
    assert.deepEqual(plan([desired()], [o]), ["wait"]);
  });
  await t.step("init containers restart per policy with back-off; Never fails the pod", () => {
    const o = (policy: RestartPolicy): ObservedPod => ({
      ...observed(policy, undefined),
      shape: { initContainers: ["init"], containers: ["app"], restartPolicy: policy },
      observation: {
        sandbox: "ready",
        containers: { init: { state: "exited", exitCode: 2, restartCount: 1, finishedAt: 95 * S } },
      },
    });
    assert.deepEqual(plan([desired()], [o("OnFailure")]), [`wait:init:until=${105 * S}`]);
    assert.deepEqual(plan([desired()], [o("Always")], 106 * S), [
      "restartContainer:init:attempt=2:steps=2",
    ]);
    assert.deepEqual(plan([desired()], [o("Never")]), ["failPod:init"]);
  });
  await t.step("every action has a reason", () => {
    const all = planPodSync([desired("h2")], [observed("Always", run)], 0);
    for (const a of all) assert.ok(a.reason.length > 0);
  });
});

Deno.test("planPodSync() runs cluster pods: created once, adopted, replaced on a new uid, removed gracefully when deleted or unbound", () => {
  const running = { state: "running", restartCount: 0 } as const;
  const api = (hash = "uid-1", extra: Partial<DesiredPod> = {}): DesiredPod => ({
    ...desired(hash, "api"),
    uid: hash,
    ...extra,
  });
  const have = (hash = "uid-1") => observed("Always", running, { source: "api", hash });
  // Not there yet: created.
  assert.deepEqual(plan([api()], []), ["createPod"]);
  // Already running with the same uid (a restarted daemon, a reconnect): adopted, nothing done.
  assert.deepEqual(plan([api()], [have()]), []);
  // Same name, new uid (deleted and created again while the node was away): replaced.
  assert.deepEqual(plan([api("uid-2")], [have()]), ["removePod", "createPod"]);
  // Being deleted: its containers are stopped within the grace period, then it is removed.
  const deleting = planPodSync([api("uid-1", { deletion: { graceSeconds: 7 } })], [have()], 0);
  assert.deepEqual(deleting.map((a) => [a.kind, "graceSeconds" in a ? a.graceSeconds : -1]), [[
    "removePod",
    7,
  ]]);
  // Being deleted and not here: never created.
  assert.deepEqual(plan([api("uid-1", { deletion: { graceSeconds: 7 } })], []), []);
  // No longer bound here (deleted while the node was away): removed at once.
  const gone = planPodSync([], [have()], 0);
  assert.deepEqual(gone.map((a) => [a.kind, a.reason]), [[
    "removePod",
    "it is no longer bound to this node",
  ]]);
  // Pods started by the CLI are never removed for not being desired.
  assert.deepEqual(plan([], [observed("Always", running, { source: "store" })]), []);
});

Deno.test("planPodSync() gives a static pod the node removes on its own its grace period", () => {
  const running = { state: "running", restartCount: 0 } as const;
  const graceOf = (d: DesiredPod[], o: ObservedPod) =>
    planPodSync(d, [o], 100 * S)
      .filter((a) => a.kind === "removePod")
      .map((a) => a.kind === "removePod" ? a.graceSeconds : undefined);
  const withGrace = observed("Always", running, { terminationGracePeriodSeconds: 45 });
  // File removed, and file changed (removed, then created again): SIGTERM with 45 s to stop.
  assert.deepEqual(graceOf([], withGrace), [45]);
  assert.deepEqual(graceOf([desired("h2")], withGrace), [45]);
  // A grace of 0 stays 0 (killed at once), as the manifest says.
  assert.deepEqual(
    graceOf([], observed("Always", running, { terminationGracePeriodSeconds: 0 })),
    [0],
  );
  // A cluster pod that is no longer bound here keeps the API's word (none: at once).
  assert.deepEqual(graceOf([], { ...withGrace, source: "api" }), [undefined]);
  // A deletion's own grace wins over the manifest's.
  assert.deepEqual(
    graceOf([{ ...desired(), deletion: { graceSeconds: 3 } }], withGrace),
    [3],
  );
});

Deno.test("planPodSync() kills a pod past its activeDeadlineSeconds, for good", async (t) => {
  const running: ContainerObservation = { state: "running", restartCount: 0, startedAt: 10 * S };
  const withDeadline = (seconds: number, extra: Partial<DesiredPod> = {}): DesiredPod => ({
    ...desired(),
    manifest: {
      ...manifest,
      activeDeadlineSeconds: seconds,
      terminationGracePeriodSeconds: 7,
    } as PodManifest,
    ...extra,
  });
  const obs = (app: ContainerObservation, extra: Partial<ObservedPod> = {}) =>
    observed("Always", app, { createdAt: 10 * S, ...extra });
  await t.step("before the deadline: a wait until it comes due, and the usual actions", () => {
    assert.deepEqual(plan([withDeadline(100)], [obs(running)]), [`wait:until=${110 * S}`]);
    const exited: ContainerObservation = {
      ...running,
      state: "exited",
      exitCode: 1,
      finishedAt: 99 * S,
    };
    assert.deepEqual(plan([withDeadline(100)], [obs(exited)]), [
      `wait:until=${110 * S}`,
      "restartContainer:app:attempt=1:steps=1",
    ]);
  });
  await t.step("at the deadline (start + seconds <= now): killPod with the pod's grace", () => {
    const actions = planPodSync([withDeadline(90)], [obs(running)], 100 * S);
    assert.deepEqual(actions.map(show), ["killPod"]);
    const a = actions[0] as Extract<PodSyncAction, { kind: "killPod" }>;
    assert.equal(a.graceSeconds, 7);
    assert.equal(a.reason, "Pod was active on the node longer than the specified deadline");
  });
  await t.step("a container in back-off is not restarted past the deadline", () => {
    const exited: ContainerObservation = {
      ...running,
      state: "exited",
      exitCode: 1,
      finishedAt: 20 * S,
    };
    assert.deepEqual(plan([withDeadline(30)], [obs(exited)]), ["killPod"]);
  });
  await t.step("once killed (sandbox stopped), nothing is done again", () => {
    const exited: ContainerObservation = {
      ...running,
      state: "exited",
      exitCode: 143,
      finishedAt: 95 * S,
    };
    const o = obs(exited);
    assert.deepEqual(
      plan([withDeadline(30)], [{ ...o, observation: { ...o.observation, sandbox: "notready" } }]),
      [],
    );
    assert.deepEqual(plan([withDeadline(30)], [{ ...o, stopped: true }]), []);
  });
  await t.step("a cluster pod's deadline counts from its status.startTime", () => {
    assert.deepEqual(plan([withDeadline(60, { startTime: 30 * S })], [obs(running)]), ["killPod"]);
    assert.deepEqual(plan([withDeadline(60, { startTime: 50 * S })], [obs(running)]), [
      `wait:until=${110 * S}`,
    ]);
  });
  await t.step("a pod that finished before its deadline just stops", () => {
    const done: ContainerObservation = {
      ...running,
      state: "exited",
      exitCode: 0,
      finishedAt: 20 * S,
    };
    assert.deepEqual(
      plan([withDeadline(30)], [observed("Never", done, { createdAt: 10 * S })]),
      ["stopPod"],
    );
  });
});
