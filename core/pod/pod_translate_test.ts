import assert from "node:assert/strict";
import { parsePodManifest } from "./pod_manifest.ts";
import {
  containerConfig,
  LABEL_CONTAINER_NAME,
  LABEL_INIT,
  planVolumes,
  podLimits,
  sandboxConfig,
} from "./pod_translate.ts";

const text = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team
  labels: { app: web }
  annotations: { note: hi }
spec:
  hostname: box
  shareProcessNamespace: true
  initContainers:
    - name: init
      image: /img
      resources: { limits: { cpu: "2", memory: 1Gi } }
  containers:
    - name: server
      image: /img
      command: [httpd]
      args: ["-f"]
      workingDir: /www
      env:
        - { name: A, value: x }
        - { name: IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }
        - { name: NS, valueFrom: { fieldRef: { fieldPath: metadata.namespace } } }
        - { name: A, value: y }
      ports: [{ containerPort: 80 }, { containerPort: 53, protocol: UDP, hostPort: 5353 }]
      volumeMounts:
        - { name: data, mountPath: /data }
        - { name: host, mountPath: /etc/conf, readOnly: true, subPath: conf }
      resources: { limits: { cpu: 500m, memory: 64Mi }, requests: { cpu: 100m } }
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }
    - name: sidecar
      image: /img
      ports: [{ containerPort: 9000 }]
      resources: { limits: { cpu: 250m } }
  volumes:
    - { name: data, emptyDir: {} }
    - { name: host, hostPath: { path: /srv } }
`;
const { pod } = parsePodManifest(text, "p.yaml", { baseDir: "/", checkImage: () => undefined });

Deno.test("sandboxConfig() carries identity, namespaces, ports and pod-level limits", () => {
  const cfg = sandboxConfig(pod, "uid-1");
  assert.deepEqual(cfg.metadata, { name: "web", namespace: "team", uid: "uid-1", attempt: 0 });
  assert.equal(cfg.hostname, "box");
  assert.deepEqual(cfg.linux.namespaceOptions, { network: "pod", pid: "pod", ipc: "pod" });
  assert.deepEqual(cfg.portMappings.map((p) => p.containerPort), [80, 53, 9000]);
  assert.equal(cfg.portMappings[1]!.hostPort, 5353);
  // Memory is not limited in every app container, so only CPU gets a pod limit; the init
  // container's 2 CPUs exceed the 750m sum of the app containers.
  assert.deepEqual(cfg.linux.resources, { cpu: "2000m" });
  assert.equal(cfg.labels.app, "web");
  assert.equal(cfg.labels["io.kubernetes.pod.namespace"], "team");
  assert.deepEqual(cfg.annotations, { note: "hi" });
  assert.equal(cfg.pauseBundle, undefined);
});

Deno.test("podLimits() sums app containers and leaves unlimited resources out", () => {
  const c = (cpu?: string, memory?: string) => ({
    resources: {
      limits: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) },
      requests: {},
    },
  });
  assert.deepEqual(podLimits([c("500m", "512Mi")], []), { cpu: "500m", memory: "536870912" });
  assert.deepEqual(podLimits([c("1", "1Mi"), c("1")], []), { cpu: "2000m" });
  assert.deepEqual(podLimits([c()], [c("1", "1Gi")]), {});
});

Deno.test("planVolumes() puts emptyDirs under the pod's volume dir and keeps hostPaths", () => {
  assert.deepEqual(planVolumes(pod.volumes, "/state/pod/volumes"), [
    {
      name: "data",
      kind: "emptyDir",
      hostPath: "/state/pod/volumes/data",
      medium: "",
      hostPathType: "",
    },
    { name: "host", kind: "hostPath", hostPath: "/srv", medium: "", hostPathType: "" },
  ]);
});

Deno.test("containerConfig() resolves env references and mounts volumes", () => {
  const volumes = planVolumes(pod.volumes, "/v");
  const fields = {
    name: "web",
    namespace: "team",
    uid: "u",
    nodeName: "node",
    podIPs: ["10.1.0.7"],
  };
  const cfg = containerConfig(pod, pod.containers[0]!, {
    volumes,
    fields,
    init: false,
    attempt: 2,
  });
  assert.deepEqual(cfg.metadata, { name: "server", attempt: 2 });
  assert.deepEqual(cfg.command, ["httpd"]);
  assert.deepEqual(cfg.args, ["-f"]);
  assert.equal(cfg.workingDir, "/www");
  assert.deepEqual(cfg.envs, [
    { key: "A", value: "y" },
    { key: "IP", value: "10.1.0.7" },
    { key: "NS", value: "team" },
  ]);
  assert.deepEqual(cfg.mounts, [
    { containerPath: "/data", hostPath: "/v/data", readonly: false },
    { containerPath: "/etc/conf", hostPath: "/srv/conf", readonly: true, subPath: "conf" },
  ]);
  assert.deepEqual(cfg.linux.resources, {
    limits: { cpu: "500m", memory: "64Mi" },
    requests: { cpu: "100m", memory: "64Mi" },
  });
  assert.deepEqual(cfg.linux.securityContext, { readonlyRootfs: true, noNewPrivs: true });
  assert.equal(cfg.labels[LABEL_CONTAINER_NAME], "server");
  assert.equal(cfg.labels[LABEL_INIT], "false");

  const init = containerConfig(pod, pod.initContainers[0]!, {
    volumes,
    fields,
    init: true,
    attempt: 0,
  });
  assert.equal(init.labels[LABEL_INIT], "true");
  assert.equal(init.command, undefined);
});

Deno.test("containerConfig() expands subPathExpr from the container's environment", () => {
  const volumes = planVolumes(pod.volumes, "/v");
  const fields = { name: "web", namespace: "team", uid: "u", nodeName: "node", podIPs: [] };
  const c = pod.containers[0]!;
  const withExpr = (expr: string) => ({
    ...c,
    volumeMounts: [{ name: "data", mountPath: "/data", readOnly: false, subPathExpr: expr }],
  });
  const cfg = containerConfig(pod, withExpr("logs/$(NS)/$(A)"), {
    volumes,
    fields,
    init: false,
    attempt: 0,
  });
  assert.deepEqual(cfg.mounts, [
    {
      containerPath: "/data",
      hostPath: "/v/data/logs/team/y",
      readonly: false,
      subPath: "logs/team/y",
    },
  ]);
  assert.throws(
    () =>
      containerConfig(pod, withExpr("$(POD_NAMEX)"), { volumes, fields, init: false, attempt: 0 }),
    { name: "SubPathExprError", message: "missing value for POD_NAMEX" },
  );
});
