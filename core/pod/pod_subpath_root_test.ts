/**
 * `subPath` is resolved inside its volume, as the kubelet's safe subpath does: a link an init
 * container planted (`ln -s /etc /vol/link`) is refused instead of handing the host's `/etc`
 * to the app container; links that stay inside the volume and missing directories work.
 */
import assert from "node:assert/strict";
import type { Engine } from "../container/mod.ts";
import { execSync } from "../container/mod.ts";
import { rootTest, waitFor, withTempEngine } from "../testing.ts";
import { parsePodManifest } from "./pod_manifest.ts";
import { podContainerName } from "./pod_containers.ts";
import { runPod } from "./pod_runner.ts";
import { listSandboxRecords } from "./pod_store.ts";
import { removePodSandbox } from "./sandbox_remove.ts";

const repo = new URL("../../", import.meta.url).pathname;
const busybox = "./testdata/bundles/busybox";

function withEngine(fn: (engine: Engine) => Promise<void>): Promise<void> {
  return withTempEngine({
    prefix: "rkl-subpath-it-",
    cleanup: async (engine) => {
      for (const rec of listSandboxRecords(engine.db)) await removePodSandbox(engine, rec.id);
    },
  }, fn);
}

function podWithLink(link: string, subPath: string): string {
  return `
apiVersion: v1
kind: Pod
metadata: { name: sub }
spec:
  terminationGracePeriodSeconds: 0
  initContainers:
    - name: plant
      image: ${busybox}
      command: [sh, -c, 'mkdir -p /vol/inside && echo ok > /vol/inside/f && ${link}']
      volumeMounts: [{ name: vol, mountPath: /vol }]
  containers:
    - name: app
      image: ${busybox}
      args: [sleep, "3600"]
      volumeMounts: [{ name: vol, mountPath: /mnt, subPath: ${subPath} }]
  volumes: [{ name: vol, emptyDir: {} }]
`;
}

rootTest("a subPath that an init container linked out of the volume is refused", async () => {
  await withEngine(async (engine) => {
    const pod = parsePodManifest(podWithLink("ln -s /etc /vol/link", "link"), "p.yaml", {
      baseDir: repo,
    }).pod;
    await assert.rejects(
      runPod(engine, pod),
      /subPath "link" of volume ".*": it resolves to "\/etc", outside the volume/,
    );
    // The failure rolled the whole pod back.
    assert.deepEqual(listSandboxRecords(engine.db), []);
    assert.deepEqual(await engine.runtime.list(), []);
  });
});

rootTest("a subPath through a link inside the volume, and a missing subPath, work", async () => {
  await withEngine(async (engine) => {
    for (const [link, sub] of [["ln -s inside /vol/alias", "alias"], ["true", "new/dir"]]) {
      const pod = parsePodManifest(podWithLink(link!, sub!), "p.yaml", { baseDir: repo }).pod;
      const { sandbox, failure } = await runPod(engine, pod);
      assert.equal(failure, undefined);
      const r = await execSync(engine, podContainerName(sandbox, "app"), [
        "sh",
        "-c",
        "ls /mnt; cat /mnt/f 2>/dev/null; true",
      ]);
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout, sub === "alias" ? "f\nok\n" : "");
      await removePodSandbox(engine, sandbox.id);
    }
  });
});

function podWithExpr(expr: string): string {
  return `
apiVersion: v1
kind: Pod
metadata: { name: expr-pod }
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: app
      image: ${busybox}
      command: [sh, -c, 'echo from-app > /mnt/f && exec sleep 3600']
      env:
        - { name: POD_NAME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }
        - { name: SUB, value: "logs-$(POD_NAME)" }
      volumeMounts:
        - { name: vol, mountPath: /mnt, subPathExpr: "${expr}" }
        - { name: vol, mountPath: /all }
  volumes: [{ name: vol, emptyDir: {} }]
`;
}

rootTest("subPathExpr mounts the directory its expansion names (downward API env)", async () => {
  await withEngine(async (engine) => {
    const pod = parsePodManifest(podWithExpr("$(SUB)/app"), "p.yaml", { baseDir: repo }).pod;
    const { sandbox, failure } = await runPod(engine, pod);
    assert.equal(failure, undefined);
    const name = podContainerName(sandbox, "app");
    // The app wrote through the expanded subPath; the whole volume shows where it landed.
    const out = await waitFor("the app's file in the expanded subPath", async () => {
      const r = await execSync(engine, name, ["sh", "-c", "cat /all/logs-expr-pod/app/f; true"]);
      return r.stdout || undefined;
    });
    assert.equal(out, "from-app\n");
    await removePodSandbox(engine, sandbox.id);
  });
});

rootTest("a subPathExpr naming an unset variable fails the pod and rolls it back", async () => {
  await withEngine(async (engine) => {
    const pod = parsePodManifest(podWithExpr("$(NOPE)/app"), "p.yaml", { baseDir: repo }).pod;
    await assert.rejects(runPod(engine, pod), {
      name: "SubPathExprError",
      message: "missing value for NOPE",
    });
    assert.deepEqual(listSandboxRecords(engine.db), []);
    assert.deepEqual(await engine.runtime.list(), []);
  });
});
