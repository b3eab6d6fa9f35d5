import assert from "node:assert/strict";
import { applyDefaults } from "./object_defaults.ts";

Deno.test("applyDefaults: probes get SetDefaults_Probe's timings and httpGet its path and scheme; set values stay", () => {
  const pod = applyDefaults("Pod", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      containers: [{
        name: "c",
        image: "img",
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5, failureThreshold: 7 },
      }],
      initContainers: [{
        name: "s",
        image: "img",
        restartPolicy: "Always",
        startupProbe: { exec: { command: ["true"] }, timeoutSeconds: 4 },
      }],
    },
  });
  const spec = pod.spec as unknown as {
    containers: Record<string, Record<string, unknown>>[];
    initContainers: Record<string, Record<string, unknown>>[];
  };
  const [c] = spec.containers;
  assert.deepEqual(c!.livenessProbe, {
    httpGet: { port: 8080, path: "/", scheme: "HTTP" },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(c!.readinessProbe, {
    tcpSocket: { port: 80 },
    timeoutSeconds: 1,
    periodSeconds: 5,
    successThreshold: 1,
    failureThreshold: 7,
  });
  assert.equal(spec.initContainers[0]!.startupProbe!.timeoutSeconds, 4);
  assert.equal(spec.initContainers[0]!.startupProbe!.periodSeconds, 10);
});

Deno.test("applyDefaults() merges a Secret's stringData into data and drops it", () => {
  const s = applyDefaults("Secret", {
    metadata: { name: "db" },
    data: { user: btoa("old"), keep: btoa("k") },
    stringData: { user: "admin", password: "s3cr$(HOME)t", greek: "α" },
  });
  assert.deepEqual(s, {
    metadata: { name: "db" },
    type: "Opaque",
    data: {
      user: btoa("admin"),
      keep: btoa("k"),
      password: btoa("s3cr$(HOME)t"),
      greek: "zrE=",
    },
  });
});

Deno.test("applyDefaults: a negative grace period is stored as 1; fieldRef gets apiVersion v1", () => {
  const pod = applyDefaults("Pod", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      terminationGracePeriodSeconds: -5,
      containers: [{
        name: "c",
        image: "img",
        env: [{ name: "N", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
      }],
    },
  });
  const spec = pod.spec as unknown as {
    terminationGracePeriodSeconds: number;
    containers: { env: { valueFrom: { fieldRef: Record<string, string> } }[] }[];
  };
  assert.equal(spec.terminationGracePeriodSeconds, 1);
  assert.deepEqual(spec.containers[0]!.env[0]!.valueFrom.fieldRef, {
    fieldPath: "metadata.name",
    apiVersion: "v1",
  });
  const zero = applyDefaults("Pod", {
    metadata: { name: "z" },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "img" }] },
  });
  assert.equal(
    (zero.spec as { terminationGracePeriodSeconds: number }).terminationGracePeriodSeconds,
    0,
  );
});
