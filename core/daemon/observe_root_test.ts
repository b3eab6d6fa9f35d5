/**
 * observeNode against the real runtime (runc here) and conmon, as root: a relist of running
 * pods asks the runtime nothing (their init processes are read from /proc), and one that finds
 * an exited container still sees it exited, with its exit code.
 */
import assert from "node:assert/strict";
import type { Engine } from "../container/mod.ts";
import { rootTest, waitFor, withTempEngine } from "../testing.ts";
import { PhaseTrace } from "../trace.ts";
import { parsePodManifest } from "../pod/pod_manifest.ts";
import { podContainerName } from "../pod/pod_containers.ts";
import { runPod } from "../pod/pod_runner.ts";
import { listSandboxRecords } from "../pod/pod_store.ts";
import { removePodSandbox } from "../pod/sandbox_remove.ts";
import { findContainer } from "../store/containers.ts";
import { type NodeObservation, observeNode } from "./observe.ts";

const repo = new URL("../../", import.meta.url).pathname;

function withEngine(fn: (engine: Engine) => Promise<void>): Promise<void> {
  return withTempEngine({
    prefix: "rkl-observe-it-",
    cleanup: async (engine) => {
      for (const rec of listSandboxRecords(engine.db)) await removePodSandbox(engine, rec.id);
    },
  }, fn);
}

/** Observes with a trace; returns the observation and the programs it started. */
async function observed(engine: Engine): Promise<{ obs: NodeObservation; programs: string[] }> {
  const trace = PhaseTrace.start();
  try {
    const obs = await observeNode(engine);
    return { obs, programs: trace.spans.map((s) => s.name).filter((n) => n.startsWith("exec ")) };
  } finally {
    trace.stop();
  }
}

rootTest(
  "observeNode() reads running pods from /proc and asks the runtime only about the rest",
  async () => {
    await withEngine(async (engine) => {
      const pods = [];
      for (const name of ["obs-a", "obs-b"]) {
        const pod = parsePodManifest(
          `apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  restartPolicy: Never
  containers:
    - { name: app, image: ./testdata/bundles/busybox, command: [sleep, "3600"] }
    - { name: side, image: ./testdata/bundles/busybox, command: [sleep, "3600"] }
`,
          `${name}.yaml`,
          { baseDir: repo },
        ).pod;
        const { sandbox, failure } = await runPod(engine, pod);
        assert.equal(failure, undefined);
        pods.push(sandbox);
      }
      // Six containers (two pause, four apps) run: one cat of their /proc entries, no runc.
      let { obs, programs } = await observed(engine);
      assert.deepEqual(programs, ["exec cat"]);
      assert.equal(obs.running.size, 6);
      for (const key of ["default/obs-a", "default/obs-b"]) {
        const p = obs.pods.get(key)!;
        assert.equal(p.pod.observation.sandbox, "ready");
        assert.deepEqual(
          Object.values(p.pod.observation.containers).map((c) => c?.state),
          ["running", "running"],
        );
      }

      // One app container is killed: its exit (conmon's exit file) is seen, with its code.
      const side = findContainer(engine.db, podContainerName(pods[0]!, "side"));
      await engine.runtime.kill(side.id, "SIGKILL");
      await waitFor("the exit file", async () => {
        const ids = await engine.monitor.exitedIds?.(engine.paths.exitDir);
        return ids?.has(side.id) ?? false;
      }, { timeoutMs: 30_000, intervalMs: 50 });
      ({ obs, programs } = await observed(engine));
      const c = obs.pods.get("default/obs-a")!.pod.observation.containers.side!;
      assert.equal(c.state, "exited");
      assert.equal(c.exitCode, 137);
      assert.deepEqual(obs.newTerminations.map((t) => [t.container, t.fact.signal]), [["side", 9]]);
      assert.ok(!obs.running.has(side.id));
      assert.equal(obs.running.size, 5);
      // Its exit is recorded now: the next relist again asks the runtime nothing.
      ({ obs, programs } = await observed(engine));
      assert.ok(!programs.some((p) => p.startsWith("exec runc")), programs.join(", "));
      assert.equal(obs.pods.get("default/obs-a")!.pod.observation.containers.side?.exitCode, 137);
    });
  },
);
