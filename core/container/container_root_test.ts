/**
 * Integration tests against the real runtime (runc here) and conmon, as root, each in its own
 * temporary state root. They check what the host shows (runtime list, mounts, cgroups, files),
 * not only what rkl reports.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cgroupDirs, containerCgroupPath, readCgroupLimits } from "../cgroup/mod.ts";
import { CleanupError, ConflictError } from "../errors.ts";
import { run } from "../exec.ts";
import { isMountPoint } from "../rootfs.ts";
import { RuntimeError, type RuntimeFailure } from "../runtime/oci_runtime.ts";
import { rootTest, tempDir, testBundles, waitFor, withTempEngine } from "../testing.ts";
import {
  containerLogs,
  containerStatus,
  createContainer,
  type CreateStep,
  type Engine,
  execSync,
  listContainers,
  removeContainer,
  runContainer,
  startContainer,
  stopContainer,
} from "./mod.ts";

const image = testBundles.busybox;

function withEngine(fn: (engine: Engine) => Promise<void>): Promise<void> {
  return withTempEngine({
    prefix: "rkl-it-",
    // Leave nothing running even when an assertion failed.
    cleanup: async (engine) => {
      for (const v of await listContainers(engine)) {
        await removeContainer(engine, v.record.id, { force: true });
      }
    },
  }, fn);
}

/** Asserts that nothing of container `id` is left on the host. */
async function assertGone(engine: Engine, id: string): Promise<void> {
  const stateDir = join(engine.paths.containersDir, id);
  assert.equal(await isMountPoint(join(stateDir, "rootfs")), false, "overlay unmounted");
  await assert.rejects(Deno.stat(stateDir), Deno.errors.NotFound, "state dir removed");
  await assert.rejects(Deno.stat(join(engine.paths.exitDir, id)), Deno.errors.NotFound);
  assert.equal(await engine.runtime.state(id), undefined, "runtime container deleted");
  assert.deepEqual(await cgroupDirs(containerCgroupPath(id, undefined)), [], "cgroup removed");
  assert.equal(
    engine.db.get("SELECT COUNT(*) AS n FROM containers WHERE id = ?", id)?.n,
    0,
    "record deleted",
  );
}

rootTest(
  "container lifecycle on runc: create → start → running → stop → exit code → rm",
  async () => {
    await withEngine(async (engine) => {
      const rec = await createContainer(engine, {
        name: "life",
        image,
        command: ["sh", "-c"],
        args: ['trap "exit 3" TERM; echo hello; echo oops >&2; while true; do sleep 0.1; done'],
        env: { GREETING: "hi there" },
        resources: { limits: { cpu: "500m", memory: "233Mi" } },
      });
      const created = await containerStatus(engine, "life");
      assert.equal(created.status, "created");
      assert.equal(created.pid, rec.pid);

      await startContainer(engine, "life");
      const running = await containerStatus(engine, "life");
      assert.equal(running.status, "running");
      assert.ok(running.startedAt! >= running.createdAt - 1000);

      // The image was not touched: the writable layer is an overlay in the state dir.
      assert.equal(await isMountPoint(join(rec.stateDir, "rootfs")), true);
      const limits = await readCgroupLimits(containerCgroupPath(rec.id, undefined));
      assert.equal(limits.memory, 233 * 1024 * 1024);
      assert.equal(limits.cpuQuota, 50_000);
      assert.equal(limits.cpuPeriod, 100_000);

      const r = await execSync(engine, "life", [
        "sh",
        "-c",
        'echo "$GREETING" $X; pwd; echo e >&2; exit 7',
      ], {
        env: { X: "x1" },
        workingDir: "/tmp",
      });
      assert.deepEqual(r, { exitCode: 7, stdout: "hi there x1\n/tmp\n", stderr: "e\n" });
      const w = await execSync(engine, "life", ["sh", "-c", "echo data > /written; cat /written"]);
      assert.equal(w.stdout, "data\n");
      await assert.rejects(Deno.stat(join(image, "rootfs", "written")), Deno.errors.NotFound);

      const lines = await waitFor("both log lines", async () => {
        const l = await containerLogs(engine, "life");
        return l.length >= 2 ? l : undefined;
      });
      assert.deepEqual(
        lines.map((l) => [l.stream, l.text]),
        [["stdout", "hello"], ["stderr", "oops"]],
      );

      const stopped = await stopContainer(engine, "life", 10);
      assert.equal(stopped.status, "stopped");
      assert.equal(stopped.exitCode, 3, "the trap's exit code, recorded by conmon");
      assert.ok(stopped.finishedAt! >= stopped.startedAt!);

      await removeContainer(engine, "life");
      await assertGone(engine, rec.id);
    });
  },
);

rootTest("a container that exits by itself is stopped with its exit code", async () => {
  await withEngine(async (engine) => {
    await runContainer(engine, { name: "quick", image, args: ["sh", "-c", "exit 5"] });
    const v = await waitFor("the container to exit", async () => {
      const s = await containerStatus(engine, "quick");
      return s.status === "stopped" ? s : undefined;
    });
    assert.equal(v.exitCode, 5);
    assert.equal(v.reason, "Error");
    assert.ok(v.startedAt !== undefined && v.finishedAt !== undefined, "both times recorded");
    assert.ok(v.startedAt <= v.finishedAt, `started ${v.startedAt} after finished ${v.finishedAt}`);
    const [listed] = await listContainers(engine);
    assert.equal(listed?.exitCode, 5);
    // The runtime's own words for "already exited" and "unknown" come back classified.
    const failure = (want: RuntimeFailure) => (e: unknown) =>
      e instanceof RuntimeError && e.failure === want;
    await assert.rejects(engine.runtime.kill(v.record.id, "SIGTERM"), failure("not-running"));
    await assert.rejects(engine.runtime.kill("no-such-ctr", "SIGTERM"), failure("not-found"));
    await assert.rejects(engine.runtime.start("no-such-ctr"), failure("not-found"));
    assert.equal(await engine.runtime.state("no-such-ctr"), undefined);
    await engine.runtime.delete("no-such-ctr");
    // Stopping it again is a no-op, not a runtime error.
    assert.equal((await stopContainer(engine, "quick", 0)).exitCode, 5);
  });
});

rootTest("a failure half way leaves no mounts, rows, runtime containers or cgroups", async (t) => {
  const steps: CreateStep[] = [
    "after-rootfs",
    "after-network",
    "before-runtime-create",
    "after-runtime-create",
    "before-start",
  ];
  await withEngine(async (engine) => {
    for (const step of steps) {
      await t.step(`injected at ${step}`, async () => {
        let id = "";
        engine.faults = (s, cid) => {
          id = cid;
          if (s === step) throw new Error(`injected at ${s}`);
        };
        await assert.rejects(
          runContainer(engine, {
            name: `fail-${step}`,
            image,
            args: ["sleep", "100"],
            resources: { limits: { memory: "64Mi" } },
          }),
          new RegExp(`injected at ${step}`),
        );
        assert.ok(id, "the hook saw the container id");
        await assertGone(engine, id);
      });
    }
    await t.step("the runtime itself fails to create the container", async () => {
      let id = "";
      engine.faults = (_s, cid) => {
        id = cid;
      };
      await assert.rejects(
        runContainer(engine, { name: "no-binary", image, args: ["/no/such/binary"] }),
        /failed to create container "no-binary".*no\/such\/binary/,
      );
      await assertGone(engine, id);
    });
    engine.faults = undefined;
    assert.deepEqual(await listContainers(engine), []);
    assert.deepEqual(await engine.runtime.list(), []);
  });
});

rootTest(
  "a runtime that dies without logging fails create at once and leaves nothing",
  async () => {
    const runtimeBinary = new URL("../../testdata/runtime/silent-create-fail", import.meta.url)
      .pathname;
    await withTempEngine({ prefix: "rkl-it-silent-", runtimeBinary }, async (engine) => {
      let id = "";
      engine.faults = (_s, cid) => {
        id = cid;
      };
      await assert.rejects(
        runContainer(engine, { name: "silent", image, args: ["sleep", "100"] }),
        /failed to create container "silent": conmon exited before the container was created/,
      );
      assert.ok(id, "the hook saw the container id");
      await assertGone(engine, id);
      assert.deepEqual(await listContainers(engine), []);
    });
  },
);

rootTest("a duplicate name is refused and changes nothing", async () => {
  await withEngine(async (engine) => {
    const first = await runContainer(engine, { name: "dup", image, args: ["sleep", "100"] });
    const before = await Array.fromAsync(Deno.readDir(engine.paths.containersDir));
    await assert.rejects(
      runContainer(engine, { name: "dup", image, args: ["sleep", "1"] }),
      ConflictError,
    );
    const after = await Array.fromAsync(Deno.readDir(engine.paths.containersDir));
    assert.deepEqual(after.map((e) => e.name), before.map((e) => e.name));
    assert.deepEqual((await engine.runtime.list()).map((s) => s.id), [first.id]);
    assert.equal((await containerStatus(engine, "dup")).status, "running");
  });
});

rootTest(
  "Kubernetes fields apply: read-only root, host binds, workingDir, user, hostNetwork",
  async () => {
    await using host = await tempDir("rkl-it-bind-");
    await Deno.chmod(host.path, 0o755); // readable by uid 1000 in the container
    await Deno.writeTextFile(join(host.path, "in.txt"), "from host\n");
    await Deno.mkdir(join(host.path, "rw"));
    await withEngine(async (engine) => {
      await runContainer(engine, {
        name: "fields",
        image,
        command: ["sleep"],
        args: ["100"],
        readOnlyRootFilesystem: true,
        workingDir: "/data",
        user: { uid: 1000, gid: 1000 },
        mounts: [
          { hostPath: host.path, containerPath: "/data", readOnly: true },
          { hostPath: join(host.path, "rw"), containerPath: "/out" },
        ],
      });
      const sh = (script: string) => execSync(engine, "fields", ["sh", "-c", script]);
      assert.deepEqual(await sh("id -u; id -g; pwd; cat in.txt"), {
        exitCode: 0,
        stdout: "1000\n1000\n/data\nfrom host\n",
        stderr: "",
      });
      const rootWrite = await execSync(engine, "fields", ["touch", "/x"], { user: "0:0" });
      assert.notEqual(rootWrite.exitCode, 0, "the root filesystem is read-only");
      assert.match(rootWrite.stderr, /Read-only file system/);
      const roBind = await execSync(engine, "fields", ["touch", "/data/y"], { user: "0:0" });
      assert.match(roBind.stderr, /Read-only file system/);
      const rw = await execSync(engine, "fields", ["sh", "-c", "echo ok > /out/z"], {
        user: "0:0",
      });
      assert.equal(rw.exitCode, 0, rw.stderr);
      assert.equal(await Deno.readTextFile(join(host.path, "rw", "z")), "ok\n");

      // hostNetwork: no network namespace of its own; the host's interfaces are visible.
      await runContainer(engine, {
        name: "hostnet",
        image,
        hostNetwork: true,
        args: ["sleep", "100"],
      });
      const links = await execSync(engine, "hostnet", ["cat", "/proc/net/dev"]);
      const own = await execSync(engine, "fields", ["cat", "/proc/net/dev"]);
      const count = (t: string) => t.split("\n").filter((l) => l.includes(":")).length;
      assert.ok(count(links.stdout) > count(own.stdout), "host network shows more interfaces");
      assert.equal(count(own.stdout), 1, "a fresh namespace has only loopback");
    });
  },
);

rootTest(
  "state is never half-removed: a state dir that cannot be removed keeps the record; rm -f again finishes",
  async () => {
    await withEngine(async (engine) => {
      const rec = await runContainer(engine, { name: "busy", image, args: ["sleep", "60"] });
      // A mount inside the state dir makes its removal fail (EBUSY), as a leaked mount would.
      const busy = join(rec.stateDir, "busy");
      await Deno.mkdir(busy);
      await run(["mount", "-t", "tmpfs", "tmpfs", busy]);
      try {
        await assert.rejects(
          removeContainer(engine, rec.id, { force: true }),
          (e: unknown) => e instanceof CleanupError && /remove state dir/.test(e.message),
        );
        // The record stays (and says where the dir is), so the removal can be retried.
        const left = await listContainers(engine);
        assert.deepEqual(left.map((v) => v.record.id), [rec.id]);
        assert.ok((await Deno.stat(rec.stateDir)).isDirectory);
      } finally {
        await run(["umount", busy]);
      }
      await removeContainer(engine, rec.id, { force: true });
      await assertGone(engine, rec.id);
    });
  },
);
