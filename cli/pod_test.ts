/**
 * `rkl pod` run in-process with an argv array, as root, on a temporary state root with the real
 * runtime, conmon and CNI plugins (the network provider the CLI wires: its own bridge and subnet
 * per root). Traffic goes only to the pods these tests create.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { GlobalOptions } from "./context.ts";
import { engineFor } from "./engine.ts";
import { parseNamespace, parsePodExecOptions, targetContainer } from "./pod_options.ts";
import { run } from "../core/exec.ts";
import { parsePodManifest } from "../core/pod/pod_manifest.ts";
import { runPod } from "../core/pod/pod_runner.ts";
import type { PodStep } from "../core/pod/sandbox.ts";
import { rootTest, tempDir, waitFor } from "../core/testing.ts";
import { captureIo, projectDir as repo, type RklResult, runRkl } from "./testing.ts";

function rkl(root: string, ...argv: string[]): Promise<RklResult> {
  return runRkl(["--root", root, ...argv]);
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** IP addresses still allocated by host-local under the root (files named like an IP). */
async function allocatedIps(root: string): Promise<string[]> {
  const ipam = join(root, "lib", "cni", "ipam");
  const out: string[] = [];
  for (const net of await filesIn(ipam)) {
    for (const f of await filesIn(join(ipam, net))) if (/^\d+\.\d+\.\d+\.\d+$/.test(f)) out.push(f);
  }
  return out;
}

async function assertNoPodLeftovers(root: string): Promise<void> {
  assert.deepEqual(await filesIn(join(root, "run", "netns")), [], "no network namespaces");
  assert.deepEqual(await allocatedIps(root), [], "no IP allocations");
  assert.deepEqual(await filesIn(join(root, "lib", "pods")), [], "no pod state dirs");
  assert.deepEqual(await filesIn(join(root, "lib", "containers")), [], "no container dirs");
  const mounts = (await run(["mount"])).stdout.split("\n").filter((l) => l.includes(root));
  assert.deepEqual(mounts, [], "no mounts");
  const r = await run(["/usr/sbin/runc", "--root", join(root, "run", "runtime"), "list", "-q"]);
  assert.equal(r.stdout.trim(), "", "runtime has no containers");
}

/** Removes whatever a failed test left (pods first, then the state root). */
async function cleanup(root: string): Promise<void> {
  const list = await rkl(root, "pod", "list", "-A", "-q");
  for (const name of list.out.split("\n").filter(Boolean)) await rkl(root, "pod", "rm", "-f", name);
}

Deno.test("parsePodExecOptions(), parseNamespace() and targetContainer() check their input", () => {
  assert.deepEqual(parsePodExecOptions("p", ["ls"], { namespace: "team" }), {
    pod: "p",
    argv: ["ls"],
    namespace: "team",
  });
  assert.throws(() => parseNamespace("-x"), /DNS-1123/);
  assert.throws(
    () => targetContainer({ name: "p", initContainers: [], containers: [{ name: "a" }] }, "b"),
    /Pod "p" has no container "b"/,
  );
});

Deno.test("rkl pod with bad input exits 1 naming file, line and field; usage errors exit 2", async () => {
  await using dir = await tempDir("rkl-pod-cli-");
  const bad = await rkl(dir.path, "pod", "run", "testdata/pods/bad_duplicate.yaml");
  assert.equal(bad.code, 1);
  assert.match(
    bad.err,
    /bad_duplicate\.yaml:9:\d+: spec\.containers\[1\]\.name: duplicate container name "app"/,
  );
  const vol = await rkl(dir.path, "pod", "create", "testdata/pods/bad_volume.yaml");
  assert.equal(vol.code, 1);
  assert.match(vol.err, /bad_volume\.yaml:10:\d+: spec\.containers\[0\]\.volumeMounts\[0\]\.name/);
  assert.equal((await rkl(dir.path, "p", "exec", "web")).code, 2);
  assert.equal((await rkl(dir.path, "p", "list", "-o", "xml")).code, 2);
  // Nothing was created: no pod state at all.
  assert.deepEqual(await filesIn(join(dir.path, "lib", "pods")), []);
});

rootTest(
  "rkl pod run: two containers on localhost and the pod IP, list/state/exec/stop/rm",
  async () => {
    await using dir = await tempDir("rkl-pod-cli-");
    try {
      const ran = await rkl(dir.path, "pod", "run", "testdata/pods/web.yaml");
      assert.equal(ran.code, 0, ran.err);
      assert.equal(ran.out, "web\n");

      const list = await rkl(dir.path, "p", "list", "-o", "json");
      const pods: unknown = JSON.parse(list.out);
      assert.ok(Array.isArray(pods) && pods.length === 1);
      const pod = pods[0] as Record<string, unknown>;
      assert.equal(pod.name, "web");
      assert.equal(pod.ready, "2/2");
      assert.equal(pod.status, "Running");
      const ip = String(pod.ip);
      assert.match(ip, /^10\.\d+\.\d+\.\d+$/);
      const table = await rkl(dir.path, "p", "ls");
      assert.match(table.out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\n/);
      assert.match(
        table.out,
        new RegExp(`\\nweb\\s+2/2\\s+Running\\s+0\\s+\\d+s\\s+${ip.replaceAll(".", "\\.")}\\n`),
      );

      // The client reaches the server on localhost (one network namespace for the pod)...
      const local = await waitFor("httpd to answer on localhost", async () => {
        const r = await rkl(
          dir.path,
          "p",
          "exec",
          "web",
          "-c",
          "client",
          "--",
          "wget",
          "-qO-",
          "http://localhost:8080/",
        );
        return r.code === 0 ? r : undefined;
      });
      assert.equal(local.out, "hello from web\n");
      // ...and sees the pod IP through the status.podIP field reference.
      const env = await rkl(
        dir.path,
        "p",
        "exec",
        "web",
        "-c",
        "client",
        "--",
        "sh",
        "-c",
        "echo $POD_IP",
      );
      assert.equal(env.out.trim(), ip);
      // The containers share the pod's IPC and UTS namespaces, pinned at files in the pod's
      // state dir (so they were created alongside the pause container), and its hostname.
      const [podDir] = await filesIn(join(dir.path, "lib", "pods"));
      for (const kind of ["ipc", "uts"]) {
        const nsOf = async (c: string) =>
          (await rkl(
            dir.path,
            "p",
            "exec",
            "web",
            "-c",
            c,
            "--",
            "readlink",
            `/proc/self/ns/${kind}`,
          ))
            .out.trim();
        const pinned = await Deno.stat(join(dir.path, "lib", "pods", podDir!, "ns", kind));
        assert.equal(await nsOf("server"), `${kind}:[${pinned.ino}]`, `the pinned ${kind}`);
        assert.equal(await nsOf("client"), `${kind}:[${pinned.ino}]`);
      }
      const hostname = await rkl(dir.path, "p", "exec", "web", "-c", "client", "--", "hostname");
      assert.equal(hostname.out.trim(), "web");
      // The host reaches the pod on its IP (a namespace this test created).
      const res = await fetch(`http://${ip}:8080/`);
      assert.equal(await res.text(), "hello from web\n");
      // exec defaults to the first container and returns the command's exit code.
      const first = await rkl(
        dir.path,
        "p",
        "exec",
        "web",
        "--",
        "sh",
        "-c",
        "ps -o comm | grep -cx httpd; exit 4",
      );
      assert.equal(first.code, 4);
      assert.equal(first.out.trim(), "1");

      const state = await rkl(dir.path, "p", "state", "web", "-o", "yaml");
      assert.match(state.out, /name: prepare\n\s+init: true/);
      assert.match(state.out, /reason: Completed/);
      const text = await rkl(dir.path, "p", "state", "web");
      assert.match(text.out, /prepare\s+init\s+exited\s+0\s+Completed/);
      assert.match(text.out, /server\s+app\s+running\s+-\s+Running/);

      const refused = await rkl(dir.path, "p", "rm", "web");
      assert.equal(refused.code, 1);
      assert.match(refused.err, /Cannot remove pod "web": status is "Running"/);

      assert.equal((await rkl(dir.path, "p", "stop", "-t", "0", "web")).code, 0);
      const stopped = await rkl(dir.path, "p", "list");
      assert.match(stopped.out, /web\s+0\/2\s+Error\s+0\s+\d+s\s+<none>\n/);
      assert.deepEqual(await allocatedIps(dir.path), [], "stop releases the pod IP");
      assert.equal((await rkl(dir.path, "p", "rm", "web")).code, 0);
      assert.equal((await rkl(dir.path, "p", "list", "-q")).out, "");
      await assertNoPodLeftovers(dir.path);
    } finally {
      await cleanup(dir.path);
    }
  },
);

rootTest("rkl pod create starts only the sandbox; rkl pod start runs the containers", async () => {
  await using dir = await tempDir("rkl-pod-cli-");
  try {
    const created = await rkl(dir.path, "pod", "create", "testdata/pods/simple.yaml");
    assert.equal(created.code, 0, created.err);
    const before = await rkl(dir.path, "pod", "list");
    assert.match(before.out, /simple-container-task\s+0\/1\s+ContainerCreating\s+0\s+\d+s\s+10\./);
    const started = await rkl(dir.path, "pod", "start", "simple-container-task");
    assert.equal(started.code, 0, started.err);
    const after = await rkl(dir.path, "pod", "list", "-o", "wide");
    assert.match(
      after.out,
      /simple-container-task\s+1\/1\s+Running\s+0\s+\d+s\s+10\.\S+\s+[0-9a-f]{12}\s+\d+/,
    );
    // Starting again has nothing to do; a second create of the same pod is a conflict.
    assert.equal((await rkl(dir.path, "pod", "start", "simple-container-task")).code, 0);
    const again = await rkl(dir.path, "pod", "create", "testdata/pods/simple.yaml");
    assert.equal(again.code, 1);
    assert.match(again.err, /Pod "simple-container-task" already exists/);
    assert.equal((await rkl(dir.path, "pod", "rm", "-f", "simple-container-task")).code, 0);
    await assertNoPodLeftovers(dir.path);
  } finally {
    await cleanup(dir.path);
  }
});

rootTest("rkl pod run with a failing init container exits 1; state and logs show why", async () => {
  await using dir = await tempDir("rkl-pod-cli-");
  try {
    const file = join(dir.path, "broken.yaml");
    await Deno.writeTextFile(
      file,
      `apiVersion: v1
kind: Pod
metadata: { name: broken }
spec:
  initContainers:
    - name: migrate
      image: ./testdata/bundles/busybox
      command: [sh, -c, "echo schema too new; exit 42"]
  containers:
    - { name: app, image: ./testdata/bundles/busybox, args: [sleep, "3600"] }
`,
    );
    const r = await rkl(dir.path, "pod", "run", file);
    assert.equal(r.code, 1);
    assert.match(r.err, /Pod "broken" failed: init container "migrate" failed with exit code 42/);
    const list = await rkl(dir.path, "pod", "list");
    assert.match(list.out, /broken\s+0\/1\s+Init:Error/);
    const logs = await rkl(dir.path, "pod", "logs", "broken", "-c", "migrate");
    assert.equal(logs.out, "schema too new\n");
    const state = await rkl(dir.path, "pod", "state", "broken", "-o", "json");
    const view = JSON.parse(state.out) as { containers: { name: string; exitCode?: number }[] };
    assert.equal(view.containers.find((c) => c.name === "migrate")?.exitCode, 42);
    assert.equal((await rkl(dir.path, "pod", "rm", "broken")).code, 0);
    await assertNoPodLeftovers(dir.path);
  } finally {
    await cleanup(dir.path);
  }
});

rootTest(
  "a failure injected after the pod's network was attached releases IPs and namespaces",
  async (t) => {
    await using dir = await tempDir("rkl-pod-cli-");
    const globals: GlobalOptions = { root: dir.path, runtime: undefined };
    const engine = await engineFor(captureIo(), globals);
    try {
      const pod = parsePodManifest(
        await Deno.readTextFile(join(repo, "testdata/pods/web.yaml")),
        "web.yaml",
        { baseDir: repo },
      ).pod;
      for (
        const step of [
          "after-network",
          "after-pause",
          "after-cgroup",
          "after-container",
        ] as PodStep[]
      ) {
        await t.step(step, async () => {
          await assert.rejects(
            runPod(engine, pod, {
              faults: (s) => {
                if (s === step) throw new Error(`injected at ${s}`);
              },
            }),
            new RegExp(`injected at ${step}`),
          );
          assert.equal(engine.db.get("SELECT COUNT(*) AS n FROM pod_sandboxes")?.n, 0);
          assert.equal(engine.db.get("SELECT COUNT(*) AS n FROM containers")?.n, 0);
          await assertNoPodLeftovers(dir.path);
        });
      }
    } finally {
      engine.close();
      await cleanup(dir.path);
    }
  },
);
