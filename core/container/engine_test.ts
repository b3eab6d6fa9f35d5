/**
 * Unit tests of the container operations and status transitions against the recording fake
 * runtime (no root needed: no mounts, no real runtime).
 */
import assert from "node:assert/strict";
import { ConflictError, StateError } from "../errors.ts";
import type { NetworkAttachment, NetworkAttachRequest, NetworkProvider } from "../network.ts";
import { FakeRuntime, plainDirRootfs } from "../runtime/fake_runtime.ts";
import { testBundles, withTempEngine } from "../testing.ts";
import type { UndoStack } from "../undo.ts";
import {
  containerStatus,
  createContainer,
  type CreateStep,
  type Engine,
  execSync,
  killContainer,
  listContainers,
  removeContainer,
  runContainer,
  startContainer,
  stopContainer,
} from "./mod.ts";

const image = testBundles.busybox;

async function withEngine(
  fn: (engine: Engine, rt: FakeRuntime, root: string) => Promise<void>,
  network?: NetworkProvider,
): Promise<void> {
  const rt = new FakeRuntime();
  await withTempEngine({
    prefix: "rkl-unit-",
    parts: { runtime: rt, monitor: rt, rootfs: plainDirRootfs, ...(network ? { network } : {}) },
  }, (engine, root) => fn(engine, rt, root));
}

async function entries(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
}

Deno.test("container lifecycle: created → running → stopped → removed", async () => {
  await withEngine(async (engine, rt) => {
    const rec = await createContainer(engine, { name: "web", image, args: ["sleep", "100"] });
    assert.equal((await containerStatus(engine, "web")).status, "created");
    await startContainer(engine, "web");
    const running = await containerStatus(engine, rec.id.slice(0, 6));
    assert.equal(running.status, "running");
    assert.equal(running.pid, rec.pid);
    assert.ok(running.startedAt !== undefined);
    const stopped = await stopContainer(engine, "web", 1);
    assert.equal(stopped.status, "stopped");
    assert.equal(stopped.exitCode, 143, "SIGTERM ends it with 128+15");
    assert.ok(stopped.finishedAt !== undefined);
    await removeContainer(engine, "web");
    assert.deepEqual(await listContainers(engine), []);
    assert.deepEqual(await entries(engine.paths.containersDir), []);
    assert.deepEqual(
      rt.calls.filter((c) => c.op !== "state").map((c) => [c.op, c.detail ?? ""]),
      [["create", ""], ["start", ""], ["kill", "SIGTERM"], ["delete", "force"]],
    );
  });
});

Deno.test("stopContainer() escalates to SIGKILL after the grace period", async () => {
  await withEngine(async (engine, rt) => {
    rt.ignoreSigterm = true;
    await runContainer(engine, { name: "stubborn", image, args: ["sleep", "100"] });
    const v = await stopContainer(engine, "stubborn", 1);
    assert.equal(v.exitCode, 137);
    assert.deepEqual(
      rt.calls.filter((c) => c.op === "kill").map((c) => c.detail),
      ["SIGTERM", "SIGKILL"],
    );
    // Stopping again is a no-op.
    const again = await stopContainer(engine, "stubborn", 1);
    assert.equal(again.exitCode, 137);
    assert.equal(rt.calls.filter((c) => c.op === "kill").length, 2);
  });
});

Deno.test("operations in the wrong status throw StateError and change nothing", async (t) => {
  await withEngine(async (engine, rt) => {
    await runContainer(engine, { name: "web", image, args: ["sleep", "100"] });
    await t.step("start a running container", async () => {
      await assert.rejects(startContainer(engine, "web"), StateError);
    });
    await t.step("remove a running container without force", async () => {
      await assert.rejects(
        removeContainer(engine, "web"),
        /Cannot remove container "web": status is "running"/,
      );
      assert.equal((await containerStatus(engine, "web")).status, "running");
    });
    await t.step("exec in a stopped container", async () => {
      rt.exit(rt.calls[0]!.id, 0);
      assert.equal((await containerStatus(engine, "web")).status, "stopped");
      await assert.rejects(execSync(engine, "web", ["true"]), /Cannot exec in container "web"/);
      await assert.rejects(killContainer(engine, "web"), StateError);
    });
  });
});

Deno.test("removeContainer({ force }) kills a running container first", async () => {
  await withEngine(async (engine, rt) => {
    await runContainer(engine, { name: "web", image, args: ["sleep", "100"] });
    await removeContainer(engine, "web", { force: true });
    assert.deepEqual(await listContainers(engine), []);
    assert.ok(rt.calls.some((c) => c.op === "kill" && c.detail === "SIGKILL"));
  });
});

Deno.test("execSync() passes argv, env, cwd and user to the runtime", async () => {
  await withEngine(async (engine, rt) => {
    await runContainer(engine, { name: "web", image, args: ["sleep", "100"] });
    rt.execResult = { exitCode: 3, stdout: "out", stderr: "" };
    const r = await execSync(engine, "web", ["sh", "-c", "exit 3"], { env: { A: "1" } });
    assert.equal(r.exitCode, 3);
    assert.equal(rt.calls.at(-1)?.detail, "sh -c exit 3");
  });
});

Deno.test("a duplicate name is a ConflictError and changes nothing", async () => {
  await withEngine(async (engine, rt) => {
    const first = await runContainer(engine, { name: "web", image, args: ["sleep", "100"] });
    const callsBefore = rt.calls.length;
    await assert.rejects(
      createContainer(engine, { name: "web", image, args: ["true"] }),
      (e: unknown) => e instanceof ConflictError && /"web" is already in use/.test(e.message),
    );
    assert.equal(rt.calls.length, callsBefore, "the runtime was not called");
    assert.deepEqual(await entries(engine.paths.containersDir), [first.id]);
    const list = await listContainers(engine);
    assert.deepEqual(list.map((v) => [v.record.id, v.status]), [[first.id, "running"]]);
  });
});

Deno.test("a failure at any create step leaves no record, dir or runtime container", async (t) => {
  const steps: CreateStep[] = [
    "after-record",
    "after-rootfs",
    "after-network",
    "before-runtime-create",
    "after-runtime-create",
    "before-start",
  ];
  for (const step of steps) {
    await t.step(step, async () => {
      await withEngine(async (engine, rt) => {
        engine.faults = (s) => {
          if (s === step) throw new Error(`injected at ${s}`);
        };
        await assert.rejects(
          runContainer(engine, { name: "web", image, args: ["sleep", "1"] }),
          new RegExp(`injected at ${step}`),
        );
        assert.deepEqual(await listContainers(engine), []);
        assert.deepEqual(await entries(engine.paths.containersDir), []);
        assert.equal(rt.containers.size, 0);
      });
    });
  }
  await t.step("runtime create fails", async () => {
    await withEngine(async (engine, rt) => {
      rt.failCreate = "exec: no such file";
      await assert.rejects(
        runContainer(engine, { name: "web", image, args: ["/nope"] }),
        /no such file/,
      );
      assert.deepEqual(await listContainers(engine), []);
      assert.deepEqual(await entries(engine.paths.containersDir), []);
      assert.ok(rt.calls.some((c) => c.op === "delete"), "the half-created container is deleted");
    });
  });
  await t.step("runtime start fails", async () => {
    await withEngine(async (engine, rt) => {
      rt.failStart = "start failed";
      await assert.rejects(
        runContainer(engine, { name: "web", image, args: ["sh"] }),
        /start failed/,
      );
      assert.deepEqual(await listContainers(engine), []);
      assert.equal(rt.containers.size, 0);
    });
  });
});

/** A network provider that records attach/detach and registers its undo like the real one. */
class RecordingNetwork implements NetworkProvider {
  attached = new Map<string, NetworkAttachRequest>();
  events: string[] = [];
  attach(req: NetworkAttachRequest, undo: UndoStack): Promise<NetworkAttachment> {
    undo.push(`detach ${req.id}`, () => this.detach(req.id));
    this.attached.set(req.id, req);
    this.events.push(`attach ${req.name}`);
    return Promise.resolve({
      netnsPath: `/run/netns/${req.id}`,
      ips: ["10.88.0.7"],
      hostsFile: "/tmp/hosts",
      resolvConfFile: "/tmp/resolv.conf",
    });
  }
  detach(id: string): Promise<void> {
    this.events.push(`detach ${this.attached.get(id)?.name ?? id}`);
    this.attached.delete(id);
    return Promise.resolve();
  }
  gc(): Promise<{ released: string[]; details: string[] }> {
    return Promise.resolve({ released: [], details: [] });
  }
}

Deno.test("the network provider is attached on create and detached on removal", async () => {
  const net = new RecordingNetwork();
  await withEngine(async (engine) => {
    const rec = await runContainer(engine, {
      name: "web",
      image,
      args: ["sleep", "100"],
      ports: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }],
    });
    assert.deepEqual(net.attached.get(rec.id)?.ports, [
      { containerPort: 80, hostPort: 8080, protocol: "TCP" },
    ]);
    const spec = JSON.parse(await Deno.readTextFile(`${rec.stateDir}/config.json`));
    assert.deepEqual(
      spec.linux.namespaces.find((n: { type: string }) => n.type === "network"),
      { type: "network", path: `/run/netns/${rec.id}` },
    );
    assert.ok(
      spec.mounts.some((m: { destination: string; source: string }) =>
        m.destination === "/etc/hosts" && m.source === "/tmp/hosts"
      ),
    );
    const [view] = await listContainers(engine);
    assert.deepEqual(view?.record.ips, ["10.88.0.7"]);
    await removeContainer(engine, "web", { force: true });
    assert.equal(net.attached.size, 0);

    // hostNetwork skips the provider; a failure after attach runs the provider's undo.
    await runContainer(engine, { name: "host", image, args: ["sh"], hostNetwork: true });
    engine.faults = (s) => {
      if (s === "before-runtime-create") throw new Error("boom");
    };
    await assert.rejects(runContainer(engine, { name: "bad", image, args: ["sh"] }), /boom/);
    assert.deepEqual(net.events, ["attach web", "detach web", "attach bad", "detach bad"]);
  }, net);
});

Deno.test("listContainers() filters by owner, labels and status", async () => {
  await withEngine(async (engine, rt) => {
    await runContainer(engine, { name: "a", image, args: ["sh"], labels: { app: "x" } });
    const b = await runContainer(engine, { name: "b", image, args: ["sh"], owner: "pod1" });
    await createContainer(engine, { name: "c", image, args: ["sh"], labels: { app: "y" } });
    rt.exit(b.id, 2);
    const names = async (f: Parameters<typeof listContainers>[1]) =>
      (await listContainers(engine, f)).map((v) => v.record.name);
    assert.deepEqual(await names({}), ["a", "b", "c"]);
    assert.deepEqual(await names({ owner: null }), ["a", "c"]);
    assert.deepEqual(await names({ owner: "pod1" }), ["b"]);
    assert.deepEqual(await names({ labels: { app: "y" } }), ["c"]);
    assert.deepEqual(await names({ status: "stopped" }), ["b"]);
    assert.deepEqual(await names({ status: "created" }), ["c"]);
    const listCalls = rt.calls.filter((c) => c.op === "list").length;
    // One runtime list call per listing, except the one of b alone: its exit code was recorded
    // by the first listing, so nothing listed needs the runtime (this monitor has no procStats).
    assert.equal(listCalls, 5, "one runtime list call per listing that needs it");
  });
});
