import assert from "node:assert/strict";
import { ManifestError } from "../errors.ts";
import { testBundles } from "../testing.ts";
import { loadContainerManifest, parseContainerManifest } from "./manifest.ts";

const cwd = new URL("../../", import.meta.url).pathname;

async function fails(text: string): Promise<ManifestError> {
  try {
    await parseContainerManifest(text, "c.yaml", { cwd, checkImage: false });
  } catch (e) {
    assert.ok(e instanceof ManifestError, `expected a ManifestError, got ${e}`);
    return e;
  }
  assert.fail("expected the manifest to be rejected");
}

Deno.test("parseContainerManifest() reads the original project's spec unchanged", async () => {
  const { config, warnings } = await loadContainerManifest("testdata/single.yaml", { cwd });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    name: "single-container-test",
    image: testBundles.busybox,
    args: ["sleep", "100"],
    ports: [{ containerPort: 80, protocol: "TCP" }],
    resources: {
      limits: { cpu: "500m", memory: "233Mi" },
      requests: { cpu: "500m", memory: "233Mi" },
    },
  });
});

Deno.test("parseContainerManifest() reads the Kubernetes container fields", async () => {
  const text = `name: web
image: /img
command: [sh, -c]
args: ["echo $A"]
env:
  - { name: A, value: "1" }
  - { name: B, value: "2" }
workingDir: /tmp
hostNetwork: false
ports:
  - { containerPort: 8080, hostPort: 18080, protocol: udp, hostIP: 127.0.0.1, name: http }
resources:
  limits: { cpu: 1, memory: 1Gi }
  requests: { cpu: 250m, memory: 512M }
volumes:
  - name: data
    hostPath: { path: /srv/data }
volumeMounts:
  - { name: data, mountPath: /data, readOnly: true }
  - { hostPath: ./x, mountPath: /x }
securityContext:
  readOnlyRootFilesystem: true
  runAsUser: 1000
  runAsGroup: 100
  allowPrivilegeEscalation: false
  capabilities: { drop: [all], add: [CAP_NET_BIND_SERVICE, net_raw] }
labels: { app: web }
`;
  const { config, warnings } = await parseContainerManifest(text, "c.yaml", {
    cwd: "/w",
    checkImage: false,
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    name: "web",
    image: "/img",
    command: ["sh", "-c"],
    args: ["echo $A"],
    env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
    workingDir: "/tmp",
    hostNetwork: false,
    ports: [{
      containerPort: 8080,
      hostPort: 18080,
      protocol: "UDP",
      hostIP: "127.0.0.1",
      name: "http",
    }],
    resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "250m", memory: "512M" } },
    mounts: [
      { hostPath: "/srv/data", containerPath: "/data", readOnly: true },
      { hostPath: "/w/x", containerPath: "/x" },
    ],
    readOnlyRootFilesystem: true,
    user: { uid: 1000, gid: 100 },
    noNewPrivileges: true,
    capabilities: { add: ["NET_BIND_SERVICE", "NET_RAW"], drop: ["ALL"] },
    labels: { app: "web" },
  });
});

Deno.test("parseContainerManifest() errors name file, line, column and field path", async (t) => {
  const cases: { name: string; text: string; line: number; path: string; reason: RegExp }[] = [
    {
      name: "malformed YAML",
      text: "name: web\nargs: [sleep\n",
      line: 3,
      path: "",
      reason: /invalid YAML/,
    },
    {
      name: "bad name (DNS-1123)",
      text: "name: Web_1\nimage: /i\nargs: [sh]\n",
      line: 1,
      path: "name",
      reason: /DNS-1123/,
    },
    {
      name: "missing name",
      text: "image: /i\nargs: [sh]\n",
      line: 1,
      path: "name",
      reason: /required field is missing/,
    },
    {
      name: "bad cpu quantity",
      text: "name: a\nimage: /i\nargs: [sh]\nresources:\n  limits:\n    cpu: lots\n",
      line: 6,
      path: "resources.limits.cpu",
      reason: /invalid cpu quantity "lots"/,
    },
    {
      name: "bad memory quantity",
      text: "name: a\nimage: /i\nargs: [sh]\nresources:\n  requests: { memory: 12Q }\n",
      line: 5,
      path: "resources.requests.memory",
      reason: /invalid memory quantity/,
    },
    {
      name: "port out of range",
      text: "name: a\nimage: /i\nargs: [sh]\nports:\n  - containerPort: 70000\n",
      line: 5,
      path: "ports[0].containerPort",
      reason: /integer from 1 to 65535/,
    },
    {
      name: "bad protocol",
      text: "name: a\nimage: /i\nargs: [sh]\nports:\n  - { containerPort: 80, protocol: ICMP }\n",
      line: 5,
      path: "ports[0].protocol",
      reason: /TCP, UDP or SCTP/,
    },
    {
      name: "args not a list",
      text: "name: a\nimage: /i\nargs: sleep 100\n",
      line: 3,
      path: "args",
      reason: /expected a list/,
    },
    {
      name: "relative workingDir",
      text: "name: a\nimage: /i\nargs: [sh]\nworkingDir: tmp\n",
      line: 4,
      path: "workingDir",
      reason: /absolute/,
    },
    {
      name: "unknown volume",
      text: "name: a\nimage: /i\nargs: [sh]\nvolumeMounts:\n  - { name: nope, mountPath: /d }\n",
      line: 5,
      path: "volumeMounts[0].name",
      reason: /no volume named "nope"/,
    },
    {
      name: "unknown capability in drop",
      text: "name: a\nimage: /i\nargs: [sh]\nsecurityContext:\n  capabilities:\n" +
        "    drop:\n      - NET_RAW\n      - SYS_FLY\n",
      line: 8,
      path: "securityContext.capabilities.drop[1]",
      reason: /"SYS_FLY" is not a Linux capability \(expected a name like NET_ADMIN/,
    },
    {
      name: "capabilities not a list",
      text: "name: a\nimage: /i\nargs: [sh]\nsecurityContext:\n  capabilities: { add: NET_RAW }\n",
      line: 5,
      path: "securityContext.capabilities.add",
      reason: /expected a list/,
    },
    {
      name: "privileged not a boolean",
      text: "name: a\nimage: /i\nargs: [sh]\nsecurityContext: { privileged: yes please }\n",
      line: 4,
      path: "securityContext.privileged",
      reason: /expected true or false/,
    },
    {
      name: "no command",
      text: "name: a\nimage: /i\n",
      line: 1,
      path: "",
      reason: /needs command or args/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const e = await fails(c.text);
      assert.equal(e.file, "c.yaml");
      assert.equal(e.line, c.line, e.message);
      assert.ok(e.column > 0, e.message);
      assert.equal(e.path, c.path, e.message);
      assert.match(e.message, c.reason);
      assert.ok(e.message.startsWith(`c.yaml:${c.line}:`), e.message);
    });
  }
});

Deno.test("parseContainerManifest() rejects a missing image directory at its line", async () => {
  const text = "name: a\nargs: [sh]\nimage: ./no/such/bundle\n";
  await assert.rejects(
    parseContainerManifest(text, "c.yaml", { cwd }),
    (e: unknown) =>
      e instanceof ManifestError && e.line === 3 && e.path === "image" &&
      /does not exist \(expected an OCI bundle directory/.test(e.message),
  );
});

Deno.test("parseContainerManifest() warns about unknown fields with their position", async () => {
  const text =
    "name: a\nimage: /i\nargs: [sh]\nrestartPolicy: Always\nresources:\n  limits: { gpu: 1 }\n";
  const { warnings } = await parseContainerManifest(text, "c.yaml", { cwd, checkImage: false });
  assert.deepEqual(
    warnings.map((w) => [w.path, w.line, w.message]),
    [
      ["restartPolicy", 4, "unknown field, ignored"],
      ["resources.limits.gpu", 6, "unknown field, ignored"],
    ],
  );
});

Deno.test("loadContainerManifest() reports a missing file", async () => {
  await assert.rejects(
    loadContainerManifest("nope.yaml", { cwd: "/nonexistent" }),
    /nope.yaml: cannot read file: not found/,
  );
});
