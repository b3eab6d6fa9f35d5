/**
 * `rkl daemon` acting on probe verdicts and active deadlines on the real runtime, conmon and CNI
 * plugins. The daemon runs with a one-hour relist interval, so only its wake-ups (prober, exit
 * files, due times) drive it; every check polls with a deadline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, waitFor } from "../testing.ts";
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
import { runRkl } from "../../cli/testing.ts";

rootTest(
  "rkl daemon restarts containers killed for failed probes and kills pods at their active deadline",
  async (t) => {
    const root = await Deno.makeTempDir({ prefix: "rkl-probe-" });
    const manifests = join(root, "manifests");
    await Deno.mkdir(manifests);
    const daemon = new DaemonProcess(root, manifests, { extra: ["--relist-interval", "3600000"] });
    let failed = false;
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) failed = true;
    };
    try {
      await step(
        "a startup probe reaching failureThreshold has the container killed and restarted at once",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "startfail.yaml"),
            podYaml("startfail", {
              args: ["sleep", "1000"],
              extra:
                "      startupProbe: {exec: {command: ['false']}, periodSeconds: 1, failureThreshold: 2}",
            }),
          );
          await waitFor("startfail-n1 to be restarted", async () => {
            const p = await pod(root, `startfail-${NODE}`);
            return p !== undefined && p.restarts >= 1;
          }, long);
          const evs = (await events(root)).filter((e) => e.object === `default/startfail-${NODE}`);
          assert.ok(
            evs.some((e) => e.reason === "Unhealthy" && /startup probe failed/.test(e.message)),
            JSON.stringify(evs),
          );
          await Deno.remove(join(manifests, "startfail.yaml"));
        },
      );

      await step(
        "restartPolicy OnFailure: a liveness kill restarts the container even when it exits 0",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "lv.yaml"),
            podYaml("lv", {
              policy: "OnFailure",
              args: ["sh", "-c", 'trap "exit 0" TERM; touch /tmp/ok; while true; do sleep 1; done'],
              extra: "      livenessProbe: {exec: {command: [cat, /tmp/ok]}, periodSeconds: 1}",
            }),
          );
          await waitFor("lv-n1 to run", async () => {
            const p = await pod(root, `lv-${NODE}`);
            return p?.containers[0]?.state === "running";
          }, long);
          const exec = await runRkl([
            "--root",
            root,
            "pod",
            "exec",
            `lv-${NODE}`,
            "--",
            "rm",
            "/tmp/ok",
          ]);
          assert.equal(exec.code, 0, exec.err);
          const p = await waitFor("lv-n1 to be restarted or to finish", async () => {
            const p = await pod(root, `lv-${NODE}`);
            const restarted = p?.restarts === 1 && p.containers[0]?.state === "running";
            return p !== undefined && (restarted || p.phase === "Succeeded") ? p : undefined;
          }, long);
          assert.equal(p.phase, "Running", JSON.stringify(p));
          assert.equal(p.restarts, 1);
          await Deno.remove(join(manifests, "lv.yaml"));
        },
      );

      await step(
        "activeDeadlineSeconds: the pod is killed for good, Failed with reason DeadlineExceeded",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "deadline.yaml"),
            podYaml("deadline", {
              args: ["sleep", "3600"],
              spec: "  activeDeadlineSeconds: 2",
            }),
          );
          const p = await waitFor("deadline-n1 to be killed", async () => {
            const p = await pod(root, `deadline-${NODE}`);
            return p?.sandbox === "notready" ? p : undefined;
          }, long);
          assert.equal(p.phase, "Failed", JSON.stringify(p));
          assert.equal(p.status, "DeadlineExceeded");
          assert.equal(p.failure, "Pod was active on the node longer than the specified deadline");
          assert.equal(p.restarts, 0);
          assert.equal(p.containers[0]!.state, "exited");
          const evs = (await events(root)).filter((e) => e.object === `default/deadline-${NODE}`);
          assert.ok(
            evs.some((e) =>
              e.reason === "DeadlineExceeded" &&
              e.message === "Pod was active on the node longer than the specified deadline"
            ),
            JSON.stringify(evs),
          );
          await Deno.remove(join(manifests, "deadline.yaml"));
        },
      );
    } finally {
      const status = await daemon.stop("SIGTERM");
      if (failed) console.error(daemonLogs.join("\n---\n"));
      await removeEverything(root);
      await Deno.remove(root, { recursive: true });
      assert.equal(status.code, 0);
    }
  },
);
