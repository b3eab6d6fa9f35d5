import assert from "node:assert/strict";
import { parseContainerManifest } from "../container/manifest.ts";
import { parsePodManifest } from "../pod/pod_manifest.ts";
import { defaultContainer, defaultPod, defaultPullPolicy, podHostname } from "./defaults.ts";

const parsePod = (spec: string, meta = "  name: web\n") =>
  parsePodManifest(`apiVersion: v1\nkind: Pod\nmetadata:\n${meta}spec:\n${spec}`, "p.yaml", {
    baseDir: "/w",
    checkImage: () => undefined,
  });

Deno.test("defaultPod() applies the API server's defaults", async (t) => {
  const pod = defaultPod({ name: "web", containers: [{ name: "app", image: "/img/busybox" }] });
  const cases: [string, unknown, unknown][] = [
    ["namespace", pod.namespace, "default"],
    ["restartPolicy", pod.restartPolicy, "Always"],
    ["terminationGracePeriodSeconds", pod.terminationGracePeriodSeconds, 30],
    ["dnsPolicy", pod.dnsPolicy, "ClusterFirst"],
    ["hostNetwork", pod.hostNetwork, false],
    ["shareProcessNamespace", pod.shareProcessNamespace, false],
    ["hostname", pod.hostname, "web"],
    ["imagePullPolicy", pod.containers[0]!.imagePullPolicy, "Always"],
    ["terminationMessagePath", pod.containers[0]!.terminationMessagePath, "/dev/termination-log"],
    ["terminationMessagePolicy", pod.containers[0]!.terminationMessagePolicy, "File"],
    ["env", pod.containers[0]!.env, []],
    ["ports", pod.containers[0]!.ports, []],
    ["resources", pod.containers[0]!.resources, { limits: {}, requests: {} }],
    ["tty", pod.containers[0]!.tty, false],
  ];
  for (const [field, got, want] of cases) {
    await t.step(`${field} → ${JSON.stringify(want)}`, () => assert.deepEqual(got, want));
  }
});

Deno.test("defaultPod() keeps what is set and does not change its input", () => {
  const input = {
    name: "web",
    namespace: "team",
    restartPolicy: "Never" as const,
    terminationGracePeriodSeconds: 0,
    containers: [{
      name: "app",
      image: "/img/busybox:1.36",
      ports: [{ containerPort: 53, protocol: "UDP" as const }],
      resources: { limits: { cpu: "1" }, requests: { cpu: "250m" } },
    }],
  };
  const copy = structuredClone(input);
  const pod = defaultPod(input);
  assert.deepEqual(input, copy);
  assert.equal(pod.namespace, "team");
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(pod.terminationGracePeriodSeconds, 0, "0 is a set pointer value: kill at once");
  assert.equal(pod.containers[0]!.ports[0]!.protocol, "UDP");
  assert.equal(pod.containers[0]!.imagePullPolicy, "IfNotPresent");
  assert.deepEqual(pod.containers[0]!.resources.requests, { cpu: "250m" });
});

Deno.test("defaultContainer() copies limits into missing requests", () => {
  const c = defaultContainer({
    name: "a",
    image: "/i",
    resources: { limits: { cpu: "500m", memory: "64Mi" }, requests: { memory: "32Mi" } },
  });
  assert.deepEqual(c.resources.requests, { cpu: "500m", memory: "32Mi" });
});

Deno.test("defaultPullPolicy() follows the image tag", async (t) => {
  const cases: [string, string][] = [
    ["busybox", "Always"],
    ["busybox:latest", "Always"],
    ["busybox:1.36", "IfNotPresent"],
    ["localhost:5000/busybox", "Always"],
    ["localhost:5000/busybox:v1", "IfNotPresent"],
    ["busybox@sha256:0123", "IfNotPresent"],
    ["/abs/testdata/bundles/busybox", "Always"],
  ];
  for (const [image, want] of cases) {
    await t.step(`${image} → ${want}`, () => assert.equal(defaultPullPolicy(image), want));
  }
});

Deno.test("podHostname() is the kubelet's truncation rule", async (t) => {
  const cases: [string, string | undefined, string][] = [
    ["web", undefined, "web"],
    ["web.example.com", undefined, "web.example.com"],
    ["a".repeat(63), undefined, "a".repeat(63)],
    ["a".repeat(72), undefined, "a".repeat(63)],
    ["a".repeat(61) + "--b", undefined, "a".repeat(61)],
    ["a".repeat(60) + "-.-b", undefined, "a".repeat(60)],
    ["long-pod", "short", "short"],
  ];
  for (const [name, spec, want] of cases) {
    await t.step(`${name.length} chars${spec ? ` + hostname ${spec}` : ""}`, () => {
      assert.equal(podHostname(name, spec), want);
    });
  }
});

Deno.test("zero values mean unset in both manifests", async (t) => {
  await t.step("single container: the original README's ports entry", async () => {
    const { config, warnings } = await parseContainerManifest(
      `name: single-container-test
image: /img
ports:
  - containerPort: 80
    protocol: ""
    hostPort: 0
    hostIP: ""
args: [sleep, "100"]
workingDir: ""
hostname: ""
`,
      "c.yaml",
      { cwd: "/", checkImage: false },
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.ports, [{ containerPort: 80, protocol: "TCP" }]);
    assert.equal(config.workingDir, undefined);
    assert.equal(config.hostname, undefined);
  });
  await t.step("pod: empty strings and zero ports", () => {
    const { pod, warnings } = parsePod(
      `  restartPolicy: ""
  dnsPolicy: ""
  hostname: ""
  subdomain: ""
  containers:
    - name: app
      image: img
      workingDir: ""
      imagePullPolicy: ""
      terminationMessagePolicy: ""
      ports: [{ containerPort: 80, protocol: "", hostPort: 0, hostIP: "", name: "" }]
`,
      '  name: web\n  namespace: ""\n',
    );
    assert.deepEqual(warnings, []);
    assert.equal(pod.namespace, "default");
    assert.equal(pod.restartPolicy, "Always");
    assert.equal(pod.dnsPolicy, "ClusterFirst");
    assert.equal(pod.hostname, "web");
    assert.equal(pod.subdomain, undefined);
    const c = pod.containers[0]!;
    assert.equal(c.workingDir, undefined);
    assert.equal(c.imagePullPolicy, "Always");
    assert.equal(c.terminationMessagePolicy, "File");
    assert.deepEqual(c.ports, [{ containerPort: 80, protocol: "TCP" }]);
  });
  await t.step("containerPort 0 is still an error (it is required)", () => {
    assert.throws(
      () => parsePod("  containers:\n    - {name: app, image: img, ports: [{containerPort: 0}]}\n"),
      /p.yaml:7:\d+: spec.containers\[0\].ports\[0\].containerPort: expected an integer from 1 to 65535, got 0/,
    );
  });
  await t.step("a hostIP that is not IPv4 is an error at its line", () => {
    assert.throws(
      () =>
        parsePod(
          "  containers:\n    - name: app\n      image: img\n      ports:\n" +
            "        - {containerPort: 80, hostPort: 8080, hostIP: nowhere}\n",
        ),
      /p.yaml:10:\d+: spec.containers\[0\].ports\[0\].hostIP: expected an IPv4 address, got "nowhere"/,
    );
  });
});
