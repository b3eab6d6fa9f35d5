/**
 * `rkl daemon --watch poll`: the daemon without inotify (as on a host without inotify-tools)
 * still runs a dropped manifest, restarts a container that exits and removes the pod of a
 * deleted file. The daemon runs as a child process with its own `--root`; every check polls with
 * a deadline.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, waitFor } from "../testing.ts";
import { run } from "../exec.ts";
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

rootTest("rkl daemon --watch poll runs, restarts and removes static pods", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "rkl-daemon-poll-" });
  const manifests = join(root, "manifests");
  await Deno.mkdir(manifests);
  const daemon = new DaemonProcess(root, manifests, { extra: ["--watch", "poll"] });
  let failed = false;
  const step = async (name: string, fn: () => Promise<void>) => {
    if (!(await t.step(name, fn))) failed = true;
  };
  try {
    await step("a dropped manifest runs; its container's exit restarts it", async () => {
      await Deno.writeTextFile(
        join(manifests, "web.yaml"),
        podYaml("web", { args: ["sleep", "1000"] }),
      );
      const before = await waitFor("web-n1 to run", async () => {
        const p = await pod(root, `web-${NODE}`);
        return p?.status === "Running" ? p : undefined;
      }, long);
      const pid = before.containers[0]!.pid!;
      await run(["kill", "-9", String(pid)]);
      const after = await waitFor("web-n1 to be restarted", async () => {
        const p = await pod(root, `web-${NODE}`);
        return p?.status === "Running" && p.restarts === before.restarts + 1 ? p : undefined;
      }, long);
      assert.notEqual(after.containers[0]!.pid, pid);
      assert.equal(after.id, before.id, "same sandbox");
      // No inotify asked for: no warning about it either.
      assert.ok(!(await events(root)).some((e) => e.reason === "WatchFailed"));
    });

    await step("a deleted manifest removes its pod", async () => {
      await Deno.remove(join(manifests, "web.yaml"));
      await waitFor(
        "web-n1 to be removed",
        async () => (await pod(root, `web-${NODE}`)) === undefined,
        long,
      );
    });
  } finally {
    await daemon.stop("SIGTERM");
    if (failed) console.error(`daemon logs:\n${daemonLogs.join("\n----\n")}`);
    await removeEverything(root);
    await Deno.remove(root, { recursive: true });
  }
});
