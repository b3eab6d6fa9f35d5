/**
 * `rkl pod daemon` (the original command) end to end on the real runtime: startup and
 * tcpSocket probes, postStart and preStop hooks, the bad manifests of a static pod directory
 * (two files defining one pod, a FIFO), and compose services supervised with their `restart:`. The daemon runs as a child process with its own
 * `--root`; every check polls with a deadline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, testBundles, waitFor } from "../testing.ts";
import { runRkl } from "../../cli/testing.ts";
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
  "rkl pod daemon runs startup and tcpSocket probes and lifecycle hooks, reports duplicate and unreadable manifests, and supervises compose services",
  async (t) => {
    const root = await Deno.makeTempDir({ prefix: "rkl-daemon-hooks-" });
    const manifests = join(root, "manifests");
    const out = join(root, "out");
    await Deno.mkdir(manifests);
    await Deno.mkdir(out);
    const name = `hooks-${NODE}`;
    const app = join(root, "app");
    let composeUp = false;
    const exec = async (pod: string, ...argv: string[]) => {
      const r = await runRkl(["--root", root, "pod", "exec", pod, "--", ...argv]);
      assert.equal(r.code, 0, r.err);
    };
    const eventsOf = async (pod: string) =>
      (await events(root)).filter((e) => e.object === `default/${pod}`);
    let daemon: DaemonProcess | undefined = new DaemonProcess(root, manifests, {
      command: ["pod", "daemon"],
    });
    let failed = false;
    const step = async (what: string, fn: () => Promise<void>) => {
      if (!(await t.step(what, fn))) failed = true;
    };
    try {
      await step("a startup probe holds readiness back until it passes", async () => {
        await Deno.writeTextFile(
          join(manifests, "hooks.yaml"),
          podYaml("hooks", {
            args: ["sh", "-c", "mkdir -p /www; httpd -p 9000 -h /www; exec sleep 100000"],
            spec: `  volumes: [{name: out, hostPath: {path: ${out}, type: Directory}}]`,
            extra: [
              "      ports: [{containerPort: 9000, name: tcp}]",
              "      volumeMounts: [{name: out, mountPath: /out}]",
              "      startupProbe: {exec: {command: [test, -f, /tmp/up]}, periodSeconds: 1, failureThreshold: 100000}",
              "      readinessProbe: {tcpSocket: {port: tcp}, periodSeconds: 1}",
              "      lifecycle:",
              "        postStart: {exec: {command: [sh, -c, 'echo started > /out/poststart']}}",
              "        preStop: {exec: {command: [sh, -c, 'echo stopping > /out/prestop']}}",
            ].join("\n"),
            // The preStop hook gets the grace period: 1 s is less than one `runc exec` under load.
          }).replace("terminationGracePeriodSeconds: 1", "terminationGracePeriodSeconds: 10"),
        );
        await waitFor("two failed startup probes", async () => {
          const evs = await eventsOf(name);
          return evs.filter((e) => /^Startup probe failed/.test(e.message)).length >= 2;
        }, long);
        // httpd listens on 9000 by now, but readiness is not probed before startup passed.
        const p = (await pod(root, name))!;
        assert.equal(p.containers[0]!.state, "running");
        assert.equal(p.ready, "0/1");
        assert.ok(
          !(await eventsOf(name)).some((e) => /^Readiness probe/.test(e.message)),
          "no readiness probe ran before startup passed",
        );
        await exec(name, "touch", "/tmp/up");
        await waitFor("the tcpSocket readiness probe to pass", async () => {
          return (await pod(root, name))?.ready === "1/1";
        }, long);
      });

      await step("the postStart hook ran in the container after it started", async () => {
        assert.equal(await Deno.readTextFile(join(out, "poststart")), "started\n");
        const evs = await eventsOf(name);
        const started = evs.findIndex((e) => e.reason === "Created");
        const hook = evs.findIndex((e) => e.reason === "PostStartHook");
        assert.ok(started >= 0 && hook > started, JSON.stringify(evs.map((e) => e.reason)));
      });

      await step("a tcpSocket readiness probe fails when nothing listens; no restart", async () => {
        await exec(name, "killall", "httpd");
        await waitFor("READY 0/1", async () => (await pod(root, name))?.ready === "0/1", long);
        const failure = (await eventsOf(name)).find((e) =>
          e.reason === "Unhealthy" && /^Readiness probe failed: dial tcp .*:9000/.test(e.message)
        );
        assert.ok(failure, "an Unhealthy event names the address");
        assert.equal((await pod(root, name))!.restarts, 0, "readiness never restarts");
      });

      await step(
        "a failing postStart hook kills the container; the policy restarts it",
        async () => {
          await Deno.writeTextFile(
            join(manifests, "badhook.yaml"),
            podYaml("badhook", {
              args: ["sleep", "100000"],
              extra: [
                "      lifecycle:",
                "        postStart: {exec: {command: [sh, -c, 'echo no >&2; exit 7']}}",
              ].join("\n"),
            }),
          );
          await waitFor("a restart after the failed hook", async () => {
            return ((await pod(root, `badhook-${NODE}`))?.restarts ?? 0) >= 1;
          }, long);
          const failed = (await eventsOf(`badhook-${NODE}`)).filter((e) =>
            e.reason === "FailedPostStartHook"
          );
          assert.ok(failed.length >= 1);
          assert.match(failed[0]!.message, /no/);
          await Deno.remove(join(manifests, "badhook.yaml"));
          await waitFor("badhook to be removed", async () => {
            return (await pod(root, `badhook-${NODE}`)) === undefined;
          }, long);
        },
      );

      await step(
        "a second file defining the same pod and a FIFO are reported with file:line; the pod stays",
        async () => {
          const before = (await pod(root, name))!;
          await Deno.writeTextFile(
            join(manifests, "zz-dup.yaml"),
            podYaml("hooks", { args: ["sleep", "100000"] }),
          );
          const mk = await new Deno.Command("/usr/bin/busybox", {
            args: ["mkfifo", join(manifests, "fifo.yaml")],
          }).output();
          assert.ok(mk.success);
          const dup = await waitFor("a DuplicatePod event", async () => {
            return (await events(root)).find((e) => e.reason === "DuplicatePod");
          }, long);
          assert.match(
            dup.message,
            /zz-dup\.yaml:3:\d+: metadata\.name: pod "default\/hooks-n1" is already defined in .*\/hooks\.yaml$/,
          );
          const fifo = await waitFor("a FailedRead event", async () => {
            return (await events(root)).find((e) => e.reason === "FailedRead");
          }, long);
          assert.match(
            fifo.message,
            /fifo\.yaml: cannot read file: expected a regular file, got a FIFO/,
          );
          const status = await runRkl(["--root", root, "daemon", "status"]);
          assert.equal(status.code, 0, status.err);
          assert.match(status.out, /Manifest errors: 2\n/);
          const after = (await pod(root, name))!;
          assert.equal(after.id, before.id, "the first file's pod is not replaced");
          assert.equal(after.containers[0]!.id, before.containers[0]!.id);
          await Deno.remove(join(manifests, "zz-dup.yaml"));
          await Deno.remove(join(manifests, "fifo.yaml"));
          // Reported once per change: the next syncs add no second event for the same files.
          await waitFor("the errors to clear", async () => {
            const s = await runRkl(["--root", root, "daemon", "status"]);
            return /Manifest errors: 0\n/.test(s.out);
          }, long);
          const evs = await events(root);
          assert.equal(evs.filter((e) => e.reason === "DuplicatePod").length, 1);
          assert.equal(evs.filter((e) => e.reason === "FailedRead").length, 1);
        },
      );

      await step("deleting the manifest runs the preStop hook before the pod goes", async () => {
        await Deno.remove(join(manifests, "hooks.yaml"));
        await waitFor(
          "hooks to be removed",
          async () => (await pod(root, name)) === undefined,
          long,
        );
        assert.equal(await Deno.readTextFile(join(out, "prestop")), "stopping\n");
        assert.ok((await eventsOf(name)).some((e) => e.reason === "PreStopHook"));
      });

      await step(
        "a static pod changed or removed gets SIGTERM and its grace period, as the kubelet kills it",
        async () => {
          // The app writes what it got on SIGTERM (SIGKILL leaves nothing) and exits.
          const termPod = (version: string) =>
            podYaml("term", {
              args: [
                "sh",
                "-c",
                `trap 'echo ${version} >> /out/term; exit 0' TERM; while true; do sleep 1; done`,
              ],
              spec: `  volumes: [{name: out, hostPath: {path: ${out}, type: Directory}}]`,
              extra: "      volumeMounts: [{name: out, mountPath: /out}]",
            }).replace("terminationGracePeriodSeconds: 1", "terminationGracePeriodSeconds: 20");
          const file = join(manifests, "term.yaml");
          await Deno.writeTextFile(file, termPod("v1"));
          const first = await waitFor("term v1 running", async () => {
            const p = await pod(root, `term-${NODE}`);
            return p?.containers[0]?.state === "running" ? p : undefined;
          }, long);
          await Deno.writeTextFile(file, termPod("v2"));
          await waitFor("term replaced by v2", async () => {
            const p = await pod(root, `term-${NODE}`);
            return p !== undefined && p.id !== first.id && p.containers[0]?.state === "running";
          }, long);
          assert.equal(await Deno.readTextFile(join(out, "term")), "v1\n", "v1 got SIGTERM");
          await Deno.remove(file);
          await waitFor(
            "term to be removed",
            async () => (await pod(root, `term-${NODE}`)) === undefined,
            long,
          );
          assert.equal(await Deno.readTextFile(join(out, "term")), "v1\nv2\n", "v2 got SIGTERM");
          const killing = (await eventsOf(`term-${NODE}`)).filter((e) => e.reason === "Killing");
          assert.ok(
            killing.some((e) => /manifest file was removed/.test(e.message)),
            JSON.stringify(killing),
          );
        },
      );

      await step(
        "a pod being killed is not probed for liveness or startup during its grace period",
        async () => {
          // The app ignores SIGTERM, so the pod lives out its 6 s grace period; its startup probe
          // fails every second until then.
          await Deno.writeTextFile(
            join(manifests, "probing.yaml"),
            podYaml("probing", {
              args: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"],
              extra:
                "      startupProbe: {exec: {command: ['false']}, periodSeconds: 1, failureThreshold: 100000}",
            }).replace("terminationGracePeriodSeconds: 1", "terminationGracePeriodSeconds: 6"),
          );
          const failures = async () =>
            (await eventsOf(`probing-${NODE}`)).filter((e) =>
              /^Startup probe failed/.test(e.message)
            ).length;
          await waitFor("two failed startup probes", async () => (await failures()) >= 2, long);
          await Deno.remove(join(manifests, "probing.yaml"));
          const atKill = await waitFor("the Killing event", async () => {
            const evs = await eventsOf(`probing-${NODE}`);
            return evs.some((e) => e.reason === "Killing") ? await failures() : undefined;
          }, long);
          await waitFor(
            "probing to be removed",
            async () => (await pod(root, `probing-${NODE}`)) === undefined,
            long,
          );
          // At most the attempt that was under way when the kill began.
          const after = await failures();
          assert.ok(
            after - atKill <= 1,
            `${after - atKill} startup probes ran during the grace period`,
          );
        },
      );

      await step(
        "compose services with restart: on-failure are supervised: a failing one restarts, a finished one does not",
        async () => {
          await Deno.mkdir(app);
          await Deno.writeTextFile(
            join(app, "compose.yaml"),
            [
              "services:",
              "  flaky:",
              `    image: ${testBundles.busybox}`,
              `    command: ["sh", "-c", "sleep 1; exit 2"]`,
              "    restart: on-failure",
              "  finished:",
              `    image: ${testBundles.busybox}`,
              `    command: ["sh", "-c", "exit 0"]`,
              "    restart: on-failure",
              "",
            ].join("\n"),
          );
          const up = await runRkl(["--root", root, "compose", "up", "-d"], { cwd: app });
          assert.equal(up.code, 0, up.err);
          composeUp = true;
          const flaky = await waitFor("the daemon to restart the flaky service", async () => {
            const p = (await pods(root)).find((p) => p.name.includes("flaky"));
            return p && p.restarts >= 2 ? p : undefined;
          }, long);
          assert.ok(
            (await eventsOf(flaky.name)).some((e) => e.reason === "Restarting"),
            "the daemon restarted it",
          );
          const finished = (await pods(root)).find((p) => p.name.includes("finished"))!;
          assert.equal(finished.restarts, 0, "exit 0 is not restarted under on-failure");
          assert.equal(finished.containers[0]!.exitCode, 0);
        },
      );

      await step("SIGTERM stops the daemon cleanly", async () => {
        const status = await daemon!.stop("SIGTERM");
        daemon = undefined;
        assert.equal(status.code, 0);
      });

      await step("compose down after the daemon stopped removes the services", async () => {
        const down = await runRkl(["--root", root, "compose", "down", "-t", "0"], { cwd: app });
        assert.equal(down.code, 0, down.err);
        composeUp = false;
        assert.deepEqual((await pods(root)).map((p) => p.name), []);
      });
    } finally {
      await daemon?.stop("SIGKILL");
      if (composeUp) await runRkl(["--root", root, "compose", "down", "-t", "0"], { cwd: app });
      if (failed) console.error(`daemon logs:\n${daemonLogs.join("\n----\n")}`);
      await removeEverything(root);
      await Deno.remove(root, { recursive: true });
    }
  },
);
