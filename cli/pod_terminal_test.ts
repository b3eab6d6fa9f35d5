/**
 * Terminal pods release their sandbox, IP and host ports, as the kubelet does, while statuses,
 * exit codes and logs stay readable: through `rkl pod run`, `rkl pod list|state` and `rkl gc`,
 * in-process, as root, with the real runtime, conmon and CNI plugins (host-local IPAM under the
 * test's own root).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { engineFor } from "./engine.ts";
import { podView } from "../core/pod/pod_view.ts";
import { rootTest, tempDir, waitFor } from "../core/testing.ts";
import { allocatedIps, filesIn, projectDir, type RklResult, runRkl } from "./testing.ts";
import { parsePodManifest } from "../core/pod/pod_manifest.ts";
import { runPod } from "../core/pod/pod_runner.ts";

function rkl(root: string, ...argv: string[]): Promise<RklResult> {
  return runRkl(["--root", root, ...argv]);
}

function engine(root: string): ReturnType<typeof engineFor> {
  return engineFor(
    { stdout() {}, stderr() {}, env: { PATH: Deno.env.get("PATH") ?? "" }, cwd: "/" },
    { root, runtime: undefined },
  );
}

/** Runs a pod through the library, which (unlike the CLI) never releases a finished pod. */
async function runWithoutRelease(root: string, file: string): Promise<void> {
  const e = await engine(root);
  try {
    const { pod } = parsePodManifest(await Deno.readTextFile(file), file, { baseDir: projectDir });
    const { failure } = await runPod(e, pod);
    assert.equal(failure, undefined);
  } finally {
    e.close();
  }
}

/** Waits, without side effects (no release), until every app container of `pod` exited. */
async function waitExited(root: string, pod: string): Promise<void> {
  const e = await engine(root);
  try {
    await waitFor(`app containers of ${pod} exited`, async () => {
      const v = await podView(e, pod);
      return v.containers.filter((c) => !c.init).every((c) => c.state === "exited");
    }, { timeoutMs: 60_000 });
  } finally {
    e.close();
  }
}

async function cleanup(root: string): Promise<void> {
  const list = await rkl(root, "pod", "list", "-A", "-q");
  for (const name of list.out.split("\n").filter(Boolean)) await rkl(root, "pod", "rm", "-f", name);
}

async function podFile(dir: string, name: string, body: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await Deno.writeTextFile(
    file,
    `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name} }\nspec:\n${body}`,
  );
  return file;
}

rootTest("a finished pod (Never) frees its IP and host port; status and logs stay", async () => {
  await using dir = await tempDir("rkl-pod-term-");
  try {
    const file = await podFile(
      dir.path,
      "job",
      `  restartPolicy: Never
  containers:
    - name: work
      image: ./testdata/bundles/busybox
      command: [sh, -c, "echo did the work; exit 3"]
      ports: [{ containerPort: 80, hostPort: 18093 }]
    - { name: quick, image: ./testdata/bundles/busybox, args: ["true"] }
`,
    );
    assert.equal((await rkl(dir.path, "pod", "run", file)).code, 0);
    await waitExited(dir.path, "job");

    const list = await rkl(dir.path, "pod", "list", "-o", "wide");
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /job\s+0\/2\s+Error\s/);
    assert.deepEqual(await allocatedIps(dir.path), [], "the IP is free again");
    assert.deepEqual(await filesIn(join(dir.path, "run", "netns")), [], "no network namespace");

    const state = await rkl(dir.path, "pod", "state", "job", "-o", "json");
    const view = JSON.parse(state.out) as {
      phase: string;
      sandbox: string;
      ip: string;
      containers: { name: string; exitCode?: number; reason: string }[];
    };
    assert.equal(view.phase, "Failed");
    assert.equal(view.sandbox, "notready");
    assert.equal(view.ip, "");
    assert.equal(view.containers.find((c) => c.name === "work")?.exitCode, 3);
    assert.equal(view.containers.find((c) => c.name === "quick")?.reason, "Completed");
    assert.equal((await rkl(dir.path, "pod", "logs", "job", "-c", "work")).out, "did the work\n");

    // The host port is free: another pod can publish it.
    const again = await podFile(
      dir.path,
      "again",
      `  containers:
    - name: app
      image: ./testdata/bundles/busybox
      args: [sleep, "3600"]
      ports: [{ containerPort: 80, hostPort: 18093 }]
`,
    );
    const r = await rkl(dir.path, "pod", "run", again);
    assert.equal(r.code, 0, r.err);
    assert.equal((await rkl(dir.path, "pod", "rm", "-f", "again")).code, 0);
    assert.equal((await rkl(dir.path, "pod", "rm", "job")).code, 0);
    assert.deepEqual(await allocatedIps(dir.path), []);
  } finally {
    await cleanup(dir.path);
  }
});

rootTest("rkl gc stops succeeded pods; a failed init container (Never) frees at once", async () => {
  await using dir = await tempDir("rkl-pod-term-");
  try {
    const ok = await podFile(
      dir.path,
      "done",
      `  restartPolicy: OnFailure
  containers: [{ name: app, image: ./testdata/bundles/busybox, args: ["true"] }]
`,
    );
    await runWithoutRelease(dir.path, ok);
    await waitExited(dir.path, "done");
    assert.equal((await allocatedIps(dir.path)).length, 1, "held until someone looks");
    const gc = await rkl(dir.path, "gc");
    assert.equal(gc.code, 0, gc.err);
    assert.match(
      gc.out,
      /^Stopped pod default\/done \(Succeeded: all containers completed\), released \d+\.\d+\.\d+\.\d+$/m,
    );
    assert.deepEqual(await allocatedIps(dir.path), []);
    assert.match((await rkl(dir.path, "pod", "list")).out, /done\s+0\/1\s+Completed\s/);

    const broken = await podFile(
      dir.path,
      "broken",
      `  restartPolicy: Never
  initContainers: [{ name: init, image: ./testdata/bundles/busybox, command: [sh, -c, "exit 42"] }]
  containers: [{ name: app, image: ./testdata/bundles/busybox, args: [sleep, "3600"] }]
`,
    );
    const r = await rkl(dir.path, "pod", "run", broken);
    assert.equal(r.code, 1);
    assert.match(r.err, /init container "init" failed with exit code 42/);
    assert.deepEqual(await allocatedIps(dir.path), [], "released by rkl pod run itself");
  } finally {
    await cleanup(dir.path);
  }
});
