import assert from "node:assert/strict";
import { invalidMessage, type StatusCause, unknownFields, validateObject } from "./validation.ts";

type Obj = Record<string, unknown>;

function pod(spec: Obj = {}, meta: Obj = {}): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", ...meta },
    spec: {
      containers: [{
        name: "app",
        image: "nginx",
        ports: [{ containerPort: 80, protocol: "TCP" }],
      }],
      restartPolicy: "Always",
      ...spec,
    },
  };
}

function deployment(spec: Obj = {}): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "app", image: "nginx" }] },
      },
      ...spec,
    },
  };
}

const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric " +
  "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. " +
  "'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

Deno.test("validateObject() accepts well-formed objects of every served kind", async (t) => {
  const ok: [string, Obj][] = [
    ["Pod", pod()],
    ["Deployment", deployment()],
    ["ReplicaSet", deployment()],
    ["Namespace", { metadata: { name: "team-a" } }],
    ["Node", { metadata: { name: "node-1.example" } }],
    ["Service", {
      metadata: { name: "web", namespace: "default" },
      spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] },
    }],
    ["Service", {
      metadata: { name: "db", namespace: "default" },
      spec: { clusterIP: "None", selector: { app: "db" } },
    }],
    ["ConfigMap", { metadata: { name: "cfg", namespace: "x" }, data: { "app.conf": "a=b" } }],
    ["Secret", {
      metadata: { name: "s", namespace: "x" },
      type: "kubernetes.io/tls",
      data: { "tls.crt": "QQ==", "tls.key": "QQ==" },
    }],
    ["Lease", {
      metadata: { name: "l", namespace: "kube-node-lease" },
      spec: { leaseDurationSeconds: 40 },
    }],
    ["ServiceAccount", { metadata: { name: "default", namespace: "default" } }],
    ["Event", {
      metadata: { name: "web.1", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web", namespace: "default" },
    }],
    ["EndpointSlice", {
      metadata: { name: "web-abc", namespace: "default" },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.0.0.1"] }],
    }],
    ["Pod", pod({}, { name: undefined, generateName: "web-" })],
    [
      "Pod",
      pod({}, {
        labels: { "app.kubernetes.io/name": "web", tier: "" },
        annotations: { "Example.com/Note": "x" },
        finalizers: ["example.com/cleanup", "kubernetes"],
      }),
    ],
  ];
  for (const [kind, obj] of ok) {
    await t.step(`${kind} ${JSON.stringify((obj.metadata as Obj).name ?? "")}`, () => {
      assert.deepEqual(validateObject(kind, obj), []);
    });
  }
});

Deno.test("validateObject() reports kube-apiserver's causes", async (t) => {
  const cases: [string, string, Obj, StatusCause[]][] = [
    ["upper-case pod name", "Pod", pod({}, { name: "Web" }), [{
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: `Invalid value: "Web": ${SUBDOMAIN_MSG}`,
    }]],
    ["namespace name with a dot", "Namespace", { metadata: { name: "a.b" } }, [{
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: 'Invalid value: "a.b": must not contain dots',
    }]],
    ["service name starting with a digit", "Service", {
      metadata: { name: "1web", namespace: "d" },
      spec: { ports: [{ port: 80 }] },
    }, [{
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: 'Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric ' +
        "characters or '-', start with an alphabetic character, and end with an alphanumeric " +
        "character (e.g. 'my-name',  or 'abc-123', regex used for validation is " +
        "'[a-z]([-a-z0-9]*[a-z0-9])?')",
    }]],
    ["no name", "ConfigMap", { metadata: { namespace: "d" } }, [{
      reason: "FieldValueRequired",
      field: "metadata.name",
      message: "Required value: name or generateName is required",
    }]],
    ["no namespace", "ConfigMap", { metadata: { name: "c" } }, [{
      reason: "FieldValueRequired",
      field: "metadata.namespace",
      message: "Required value",
    }]],
    ["namespace on a node", "Node", { metadata: { name: "n", namespace: "x" } }, [{
      reason: "FieldValueForbidden",
      field: "metadata.namespace",
      message: "Forbidden: not allowed on this type",
    }]],
    ["bad label value", "Pod", pod({}, { labels: { app: "-x" } }), [{
      reason: "FieldValueInvalid",
      field: "metadata.labels",
      message: 'Invalid value: "-x": a valid label must be an empty string or consist of ' +
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric " +
        "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is " +
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    }]],
    ["annotations over 256 KiB", "Pod", pod({}, { annotations: { a: "x".repeat(262144) } }), [{
      reason: "FieldValueTooLong",
      field: "metadata.annotations",
      message: "Too long: may not be more than 262144 bytes",
    }]],
    ["unqualified finalizer", "Pod", pod({}, { finalizers: ["cleanup"] }), [{
      reason: "FieldValueInvalid",
      field: "metadata.finalizers",
      message:
        'Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    }]],
    ["no containers", "Pod", pod({ containers: [] }), [{
      reason: "FieldValueRequired",
      field: "spec.containers",
      message: "Required value",
    }]],
    ["container without image", "Pod", pod({ containers: [{ name: "a" }] }), [{
      reason: "FieldValueRequired",
      field: "spec.containers[0].image",
      message: "Required value",
    }]],
    ["container name not a label", "Pod", pod({ containers: [{ name: "A_b", image: "x" }] }), [{
      reason: "FieldValueInvalid",
      field: "spec.containers[0].name",
      message: 'Invalid value: "A_b": a lowercase RFC 1123 label must consist of lower case ' +
        "alphanumeric characters or '-', and must start and end with an alphanumeric character " +
        "(e.g. 'my-name',  or '123-abc', regex used for validation is " +
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    }]],
    [
      "init container name clashes",
      "Pod",
      pod({
        initContainers: [{ name: "app", image: "busybox" }],
      }),
      [{
        reason: "FieldValueDuplicate",
        field: "spec.initContainers[0].name",
        message: 'Duplicate value: "app"',
      }],
    ],
    [
      "port out of range",
      "Pod",
      pod({
        containers: [{ name: "a", image: "x", ports: [{ containerPort: 70000 }] }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].ports[0].containerPort",
        message: "Invalid value: 70000: must be between 1 and 65535, inclusive",
      }],
    ],
    [
      "port protocol",
      "Pod",
      pod({
        containers: [{ name: "a", image: "x", ports: [{ containerPort: 1, protocol: "ICMP" }] }],
      }),
      [{
        reason: "FieldValueNotSupported",
        field: "spec.containers[0].ports[0].protocol",
        message: 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      }],
    ],
    ["restart policy", "Pod", pod({ restartPolicy: "Sometimes" }), [{
      reason: "FieldValueNotSupported",
      field: "spec.restartPolicy",
      message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    }]],
    [
      "requests above limits",
      "Pod",
      pod({
        containers: [{
          name: "a",
          image: "x",
          resources: {
            limits: { cpu: "500m", memory: "1Gi" },
            requests: { cpu: "1", memory: "1Gi" },
          },
        }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].resources.requests[cpu]",
        message: 'Invalid value: "1": must be less than or equal to cpu limit of 500m',
      }],
    ],
    [
      "negative limit",
      "Pod",
      pod({
        containers: [{ name: "a", image: "x", resources: { limits: { memory: "-1Mi" } } }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].resources.limits[memory]",
        message: 'Invalid value: "-1Mi": must be greater than or equal to 0',
      }],
    ],
    [
      "a host port used twice",
      "Pod",
      pod({
        containers: [
          {
            name: "a",
            image: "x",
            ports: [{ containerPort: 80, hostPort: 8080, protocol: "TCP" }],
          },
          {
            name: "b",
            image: "x",
            ports: [{ containerPort: 81, hostPort: 8080, protocol: "TCP" }],
          },
        ],
      }),
      [{
        reason: "FieldValueDuplicate",
        field: "spec.containers[1].ports[0].hostPort",
        message: 'Duplicate value: "TCP//8080"',
      }],
    ],
    [
      "a probe with two handlers",
      "Pod",
      pod({
        containers: [{
          name: "a",
          image: "x",
          livenessProbe: { exec: { command: ["true"] }, tcpSocket: { port: 80 } },
        }],
      }),
      [{
        reason: "FieldValueForbidden",
        field: "spec.containers[0].livenessProbe.tcpSocket",
        message: "Forbidden: may not specify more than 1 handler type",
      }],
    ],
    [
      "a liveness probe with successThreshold 2",
      "Pod",
      pod({
        containers: [{
          name: "a",
          image: "x",
          livenessProbe: { exec: { command: ["true"] }, successThreshold: 2 },
        }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].livenessProbe.successThreshold",
        message: "Invalid value: 2: must be 1",
      }],
    ],
    [
      "mount of an undeclared volume",
      "Pod",
      pod({
        containers: [{ name: "a", image: "x", volumeMounts: [{ name: "data", mountPath: "/d" }] }],
      }),
      [{
        reason: "FieldValueNotFound",
        field: "spec.containers[0].volumeMounts[0].name",
        message: 'Not found: "data"',
      }],
    ],
    [
      "volume with two sources",
      "Pod",
      pod({
        volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/x" } }],
      }),
      [{
        reason: "FieldValueForbidden",
        field: "spec.volumes[0].hostPath",
        message: "Forbidden: may not specify more than 1 volume type",
      }],
    ],
    [
      "env name with '='",
      "Pod",
      pod({
        containers: [{ name: "a", image: "x", env: [{ name: "A=B", value: "1" }] }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].env[0].name",
        message: 'Invalid value: "A=B": a valid environment variable name must consist only of ' +
          "printable ASCII characters other than '='",
      }],
    ],
    [
      "env valueFrom with two sources",
      "Pod",
      pod({
        containers: [{
          name: "a",
          image: "x",
          env: [{
            name: "A",
            valueFrom: {
              configMapKeyRef: { name: "c", key: "k" },
              secretKeyRef: { name: "s", key: "k" },
            },
          }],
        }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].env[0].valueFrom",
        message: 'Invalid value: "": may not have more than one field specified at a time',
      }],
    ],
    [
      "env valueFrom next to a value, and an empty valueFrom",
      "Pod",
      pod({
        containers: [{
          name: "a",
          image: "x",
          env: [
            { name: "A", value: "1", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "B", value: "", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "C", valueFrom: {} },
          ],
        }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].env[0].valueFrom",
        message: 'Invalid value: "": may not be specified when `value` is not empty',
      }, {
        reason: "FieldValueInvalid",
        field: "spec.containers[0].env[2].valueFrom",
        message: 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, ' +
          "`configMapKeyRef` or `secretKeyRef`",
      }],
    ],
    [
      "env fieldRef paths: unknown, not for env, bad subscript; key selector without key",
      "Pod",
      pod({
        containers: [{
          name: "a",
          image: "x",
          env: [
            { name: "A", valueFrom: { fieldRef: { fieldPath: "spec.foo" } } },
            { name: "B", valueFrom: { fieldRef: { fieldPath: "status.phase" } } },
            { name: "C", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: "D", valueFrom: { fieldRef: { fieldPath: "metadata.labels['-x']" } } },
            { name: "E", valueFrom: { configMapKeyRef: { name: "cfg" } } },
            { name: "F", valueFrom: { resourceFieldRef: { resource: "limits.gpu" } } },
          ],
        }],
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath",
        message:
          'Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo',
      }, {
        reason: "FieldValueNotSupported",
        field: "spec.containers[0].env[1].valueFrom.fieldRef.fieldPath",
        message: 'Unsupported value: "status.phase": supported values: "metadata.name", ' +
          '"metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", ' +
          '"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      }, {
        reason: "FieldValueInvalid",
        field: "spec.containers[0].env[3].valueFrom.fieldRef",
        message: 'Invalid value: "-x": name part must consist of alphanumeric characters, ' +
          "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. " +
          "'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
          "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      }, {
        reason: "FieldValueRequired",
        field: "spec.containers[0].env[4].valueFrom.configMapKeyRef.key",
        message: "Required value",
      }, {
        reason: "FieldValueNotSupported",
        field: "spec.containers[0].env[5].valueFrom.resourceFieldRef.resource",
        message: 'Unsupported value: "limits.gpu": supported values: "limits.cpu", ' +
          '"limits.ephemeral-storage", "limits.memory", "requests.cpu", ' +
          '"requests.ephemeral-storage", "requests.memory"',
      }],
    ],
    [
      "deployment selector mismatch",
      "Deployment",
      deployment({
        selector: { matchLabels: { app: "other" } },
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.template.metadata.labels",
        message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`',
      }],
    ],
    ["deployment without selector", "Deployment", deployment({ selector: undefined }), [{
      reason: "FieldValueRequired",
      field: "spec.selector",
      message: "Required value",
    }]],
    [
      "deployment selector with a bad operator",
      "Deployment",
      deployment({
        selector: { matchExpressions: [{ key: "app", operator: "Equals", values: ["web"] }] },
      }),
      [{
        reason: "FieldValueInvalid",
        field: "spec.selector.matchExpressions[0].operator",
        message: 'Invalid value: "Equals": not a valid selector operator',
      }],
    ],
    [
      "deployment selector In without values",
      "Deployment",
      deployment({
        selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "x", operator: "In" }] },
      }),
      [{
        reason: "FieldValueRequired",
        field: "spec.selector.matchExpressions[0].values",
        message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
      }],
    ],
    ["deployment negative replicas", "Deployment", deployment({ replicas: -1 }), [{
      reason: "FieldValueInvalid",
      field: "spec.replicas",
      message: "Invalid value: -1: must be greater than or equal to 0",
    }]],
    [
      "deployment template restartPolicy",
      "Deployment",
      deployment({
        template: {
          metadata: { labels: { app: "web" } },
          spec: { restartPolicy: "Never", containers: [{ name: "a", image: "x" }] },
        },
      }),
      [{
        reason: "FieldValueNotSupported",
        field: "spec.template.spec.restartPolicy",
        message: 'Unsupported value: "Never": supported values: "Always"',
      }],
    ],
    [
      "deployment Recreate with rollingUpdate",
      "Deployment",
      deployment({
        strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } },
      }),
      [{
        reason: "FieldValueForbidden",
        field: "spec.strategy.rollingUpdate",
        message: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
      }],
    ],
    ["service without ports", "Service", {
      metadata: { name: "web", namespace: "d" },
      spec: {},
    }, [{ reason: "FieldValueRequired", field: "spec.ports", message: "Required value" }]],
    ["service with two unnamed ports", "Service", {
      metadata: { name: "web", namespace: "d" },
      spec: { ports: [{ port: 80, name: "http" }, { port: 443 }] },
    }, [{ reason: "FieldValueRequired", field: "spec.ports[1].name", message: "Required value" }]],
    ["config map key", "ConfigMap", {
      metadata: { name: "c", namespace: "d" },
      data: { "a/b": "x" },
    }, [{
      reason: "FieldValueInvalid",
      field: "data[a/b]",
      message: 'Invalid value: "a/b": a valid config key must consist of alphanumeric ' +
        "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex " +
        "used for validation is '[-._a-zA-Z0-9]+')",
    }]],
    ["tls secret without key", "Secret", {
      metadata: { name: "s", namespace: "d" },
      type: "kubernetes.io/tls",
      data: { "tls.crt": "QQ==" },
    }, [{ reason: "FieldValueRequired", field: "data[tls.key]", message: "Required value" }]],
  ];
  for (const [name, kind, obj, want] of cases) {
    await t.step(name, () => assert.deepEqual(validateObject(kind, obj), want));
  }
});

Deno.test("validateObject() with the old object checks what an update may change", async (t) => {
  await t.step("a pod's image may change", () => {
    const next = pod({
      containers: [{
        name: "app",
        image: "nginx:2",
        ports: [{ containerPort: 80, protocol: "TCP" }],
      }],
    });
    assert.deepEqual(validateObject("Pod", next, pod()), []);
  });
  await t.step("a pod's restartPolicy may not", () => {
    const causes = validateObject("Pod", pod({ restartPolicy: "Never" }), pod());
    assert.equal(causes.length, 1);
    assert.equal(causes[0]?.field, "spec");
    assert.equal(causes[0]?.reason, "FieldValueForbidden");
    assert.match(
      causes[0]?.message ?? "",
      /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,/,
    );
    assert.match(causes[0]?.message ?? "", /spec\.restartPolicy/);
  });
  await t.step("tolerations may only be added", () => {
    const tol = { key: "k", operator: "Exists" };
    assert.deepEqual(
      validateObject(
        "Pod",
        pod({ tolerations: [tol, { key: "z", operator: "Exists" }] }),
        pod({ tolerations: [tol] }),
      ),
      [],
    );
    assert.equal(
      validateObject("Pod", pod({ tolerations: [] }), pod({ tolerations: [tol] })).length,
      1,
    );
  });
  await t.step("names are immutable", () => {
    assert.deepEqual(validateObject("Pod", pod({}, { name: "other" }), pod()), [{
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: 'Invalid value: "other": field is immutable',
    }]);
  });
  await t.step("a deployment's selector is immutable", () => {
    const next = deployment({
      selector: { matchLabels: { app: "web", v: "2" } },
      template: {
        metadata: { labels: { app: "web", v: "2" } },
        spec: { containers: [{ name: "a", image: "x" }] },
      },
    });
    const causes = validateObject("Deployment", next, deployment());
    assert.deepEqual(causes.map((c) => [c.field, c.message.endsWith("field is immutable")]), [
      ["spec.selector", true],
    ]);
  });
  await t.step("an immutable config map keeps its data", () => {
    const old = { metadata: { name: "c", namespace: "d" }, immutable: true, data: { a: "1" } };
    const next = { ...old, data: { a: "2" } };
    assert.deepEqual(validateObject("ConfigMap", next, old), [{
      reason: "FieldValueForbidden",
      field: "data",
      message: "Forbidden: field is immutable when `immutable` is set",
    }]);
  });
});

Deno.test("invalidMessage() composes the Status message as apierrors.NewInvalid", () => {
  const causes = validateObject("Pod", pod({ containers: [] }, { name: "Web" }));
  assert.equal(
    invalidMessage("Pod", "", "Web", causes),
    `Pod "Web" is invalid: [metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}, ` +
      "spec.containers: Required value]",
  );
});

Deno.test("unknownFields() finds misspelt fields and nothing else", async (t) => {
  await t.step("a correct deployment has none", () => {
    assert.deepEqual(
      unknownFields(
        "Deployment",
        deployment({
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        }),
      ),
      [],
    );
  });
  await t.step("typos at several depths", () => {
    const d = deployment() as { spec: Obj };
    d.spec.replica = 3;
    (d.spec.template as { spec: { containers: Obj[] } }).spec.containers[0]!.imagePullPolicyy =
      "Always";
    (d.spec.template as { spec: Obj }).spec.volumes = [{ name: "v", emptyDirr: {} }];
    assert.deepEqual(unknownFields("Deployment", d), [
      "spec.template.spec.containers[0].imagePullPolicyy",
      "spec.template.spec.volumes[0].emptyDirr",
      "spec.replica",
    ]);
  });
  await t.step("deep structs are checked too (from the OpenAPI schema)", () => {
    assert.deepEqual(
      unknownFields("Pod", pod({ securityContext: { runAsUser: 1, runAsUsr: 1 } })),
      ["spec.securityContext.runAsUsr"],
    );
  });
  await t.step("a __proto__ key is an unknown field", () => {
    const p = JSON.parse('{"kind":"Pod","metadata":{"name":"a","__proto__":{}}}');
    assert.deepEqual(unknownFields("Pod", p), ["metadata.__proto__"]);
  });
  await t.step("free-form parts are not walked", () => {
    const p = pod({}, {
      managedFields: [{ manager: "m", fieldsV1: { "f:spec": { "f:anything": {} } } }],
    });
    assert.deepEqual(unknownFields("Pod", p), []);
    assert.deepEqual(unknownFields("Widget", { whatever: 1 }), []);
  });
  await t.step("events.k8s.io events use their own field names", () => {
    const ev = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: {},
      note: "x",
      message: "y",
    };
    assert.deepEqual(unknownFields("Event", ev), ["message"]);
  });
});
