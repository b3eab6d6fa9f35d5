import assert from "node:assert/strict";
import { join } from "node:path";
import { type ContainerView, openEngine } from "../container/mod.ts";
import { currentOwner } from "../owner_process.ts";
import { rklPaths } from "../paths.ts";
import { podContainerName } from "../pod/pod_containers.ts";
import { parsePodManifest } from "../pod/pod_manifest.ts";
import { runPod } from "../pod/pod_runner.ts";
import type { ExitInfo } from "../runtime/conmon.ts";
import { FakeRuntime, plainDirRootfs } from "../runtime/fake_runtime.ts";
import { findContainer, updateContainer } from "../store/containers.ts";
import { tempDir } from "../testing.ts";
import { PhaseTrace } from "../trace.ts";
import { classifyExit, observeNode } from "./observe.ts";

/** The fields of a view classifyExit reads (a test fake for the rest). */
function exited(exitCode: number, stateDir: string): ContainerView {
  return {
    exitCode,
    record: { id: "c1", stateDir, config: { cgroupParent: undefined } },
  } as unknown as ContainerView;
}

Deno.test("classifyExit() tells Completed, Error, signals and OOMKilled apart", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rkl-classify-" });
  try {
    const none = () => Promise.resolve(undefined);
    await t.step("exit 0 is Completed and never asks the cgroup", async () => {
      const f = await classifyExit(exited(0, dir), () => {
        throw new Error("read the cgroup for exit 0");
      });
      assert.deepEqual(f, { reason: "Completed", message: "" });
    });
    await t.step("exit 3 is Error; 137 is Error with signal 9 without an OOM kill", async () => {
      assert.equal((await classifyExit(exited(3, dir), none)).reason, "Error");
      const killed = await classifyExit(exited(137, dir), () => Promise.resolve(0));
      assert.equal(killed.reason, "Error");
      assert.equal(killed.signal, 9);
    });
    await t.step("the memory cgroup's OOM kill counter makes it OOMKilled", async () => {
      const f = await classifyExit(exited(137, dir), () => Promise.resolve(1));
      assert.equal(f.reason, "OOMKilled");
      assert.match(f.message, /counted 1 OOM kill/);
    });
    await t.step(
      "conmon's oom file in the bundle makes it OOMKilled when the cgroup is gone",
      async () => {
        await Deno.writeTextFile(join(dir, "oom"), "");
        const f = await classifyExit(exited(137, dir), none);
        assert.equal(f.reason, "OOMKilled");
        assert.match(f.message, /oom file/);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A fake runtime whose monitor lists its exit files, counting the exit files read. */
class ListingFake extends FakeRuntime {
  exitReads: string[] = [];
  override readExit(exitDir: string, id: string): Promise<ExitInfo | undefined> {
    this.exitReads.push(id);
    return super.readExit(exitDir, id);
  }
  exitedIds(): Promise<ReadonlySet<string>> {
    return Promise.resolve(new Set(this.exits.keys()));
  }
}

Deno.test("observeNode() reads only the exit files present and asks no ps about its own creations", async () => {
  await using dir = await tempDir("rkl-observe-unit-");
  const rt = new ListingFake();
  const engine = await openEngine({
    paths: rklPaths(dir.path),
    runtime: rt,
    monitor: rt,
    rootfs: plainDirRootfs,
  });
  try {
    const repo = new URL("../../", import.meta.url).pathname;
    const pod = parsePodManifest(
      `apiVersion: v1
kind: Pod
metadata: { name: obs }
spec:
  restartPolicy: Never
  containers:
    - { name: a, image: ./testdata/bundles/busybox, args: [sleep, "1"] }
    - { name: b, image: ./testdata/bundles/busybox, args: [sleep, "1"] }
`,
      "obs.yaml",
      { baseDir: repo, checkImage: () => undefined },
    ).pod;
    const { sandbox, failure } = await runPod(engine, pod, { nodeName: "n1" });
    assert.equal(failure, undefined);
    const a = findContainer(engine.db, podContainerName(sandbox, "a"));
    const b = findContainer(engine.db, podContainerName(sandbox, "b"));
    // b is still being created by this process (as while the daemon creates a pod).
    updateContainer(engine.db, b.id, { creator: await currentOwner() });

    const trace = PhaseTrace.start();
    let obs;
    try {
      obs = await observeNode(engine);
    } finally {
      trace.stop();
    }
    assert.deepEqual(rt.exitReads, [], "no container has an exit file: none is read");
    assert.deepEqual(trace.spans.filter((s) => s.name === "exec ps"), []);
    const containers = obs.pods.get("default/obs")!.pod.observation.containers;
    assert.equal(containers.a?.state, "running");
    // b's creator is this process: the runtime is not asked; with a pid that /proc does not
    // show running (the fake runtime's), it reads as created until its creation ends.
    assert.equal(containers.b?.state, "created");
    const bView = obs.pods.get("default/obs")!.containers.get("b");
    assert.equal(bView?.interrupted ?? false, false, "its creator (this process) is alive");

    await rt.kill(a.id, "SIGKILL");
    obs = await observeNode(engine);
    assert.deepEqual(rt.exitReads, [a.id], "only the exited container's file is read");
    assert.equal(obs.pods.get("default/obs")!.pod.observation.containers.a?.state, "exited");
    assert.deepEqual(obs.newTerminations.map((t) => [t.container, t.fact.reason]), [
      ["a", "Error"],
    ]);

    // A creator that is gone (our pid with another start time): the creation was interrupted.
    const me = await currentOwner();
    updateContainer(engine.db, b.id, {
      creator: { pid: me.pid, startedAt: me.startedAt - 3_600_000 },
    });
    obs = await observeNode(engine);
    assert.equal(obs.pods.get("default/obs")!.containers.get("b")?.interrupted, true);
  } finally {
    engine.close();
  }
});
