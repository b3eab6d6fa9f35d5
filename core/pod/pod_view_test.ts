import assert from "node:assert/strict";
import type { ContainerView } from "../container/status.ts";
import { parsePodManifest } from "./pod_manifest.ts";
import type { SandboxRecord } from "./pod_store.ts";
import { sandboxConfig } from "./pod_translate.ts";
import { buildPodView } from "./pod_view.ts";

const pod = parsePodManifest(
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n" +
    "  - {name: a, image: ./i}\n  - {name: b, image: ./i}\n",
  "p.yaml",
  { baseDir: "/w", checkImage: () => undefined },
).pod;

const rec: SandboxRecord = {
  id: "p1",
  name: "web",
  namespace: "default",
  uid: "uid-1",
  config: sandboxConfig(pod, "uid-1"),
  manifest: pod,
  stateDir: "/s",
  cgroupParent: "/rkl/pod-p1",
  netnsPath: "",
  ips: [],
  stopped: false,
  createdAt: 1,
  creator: { pid: 42, startedAt: 1000 },
  pauseContainerId: "pause1",
};

/** The pod's pause container, running: the app containers are not created yet. */
const pause: ContainerView = {
  record: {
    id: "pause1",
    name: "pause_p1",
    image: "/pause",
    config: { name: "pause_p1", image: "/pause" },
    labels: {},
    owner: "p1",
    runtime: "runc",
    stateDir: "/s/pause1",
    createdAt: 1,
    ips: [],
    ports: [],
  },
  status: "running",
  reason: "Running",
  pid: 7,
  createdAt: 1,
};

Deno.test("buildPodView() shows a pod whose creating process is gone as Unknown/Interrupted", async (t) => {
  await t.step(
    "while its creator runs, a pod without app containers yet is ContainerCreating",
    () => {
      const v = buildPodView(rec, [pause]);
      assert.equal(v.phase, "Pending");
      assert.equal(v.status, "ContainerCreating");
      assert.equal(v.ready, "0/2");
      assert.deepEqual(v.containers.map((c) => c.reason), [
        "ContainerCreating",
        "ContainerCreating",
      ]);
    },
  );
  await t.step("once its creator is gone it is interrupted, with how to remove it", () => {
    const v = buildPodView(rec, [pause], undefined, true);
    assert.equal(v.phase, "Unknown");
    assert.equal(v.status, "Interrupted");
    assert.match(
      v.failure ?? "",
      /^creation interrupted: the process creating the pod \(pid 42\) is gone; remove it with "rkl pod rm -f web" or "rkl gc"$/,
    );
  });
});
