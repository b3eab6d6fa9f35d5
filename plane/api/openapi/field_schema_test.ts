/** Unit tests of the resolved per-kind schemas (patch strategies, list types, known fields). */
import assert from "node:assert/strict";
import { POD_SPEC_EXTRA_FIELDS } from "../../../core/pod/pod_manifest_spec.ts";
import { CONTAINER_FIELDS } from "../../../core/container/fields.ts";
import { isRecord } from "../../../core/is_record.ts";
import { type FieldSchema, fieldSchema } from "./field_schema.ts";

function at(schema: FieldSchema, path: string): FieldSchema {
  let node = schema;
  for (const part of path.split(".")) {
    const next = part === "[]" ? node.items : node.properties?.[part] ?? node.additionalProperties;
    assert.ok(next, `${path}: no ${part}`);
    node = next;
  }
  return node;
}

/** Field paths of `obj` that `schema` does not know (a test-side walker over the tree). */
function unknown(schema: FieldSchema, obj: unknown, path = ""): string[] {
  if (schema.preserveUnknownFields) return [];
  if (Array.isArray(obj)) {
    return schema.items ? obj.flatMap((v, i) => unknown(schema.items!, v, `${path}[${i}]`)) : [];
  }
  if (!isRecord(obj)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const child = schema.properties?.[k] ?? schema.additionalProperties;
    if (!child) out.push(`${path}.${k}`.replace(/^\./, ""));
    else out.push(...unknown(child, v, `${path}.${k}`));
  }
  return out;
}

Deno.test("fieldSchema() carries the strategic merge keys kubectl and the server use", async (t) => {
  const pod = fieldSchema("Pod")!;
  const cases: [FieldSchema, string, string | undefined, string | undefined, string | undefined][] =
    [
      [pod, "spec.containers", "name", "merge", "map"],
      [pod, "spec.initContainers", "name", "merge", "map"],
      [pod, "spec.containers.[].env", "name", "merge", "map"],
      [pod, "spec.volumes", "name", "merge,retainKeys", "map"],
      [pod, "spec.imagePullSecrets", "name", "merge", "map"],
      [pod, "spec.containers.[].volumeMounts", "mountPath", "merge", "map"],
      [pod, "spec.containers.[].ports", "containerPort", "merge", "map"],
      [pod, "status.conditions", "type", "merge", "map"],
      [pod, "metadata.ownerReferences", "uid", "merge", "map"],
      [pod, "metadata.finalizers", undefined, "merge", "set"],
      [pod, "spec.tolerations", undefined, undefined, "atomic"],
      [pod, "spec.containers.[].args", undefined, undefined, "atomic"],
      [pod, "spec.containers.[].command", undefined, undefined, "atomic"],
      [fieldSchema("Service")!, "spec.ports", "port", "merge", "map"],
      [fieldSchema("Deployment")!, "spec.template.spec.containers", "name", "merge", "map"],
      [fieldSchema("Deployment")!, "spec.strategy", undefined, "retainKeys", undefined],
      [fieldSchema("Node")!, "status.addresses", "type", "merge", "map"],
    ];
  for (const [schema, path, key, strategy, listType] of cases) {
    await t.step(path, () => {
      const node = at(schema, path);
      assert.equal(node.patchMergeKey, key);
      assert.equal(node.patchStrategy, strategy);
      assert.equal(node.listType, listType);
    });
  }
  assert.deepEqual(at(pod, "spec.containers.[].ports").listMapKeys, ["containerPort", "protocol"]);
  assert.deepEqual(at(fieldSchema("Service")!, "spec.ports").listMapKeys, ["port", "protocol"]);
});

Deno.test("fieldSchema() resolves kinds of every group, lists and subresource kinds", () => {
  assert.ok(fieldSchema("Event")!.properties!["involvedObject"], "core Event by default");
  assert.ok(fieldSchema("Event", "events.k8s.io/v1")!.properties!["regarding"]);
  assert.ok(fieldSchema("Lease")!.properties!["spec"]!.properties!["holderIdentity"]);
  assert.ok(fieldSchema("EndpointSlice")!.properties!["addressType"]);
  assert.ok(fieldSchema("ReplicaSet", "apps/v1")!.properties!["spec"]);
  assert.equal(at(fieldSchema("PodList")!, "items.[].kind").type, "string");
  assert.equal(at(fieldSchema("Scale")!, "spec.replicas").type, "integer");
  assert.ok(fieldSchema("Binding")!.properties!["target"]);
  assert.equal(fieldSchema("Pod", "apps/v1"), undefined);
  assert.equal(fieldSchema("PodSpec"), undefined, "only kinds, not nested types");
  assert.equal(
    at(fieldSchema("Pod")!, "spec.containers.[].livenessProbe.httpGet.port").intOrString,
    true,
  );
  assert.equal(at(fieldSchema("Pod")!, "spec.volumes.[].csi").preserveUnknownFields, true);
  assert.equal(
    at(
      fieldSchema("Pod")!,
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
    )
      .listType,
    "atomic",
  );
});

Deno.test("fieldSchema() knows every field of ordinary manifests and finds typos", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" }, annotations: { "a/b": "c" } },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 3,
      selector: {
        matchLabels: { app: "web" },
        matchExpressions: [{ key: "tier", operator: "In", values: ["fe"] }],
      },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          hostname: "web",
          subdomain: "svc",
          setHostnameAsFQDN: false,
          hostAliases: [{ ip: "10.0.0.1", hostnames: ["db"] }],
          dnsPolicy: "ClusterFirst",
          securityContext: {
            runAsUser: 1000,
            fsGroup: 2000,
            sysctls: [{ name: "net.ipv4.ip_forward", value: "0" }],
          },
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] },
            },
          },
          tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule" }],
          initContainers: [{
            name: "init",
            image: "busybox",
            command: ["sh", "-c", "true"],
            restartPolicy: "Always",
          }],
          containers: [{
            name: "web",
            image: "nginx:1.27",
            imagePullPolicy: "IfNotPresent",
            args: ["-g", "daemon off;"],
            workingDir: "/",
            ports: [{ containerPort: 80, name: "http", protocol: "TCP" }],
            env: [
              { name: "A", value: "1" },
              { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
              { name: "S", valueFrom: { secretKeyRef: { name: "s", key: "k", optional: true } } },
            ],
            envFrom: [{ configMapRef: { name: "cm" }, prefix: "CM_" }],
            resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: 0.1 } },
            livenessProbe: {
              httpGet: { path: "/", port: "http" },
              initialDelaySeconds: 3,
              periodSeconds: 5,
            },
            readinessProbe: { tcpSocket: { port: 80 } },
            startupProbe: { exec: { command: ["true"] }, failureThreshold: 30 },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
            securityContext: {
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [{ name: "data", mountPath: "/data", subPath: "x", readOnly: true }],
            terminationMessagePolicy: "FallbackToLogsOnError",
          }],
          volumes: [
            { name: "data", emptyDir: { sizeLimit: "1Gi" } },
            {
              name: "cfg",
              configMap: { name: "cm", items: [{ key: "a", path: "a" }], defaultMode: 420 },
            },
            { name: "host", hostPath: { path: "/var/log", type: "Directory" } },
            { name: "sec", secret: { secretName: "s" } },
            { name: "proj", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } },
          ],
        },
      },
    },
  };
  assert.deepEqual(unknown(fieldSchema("Deployment")!, deployment), []);
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web" },
    spec: {
      type: "NodePort",
      selector: { app: "web" },
      ports: [{ name: "http", port: 80, targetPort: "http", nodePort: 30080 }],
    },
  };
  assert.deepEqual(unknown(fieldSchema("Service")!, service), []);
  const typo = {
    metadata: { name: "p", lables: {} },
    spec: { containers: [{ name: "c", image: "x", imagePullPolicyy: "Always" }] },
  };
  assert.deepEqual(unknown(fieldSchema("Pod")!, typo), [
    "metadata.lables",
    "spec.containers[0].imagePullPolicyy",
  ]);
});

Deno.test("the Pod schema lists every field rk8s parses", () => {
  const pod = fieldSchema("Pod")!;
  const spec = pod.properties!["spec"]!.properties!;
  for (const field of POD_SPEC_EXTRA_FIELDS) assert.ok(spec[field], field);
  const container = at(pod, "spec.containers.[]").properties!;
  for (
    const field of [
      ...CONTAINER_FIELDS,
      "imagePullPolicy",
      "tty",
      "stdin",
      "terminationMessagePath",
      "terminationMessagePolicy",
      "startupProbe",
      "livenessProbe",
      "readinessProbe",
      "lifecycle",
    ]
  ) {
    assert.ok(container[field], field);
  }
  assert.ok(at(pod, "spec.containers.[].lifecycle.stopSignal"));
  assert.deepEqual(
    unknown(pod, {
      spec: {
        os: { name: "linux" },
        containers: [{ name: "c", lifecycle: { stopSignal: "SIGUSR1" } }],
      },
    }),
    [],
  );
});
