import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../testing.ts";
import { NodeWatcher, type WatchChange } from "./node_watcher.ts";

const quick = { timeoutMs: 20_000, intervalMs: 20 };

Deno.test("NodeWatcher reports manifests, exit files and a killed writer of a log, never log writes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rkl-watch-" });
  const manifests = join(dir, "manifests");
  const exits = join(dir, "exits");
  const log = join(dir, "ctr.log");
  await Deno.mkdir(manifests);
  await Deno.mkdir(exits);
  await Deno.writeTextFile(log, "");
  const seen: WatchChange[] = [];
  const lost: string[] = [];
  const w = new NodeWatcher((c) => seen.push(c), (why) => lost.push(why));
  let holder: Deno.ChildProcess | undefined;
  try {
    await w.watch({ manifestDir: manifests, exitDir: exits, logs: new Map([[log, "c1"]]) });
    assert.ok(w.active);

    await Deno.writeTextFile(join(manifests, "web.yaml"), "kind: Pod\n");
    await Deno.writeTextFile(join(manifests, ".web.yaml.swp"), "x");
    await waitFor("web.yaml settled", () => {
      return seen.some((c) => c.kind === "manifest" && c.name === "web.yaml" && c.settled);
    }, quick);
    assert.ok(!seen.some((c) => c.kind === "manifest" && c.name.endsWith(".swp")));

    // A FIFO has no close_write: its creation is reported, unsettled.
    const fifo = await new Deno.Command("/usr/bin/busybox", {
      args: ["mkfifo", join(manifests, "f.yaml")],
    }).output();
    assert.ok(fifo.success);
    await waitFor("the FIFO's creation", () => {
      return seen.some((c) => c.kind === "manifest" && c.name === "f.yaml" && !c.settled);
    }, quick);

    await Deno.writeTextFile(join(exits, "c9"), "0");
    await waitFor("the exit file", () => {
      return seen.some((c) => c.kind === "exit" && c.containerId === "c9");
    }, quick);

    // A process holding the log open for writing, as conmon does: its writes wake nobody; its
    // death (the kernel closes its descriptor) does.
    holder = new Deno.Command("/usr/bin/busybox", {
      args: [
        "sh",
        "-c",
        `exec 3>>"$0"; for i in 1 2 3; do echo line >&3; done; exec sleep 30`,
        log,
      ],
      stdout: "null",
    }).spawn();
    await waitFor(
      "the lines written",
      async () => (await Deno.readTextFile(log)).length >= 15,
      quick,
    );
    assert.ok(!seen.some((c) => c.kind === "monitor"), JSON.stringify(seen));
    holder.kill("SIGKILL");
    await holder.status;
    holder = undefined;
    await waitFor("the log closed by the killed writer", () => {
      return seen.some((c) => c.kind === "monitor" && c.containerId === "c1");
    }, quick);

    // Another set: a new process takes over; the old one's events stop.
    await w.watch({ manifestDir: manifests, exitDir: exits, logs: new Map() });
    assert.ok(w.active);
    assert.deepEqual(lost, []);
  } finally {
    holder?.kill("SIGKILL");
    await holder?.status;
    await w.stop();
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(!w.active);
});

Deno.test("NodeWatcher.watch() throws when inotifywait cannot start; nothing is left running", async () => {
  const w = new NodeWatcher(() => {}, () => {}, "rkl-no-such-inotifywait");
  await assert.rejects(
    () => w.watch({ exitDir: "/nonexistent", logs: new Map() }),
    Deno.errors.NotFound,
  );
  assert.ok(!w.active);
  const missing = new NodeWatcher(() => {}, () => {});
  await assert.rejects(
    () => missing.watch({ exitDir: "/nonexistent/rkl-exits", logs: new Map() }),
    /inotifywait exited/,
  );
  assert.ok(!missing.active);
});
