import assert from "node:assert/strict";
import { type ConfigSources, resolvePodConfig, resourceFieldValue } from "./pod_config_resolve.ts";
import { serviceEnvVars } from "./service_env.ts";
import { desiredFromApiPod } from "./cluster_pod_manifest.ts";

type Obj = Record<string, unknown>;

const cm = (name: string, data: Record<string, string>, binaryData?: Record<string, string>) => ({
  metadata: { name, namespace: "shop" },
  data,
  ...(binaryData ? { binaryData } : {}),
});
const secret = (name: string, data: Record<string, string>) => ({
  metadata: { name, namespace: "shop" },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, btoa(v)])),
});

/** Sources from explicit maps (clearer than guessing the kind). */
function src(
  configMaps: Obj[],
  secrets: Obj[],
  extra: Partial<ConfigSources> = {},
): ConfigSources {
  return {
    services: [],
    allocatable: { cpu: "2", memory: "4Gi" },
    object: (kind, _ns, name) =>
      (kind === "configmaps" ? configMaps : secrets).find((o) =>
        (o.metadata as Obj).name === name
      ) ??
        null,
    ...extra,
  };
}

const podWith = (container: Obj, volumes: Obj[] = [], spec: Obj = {}): Obj => ({
  metadata: { name: "p", namespace: "shop", uid: "u1", labels: { app: "web", tier: "a b" } },
  spec: {
    nodeName: "n1",
    containers: [{ name: "app", image: "/img", ...container }],
    volumes,
    ...spec,
  },
});

function envOf(r: ReturnType<typeof resolvePodConfig>): Obj[] {
  assert.ok("pod" in r, JSON.stringify(r));
  return (((r.pod.spec as Obj).containers as Obj[])[0]!.env ?? []) as Obj[];
}

Deno.test("resolvePodConfig() resolves env the way the kubelet does", async (t) => {
  const config = cm("cfg", { MODE: "fast", "LEVEL": "3", "with$dollar": "a$(B)" });
  const db = secret("db", { password: "s3cr$(HOME)t" });

  await t.step("configMapKeyRef and secretKeyRef become values, $ doubled", () => {
    const env = envOf(resolvePodConfig(
      podWith({
        env: [
          { name: "M", valueFrom: { configMapKeyRef: { name: "cfg", key: "MODE" } } },
          { name: "P", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
          { name: "L", value: "$(M)-x" },
        ],
      }),
      src([config], [db]),
    ));
    assert.deepEqual(env, [
      { name: "M", value: "fast" },
      { name: "P", value: "s3cr$$(HOME)t" },
      { name: "L", value: "$(M)-x" },
    ]);
  });

  await t.step("envFrom: every key with its prefix, before env; envFrom removed", () => {
    const r = resolvePodConfig(
      podWith({
        envFrom: [{ prefix: "C_", configMapRef: { name: "cfg" } }, { secretRef: { name: "db" } }],
        env: [{ name: "C_MODE", value: "slow" }],
      }),
      src([config], [db]),
    );
    const env = envOf(r);
    assert.deepEqual(env.map((e) => e.name), [
      "C_LEVEL",
      "C_MODE",
      "C_with$dollar",
      "password",
      "C_MODE",
    ]);
    assert.equal(env.at(-1)!.value, "slow", "env overrides envFrom (the later entry wins)");
    assert.equal(env[2]!.value, "a$$(B)");
    assert.equal(
      "envFrom" in ((r as { pod: Obj }).pod.spec as { containers: Obj[] }).containers[0]!,
      false,
    );
  });

  await t.step(
    "invalid names from envFrom are skipped with InvalidEnvironmentVariableNames",
    () => {
      const bad = { metadata: { name: "bad" }, data: { "A=B": "1", "ok": "2", "C=D": "3" } };
      const r = resolvePodConfig(
        podWith({ envFrom: [{ configMapRef: { name: "bad" } }] }),
        src([bad], []),
      );
      assert.deepEqual(envOf(r), [{ name: "ok", value: "2" }]);
      assert.ok("events" in r);
      assert.deepEqual(r.events, [{
        reason: "InvalidEnvironmentVariableNames",
        message:
          "Keys [A=B, C=D] from the EnvFrom configMap shop/bad were skipped since they are considered invalid environment variable names.",
      }]);
    },
  );

  await t.step("missing objects and keys: the kubelet's messages, optional ones skipped", () => {
    const cases: [Obj, string | undefined][] = [
      [
        { env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }] },
        'configmap "nope" not found',
      ],
      [
        { env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] },
        'secret "nope" not found',
      ],
      [
        { env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } }] },
        "couldn't find key k in ConfigMap shop/cfg",
      ],
      [
        { env: [{ name: "X", valueFrom: { secretKeyRef: { name: "db", key: "k" } } }] },
        "couldn't find key k in Secret shop/db",
      ],
      [{ envFrom: [{ configMapRef: { name: "nope" } }] }, 'configmap "nope" not found'],
      [{ envFrom: [{ secretRef: { name: "nope", optional: true } }] }, undefined],
      [{
        env: [{
          name: "X",
          valueFrom: { configMapKeyRef: { name: "nope", key: "k", optional: true } },
        }],
      }, undefined],
      [{
        env: [{
          name: "X",
          valueFrom: { configMapKeyRef: { name: "cfg", key: "k", optional: true } },
        }],
      }, undefined],
    ];
    for (const [c, message] of cases) {
      const r = resolvePodConfig(podWith(c), src([config], [db]));
      if (message === undefined) {
        assert.deepEqual(envOf(r), [], JSON.stringify(c));
      } else {
        assert.deepEqual(r, { problem: { reason: "CreateContainerConfigError", message } });
      }
    }
  });

  await t.step("an object not known yet makes the pod wait", () => {
    const r = resolvePodConfig(
      podWith({ envFrom: [{ configMapRef: { name: "cfg" } }] }),
      src([], [], { object: () => undefined }),
    );
    assert.deepEqual(r, { waiting: 'waiting for configmap "cfg"' });
    const noServices = resolvePodConfig(podWith({}), src([], [], { services: undefined }));
    assert.ok("waiting" in noServices);
  });

  await t.step("resourceFieldRef and fieldRef the core does not know", () => {
    const env = envOf(resolvePodConfig(
      podWith({
        resources: { limits: { cpu: "1500m" }, requests: { memory: "100Mi" } },
        env: [
          { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
          {
            name: "MEM",
            valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
          },
          {
            name: "REQ",
            valueFrom: { resourceFieldRef: { resource: "requests.memory", divisor: "1Mi" } },
          },
          { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: "HOST", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
          { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ],
      }),
      src([], [], { hostIP: "10.0.0.7" }),
    ));
    assert.deepEqual(env, [
      { name: "CPU", value: "2" },
      { name: "MEM", value: "4096" },
      { name: "REQ", value: "100" },
      { name: "APP", value: "web" },
      { name: "HOST", value: "10.0.0.7" },
      { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    ]);
    const bad = resolvePodConfig(
      podWith({
        env: [{
          name: "X",
          valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "x" } },
        }],
      }),
      src([], []),
    );
    assert.ok("problem" in bad && bad.problem.reason === "CreateContainerConfigError");
  });

  await t.step(
    "service variables come first; enableServiceLinks: false keeps only the master's",
    () => {
      const services = [
        {
          metadata: { namespace: "default", name: "kubernetes" },
          spec: { clusterIP: "10.96.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] },
        },
        {
          metadata: { namespace: "shop", name: "web" },
          spec: { clusterIP: "10.96.0.20", ports: [{ port: 80 }] },
        },
        {
          metadata: { namespace: "other", name: "db" },
          spec: { clusterIP: "10.96.0.30", ports: [{ port: 5432 }] },
        },
        {
          metadata: { namespace: "shop", name: "headless" },
          spec: { clusterIP: "None", ports: [{ port: 1 }] },
        },
      ];
      const env = envOf(
        resolvePodConfig(
          podWith({ env: [{ name: "WEB_SERVICE_HOST", value: "mine" }] }),
          src([], [], { services }),
        ),
      );
      const names = env.map((e) => String(e.name));
      assert.ok(names.includes("KUBERNETES_SERVICE_HOST"));
      assert.ok(names.includes("WEB_PORT_80_TCP"));
      assert.ok(!names.some((n) => n.startsWith("DB_") || n.startsWith("HEADLESS_")));
      assert.deepEqual(env.at(-1), { name: "WEB_SERVICE_HOST", value: "mine" });
      const off = envOf(
        resolvePodConfig(podWith({}, [], { enableServiceLinks: false }), src([], [], { services })),
      );
      assert.ok(off.every((e) => String(e.name).startsWith("KUBERNETES_")), JSON.stringify(off));
      assert.ok(off.length > 0);
    },
  );
});

Deno.test("serviceEnvVars() writes the docker link variables of every port", () => {
  const env = serviceEnvVars(
    [{
      metadata: { namespace: "ns", name: "redis-primary" },
      spec: {
        clusterIP: "10.0.0.11",
        ports: [{ name: "redis", port: 6379 }, { port: 53, protocol: "UDP" }],
      },
    }],
    "ns",
    true,
  );
  assert.deepEqual(env, [
    { name: "REDIS_PRIMARY_SERVICE_HOST", value: "10.0.0.11" },
    { name: "REDIS_PRIMARY_SERVICE_PORT", value: "6379" },
    { name: "REDIS_PRIMARY_SERVICE_PORT_REDIS", value: "6379" },
    { name: "REDIS_PRIMARY_PORT", value: "tcp://10.0.0.11:6379" },
    { name: "REDIS_PRIMARY_PORT_6379_TCP", value: "tcp://10.0.0.11:6379" },
    { name: "REDIS_PRIMARY_PORT_6379_TCP_PROTO", value: "tcp" },
    { name: "REDIS_PRIMARY_PORT_6379_TCP_PORT", value: "6379" },
    { name: "REDIS_PRIMARY_PORT_6379_TCP_ADDR", value: "10.0.0.11" },
    { name: "REDIS_PRIMARY_PORT_53_UDP", value: "udp://10.0.0.11:53" },
    { name: "REDIS_PRIMARY_PORT_53_UDP_PROTO", value: "udp" },
    { name: "REDIS_PRIMARY_PORT_53_UDP_PORT", value: "53" },
    { name: "REDIS_PRIMARY_PORT_53_UDP_ADDR", value: "10.0.0.11" },
  ]);
});

Deno.test("resourceFieldValue() rounds up after the divisor", () => {
  const c = { resources: { limits: { cpu: "1001m", memory: "1000" } } };
  assert.equal(resourceFieldValue(c, "limits.cpu", undefined, {}), "2");
  assert.equal(resourceFieldValue(c, "limits.cpu", "500m", {}), "3");
  assert.equal(resourceFieldValue(c, "limits.memory", "1Ki", {}), "1");
  assert.throws(() => resourceFieldValue(c, "cpu", undefined, {}), /unsupported resource/);
});

Deno.test("resolvePodConfig() builds the files of API volumes as the volume plugins do", async (t) => {
  const config = cm("cfg", { "a.conf": "A", "b.conf": "B" }, { "bin": btoa("\u0000\u0001") });
  const db = secret("db", { user: "admin", password: "pw" });
  const files = (volumes: Obj[], s = src([config], [db])) => {
    const r = resolvePodConfig(podWith({}, volumes), s);
    assert.ok("volumes" in r, JSON.stringify(r));
    return r.volumes;
  };
  const decode = (list: { path: string; data: string; mode: number }[]) =>
    list.map((f) => [f.path, atob(f.data), f.mode.toString(8)]);

  await t.step("configMap: every key (data and binaryData) or the items, with modes", () => {
    const v = files([
      { name: "all", configMap: { name: "cfg" } },
      {
        name: "some",
        configMap: {
          name: "cfg",
          defaultMode: 0o600,
          items: [{ key: "b.conf", path: "dir/b" }, { key: "a.conf", path: "a", mode: 0o400 }],
        },
      },
    ]);
    assert.deepEqual(decode(v.get("all")!), [["a.conf", "A", "644"], ["b.conf", "B", "644"], [
      "bin",
      "\u0000\u0001",
      "644",
    ]]);
    assert.deepEqual(decode(v.get("some")!), [["dir/b", "B", "600"], ["a", "A", "400"]]);
  });

  await t.step("secret, downwardAPI and projected sources", () => {
    const token = (sa: string, aud: string, exp: number) => `tok:${sa}:${aud}:${exp}`;
    const v = files([
      { name: "s", secret: { secretName: "db", items: [{ key: "password", path: "pw" }] } },
      {
        name: "d",
        downwardAPI: {
          items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, {
            path: "ns",
            fieldRef: { fieldPath: "metadata.namespace" },
          }],
        },
      },
      {
        name: "p",
        projected: {
          defaultMode: 0o444,
          sources: [
            { configMap: { name: "cfg", items: [{ key: "a.conf", path: "a" }] } },
            { secret: { name: "db", items: [{ key: "user", path: "user" }] } },
            {
              downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] },
            },
            { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
          ],
        },
      },
    ], src([config], [db], { token }));
    assert.deepEqual(decode(v.get("s")!), [["pw", "pw", "644"]]);
    assert.deepEqual(decode(v.get("d")!), [["labels", 'app="web"\ntier="a b"', "644"], [
      "ns",
      "shop",
      "644",
    ]]);
    assert.deepEqual(decode(v.get("p")!), [
      ["a", "A", "444"],
      ["user", "admin", "444"],
      ["name", "p", "444"],
      ["token", "tok:default::3607", "444"],
    ]);
  });

  await t.step("a missing object or key of a volume: FailedMount, optional ones empty", () => {
    const r = resolvePodConfig(
      podWith({}, [{ name: "v", configMap: { name: "nope" } }]),
      src([], []),
    );
    assert.deepEqual(r, {
      problem: {
        reason: "ContainerCreating",
        message: 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found',
        event: {
          reason: "FailedMount",
          message: 'MountVolume.SetUp failed for volume "v" : configmap "nope" not found',
        },
      },
    });
    const key = resolvePodConfig(
      podWith({}, [{ name: "v", secret: { secretName: "db", items: [{ key: "x", path: "x" }] } }]),
      src([], [db]),
    );
    assert.ok(
      "problem" in key && key.problem.message.endsWith(": references non-existent secret key: x"),
    );
    const cmKey = resolvePodConfig(
      podWith({}, [{ name: "v", configMap: { name: "cfg", items: [{ key: "x", path: "x" }] } }]),
      src([config], []),
    );
    assert.ok(
      "problem" in cmKey &&
        cmKey.problem.message.endsWith(": configmap references non-existent config key: x"),
    );
    const v = files([{ name: "v", configMap: { name: "nope", optional: true } }], src([], []));
    assert.deepEqual(v.get("v"), []);
  });

  await t.step("a token not issued yet makes the pod wait", () => {
    const r = resolvePodConfig(
      podWith({}, [{
        name: "t",
        projected: { sources: [{ serviceAccountToken: { path: "token" } }] },
      }], { serviceAccountName: "robot" }),
      src([], [], { token: () => undefined }),
    );
    assert.deepEqual(r, { waiting: 'waiting for a token of service account "robot"' });
  });
});

Deno.test("desiredFromApiPod() with config sources: resolved env, API volumes with their files", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "shop", uid: "u1" },
    spec: {
      nodeName: "n1",
      containers: [{
        name: "a",
        image: "/img",
        envFrom: [{ configMapRef: { name: "cfg" } }],
        volumeMounts: [{ name: "s", mountPath: "/s" }],
      }],
      volumes: [{ name: "s", secret: { secretName: "db" } }],
    },
  };
  const r = desiredFromApiPod(pod, {
    checkImage: () => undefined,
    config: src([cm("cfg", { MODE: "x" })], [secret("db", { pw: "p" })]),
  });
  assert.ok("desired" in r, JSON.stringify(r));
  const m = r.desired.manifest;
  assert.deepEqual(m.containers[0]!.env, [{ name: "MODE", value: "x" }]);
  assert.deepEqual(m.volumes, [{
    name: "s",
    kind: "projected",
    source: "secret",
    medium: "Memory",
    files: [{ path: "pw", data: btoa("p"), mode: 0o644 }],
  }]);
  const missing = desiredFromApiPod(pod, {
    checkImage: () => undefined,
    config: src([], [secret("db", { pw: "p" })]),
  });
  assert.deepEqual(missing, {
    problem: { reason: "CreateContainerConfigError", message: 'configmap "cfg" not found' },
  });
  // Without config sources (a static pod), the same fields are refused.
  const local = desiredFromApiPod(pod, { checkImage: () => undefined });
  assert.ok(
    "problem" in local && /"secret" needs a cluster/.test(local.problem.message),
    JSON.stringify(local),
  );
});
