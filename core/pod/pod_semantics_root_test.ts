/**
 * What the process inside a pod container sees, against the real runtime (runc) and conmon, as
 * root: argv and environment after `$(VAR)` expansion, uid/gid/groups from the pod- and
 * container-level securityContext, /etc/hostname, /etc/hosts with hostAliases, fsGroup on an
 * emptyDir, a namespaced sysctl, and a pod name too long for a plain runtime name.
 */
import assert from "node:assert/strict";
import { type Engine, execSync } from "../container/mod.ts";
import { rootTest, withTempEngine } from "../testing.ts";
import { parsePodManifest } from "./pod_manifest.ts";
import { podContainerName } from "./pod_containers.ts";
import { runPod } from "./pod_runner.ts";
import { listSandboxRecords } from "./pod_store.ts";
import { removePodSandbox } from "./sandbox_remove.ts";

const repo = new URL("../../", import.meta.url).pathname;
const busybox = "./testdata/bundles/busybox";

function withEngine(fn: (engine: Engine) => Promise<void>): Promise<void> {
  return withTempEngine({
    prefix: "rkl-podsem-it-",
    cleanup: async (engine) => {
      for (const rec of listSandboxRecords(engine.db)) await removePodSandbox(engine, rec.id);
    },
  }, fn);
}

async function inside(
  engine: Engine,
  pod: { name: string; namespace: string },
  container: string,
  script: string,
): Promise<string> {
  const r = await execSync(engine, podContainerName(pod, container), ["sh", "-c", script], {
    stdio: "piped",
  });
  assert.equal(r.exitCode, 0, `${script}: ${r.stderr}`);
  return r.stdout ?? "";
}

/** The NUL-separated /proc/1/<file> of the container's own process, as a list. */
async function proc1(
  engine: Engine,
  pod: { name: string; namespace: string },
  c: string,
  file: string,
): Promise<string[]> {
  const out = await inside(engine, pod, c, `tr '\\0' '\\n' < /proc/1/${file}`);
  return out.split("\n").filter((l) => l !== "");
}

rootTest("a pod container sees expanded argv and env, its ids, hostname and hosts", async () => {
  await withEngine(async (engine) => {
    const { pod } = parsePodManifest(
      `apiVersion: v1
kind: Pod
metadata: { name: sem }
spec:
  hostname: sem-host
  terminationGracePeriodSeconds: 0
  hostAliases: [{ ip: 10.9.8.7, hostnames: [db.local, cache.local] }]
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [4000]
    sysctls: [{ name: net.ipv4.ip_unprivileged_port_start, value: "80" }]
  containers:
    - name: app
      image: ${busybox}
      command: [sh, -c, "sleep 3600; :", "greet=$(GREETING)", "$$(GREETING)", "$(MISSING)"]
      env:
        - { name: GREETING, value: hello }
        - { name: VERSION, value: "1.10" }
        - { name: MSG, value: "$(GREETING) world $(LATER)" }
        - { name: LATER, value: x }
        - { name: "Logging:LogLevel:Default", value: Debug }
      volumeMounts: [{ name: data, mountPath: /data }]
    - name: own
      image: ${busybox}
      args: [sleep, "3600"]
      securityContext: { runAsUser: 1001, runAsGroup: 0 }
  volumes: [{ name: data, emptyDir: {} }]
`,
      "sem.yaml",
      { baseDir: repo },
    );
    const { failure } = await runPod(engine, pod);
    assert.equal(failure, undefined);

    const argv = await proc1(engine, pod, "app", "cmdline");
    assert.deepEqual(argv, [
      "sh",
      "-c",
      "sleep 3600; :",
      "greet=hello",
      "$(GREETING)",
      "$(MISSING)",
    ]);
    const env = await proc1(engine, pod, "app", "environ");
    for (
      const want of [
        "GREETING=hello",
        "VERSION=1.10",
        "MSG=hello world $(LATER)",
        "LATER=x",
        "Logging:LogLevel:Default=Debug",
      ]
    ) assert.ok(env.includes(want), `${want} in ${JSON.stringify(env)}`);

    const status = await inside(engine, pod, "app", "grep -E '^(Uid|Gid|Groups):' /proc/1/status");
    assert.match(status, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    assert.match(status, /^Gid:\s+3000\s+3000\s+3000\s+3000$/m);
    assert.match(status, /^Groups:\s+2000 4000\s*$|^Groups:\s+4000 2000\s*$/m);
    const own = await inside(engine, pod, "own", "grep -E '^(Uid|Gid):' /proc/1/status");
    assert.match(own, /^Uid:\s+1001\s/m, "the container's runAsUser wins over the pod's");
    assert.match(own, /^Gid:\s+0\s/m, "runAsGroup: 0 is set (a pointer), not unset");

    for (const c of ["app", "own"]) {
      assert.equal(await inside(engine, pod, c, "cat /etc/hostname"), "sem-host\n");
      assert.equal(await inside(engine, pod, c, "hostname"), "sem-host\n");
      const hosts = await inside(engine, pod, c, "cat /etc/hosts");
      assert.match(hosts, /^\S+\tsem-host$/m);
      assert.match(hosts, /^10\.9\.8\.7\tdb\.local cache\.local$/m);
    }

    // fsGroup: the emptyDir belongs to group 2000, is setgid, and new files get the group.
    const vol = await inside(engine, pod, "app", "touch /data/f && stat -c '%g %A' /data /data/f");
    assert.match(vol, /^2000 drwxrwsrwx\n2000 /);
    assert.equal(
      await inside(engine, pod, "own", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start"),
      "80\n",
    );
  });
});

rootTest("a valid pod name of 72 characters runs; its hostname is cut to 63", async () => {
  await withEngine(async (engine) => {
    const name = "a".repeat(62) + "-" + "b".repeat(9);
    const { pod } = parsePodManifest(
      `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: a-namespace-that-is-quite-long-too }
spec:
  terminationGracePeriodSeconds: 0
  containers: [{ name: a-container-with-a-long-name, image: ${busybox}, args: [sleep, "3600"] }]
`,
      "long.yaml",
      { baseDir: repo },
    );
    assert.equal(pod.hostname, "a".repeat(62));
    const { failure } = await runPod(engine, pod);
    assert.equal(failure, undefined);
    assert.equal(
      await inside(engine, pod, "a-container-with-a-long-name", "cat /etc/hostname; hostname"),
      `${"a".repeat(62)}\n${"a".repeat(62)}\n`,
    );
  });
});
