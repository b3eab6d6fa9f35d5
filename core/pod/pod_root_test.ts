/**
 * Integration tests of pods against the real runtime (runc here) and conmon, as root, each in
 * its own temporary state root, without a network provider (the sandbox gets a loopback-only
 * namespace; networking with CNI is tested in cli/pod_test.ts). They check what the host shows
 * (runtime list, mounts, cgroups, files, database), not only what rkl reports.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cgroupDirs, containerCgroupPath, readCgroupLimits } from "../cgroup/mod.ts";
import { containerLogs, type CreateStep, type Engine, execSync } from "../container/mod.ts";
import { rootTest, tempDir, waitFor, withTempEngine } from "../testing.ts";
import { PodRunAborted } from "./pod_run_aborted.ts";
import { parsePodManifest, type PodManifest } from "./pod_manifest.ts";
import { podContainerName } from "./pod_containers.ts";
import { runPod } from "./pod_runner.ts";
import { listSandboxRecords } from "./pod_store.ts";
import { podView } from "./pod_view.ts";
import type { PodStep } from "./sandbox.ts";
import { removePodSandbox } from "./sandbox_remove.ts";
import { stopPodSandbox } from "./sandbox_stop.ts";

const repo = new URL("../../", import.meta.url).pathname;

function manifest(text: string): PodManifest {
  return parsePodManifest(text, "test.yaml", { baseDir: repo }).pod;
}

function withEngine(fn: (engine: Engine) => Promise<void>): Promise<void> {
  return withTempEngine({
    prefix: "rkl-pod-it-",
    // Leave nothing running even when an assertion failed.
    cleanup: async (engine) => {
      for (const rec of listSandboxRecords(engine.db)) await removePodSandbox(engine, rec.id);
    },
  }, fn);
}

async function mountsUnder(root: string): Promise<string[]> {
  const proc = await new Deno.Command("mount", { stdout: "piped" }).output();
  return new TextDecoder().decode(proc.stdout).split("\n").filter((l) => l.includes(root));
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** Asserts that nothing of any pod is left: runtime, mounts, cgroups, files, records. */
async function assertNothingLeft(engine: Engine, sandboxIds: readonly string[]): Promise<void> {
  assert.deepEqual(await engine.runtime.list(), [], "runtime has no containers");
  assert.deepEqual(await mountsUnder(engine.paths.dataDir), [], "no mounts left");
  assert.deepEqual(await entries(engine.paths.containersDir), [], "no container state dirs");
  assert.deepEqual(await entries(join(engine.paths.dataDir, "pods")), [], "no pod state dirs");
  assert.deepEqual(await entries(engine.paths.exitDir), [], "no exit files");
  assert.equal(engine.db.get("SELECT COUNT(*) AS n FROM containers")?.n, 0, "no container rows");
  assert.equal(engine.db.get("SELECT COUNT(*) AS n FROM pod_sandboxes")?.n, 0, "no pod rows");
  for (const id of sandboxIds) {
    assert.deepEqual(await cgroupDirs(`/rkl/pod-${id}`), [], `pod cgroup of ${id} removed`);
  }
}

function ids(engine: Engine): string[] {
  return listSandboxRecords(engine.db).map((r) => r.id);
}

const busybox = "./testdata/bundles/busybox";

rootTest(
  "the original project's pod example runs unchanged, with pod and container limits",
  async () => {
    await withEngine(async (engine) => {
      const pod = parsePodManifest(
        await Deno.readTextFile(join(repo, "testdata/pods/simple.yaml")),
        "simple.yaml",
        { baseDir: repo },
      ).pod;
      const { sandbox, failure } = await runPod(engine, pod);
      assert.equal(failure, undefined);
      const view = await podView(engine, "simple-container-task");
      assert.equal(view.status, "Running");
      assert.equal(view.ready, "1/1");
      assert.equal(view.containers[0]?.state, "running");
      assert.ok(view.pausePid! > 0);

      // The pause process is the bundle's catatonit; the container runs dd.
      const cmdline = await new Deno.Command("ps", {
        args: ["-o", "args=", "-p", String(view.pausePid)],
        stdout: "piped",
      }).output();
      assert.match(new TextDecoder().decode(cmdline.stdout), /catatonit -P/);

      // Limits: on the container's cgroup, and the pod-level sum on the pod cgroup above it.
      const cid = view.containers[0]!.id!;
      const own = await readCgroupLimits(containerCgroupPath(cid, sandbox.cgroupParent));
      assert.equal(own.memory, 512 * 1024 * 1024);
      assert.equal(own.cpuQuota, 50_000);
      assert.equal(own.cpuPeriod, 100_000);
      const podLimits = await readCgroupLimits(sandbox.cgroupParent);
      assert.equal(podLimits.memory, 512 * 1024 * 1024);
      assert.equal(podLimits.cpuQuota, 50_000);

      await stopPodSandbox(engine, sandbox.id, 0);
      assert.equal((await podView(engine, sandbox.id)).sandbox, "notready");
      await removePodSandbox(engine, sandbox.id);
      await assertNothingLeft(engine, [sandbox.id]);
    });
  },
);

rootTest(
  "containers of a pod share localhost, IPC and UTS; emptyDir is shared; env refs resolve",
  async () => {
    await withEngine(async (engine) => {
      const pod = manifest(`
apiVersion: v1
kind: Pod
metadata: { name: duo }
spec:
  hostname: duo-host
  terminationGracePeriodSeconds: 0
  initContainers:
    - name: page
      image: ${busybox}
      command: [sh, -c, 'echo "hello from $POD" > /www/index.html']
      env: [{ name: POD, valueFrom: { fieldRef: { fieldPath: metadata.name } } }]
      volumeMounts: [{ name: www, mountPath: /www }]
  containers:
    - name: server
      image: ${busybox}
      args: [httpd, -f, -p, "127.0.0.1:8080", -h, /www]
      volumeMounts: [{ name: www, mountPath: /www, readOnly: true }]
    - name: client
      image: ${busybox}
      args: [sleep, "3600"]
      env: [{ name: NS, valueFrom: { fieldRef: { fieldPath: metadata.namespace } } }]
      volumeMounts: [{ name: www, mountPath: /shared }]
  volumes: [{ name: www, emptyDir: {} }]
`);
      const { sandbox, failure } = await runPod(engine, pod);
      assert.equal(failure, undefined);
      const client = podContainerName(sandbox, "client");
      // httpd listens on 127.0.0.1 inside "server"; "client" reaches it over the pod's loopback.
      let body = "";
      for (let i = 0; i < 50 && body === ""; i++) {
        const r = await execSync(engine, client, ["wget", "-qO-", "http://127.0.0.1:8080/"]);
        body = r.exitCode === 0 ? r.stdout : "";
        if (body === "") await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(body, "hello from duo\n");
      // The emptyDir written by the init container is visible in both app containers.
      const shared = await execSync(engine, client, ["cat", "/shared/index.html"]);
      assert.equal(shared.stdout, "hello from duo\n");
      const hostname = await execSync(engine, client, ["hostname"]);
      assert.equal(hostname.stdout.trim(), "duo-host");
      const env = await execSync(engine, client, ["sh", "-c", "echo $NS"]);
      assert.equal(env.stdout.trim(), "default");
      // Same network and IPC namespaces as the pause process, own mount namespace.
      const view = await podView(engine, "duo");
      const ns = async (pid: number, kind: string) =>
        (await new Deno.Command("readlink", { args: [`/proc/${pid}/ns/${kind}`], stdout: "piped" })
          .output()).stdout;
      const server = view.containers.find((c) => c.name === "server")!;
      for (const kind of ["net", "ipc", "uts"]) {
        assert.deepEqual(await ns(server.pid!, kind), await ns(view.pausePid!, kind), kind);
      }
      assert.notDeepEqual(await ns(server.pid!, "pid"), await ns(view.pausePid!, "pid"));
      // Separate PID namespaces: the client sees only its own processes.
      const ps = await execSync(engine, client, ["ps", "-o", "args"]);
      assert.doesNotMatch(ps.stdout, /httpd/);
      assert.doesNotMatch(ps.stdout, /catatonit/);
      assert.match(ps.stdout, /sleep 3600/);
      await removePodSandbox(engine, sandbox.id);
      await assertNothingLeft(engine, [sandbox.id]);
    });
  },
);

rootTest(
  "shareProcessNamespace: true puts every container in the pause process's PID namespace",
  async () => {
    await withEngine(async (engine) => {
      const pod = manifest(`
apiVersion: v1
kind: Pod
metadata: { name: shared-pid }
spec:
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 0
  containers:
    - { name: a, image: ${busybox}, args: [sleep, "3601"] }
    - { name: b, image: ${busybox}, args: [sleep, "3602"] }
`);
      const { sandbox } = await runPod(engine, pod);
      const ps = await execSync(engine, podContainerName(sandbox, "b"), ["ps", "-o", "pid,args"]);
      const lines = ps.stdout.split("\n").map((l) => l.trim());
      assert.ok(lines.some((l) => /^1\s+\/catatonit -P/.test(l)), ps.stdout);
      assert.ok(lines.some((l) => l.endsWith("sleep 3601")), ps.stdout);
      assert.ok(lines.some((l) => l.endsWith("sleep 3602")), ps.stdout);
      await removePodSandbox(engine, sandbox.id);
      await assertNothingLeft(engine, [sandbox.id]);
    });
  },
);

rootTest("init containers run one at a time in order; a failing one fails the pod", async (t) => {
  await withEngine(async (engine) => {
    await t.step("in order, before the app container", async () => {
      const pod = manifest(`
apiVersion: v1
kind: Pod
metadata: { name: ordered }
spec:
  terminationGracePeriodSeconds: 0
  initContainers:
    - name: first
      image: ${busybox}
      command: [sh, -c, "sleep 0.2; echo first >> /w/order"]
      volumeMounts: [{ name: w, mountPath: /w }]
    - name: second
      image: ${busybox}
      command: [sh, -c, "test -f /w/order && echo second >> /w/order"]
      volumeMounts: [{ name: w, mountPath: /w }]
  containers:
    - name: app
      image: ${busybox}
      command: [sh, -c, "echo app >> /w/order; exec sleep 3600"]
      volumeMounts: [{ name: w, mountPath: /w }]
  volumes: [{ name: w, emptyDir: {} }]
`);
      const { sandbox, failure } = await runPod(engine, pod);
      assert.equal(failure, undefined);
      const view = await podView(engine, "ordered");
      assert.deepEqual(
        view.containers.map((c) => [c.name, c.state, c.exitCode ?? null]),
        [["first", "exited", 0], ["second", "exited", 0], ["app", "running", null]],
      );
      const order = await execSync(engine, podContainerName(sandbox, "app"), ["cat", "/w/order"]);
      assert.equal(order.stdout, "first\nsecond\napp\n");
      await removePodSandbox(engine, sandbox.id);
    });

    await t.step(
      "a failing init container fails the pod with its exit code; logs kept",
      async () => {
        const pod = manifest(`
apiVersion: v1
kind: Pod
metadata: { name: broken }
spec:
  restartPolicy: Never
  initContainers:
    - { name: ok, image: ${busybox}, command: ["true"] }
    - { name: fails, image: ${busybox}, command: [sh, -c, "echo cannot migrate >&2; exit 7"] }
    - { name: never, image: ${busybox}, command: ["true"] }
  containers:
    - { name: app, image: ${busybox}, args: [sleep, "3600"] }
`);
        const { sandbox, failure } = await runPod(engine, pod);
        assert.deepEqual(failure, {
          reason: 'init container "fails" failed with exit code 7',
          container: "fails",
          exitCode: 7,
        });
        const view = await podView(engine, "broken");
        assert.equal(view.status, "Init:Error");
        assert.equal(view.phase, "Failed");
        assert.equal(view.failure, failure?.reason);
        assert.deepEqual(
          view.containers.map((c) => [c.name, c.state, c.exitCode ?? null]),
          [["ok", "exited", 0], ["fails", "exited", 7], ["never", "waiting", null], [
            "app",
            "waiting",
            null,
          ]],
        );
        const logs = await containerLogs(engine, podContainerName(sandbox, "fails"));
        assert.deepEqual(logs.map((l) => [l.stream, l.text]), [["stderr", "cannot migrate"]]);
        await removePodSandbox(engine, sandbox.id);
      },
    );
    await assertNothingLeft(engine, []);
  });
});

rootTest("a failure injected at any step of pod run leaves nothing behind", async (t) => {
  const pod = manifest(`
apiVersion: v1
kind: Pod
metadata: { name: faulty }
spec:
  terminationGracePeriodSeconds: 0
  initContainers:
    - { name: init, image: ${busybox}, command: ["true"], volumeMounts: [{ name: m, mountPath: /m }] }
  containers:
    - name: a
      image: ${busybox}
      args: [sleep, "3600"]
      resources: { limits: { memory: 64Mi, cpu: 100m } }
      volumeMounts: [{ name: m, mountPath: /m }]
    - { name: b, image: ${busybox}, args: [sleep, "3600"], resources: { limits: { memory: 64Mi } } }
  volumes: [{ name: m, emptyDir: { medium: Memory, sizeLimit: 8Mi } }]
`);
  const podSteps: PodStep[] = [
    "after-record",
    "after-volumes",
    "after-network",
    "after-pause",
    "after-cgroup",
    "after-init",
    "after-container",
  ];
  const engineSteps: [CreateStep, number][] = [["after-rootfs", 3], ["after-runtime-create", 4]];
  await withEngine(async (engine) => {
    for (const step of podSteps) {
      await t.step(`pod step ${step}`, async () => {
        const seen: string[] = [];
        await assert.rejects(
          runPod(engine, pod, {
            faults: (s, id) => {
              if (!seen.includes(id)) seen.push(id);
              if (s === step) throw new Error(`injected at ${s}`);
            },
          }),
          new RegExp(`injected at ${step}`),
        );
        await assertNothingLeft(engine, seen);
      });
    }
    for (const [step, nth] of engineSteps) {
      await t.step(`engine step ${step} of container #${nth}`, async () => {
        const created: string[] = [];
        const seen: string[] = [];
        engine.faults = (s, id) => {
          if (s === "after-record") created.push(id);
          if (s === step && created.indexOf(id) === nth - 1) throw new Error(`injected at ${s}`);
        };
        try {
          await assert.rejects(
            runPod(engine, pod, { faults: (_s, id) => void (seen.includes(id) || seen.push(id)) }),
            /injected/,
          );
        } finally {
          engine.faults = undefined;
        }
        assert.ok(created.length >= nth, `${created.length} containers created`);
        await assertNothingLeft(engine, seen);
      });
    }
    await t.step("a clean run afterwards still works", async () => {
      const { sandbox } = await runPod(engine, pod);
      assert.equal((await podView(engine, "faulty")).status, "Running");
      await removePodSandbox(engine, sandbox.id);
      await assertNothingLeft(engine, [sandbox.id]);
    });
  });
});

rootTest("a pod name is unique per namespace; a conflict changes nothing", async () => {
  await withEngine(async (engine) => {
    const pod = manifest(`
apiVersion: v1
kind: Pod
metadata: { name: once }
spec:
  terminationGracePeriodSeconds: 0
  containers: [{ name: a, image: ${busybox}, args: [sleep, "3600"] }]
`);
    const { sandbox } = await runPod(engine, pod);
    await assert.rejects(runPod(engine, pod), /Pod "once" already exists in namespace "default"/);
    assert.deepEqual(ids(engine), [sandbox.id]);
    assert.equal((await engine.runtime.list()).length, 2);
    await removePodSandbox(engine, sandbox.id);
    await assertNothingLeft(engine, [sandbox.id]);
  });
});

rootTest(
  "runPod aborted while an init container runs: SIGTERM within the grace period, no app container, nothing left",
  async (t) => {
    await withEngine(async (engine) => {
      await using out = await tempDir("rkl-pod-abort-");
      // The init container writes "started", then loops until SIGTERM, which it records.
      const pod = manifest(`
apiVersion: v1
kind: Pod
metadata: { name: initwait }
spec:
  terminationGracePeriodSeconds: 30
  initContainers:
    - name: i
      image: ${busybox}
      command: [sh, -c, 'trap "echo TERM > /out/term; exit 0" TERM; echo up > /out/started; while :; do sleep 1; done']
      volumeMounts: [{ name: out, mountPath: /out }]
  containers: [{ name: app, image: ${busybox}, args: [sleep, "3600"] }]
  volumes: [{ name: out, hostPath: { path: ${out.path}, type: Directory } }]
`);
      /** Runs the pod, aborts it with `reason` once its init container runs, returns the error. */
      const runAndAbort = async (reason: unknown) => {
        for (const f of ["started", "term"]) await Deno.remove(join(out.path, f)).catch(() => {});
        const ac = new AbortController();
        const seen: string[] = [];
        const steps: PodStep[] = [];
        const run = runPod(engine, pod, {
          signal: ac.signal,
          faults: (step, id) => {
            steps.push(step);
            if (!seen.includes(id)) seen.push(id);
          },
        });
        // A run that never ends fails the wait below, not the process.
        let outcome: { error: unknown } | undefined;
        run.then(
          () => outcome = { error: new Error("runPod succeeded") },
          (error: unknown) => outcome = { error },
        );
        await waitFor("the init container to run", async () => {
          const text = await Deno.readTextFile(join(out.path, "started")).catch(() => "");
          return text.trim() === "up";
        }, { timeoutMs: 60_000, intervalMs: 50 });
        ac.abort(reason);
        // Without the abort, runPod waits for the init container for as long as it runs.
        const { error } = await waitFor("runPod to give up", () => outcome, {
          timeoutMs: 60_000,
          intervalMs: 50,
        });
        assert.ok(steps.includes("after-init"), `the init container started: ${steps}`);
        assert.ok(!steps.includes("after-container"), `no app container started: ${steps}`);
        await assertNothingLeft(engine, seen);
        return error;
      };

      await t.step("with a grace period: SIGTERM reaches the init container first", async () => {
        const reason = new PodRunAborted('pod "initwait" is being deleted', 30);
        assert.equal(await runAndAbort(reason), reason);
        assert.equal((await Deno.readTextFile(join(out.path, "term"))).trim(), "TERM");
      });

      await t.step("without one (a plain abort): killed at once, no SIGTERM", async () => {
        const reason = new Error("gone");
        assert.equal(await runAndAbort(reason), reason);
        await assert.rejects(Deno.stat(join(out.path, "term")), Deno.errors.NotFound);
      });

      await t.step(
        "detached (the supervisor stops): the init container runs on, nothing undone",
        async () => {
          await Deno.remove(join(out.path, "started")).catch(() => {});
          const detach = new AbortController();
          const run = runPod(engine, pod, { detach: detach.signal });
          await waitFor("the init container to run", async () => {
            const text = await Deno.readTextFile(join(out.path, "started")).catch(() => "");
            return text.trim() === "up";
          }, { timeoutMs: 60_000, intervalMs: 50 });
          detach.abort();
          const result = await run;
          assert.equal(result.detached, true);
          assert.equal(result.failure, undefined);
          const [rec] = listSandboxRecords(engine.db);
          assert.equal(rec?.id, result.sandbox.id);
          assert.equal(
            rec?.creator,
            undefined,
            "its creation is finished: no gc takes it for interrupted",
          );
          const view = await podView(engine, "initwait");
          assert.equal(view.status, "Init:0/1");
          assert.equal(view.containers.find((c) => c.name === "app")?.state, "waiting");
          await removePodSandbox(engine, result.sandbox.id);
          await assertNothingLeft(engine, [result.sandbox.id]);
        },
      );
    });
  },
);
