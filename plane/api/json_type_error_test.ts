import assert from "node:assert/strict";
import { jsonTypeError } from "./json_type_error.ts";
import { base64ErrorOffset } from "./_base64_syntax.ts";
import { goValueText } from "./_go_text.ts";
import {
  QUANTITY_FORMAT_WRONG,
  QUANTITY_NUMERIC,
  QUANTITY_SUFFIX,
  quantitySyntaxError,
} from "./_quantity_syntax.ts";

type Obj = Record<string, unknown>;

function pod(container: Obj = {}, spec: Obj = {}, metadata: Obj = {}): Obj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", ...metadata },
    spec: { containers: [{ name: "a", image: "busybox", ...container }], ...spec },
  };
}

function deployment(spec: Obj): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d" },
    spec: {
      selector: { matchLabels: { app: "d" } },
      template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "a" }] } },
      ...spec,
    },
  };
}

const cases: [string, string, Obj, string][] = [
  [
    "a string where []string is expected",
    "Pod",
    pod({ command: "sleep 3600" }),
    "json: cannot unmarshal string into Go struct field Container.spec.containers.command of type []string",
  ],
  [
    "a number inside a []string",
    "Pod",
    pod({ args: ["sleep", 3600] }),
    "json: cannot unmarshal number into Go struct field Container.spec.containers.args of type string",
  ],
  [
    "a number where an env value string is expected",
    "Pod",
    pod({ env: [{ name: "A", value: 1.1 }] }),
    "json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string",
  ],
  [
    "a label value that is a number (a map value keeps the map's field)",
    "Pod",
    pod({}, {}, { labels: { tier: 2 } }),
    "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
  ],
  [
    "a string where int32 is expected (replicas)",
    "Deployment",
    deployment({ replicas: "3" }),
    "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
  ],
  [
    "a fraction where int32 is expected",
    "Deployment",
    deployment({ replicas: 1.5 }),
    "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
  ],
  [
    "an int32 out of range",
    "Pod",
    pod({ ports: [{ containerPort: 3000000000 }] }),
    "json: cannot unmarshal number 3000000000 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
  ],
  [
    "a port name where containerPort is expected",
    "Pod",
    pod({ ports: [{ containerPort: "eighty" }] }),
    "json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
  ],
  [
    "a named Go string type",
    "Pod",
    pod({ ports: [{ containerPort: 80, protocol: 6 }] }),
    "json: cannot unmarshal number into Go struct field ContainerPort.spec.containers.ports.protocol of type v1.Protocol",
  ],
  [
    "a string where a struct is expected",
    "Pod",
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: "x" },
    "json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec",
  ],
  [
    "an object where a list of structs is expected",
    "Pod",
    { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: { name: "a" } } },
    "json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container",
  ],
  [
    "a string where bool is expected",
    "Pod",
    pod({ stdin: "yes" }),
    "json: cannot unmarshal string into Go struct field Container.spec.containers.stdin of type bool",
  ],
  [
    "an int64 field",
    "Pod",
    pod({}, { terminationGracePeriodSeconds: "30" }),
    "json: cannot unmarshal string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64",
  ],
  [
    "a resource list given as a string",
    "Pod",
    pod({ resources: { limits: "1Gi" } }),
    "json: cannot unmarshal string into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList",
  ],
  [
    "a quantity that does not parse (ends decoding at once, without a field)",
    "Pod",
    pod({ resources: { limits: { memory: "12XB" } } }),
    QUANTITY_FORMAT_WRONG,
  ],
  [
    "an IntOrString that is a fraction",
    "Pod",
    pod({ livenessProbe: { httpGet: { port: 80.5 } } }),
    "json: cannot unmarshal number 80.5 into Go value of type int32",
  ],
  [
    "an IntOrString that is a bool",
    "Pod",
    pod({ livenessProbe: { tcpSocket: { port: true } } }),
    "json: cannot unmarshal bool into Go value of type int32",
  ],
  [
    "a Time that is a number",
    "Pod",
    pod({}, {}, { deletionTimestamp: 5 }),
    "json: cannot unmarshal number into Go value of type string",
  ],
  [
    "the first wrong type in document order wins",
    "Pod",
    pod({ command: "x", args: "y" }),
    "json: cannot unmarshal string into Go struct field Container.spec.containers.command of type []string",
  ],
  [
    "a quantity error after a type error still wins (it ends decoding)",
    "Pod",
    pod({ command: "x", resources: { requests: { cpu: "lots" } } }),
    QUANTITY_FORMAT_WRONG,
  ],
  [
    "a Service port name where int32 is expected",
    "Service",
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { ports: [{ port: "http" }] },
    },
    "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32",
  ],
  [
    "Secret data that is not base64 (no field in Go's message)",
    "Secret",
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { password: "secret123" } },
    "illegal base64 data at input byte 8",
  ],
  [
    "a type error before a base64 error wins (both are remembered, the first is reported)",
    "Secret",
    { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: 5, data: { a: "!" } },
    "json: cannot unmarshal number into Go struct field Secret.type of type v1.SecretType",
  ],
  [
    "a ConfigMap data value that is a number",
    "ConfigMap",
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: 1 } },
    "json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
  ],
];

Deno.test("jsonTypeError() reports wrong JSON types as Go's decoder does", async (t) => {
  for (const [name, kind, obj, message] of cases) {
    await t.step(name, () => {
      assert.equal(jsonTypeError(kind, obj)?.message, message);
    });
  }
});

Deno.test("jsonTypeError() accepts what the Go types accept", async (t) => {
  const ok: [string, string, Obj][] = [
    [
      "null for any field (omitted pointer, slice or map)",
      "Pod",
      pod({ command: null, env: null }, {
        nodeSelector: null,
      }, { labels: null }),
    ],
    [
      "quantities as numbers or strings",
      "Pod",
      pod({
        resources: {
          limits: { cpu: 0.5, memory: "512Mi" },
          requests: { cpu: "100m", memory: 1e6 },
        },
      }),
    ],
    [
      "IntOrString as a number or a name",
      "Pod",
      pod({
        ports: [{ containerPort: 80, name: "http" }],
        livenessProbe: { httpGet: { port: "http" } },
        readinessProbe: { tcpSocket: { port: 80 } },
      }),
    ],
    [
      "anything below a preserve-unknown-fields node",
      "Pod",
      pod({}, {
        volumes: [{ name: "v", csi: { driver: 5, volumeAttributes: [1, "x", true] } }],
      }),
    ],
    [
      "fields the type does not have (the unknown-field check's business)",
      "Pod",
      pod({
        imagee: 5,
      }),
    ],
    [
      "a Deployment with int replicas and percent maxSurge",
      "Deployment",
      deployment({
        replicas: 3,
        strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
      }),
    ],
    ["kinds rks does not publish", "Widget", { spec: "x" }],
  ];
  for (const [name, kind, obj] of ok) {
    await t.step(name, () => assert.equal(jsonTypeError(kind, obj), undefined));
  }
});

Deno.test("jsonTypeError() gives the path with indexes as well as Go's field path", () => {
  const e = jsonTypeError(
    "Pod",
    pod({ env: [{ name: "A", value: "x" }, { name: "B", value: 2 }] }),
  )!;
  assert.equal(e.field, "spec.containers.env.value");
  assert.equal(e.path, "spec.containers[0].env[1].value");
  const q = jsonTypeError("Pod", pod({ resources: { limits: { memory: "1Q" } } }))!;
  assert.equal(q.path, "spec.containers[0].resources.limits[memory]");
});

Deno.test("base64ErrorOffset() finds where Go's StdEncoding fails", () => {
  const table: [string, number | undefined][] = [
    ["", undefined],
    ["c2VjcmV0", undefined],
    ["YQ==", undefined],
    ["YWI=", undefined],
    ["YW\nI=\r\n", undefined],
    ["secret123", 8],
    ["YQ", 0],
    ["YWI", 0],
    ["YQ=", 3],
    ["Y===", 1],
    ["YQ=x", 2],
    ["YQ==YQ==", 4],
    ["a-b=", 1],
    ["aé==", 1],
  ];
  for (const [text, want] of table) assert.equal(base64ErrorOffset(text), want, text);
});

Deno.test("quantitySyntaxError() gives resource.ParseQuantity's errors", () => {
  const table: [string, string | undefined][] = [
    ["1", undefined],
    ["0", undefined],
    ["100m", undefined],
    ["1.5Gi", undefined],
    ["  2Ki ", undefined],
    ["1e3", undefined],
    ["5E-2", undefined],
    ["-1", undefined],
    [".5", undefined],
    ["", QUANTITY_FORMAT_WRONG],
    ["12XB", QUANTITY_FORMAT_WRONG],
    ["lots", QUANTITY_FORMAT_WRONG],
    ["1.2.3", QUANTITY_FORMAT_WRONG],
    ["true", QUANTITY_FORMAT_WRONG],
    ["{}", QUANTITY_FORMAT_WRONG],
    ["12e", QUANTITY_SUFFIX],
    ["5Mi3", QUANTITY_SUFFIX],
    ["1Kii", QUANTITY_SUFFIX],
    ["1e99999999999", QUANTITY_SUFFIX],
    [".Ei", QUANTITY_NUMERIC],
    ["-.e-10", QUANTITY_NUMERIC],
    ["-.e30", undefined],
  ];
  for (const [text, want] of table) assert.equal(quantitySyntaxError(text), want, text);
});

Deno.test("goValueText() prints decoded JSON as Go's %+v does", () => {
  const table: [unknown, string][] = [
    [{ spec: { replicas: "2" } }, "map[spec:map[replicas:2]]"],
    [{ b: 1, a: [true, null, "x y"] }, "map[a:[true <nil> x y] b:1]"],
    [1.5, "1.5"],
    [0.00001, "1e-05"],
    [1234567.5, "1.2345675e+06"],
    [3000000000, "3000000000"],
    [1e21, "1e+21"],
    [[], "[]"],
    [{}, "map[]"],
  ];
  for (const [v, want] of table) assert.equal(goValueText(v), want, JSON.stringify(v));
});
