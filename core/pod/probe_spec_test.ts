import assert from "node:assert/strict";
import { readManifest } from "../manifest_reader.ts";
import { defaultProbe } from "../k8s/defaults.ts";
import { parsePodManifest } from "./pod_manifest.ts";
import { parseLifecycle, parseProbe } from "./probe_spec.ts";
import type { ProbeName } from "./pod_types.ts";

const probe = (yaml: string, name: ProbeName = "livenessProbe") =>
  parseProbe(readManifest(yaml, "c.yaml").root, name);

Deno.test("parseProbe() leaves unset (absent or zero) timings out; defaultProbe() fills the Kubernetes defaults", () => {
  const raw = probe("livenessProbe: {httpGet: {port: 8080}, periodSeconds: 0}\n")!;
  assert.deepEqual(raw, {
    handler: { kind: "httpGet", path: "/", port: 8080, scheme: "HTTP", headers: [] },
  });
  const p = defaultProbe(raw);
  assert.deepEqual(p, {
    handler: { kind: "httpGet", path: "/", port: 8080, scheme: "HTTP", headers: [] },
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(probe("x: 1\n"), undefined);
  const named = probe(
    "readinessProbe:\n  httpGet: {port: http, path: /healthz, scheme: HTTPS, httpHeaders: [{name: X-A, value: b}]}\n  successThreshold: 2\n",
    "readinessProbe",
  )!;
  assert.deepEqual(named.handler, {
    kind: "httpGet",
    path: "/healthz",
    port: "http",
    scheme: "HTTPS",
    headers: [{ name: "X-A", value: "b" }],
  });
  assert.equal(named.successThreshold, 2);
});

Deno.test("parseProbe() rejects what the API server rejects, with line and field path", async (t) => {
  const cases: [string, RegExp][] = [
    [
      "livenessProbe: {periodSeconds: 5}\n",
      /livenessProbe: one of exec, httpGet, tcpSocket or grpc is required/,
    ],
    [
      "livenessProbe: {exec: {command: [x]}, tcpSocket: {port: 1}}\n",
      /only one handler may be set, got exec and tcpSocket/,
    ],
    [
      "livenessProbe: {tcpSocket: {port: 1}, successThreshold: 2}\n",
      /successThreshold: must be 1 for livenessProbe/,
    ],
    [
      "livenessProbe: {tcpSocket: {port: 70000}}\n",
      /c\.yaml:1:\d+: livenessProbe\.tcpSocket\.port: /,
    ],
    [
      "livenessProbe: {tcpSocket: {port: '8080'}}\n",
      /expected a port number from 1 to 65535 or an IANA_SVC_NAME, got "8080"/,
    ],
    [
      "livenessProbe: {exec: {command: []}}\n",
      /livenessProbe\.exec\.command: a command is required/,
    ],
    ["livenessProbe: {grpc: {port: http}}\n", /livenessProbe\.grpc\.port: /],
    [
      "livenessProbe: {grpc: {service: x}}\n",
      /livenessProbe\.grpc\.port: required field is missing/,
    ],
    ["livenessProbe: {httpGet: {port: 80, scheme: ftp}}\n", /expected HTTP or HTTPS, got "ftp"/],
  ];
  for (const [yaml, want] of cases) {
    await t.step(yaml.trim(), () => assert.throws(() => probe(yaml), want));
  }
});

Deno.test("parseProbe() reads a grpc probe: a port number and an optional service", () => {
  assert.deepEqual(probe("livenessProbe: {grpc: {port: 9000}}\n")!.handler, {
    kind: "grpc",
    port: 9000,
  });
  assert.deepEqual(
    probe("readinessProbe: {grpc: {port: 9000, service: db}}\n", "readinessProbe")!.handler,
    {
      kind: "grpc",
      port: 9000,
      service: "db",
    },
  );
});

Deno.test("parseLifecycle() reads postStart and preStop handlers", () => {
  const l = parseLifecycle(
    readManifest(
      "lifecycle:\n  postStart: {exec: {command: [touch, /x]}}\n  preStop: {httpGet: {port: 80, path: /quit}}\n",
      "c.yaml",
    ).root,
  )!;
  assert.deepEqual(l.postStart, { kind: "exec", command: ["touch", "/x"] });
  assert.equal(l.preStop?.kind, "httpGet");
});

Deno.test("parsePodManifest() defaults probes in the one defaulting step and keeps hooks", () => {
  const pod = parsePodManifest(
    `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: /img
    startupProbe: {exec: {command: ["true"]}, failureThreshold: 30, periodSeconds: 1}
    readinessProbe: {tcpSocket: {port: 80}, successThreshold: 2}
    livenessProbe: {httpGet: {port: 80, path: /healthz}, timeoutSeconds: 0}
    lifecycle:
      postStart: {exec: {command: [touch, /tmp/started]}}
      preStop: {sleep: {seconds: 1}}
`,
    "p.yaml",
    { baseDir: "/", checkImage: () => undefined },
  ).pod;
  const c = pod.containers[0]!;
  assert.equal(c.startupProbe?.failureThreshold, 30);
  assert.equal(c.startupProbe?.periodSeconds, 1);
  assert.equal(c.startupProbe?.timeoutSeconds, 1);
  assert.equal(c.readinessProbe?.successThreshold, 2);
  assert.equal(c.readinessProbe?.periodSeconds, 10);
  assert.equal(c.livenessProbe?.timeoutSeconds, 1);
  assert.equal(c.livenessProbe?.failureThreshold, 3);
  assert.deepEqual(c.lifecycle, {
    postStart: { kind: "exec", command: ["touch", "/tmp/started"] },
    preStop: { kind: "sleep", seconds: 1 },
  });
});

Deno.test("parsePodManifest() refuses probes and hooks on init containers, with the field path", () => {
  for (
    const field of [
      "livenessProbe: {exec: {command: ['true']}}",
      "lifecycle: {preStop: {sleep: {seconds: 1}}}",
    ]
  ) {
    assert.throws(
      () =>
        parsePodManifest(
          `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers:
  - name: init
    image: /img
    ${field}
  containers:
  - {name: app, image: /img}
`,
          "p.yaml",
          { baseDir: "/", checkImage: () => undefined },
        ),
      /p\.yaml:8:\d+: spec\.initContainers\[0\]\.(livenessProbe|lifecycle): init containers may not have/,
    );
  }
});
