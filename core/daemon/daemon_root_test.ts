/**
 * `rkl daemon` end to end on the real runtime, conmon and CNI plugins: the daemon runs as a child
 * process with its own `--root` and a temporary manifest directory; every check polls with a
 * deadline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, waitFor } from "../testing.ts";
import { runRkl } from "../../cli/testing.ts";
import { run } from "../exec.ts";
import { openDatabase } from "../store/db.ts";
import { processAlive } from "../runtime/conmon.ts";
import type { PodView } from "../pod/pod_view.ts";
import {
  daemonLogs,
  DaemonProcess,
  events,
  long,
  NODE,
  pod,
  pods,
  podYaml,
  removeEverything,
} from "./_testing.ts";

rootTest(
  "rkl daemon runs static pods, restarts per policy, probes, adopts and recovers",
  async (t) => {
    const root = await Deno.makeTempDir({ prefix: "rkl-daemon-" });
    const manifests = join(root, "manifests");
    await Deno.mkdir(manifests);
    let daemon: DaemonProcess | undefined = new DaemonProcess(root, manifests);
    let failed = false;
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) failed = true;
    };
    try {
      await step("a second daemon on the same root is refused, naming the first", async () => {
        await waitFor("the control socket", async () => {
          try {
            await Deno.stat(join(root, "run", "daemon.sock"));
            return true;
          } catch {
            return false;
          }
        }, long);
        const second = new DaemonProcess(root, manifests);
        const status = await second.child.status;
        await second.stop("SIGKILL");
        assert.equal(status.code, 1);
        assert.match(
          second.log,
          new RegExp(`Another rkl daemon \\(pid ${daemon!.pid}\\) is already running`),
        );
      });

      await step(
        "a manifest dropped in the directory runs; a malformed one is skipped with file:line",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "web.yaml"),
            podYaml("web", { args: ["sleep", "1000"] }),
          );
          await Deno.writeTextFile(
            join(manifests, "bad.yaml"),
            podYaml("bad", { args: ["sleep", "1"] }).replace(
              "restartPolicy: Always",
              "restartPolicy: Sometimes",
            ),
          );
          await Deno.writeTextFile(join(manifests, ".web.yaml.swp"), "garbage: [");
          const web = await waitFor("web-n1 to run", async () => {
            const p = await pod(root, `web-${NODE}`);
            return p?.status === "Running" && p.ready === "1/1" ? p : undefined;
          }, long);
          assert.equal(web.restarts, 0);
          const evs = await events(root);
          const parse = evs.filter((e) => e.reason === "FailedParse");
          assert.equal(parse.length, 1, JSON.stringify(parse));
          assert.match(
            parse[0]!.message,
            /bad\.yaml:\d+:\d+: spec\.restartPolicy: expected Always, OnFailure or Never, got "Sometimes"/,
          );
          assert.equal(await pod(root, `bad-${NODE}`), undefined);
          const status = await runRkl(["--root", root, "daemon", "status"]);
          assert.equal(status.code, 0, status.err);
          assert.match(status.out, /Pods:\s+1 \(default\/web-n1\)/);
          assert.match(status.out, /Manifest errors: 1\n.*bad\.yaml/);
        },
      );

      await step("an edited manifest replaces the pod; a deleted one removes it", async () => {
        const before = (await pod(root, `web-${NODE}`))!;
        await Deno.writeTextFile(
          join(manifests, "web.yaml"),
          podYaml("web", { args: ["sleep", "2000"] }),
        );
        const after = await waitFor("web-n1 to be replaced", async () => {
          const p = await pod(root, `web-${NODE}`);
          return p && p.id !== before.id && p.status === "Running" ? p : undefined;
        }, long);
        assert.notEqual(after.id, before.id);
        await Deno.remove(join(manifests, "web.yaml"));
        await waitFor(
          "web-n1 to be removed",
          async () => (await pod(root, `web-${NODE}`)) === undefined,
          long,
        );
      });

      await step(
        "restartPolicy Always restarts a container that exits, with growing back-off",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "crash.yaml"),
            podYaml("crash", { args: ["sh", "-c", "exit 3"] }),
          );
          const p = await waitFor("crash-n1 to restart 3 times", async () => {
            const p = await pod(root, `crash-${NODE}`);
            return p && p.restarts >= 3 ? p : undefined;
          }, long);
          const st = await runRkl(["--root", root, "pod", "state", p.name, "-o", "json"]);
          const view = JSON.parse(st.out) as PodView;
          assert.equal(view.containers[0]!.lastState?.exitCode, 3);
          assert.equal(view.containers[0]!.lastState?.reason, "Error");
          // --backoff-base 1000, --backoff-max 4000: 1 s, 2 s, 4 s, 4 s ... (a wait that a slow
          // relist skipped has no event, so only the trend is checked).
          const backoffs = await waitFor("a back-off of 4 s", async () => {
            const secs = (await events(root)).filter((e) =>
              e.reason === "BackOff" && e.object === `default/${p.name}`
            ).map((e) => Number(/Back-off (\d+)s/.exec(e.message)![1]));
            return secs.includes(4) ? secs : undefined;
          }, long);
          for (let k = 1; k < backoffs.length; k++) {
            assert.ok(backoffs[k]! >= backoffs[k - 1]!, `back-off never shrinks: ${backoffs}`);
          }
          assert.ok(backoffs[0]! < 4 || backoffs.length === 1, `back-off grows: ${backoffs}`);
          assert.ok(backoffs.every((s) => s <= 4), `capped at --backoff-max: ${backoffs}`);
          await waitFor(
            "CrashLoopBackOff to show",
            async () => (await pod(root, p.name))?.status === "CrashLoopBackOff",
            long,
          );
          await Deno.remove(join(manifests, "crash.yaml"));
          await waitFor(
            "crash-n1 to be removed",
            async () => (await pod(root, p.name)) === undefined,
            long,
          );
        },
      );

      await step(
        "a process the runtime cannot start: StartError (exit code 128), restarted with back-off",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "nobin.yaml"),
            podYaml("nobin", { args: [], extra: '      command: ["/nosuchbinary"]' }),
          );
          const p = await waitFor("nobin-n1 to restart", async () => {
            const p = await pod(root, `nobin-${NODE}`);
            return p && p.restarts >= 1 ? p : undefined;
          }, long);
          const st = await runRkl(["--root", root, "pod", "state", p.name, "-o", "json"]);
          const last = (JSON.parse(st.out) as PodView).containers[0]!.lastState;
          assert.equal(last?.reason, "StartError");
          assert.equal(last?.exitCode, 128);
          assert.match(last?.message ?? "", /exec: "\/nosuchbinary": stat \/nosuchbinary/);
          await Deno.remove(join(manifests, "nobin.yaml"));
          await waitFor(
            "nobin-n1 to be removed",
            async () => (await pod(root, p.name)) === undefined,
            long,
          );
        },
      );

      await step(
        "restartPolicy OnFailure does not restart exit 0; the finished pod's sandbox stops",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "job.yaml"),
            podYaml("job", { args: ["sh", "-c", "sleep 1; exit 0"], policy: "OnFailure" }),
          );
          const p = await waitFor("job-n1 to complete", async () => {
            const p = await pod(root, `job-${NODE}`);
            return p?.phase === "Succeeded" && p.sandbox === "notready" ? p : undefined;
          }, long);
          assert.equal(p.restarts, 0);
          assert.equal(p.status, "Completed");
          await Deno.remove(join(manifests, "job.yaml"));
          await waitFor(
            "job-n1 to be removed",
            async () => (await pod(root, p.name)) === undefined,
            long,
          );
        },
      );

      await step(
        "a failed liveness probe restarts the container; readiness flips READY",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "probed.yaml"),
            podYaml("probed", {
              args: [
                "sh",
                "-c",
                "sleep 2; mkdir -p /www; echo ok > /www/index.html; httpd -f -p 8080 -h /www",
              ],
              extra: [
                "      ports: [{containerPort: 8080, name: http}]",
                "      readinessProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1, timeoutSeconds: 5}",
                "      livenessProbe: {exec: {command: [sh, -c, 'test ! -f /tmp/sick']}, periodSeconds: 1, timeoutSeconds: 10, failureThreshold: 2}",
              ].join("\n"),
            }),
          );
          await waitFor("probed-n1 to run but not be ready", async () => {
            const p = await pod(root, `probed-${NODE}`);
            return p?.containers[0]?.state === "running" && p.ready === "0/1";
          }, long);
          await waitFor(
            "probed-n1 to become ready",
            async () => (await pod(root, `probed-${NODE}`))?.ready === "1/1",
            long,
          );
          const exec = await runRkl([
            "--root",
            root,
            "pod",
            "exec",
            `probed-${NODE}`,
            "--",
            "touch",
            "/tmp/sick",
          ]);
          assert.equal(exec.code, 0, exec.err);
          await waitFor("the liveness failure to restart the container", async () => {
            const p = await pod(root, `probed-${NODE}`);
            return p && p.restarts >= 1;
          }, long);
          const evs = (await events(root)).filter((e) => e.object === `default/probed-${NODE}`);
          assert.ok(
            evs.some((e) => e.reason === "Unhealthy" && /Liveness probe failed/.test(e.message)),
          );
          await waitFor(
            "probed-n1 ready again after its restart",
            async () => (await pod(root, `probed-${NODE}`))?.ready === "1/1",
            long,
          );
          await Deno.remove(join(manifests, "probed.yaml"));
        },
      );

      await step("a container exceeding its memory limit is reported OOMKilled", async () => {
        await Deno.writeTextFile(
          join(manifests, "hog.yaml"),
          podYaml("hog", {
            args: ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1"],
            policy: "Never",
            memory: "16Mi",
          }),
        );
        // The daemon classifies the exit within a relist; until then the view says "Error".
        const p = await waitFor("hog-n1 to be reported OOMKilled", async () => {
          const p = await pod(root, `hog-${NODE}`);
          return p?.containers[0]?.reason === "OOMKilled" ? p : undefined;
        }, long);
        assert.equal(p.containers[0]!.state, "exited");
        assert.equal(p.containers[0]!.exitCode, 137);
        assert.ok(
          (await events(root)).some((e) =>
            e.reason === "OOMKilled" && e.object === `default/${p.name}`
          ),
        );
        await Deno.remove(join(manifests, "hog.yaml"));
      });

      await step(
        "kill -9 of the daemon leaves containers running; a new daemon adopts them",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "web.yaml"),
            podYaml("web", { args: ["sleep", "1000"] }),
          );
          const cliPod = join(root, "cli-pod.yaml");
          await Deno.writeTextFile(cliPod, podYaml("cli-pod", { args: ["sleep", "1000"] }));
          const cli = await runRkl([
            "--root",
            root,
            "pod",
            "run",
            cliPod,
          ]);
          assert.equal(cli.code, 0, cli.err);
          const before = await waitFor("web-n1 running", async () => {
            const p = await pod(root, `web-${NODE}`);
            return p?.status === "Running" ? p : undefined;
          }, long);

          const cliBefore = (await pod(root, "cli-pod"))!;
          const killed = await daemon!.stop("SIGKILL");
          assert.equal(killed.signal, "SIGKILL");
          daemon = undefined;
          const still = await pod(root, `web-${NODE}`);
          assert.equal(
            still?.containers[0]?.pid,
            before.containers[0]!.pid,
            "containers keep running",
          );
          // A short safety-net period, so that the second relist comes soon.
          daemon = new DaemonProcess(root, manifests, { extra: ["--relist-interval", "3000"] });
          await waitFor("the new daemon to relist twice (at start and 3 s later)", async () => {
            const s = await runRkl(["--root", root, "daemon", "status", "-o", "json"]);
            return s.code === 0 && (JSON.parse(s.out) as { syncs: number }).syncs >= 2;
          }, long);
          const after = (await pod(root, `web-${NODE}`))!;
          assert.equal(after.id, before.id, "same sandbox");
          assert.equal(
            after.containers[0]!.id,
            before.containers[0]!.id,
            "same container, not restarted",
          );
          assert.equal(after.containers[0]!.pid, before.containers[0]!.pid);
          assert.equal(after.restarts, before.restarts);
          const cliAfter = (await pod(root, "cli-pod"))!;
          assert.equal(cliAfter.containers[0]!.id, cliBefore.containers[0]!.id);
          assert.equal(
            (await pods(root)).filter((p) => p.name === `web-${NODE}`).length,
            1,
            "no duplicate",
          );
        },
      );

      await step(
        "after a simulated host reboot the daemon cleans up and brings the pods back",
        async () => {
          const before = (await pods(root)).filter((p) => p.status === "Running");
          assert.ok(before.length >= 2);
          await daemon!.stop("SIGKILL");
          daemon = undefined;
          // "Reboot": every container process and monitor dies, mounts and netns go, /run is empty.
          const db = await openDatabase(join(root, "lib", "rkl.db"));
          const pids = db.all("SELECT pid, monitor_pid FROM containers WHERE exit_code IS NULL")
            .flatMap((r) =>
              [r.monitor_pid, r.pid].filter((x): x is number => typeof x === "number")
            );
          db.close();
          if (pids.length > 0) {
            await run(["kill", "-9", ...pids.map(String)], { allowFailure: true });
          }
          await waitFor("the killed processes to be gone", async () => {
            for (const pid of pids) if (await processAlive(pid)) return false;
            return true;
          }, long);
          const mounts = (await run(["cat", "/proc/self/mounts"])).stdout.split("\n")
            .map((l) => l.split(" ")[1] ?? "").filter((m) => m.startsWith(root)).reverse();
          for (const m of mounts) await run(["umount", "-l", m], { allowFailure: true });
          await Deno.remove(join(root, "run"), { recursive: true });
          daemon = new DaemonProcess(root, manifests);
          for (const p of before) {
            await waitFor(`${p.name} to run again`, async () => {
              const now = await pod(root, p.name);
              return now?.status === "Running" && now.containers[0]?.pid !== p.containers[0]?.pid &&
                now.restarts === p.restarts + 1;
            }, long);
          }
          assert.equal((await pods(root)).filter((p) => p.name === `web-${NODE}`).length, 1);
        },
      );

      await step(
        "a killed conmon is noticed; the end of its container is then seen without an exit file",
        async () => {
          const before = (await pod(root, `web-${NODE}`))!;
          const app = before.containers[0]!;
          const id = app.id ?? "";
          assert.notEqual(id, "");
          const db = await openDatabase(join(root, "lib", "rkl.db"));
          const row = db.get("SELECT pid, monitor_pid FROM containers WHERE id = ?", id);
          db.close();
          assert.equal(typeof row?.monitor_pid, "number");
          await run(["kill", "-9", String(row!.monitor_pid)]);
          const lost = await waitFor("a MonitorLost event", async () => {
            return (await events(root)).find((e) =>
              e.reason === "MonitorLost" && e.object === `default/web-${NODE}`
            );
          }, long);
          assert.match(lost.message, new RegExp(`conmon of container ${id.slice(0, 12)}`));
          await run(["kill", "-9", String(row!.pid)]);
          const after = await waitFor("web-n1 to be restarted", async () => {
            const p = await pod(root, `web-${NODE}`);
            return p?.status === "Running" && p.restarts === before.restarts + 1 ? p : undefined;
          }, long);
          assert.notEqual(after.containers[0]!.pid, app.pid);
        },
      );

      await step("SIGTERM stops supervision only: containers keep running", async () => {
        const before = (await pod(root, `web-${NODE}`))!;
        const status = await daemon!.stop("SIGTERM");
        daemon = undefined;
        assert.equal(status.code, 0, "clean exit");
        const after = (await pod(root, `web-${NODE}`))!;
        assert.equal(after.status, "Running");
        assert.equal(after.containers[0]!.pid, before.containers[0]!.pid);
      });
    } finally {
      await daemon?.stop("SIGKILL");
      if (failed) console.error(`daemon logs:\n${daemonLogs.join("\n----\n")}`);
      await removeEverything(root);
      await Deno.remove(root, { recursive: true });
    }
  },
);
