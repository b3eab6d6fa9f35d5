/**
 * `rkl daemon` removes or replaces a static pod while its init container still runs: the pod's
 * creation is aborted (the kubelet kills a pod in any phase), its app container never starts,
 * and nothing of it is left (records, netns, IP, cgroups, runtime containers, conmon). A daemon
 * stopped (SIGTERM) while an init container runs exits at once and leaves the pod to the next
 * daemon, which adopts it. Real
 * runtime, conmon and CNI; the daemon is a child process with its own `--root`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, testBundles, waitFor } from "../testing.ts";
import { leftovers } from "../../cli/_leftovers.ts";
import type { PodView } from "../pod/pod_view.ts";
import {
  daemonLogs,
  DaemonProcess,
  events,
  long,
  NODE,
  pod,
  podYaml,
  removeEverything,
} from "./_testing.ts";

/** A static pod whose init container runs `init` before the app container (`sleep 1000`). */
function initPod(name: string, init: string[]): string {
  return podYaml(name, {
    args: ["sleep", "1000"],
    spec: [
      "  initContainers:",
      "    - name: i",
      `      image: ${testBundles.busybox}`,
      `      command: ${JSON.stringify(init)}`,
    ].join("\n"),
  });
}

/** The pod once its init container runs (STATUS `Init:0/1`). */
async function initRunning(root: string, name: string): Promise<PodView> {
  return await waitFor(`${name} to run its init container`, async () => {
    const p = await pod(root, name);
    const init = p?.containers.find((c) => c.init);
    return p?.status === "Init:0/1" && init?.state === "running" ? p : undefined;
  }, long);
}

rootTest(
  "rkl daemon: a static pod removed or replaced while its init container runs is stopped within its grace period (SIGTERM, then SIGKILL); SIGTERM leaves it to the next daemon",
  async (t) => {
    const root = await Deno.makeTempDir({ prefix: "rkl-daemon-init-" });
    const manifests = join(root, "manifests");
    await Deno.mkdir(manifests);
    let daemon: DaemonProcess | undefined = new DaemonProcess(root, manifests);
    const ids = new Set<string>();
    const remember = (p: PodView) => {
      ids.add(p.id);
      for (const c of p.containers) if (c.id) ids.add(c.id);
    };
    let failed = false;
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) failed = true;
    };
    try {
      const name = `initwait-${NODE}`;
      await step(
        "manifest removed: the init container is killed, the app never starts",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "initwait.yaml"),
            initPod("initwait", ["sleep", "3600"]),
          );
          const running = await initRunning(root, name);
          remember(running);
          assert.match(running.ip, /^\d+\.\d+\.\d+\.\d+$/, "on the CNI network: an IP to release");
          await Deno.remove(join(manifests, "initwait.yaml"));
          // Without the abort the daemon waits for `sleep 3600` before it removes the pod.
          await waitFor(
            `${name} to be removed`,
            async () => (await pod(root, name)) === undefined,
            long,
          );
          const evs = (await events(root)).filter((e) => e.object === `default/${name}`);
          const killing = evs.filter((e) => e.reason === "Killing").map((e) => e.message);
          assert.equal(killing.length, 2, JSON.stringify(evs));
          assert.match(
            killing[0]!,
            /^Stopping the pod while it is being created \(grace period 1s\): .*manifest file was removed/,
          );
          assert.match(
            killing[1]!,
            /^Stopped the pod while it was being created: .*manifest file was removed/,
          );
          assert.ok(
            !evs.some((e) =>
              (e.reason === "Started" && e.container !== "i") ||
              e.reason === "FailedCreatePodSandBox"
            ),
            `no app container started, no failure reported: ${JSON.stringify(evs)}`,
          );
        },
      );

      await step(
        "manifest replaced: the new pod runs without waiting for the old init container",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "initwait.yaml"),
            initPod("initwait", ["sleep", "3600"]),
          );
          const old = await initRunning(root, name);
          remember(old);
          await Deno.writeTextFile(join(manifests, "initwait.yaml"), initPod("initwait", ["true"]));
          const replaced = await waitFor(`${name} to be replaced and run`, async () => {
            const p = await pod(root, name);
            return p && p.id !== old.id && p.status === "Running" ? p : undefined;
          }, long);
          remember(replaced);
          assert.equal(replaced.containers.find((c) => c.init)?.reason, "Completed");
          await Deno.remove(join(manifests, "initwait.yaml"));
          await waitFor(
            `${name} to be removed`,
            async () => (await pod(root, name)) === undefined,
            long,
          );
        },
      );

      await step(
        "SIGTERM while an init container runs: the daemon exits at once; the next adopts the pod",
        async () => {
          const gate = join(root, "gate");
          await Deno.mkdir(gate);
          await Deno.writeTextFile(
            join(manifests, "gated.yaml"),
            podYaml("gated", {
              args: ["sleep", "1000"],
              spec: [
                "  initContainers:",
                "    - name: i",
                `      image: ${testBundles.busybox}`,
                `      command: ["sh", "-c", "while [ ! -f /gate/go ]; do sleep 1; done"]`,
                "      volumeMounts: [{name: gate, mountPath: /gate}]",
                `  volumes: [{name: gate, hostPath: {path: ${gate}, type: Directory}}]`,
              ].join("\n"),
            }),
          );
          const gated = `gated-${NODE}`;
          const before = await initRunning(root, gated);
          remember(before);
          const init = before.containers.find((c) => c.init)!;
          // Without detaching, the daemon's stop waits for the init container to end.
          const status = await daemon!.stop("SIGTERM");
          daemon = undefined;
          assert.equal(status.code, 0, "clean exit");
          const kept = (await pod(root, gated))!;
          assert.equal(kept.id, before.id, "the pod is kept");
          assert.equal(
            kept.containers.find((c) => c.init)?.pid,
            init.pid,
            "its init container runs on",
          );
          daemon = new DaemonProcess(root, manifests);
          await Deno.writeTextFile(join(gate, "go"), "");
          const running = await waitFor(`${gated} to run its app container`, async () => {
            const p = await pod(root, gated);
            return p?.status === "Running" && p.ready === "1/1" ? p : undefined;
          }, long);
          remember(running);
          assert.equal(running.id, before.id, "adopted, not re-created");
          assert.equal(running.containers.find((c) => c.init)?.id, init.id);
          await Deno.remove(join(manifests, "gated.yaml"));
          await waitFor(
            `${gated} to be removed`,
            async () => (await pod(root, gated)) === undefined,
            long,
          );
        },
      );

      await step("nothing of those pods is left on the host", async () => {
        const status = await daemon!.stop("SIGTERM");
        daemon = undefined;
        assert.equal(status.code, 0, "clean exit");
        assert.deepEqual(await leftovers(root, ids), []);
      });
    } finally {
      await daemon?.stop("SIGKILL");
      if (failed) console.error(`daemon logs:\n${daemonLogs.join("\n----\n")}`);
      await removeEverything(root);
      await Deno.remove(root, { recursive: true });
    }
  },
);
