import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError } from "../errors.ts";
import { formatWarning } from "../manifest_reader.ts";
import { bundleProblem, loadPodManifest, parsePodManifest } from "./pod_manifest.ts";

const repo = new URL("../../", import.meta.url).pathname;
const images = new Set(["/w/img", "/w/pause"]);
const fakeCheck = (p: string) =>
  images.has(p) ? undefined : `image directory "${p}" does not exist`;
const parse = (text: string) =>
  parsePodManifest(text, "p.yaml", { baseDir: "/w", checkImage: fakeCheck });

function pod(spec: string, meta = "  name: web\n"): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n${meta}spec:\n${spec}`;
}

Deno.test("parsePodManifest() reads the original project's example unchanged", async () => {
  const text = await Deno.readTextFile(join(repo, "testdata/pods/simple.yaml"));
  const { pod: p, warnings } = parsePodManifest(text, "simple.yaml", {
    baseDir: "/w",
    checkImage: () => undefined,
  });
  assert.deepEqual(warnings, []);
  assert.equal(p.name, "simple-container-task");
  assert.equal(p.namespace, "default");
  assert.equal(p.pauseBundle, "/w/testdata/bundles/pause");
  assert.deepEqual(p.labels, { app: "my-app", bundle: "./testdata/bundles/pause" });
  assert.equal(p.restartPolicy, "Always");
  assert.equal(p.hostname, "simple-container-task");
  assert.equal(p.containers.length, 1);
  const c = p.containers[0]!;
  assert.equal(c.image, "/w/testdata/bundles/busybox");
  assert.deepEqual(c.args, ["dd", "if=/dev/zero", "of=/dev/null"]);
  assert.equal(c.command, undefined);
  assert.deepEqual(c.ports, [{ containerPort: 80, protocol: "TCP" }]);
  assert.deepEqual(c.resources, {
    limits: { cpu: "500m", memory: "512Mi" },
    requests: { cpu: "500m", memory: "512Mi" },
  });
});

Deno.test("parsePodManifest() reads init containers, volumes, env refs and pod options", () => {
  const { pod: p, warnings } = parse(pod(
    `  restartPolicy: Never
  hostNetwork: true
  shareProcessNamespace: true
  hostname: box
  terminationGracePeriodSeconds: 3
  initContainers:
    - name: init
      image: img
      command: [sh, -c, "true"]
  containers:
    - name: app
      image: /w/img
      workingDir: /tmp
      env:
        - { name: A, value: "1" }
        - { name: N, value: "5" }
        - name: IP
          valueFrom: { fieldRef: { fieldPath: status.podIP } }
      volumeMounts:
        - { name: data, mountPath: /data, readOnly: true, subPath: sub }
        - { name: host, mountPath: /host }
      securityContext:
        runAsUser: 1000
        capabilities: { add: [cap_net_admin], drop: [ALL] }
  volumes:
    - name: data
      emptyDir: { medium: Memory, sizeLimit: 64Mi }
    - name: host
      hostPath: { path: /tmp, type: Directory }
`,
    "  name: web\n  namespace: team-a\n",
  ));
  assert.deepEqual(warnings, [], "capabilities are applied: no warning");
  assert.equal(p.namespace, "team-a");
  assert.equal(p.restartPolicy, "Never");
  assert.equal(p.hostNetwork, true);
  assert.equal(p.shareProcessNamespace, true);
  assert.equal(p.hostname, "box");
  assert.equal(p.terminationGracePeriodSeconds, 3);
  assert.equal(p.initContainers[0]!.image, "/w/img");
  assert.deepEqual(p.containers[0]!.env, [
    { name: "A", value: "1" },
    { name: "N", value: "5" },
    { name: "IP", fieldRef: "status.podIP" },
  ]);
  assert.deepEqual(p.containers[0]!.volumeMounts, [
    { name: "data", mountPath: "/data", readOnly: true, subPath: "sub" },
    { name: "host", mountPath: "/host", readOnly: false },
  ]);
  assert.deepEqual(p.containers[0]!.securityContext, {
    runAsUser: 1000,
    capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
  });
  assert.deepEqual(p.volumes, [
    { name: "data", kind: "emptyDir", medium: "Memory", sizeLimit: "64Mi" },
    { name: "host", kind: "hostPath", path: "/tmp", type: "Directory" },
  ]);
});

Deno.test("parsePodManifest() rejects bad input with line and field path", async (t) => {
  const cases: { name: string; text: string; path: string; line: number; message: RegExp }[] = [
    {
      name: "duplicate container names",
      text: pod("  containers:\n    - {name: app, image: img}\n    - {name: app, image: img}\n"),
      path: "spec.containers[1].name",
      line: 8,
      message:
        /duplicate container name "app" \(first used at spec\.containers\[0\]\.name, line 7\)/,
    },
    {
      name: "init and app container with one name",
      text: pod(
        "  initContainers:\n    - {name: app, image: img}\n  containers:\n    - {name: app, image: img}\n",
      ),
      path: "spec.containers[0].name",
      line: 9,
      message: /duplicate container name "app"/,
    },
    {
      name: "runAsUser of (uid_t)-1",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      securityContext:\n" +
          "        runAsUser: 4294967295\n",
      ),
      path: "spec.containers[0].securityContext.runAsUser",
      line: 10,
      message: /expected an integer from 0 to 2147483647, got 4294967295/,
    },
    {
      name: "unknown capability name",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      securityContext:\n" +
          "        capabilities:\n          drop: [ALL]\n          add: [NET_BIND_SERVICE, CAP_FLY]\n",
      ),
      path: "spec.containers[0].securityContext.capabilities.add[1]",
      line: 12,
      message: /"CAP_FLY" is not a Linux capability/,
    },
    {
      name: "privileged without privilege escalation",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      securityContext:\n" +
          "        privileged: true\n        allowPrivilegeEscalation: false\n",
      ),
      path: "spec.containers[0].securityContext.allowPrivilegeEscalation",
      line: 11,
      message: /cannot be false when privileged is true/,
    },
    {
      name: "unknown volume in a mount",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      volumeMounts:\n" +
          "        - {name: data, mountPath: /d}\n  volumes:\n    - {name: cache, emptyDir: {}}\n",
      ),
      path: "spec.containers[0].volumeMounts[0].name",
      line: 10,
      message: /unknown volume "data" \(spec\.volumes has "cache"\)/,
    },
    {
      name: "subPath and subPathExpr together",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      volumeMounts:\n" +
          "        - {name: data, mountPath: /d, subPath: a, subPathExpr: $(HOSTNAME)}\n" +
          "  volumes:\n    - {name: data, emptyDir: {}}\n",
      ),
      path: "spec.containers[0].volumeMounts[0].subPathExpr",
      line: 10,
      message: /subPathExpr and subPath are mutually exclusive/,
    },
    {
      name: "an absolute subPathExpr",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      volumeMounts:\n" +
          "        - {name: data, mountPath: /d, subPathExpr: /$(HOSTNAME)}\n" +
          "  volumes:\n    - {name: data, emptyDir: {}}\n",
      ),
      path: "spec.containers[0].volumeMounts[0].subPathExpr",
      line: 10,
      message: /expected a relative path without "\.\.", got "\/\$\(HOSTNAME\)"/,
    },
    {
      name: "invalid container name",
      text: pod("  containers:\n    - {name: App_1, image: img}\n"),
      path: "spec.containers[0].name",
      line: 7,
      message: /"App_1" is not a DNS-1123 label/,
    },
    {
      name: "invalid pod name",
      text: pod("  containers:\n    - {name: app, image: img}\n", "  name: -web\n"),
      path: "metadata.name",
      line: 4,
      message: /"-web" is not a DNS-1123 subdomain/,
    },
    {
      name: "missing image directory",
      text: pod("  containers:\n    - name: app\n      image: ./nope\n"),
      path: "spec.containers[0].image",
      line: 8,
      message: /image directory "\/w\/nope" does not exist/,
    },
    {
      name: "missing pause bundle",
      text: pod(
        "  containers:\n    - {name: app, image: img}\n",
        "  name: web\n  labels: {bundle: ./p}\n",
      ),
      path: "metadata.labels.bundle",
      line: 5,
      message: /pause bundle: image directory "\/w\/p" does not exist/,
    },
    {
      name: "label value that Kubernetes refuses",
      text: pod(
        "  containers:\n    - {name: app, image: img}\n",
        "  name: web\n  labels: {tier: /front}\n",
      ),
      path: "metadata.labels.tier",
      line: 5,
      message: /"\/front": a valid label value must be an empty string or consist of alphanumeric/,
    },
    {
      name: "label key that Kubernetes refuses",
      text: pod(
        "  containers:\n    - {name: app, image: img}\n",
        "  name: web\n  labels: {'my tier': a}\n",
      ),
      path: 'metadata.labels."my tier"',
      line: 5,
      message: /name part must consist of alphanumeric characters/,
    },
    {
      name: "label value longer than 63 characters",
      text: pod(
        "  containers:\n    - {name: app, image: img}\n",
        `  name: web\n  labels: {app: ${"a".repeat(64)}}\n`,
      ),
      path: "metadata.labels.app",
      line: 5,
      message: /must be no more than 63 characters/,
    },
    {
      name: "bad quantity",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      resources: {limits: {memory: 12 MiB}}\n",
      ),
      path: "spec.containers[0].resources.limits.memory",
      line: 9,
      message: /invalid memory quantity "12 MiB": expected a number/,
    },
    {
      name: "bad restart policy",
      text: pod("  restartPolicy: Sometimes\n  containers:\n    - {name: app, image: img}\n"),
      path: "spec.restartPolicy",
      line: 6,
      message: /expected Always, OnFailure or Never, got "Sometimes"/,
    },
    {
      name: "no containers",
      text: pod("  containers: []\n"),
      path: "spec.containers",
      line: 6,
      message: /at least one container/,
    },
    {
      name: "unsupported fieldRef",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      env:\n" +
          "        - {name: X, valueFrom: {fieldRef: {fieldPath: metadata.labels}}}\n",
      ),
      path: "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath",
      line: 10,
      message: /expected one of metadata\.name/,
    },
    {
      name: "port out of range",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      ports: [{containerPort: 70000}]\n",
      ),
      path: "spec.containers[0].ports[0].containerPort",
      line: 9,
      message: /expected an integer from 1 to 65535, got 70000/,
    },
    {
      name: "a configMap volume outside a cluster",
      text: pod(
        "  containers:\n    - {name: app, image: img}\n  volumes:\n    - {name: v, configMap: {name: x}}\n",
      ),
      path: "spec.volumes[0].configMap",
      line: 9,
      message: /volume type "configMap" needs a cluster: only a cluster node reads ConfigMaps/,
    },
    {
      name: "unsupported volume type",
      text: pod(
        "  containers:\n    - {name: app, image: img}\n  volumes:\n    - {name: v, nfs: {server: x}}\n",
      ),
      path: "spec.volumes[0]",
      line: 9,
      message: /volume type "nfs" is not supported/,
    },
    {
      name: "configMapKeyRef outside a cluster",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      env:\n" +
          "        - {name: X, valueFrom: {configMapKeyRef: {name: c, key: k}}}\n",
      ),
      path: "spec.containers[0].env[0].valueFrom.configMapKeyRef",
      line: 10,
      message: /valueFrom\.configMapKeyRef needs a cluster/,
    },
    {
      name: "envFrom outside a cluster",
      text: pod(
        "  containers:\n    - name: app\n      image: img\n      envFrom:\n" +
          "        - {secretRef: {name: s}}\n",
      ),
      path: "spec.containers[0].envFrom",
      line: 10,
      message: /envFrom needs a cluster/,
    },
    {
      name: "wrong kind",
      text: "apiVersion: v1\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n",
      path: "kind",
      line: 2,
      message: /expected "Pod", got "Deployment"/,
    },
    {
      name: "relative hostPath",
      text: pod(
        "  containers:\n    - {name: app, image: img}\n  volumes:\n    - {name: v, hostPath: {path: tmp}}\n",
      ),
      path: "spec.volumes[0].hostPath.path",
      line: 9,
      message: /expected an absolute path, got "tmp"/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      try {
        parse(c.text);
        assert.fail("expected a ManifestError");
      } catch (e) {
        if (!(e instanceof ManifestError)) throw e;
        assert.equal(e.file, "p.yaml");
        assert.equal(e.path, c.path);
        assert.equal(e.line, c.line, e.message);
        assert.ok(e.column > 0);
        assert.match(e.message, c.message);
        assert.ok(e.message.startsWith(`p.yaml:${c.line}:`), e.message);
      }
    });
  }
});

Deno.test("parsePodManifest() warns about unknown and ignored fields with their line", () => {
  const { warnings } = parse(pod(
    "  containers:\n    - name: app\n      image: img\n      imagPullPolicy: Always\n" +
      "  affinity: {}\n",
  ));
  assert.deepEqual(warnings.map(formatWarning), [
    "p.yaml:10:3: spec.affinity: unknown field, ignored",
    "p.yaml:9:7: spec.containers[0].imagPullPolicy: unknown field, ignored",
  ]);
});

Deno.test("loadPodManifest() checks bundles on disk and names the file", async (t) => {
  await t.step("the bad_duplicate fixture", async () => {
    const file = join(repo, "testdata/pods/bad_duplicate.yaml");
    await assert.rejects(
      () => loadPodManifest(file, { baseDir: repo, checkImage: () => undefined }),
      (e: unknown) =>
        e instanceof ManifestError && e.file === file && e.line === 9 &&
        e.path === "spec.containers[1].name",
    );
  });
  await t.step("the bad_volume fixture", async () => {
    const file = join(repo, "testdata/pods/bad_volume.yaml");
    await assert.rejects(
      () => loadPodManifest(file, { baseDir: repo, checkImage: () => undefined }),
      (e: unknown) =>
        e instanceof ManifestError && e.line === 10 && /unknown volume "data"/.test(e.message),
    );
  });
  await t.step("bundleProblem() needs rootfs/", async () => {
    const dir = await Deno.makeTempDir();
    try {
      assert.match(bundleProblem(dir) ?? "", /has no rootfs\/ directory/);
      await Deno.mkdir(join(dir, "rootfs"));
      assert.equal(bundleProblem(dir), undefined);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
