/**
 * Root, real parts (etcd, rks, one `rkl daemon --cluster` in a network namespace of its own,
 * runc, conmon, CNI plugins, the real kubectl, busybox): ConfigMaps, Secrets and the downward
 * API reach a pod on a cluster node as the kubelet delivers them — `env` with
 * `configMapKeyRef`/`secretKeyRef`/`resourceFieldRef`, `envFrom` with a prefix, the service
 * variables, `configMap`/`secret`/`downwardAPI` volumes (items, modes, read-only, the secret on
 * a tmpfs), an update of the ConfigMap reaching the file, a restarted container getting the
 * ConfigMap's and Secret's current values in its environment (and waiting in
 * `CreateContainerConfigError` while a key its `env` needs is gone), a pod whose ConfigMap is missing
 * waiting in `CreateContainerConfigError` until it is created, and nothing left (tmpfs mounts,
 * volume directories) once the pods are deleted.
 */
import assert from "node:assert/strict";
import { testBundles, waitFor } from "../../core/testing.ts";
import { startTestCluster } from "./_cluster_testing.ts";

const long = { timeoutMs: 180_000, intervalMs: 500 };

type ApiPod = {
  metadata: { name: string; uid: string };
  status: {
    phase?: string;
    containerStatuses?: {
      name: string;
      restartCount?: number;
      ready?: boolean;
      state: { waiting?: { reason?: string; message?: string }; running?: unknown };
    }[];
  };
};

const configs = `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  MODE: fast
  app.properties: |
    color=blue
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData:
  password: s3cr$(HOME)t
`;

const pod = (name: string, spec: string) =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: ${name}, tier: config}}
spec:
  nodeName: node-1
  terminationGracePeriodSeconds: 1
${spec}`;

const configPod = pod(
  "cfg",
  `  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
      resources: {limits: {cpu: 250m, memory: 64Mi}}
      envFrom:
        - prefix: CFG_
          configMapRef: {name: app-config}
      env:
        - {name: MODE, valueFrom: {configMapKeyRef: {name: app-config, key: MODE}}}
        - {name: PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
        - {name: OPTIONAL, valueFrom: {configMapKeyRef: {name: nowhere, key: x, optional: true}}}
        - {name: CPU_MILLIS, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
        - {name: MEMORY_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
        - {name: KUBERNETES_SERVICE_PORT, value: "overridden"}
      volumeMounts:
        - {name: cfg, mountPath: /etc/cfg}
        - {name: db, mountPath: /etc/db}
        - {name: info, mountPath: /etc/info}
  volumes:
    - name: cfg
      configMap:
        name: app-config
        items: [{key: app.properties, path: conf/app.properties, mode: 0400}]
    - name: db
      secret: {secretName: db, defaultMode: 0440}
    - name: info
      downwardAPI:
        items:
          - {path: labels, fieldRef: {fieldPath: metadata.labels}}
          - {path: name, fieldRef: {fieldPath: metadata.name}}
`,
);

const waiterPod = pod(
  "waiter",
  `  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
      env:
        - {name: LATER, valueFrom: {configMapKeyRef: {name: later, key: k}}}
`,
);

async function hostMounts(): Promise<string[]> {
  // Reading /proc/self/mounts directly needs --allow-all; `cat` is in the dev set.
  const o = await new Deno.Command("cat", { args: ["/proc/self/mounts"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(o.stdout).split("\n");
}

Deno.test({
  name:
    "cluster node: ConfigMaps, Secrets and the downward API reach pods as env, envFrom and volumes; updates reach the files; a missing ConfigMap makes the pod wait",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using c = await startTestCluster(1);
    const { kubectl } = c;
    const ok = async (args: string[], stdin?: string) => {
      const r = await kubectl(args, stdin);
      assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const getPod = async (name: string): Promise<ApiPod> =>
      JSON.parse(await ok(["get", "pod", name, "-o", "json"])) as ApiPod;
    const running = (name: string) =>
      waitFor(
        `pod ${name} Running`,
        async () => (await getPod(name)).status.phase === "Running",
        long,
      )
        .catch((e) => {
          throw c.explain(e);
        });
    const exec = (name: string, argv: string[]) => kubectl(["exec", name, "--", ...argv]);
    const root = c.nodes[0]!.root;
    let uid = "";

    await t.step("env, envFrom, service variables and resourceFieldRef", async () => {
      await ok(["apply", "-f", "-"], configs);
      await ok(["apply", "-f", "-"], configPod);
      await running("cfg");
      uid = (await getPod("cfg")).metadata.uid;
      const r = await exec("cfg", ["env"]);
      assert.equal(r.code, 0, r.stderr);
      const env = new Map(
        r.stdout.split("\n").filter((l) => l.includes("=")).map((l) => {
          const i = l.indexOf("=");
          return [l.slice(0, i), l.slice(i + 1)] as const;
        }),
      );
      assert.equal(env.get("MODE"), "fast");
      assert.equal(env.get("CFG_MODE"), "fast");
      assert.equal(env.get("CFG_app.properties"), "color=blue");
      // A value from a Secret is never $(VAR)-expanded.
      assert.equal(env.get("PASSWORD"), "s3cr$(HOME)t");
      assert.equal(env.has("OPTIONAL"), false);
      assert.equal(env.get("CPU_MILLIS"), "250");
      assert.equal(env.get("MEMORY_MI"), "64");
      // The master service's variables are always there; the user's env wins over them.
      assert.equal(env.get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
      assert.equal(env.get("KUBERNETES_PORT_443_TCP_PROTO"), "tcp");
      assert.equal(env.get("KUBERNETES_SERVICE_PORT"), "overridden");
    });

    await t.step(
      "configMap, secret and downwardAPI volumes: items, modes, read-only, tmpfs",
      async () => {
        const props = await exec("cfg", ["cat", "/etc/cfg/conf/app.properties"]);
        assert.equal(props.stdout, "color=blue\n", props.stderr);
        const modes = await exec("cfg", [
          "stat",
          "-L",
          "-c",
          "%a",
          "/etc/cfg/conf/app.properties",
          "/etc/db/password",
        ]);
        assert.deepEqual(modes.stdout.trim().split("\n"), ["400", "440"], modes.stderr);
        const pw = await exec("cfg", ["cat", "/etc/db/password"]);
        assert.equal(pw.stdout, "s3cr$(HOME)t");
        const labels = await exec("cfg", ["cat", "/etc/info/labels"]);
        assert.equal(labels.stdout, 'app="cfg"\ntier="config"');
        const link = await exec("cfg", ["readlink", "/etc/db/password"]);
        assert.equal(link.stdout.trim(), "..data/password");
        const write = await exec("cfg", ["touch", "/etc/cfg/new"]);
        assert.notEqual(write.code, 0, "a configMap volume is read-only");
        const mounts = await hostMounts();
        assert.ok(
          mounts.some((l) =>
            l.startsWith("tmpfs ") && l.includes(root) && l.includes("/volumes/db ")
          ),
          `the secret volume is on a tmpfs under ${root}:\n${
            mounts.filter((l) => l.includes(root)).join("\n")
          }`,
        );
      },
    );

    await t.step("an update of the ConfigMap reaches the mounted file", async () => {
      await ok([
        "patch",
        "configmap",
        "app-config",
        "--type",
        "merge",
        "-p",
        JSON.stringify({ data: { "app.properties": "color=green\n" } }),
      ]);
      await waitFor("the new content in the pod", async () => {
        const r = await exec("cfg", ["cat", "/etc/cfg/conf/app.properties"]);
        return r.stdout === "color=green\n";
      }, long).catch((e) => {
        throw c.explain(e);
      });
      // The environment keeps the values the container started with.
      const r = await exec("cfg", ["env"]);
      assert.match(r.stdout, /^CFG_app\.properties=color=blue$/m, r.stderr);
    });

    await t.step(
      "a restarted container gets the current ConfigMap and Secret values in its environment",
      async () => {
        await ok([
          "patch",
          "configmap",
          "app-config",
          "--type",
          "merge",
          "-p",
          JSON.stringify({ data: { MODE: "slow" } }),
        ]);
        await ok([
          "patch",
          "secret",
          "db",
          "--type",
          "merge",
          "-p",
          JSON.stringify({ data: { password: btoa("n3w") } }),
        ]);
        await ok(["create", "service", "clusterip", "late", "--tcp=80:8080"]);
        const lateIP = await ok(["get", "service", "late", "-o", "jsonpath={.spec.clusterIP}"]);
        // The node has both updates once the secret volume's file shows the new value, and the
        // new Service once its cluster DNS answers for it.
        await waitFor("the new secret in the pod's volume and the Service in DNS", async () => {
          const r = await exec("cfg", ["cat", "/etc/db/password"]);
          if (r.stdout !== "n3w") return false;
          const ns = await exec("cfg", ["nslookup", "late.default.svc.cluster.local"]);
          return ns.stdout.includes(lateIP);
        }, long).catch((e) => {
          throw c.explain(e);
        });
        const before = await exec("cfg", ["env"]);
        assert.match(before.stdout, /^MODE=fast$/m, "the running container keeps its environment");
        assert.doesNotMatch(before.stdout, /^LATE_SERVICE_HOST=/m);
        // The container's process ends (its TERM trap exits 0); restartPolicy Always (the
        // default) starts it again, and the kubelet resolves the environment at each start.
        const kill = await exec("cfg", ["kill", "1"]);
        assert.equal(kill.code, 0, kill.stderr);
        await waitFor("the container restarted and running", async () => {
          const s = (await getPod("cfg")).status.containerStatuses?.[0];
          return (s?.restartCount ?? 0) >= 1 && s?.state.running !== undefined && s.ready;
        }, long).catch((e) => {
          throw c.explain(e);
        });
        assert.equal((await getPod("cfg")).metadata.uid, uid, "the same pod, not a new one");
        const r = await exec("cfg", ["env"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^MODE=slow$/m);
        assert.match(r.stdout, /^CFG_MODE=slow$/m);
        assert.match(r.stdout, /^CFG_app\.properties=color=green$/m);
        assert.match(r.stdout, /^PASSWORD=n3w$/m);
        // The Service created since the first start has its variables now.
        assert.match(
          r.stdout,
          new RegExp(`^LATE_SERVICE_HOST=${lateIP.replaceAll(".", "\\.")}$`, "m"),
        );
        assert.match(r.stdout, /^LATE_SERVICE_PORT=80$/m);
        // Still the pod's other variables.
        assert.match(r.stdout, /^KUBERNETES_SERVICE_HOST=10\.96\.0\.1$/m);
        assert.match(r.stdout, /^CPU_MILLIS=250$/m);
      },
    );

    await t.step(
      "a key deleted meanwhile: the restart waits in CreateContainerConfigError until it is back",
      async () => {
        const restarts = (await getPod("cfg")).status.containerStatuses?.[0]?.restartCount ?? 0;
        // MODE goes; app.properties changes too, so the file shows when the node has the update.
        await ok([
          "patch",
          "configmap",
          "app-config",
          "--type",
          "json",
          "-p",
          JSON.stringify([
            { op: "remove", path: "/data/MODE" },
            { op: "replace", path: "/data/app.properties", value: "color=red\n" },
          ]),
        ]);
        await waitFor("the node has the ConfigMap without MODE", async () => {
          const r = await exec("cfg", ["cat", "/etc/cfg/conf/app.properties"]);
          return r.stdout === "color=red\n";
        }, long).catch((e) => {
          throw c.explain(e);
        });
        const kill = await exec("cfg", ["kill", "1"]);
        assert.equal(kill.code, 0, kill.stderr);
        const message = "couldn't find key MODE in ConfigMap default/app-config";
        await waitFor("the kubelet's waiting reason for the restart", async () => {
          const s = (await getPod("cfg")).status.containerStatuses?.[0];
          return s?.state.waiting?.reason === "CreateContainerConfigError" &&
            s.state.waiting.message === message && s.restartCount === restarts;
        }, long).catch((e) => {
          throw c.explain(e);
        });
        const events = await ok([
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=cfg",
          "-o",
          "jsonpath={.items[*].message}",
        ]);
        assert.ok(events.includes(`Error: ${message}`), events);
        await ok([
          "patch",
          "configmap",
          "app-config",
          "--type",
          "merge",
          "-p",
          JSON.stringify({ data: { MODE: "back" } }),
        ]);
        await waitFor("the container restarted with the key back", async () => {
          const s = (await getPod("cfg")).status.containerStatuses?.[0];
          return (s?.restartCount ?? 0) > restarts && s?.state.running !== undefined;
        }, long).catch((e) => {
          throw c.explain(e);
        });
        const r = await exec("cfg", ["env"]);
        assert.match(r.stdout, /^MODE=back$/m, r.stderr);
      },
    );

    await t.step(
      "a missing ConfigMap: CreateContainerConfigError, then Running once created",
      async () => {
        await ok(["apply", "-f", "-"], waiterPod);
        await waitFor("the kubelet's waiting reason", async () => {
          const w = (await getPod("waiter")).status.containerStatuses?.[0]?.state.waiting;
          return w?.reason === "CreateContainerConfigError" &&
            w.message === 'configmap "later" not found';
        }, long).catch((e) => {
          throw c.explain(e);
        });
        const events = await ok([
          "get",
          "events",
          "--field-selector",
          "involvedObject.name=waiter",
          "-o",
          "jsonpath={.items[*].message}",
        ]);
        assert.match(events, /Error: configmap "later" not found/);
        await ok(["create", "configmap", "later", "--from-literal=k=arrived"]);
        await running("waiter");
        const r = await exec("waiter", ["env"]);
        assert.match(r.stdout, /^LATER=arrived$/m, r.stderr);
      },
    );

    await t.step("deleting the pods leaves no tmpfs mount and no volume directory", async () => {
      await ok(["delete", "pod", "cfg", "waiter", "--wait=true", "--timeout=120s"]);
      await waitFor("no mount of the deleted pods", async () => {
        return !(await hostMounts()).some((l) => l.includes(root) && l.includes("/volumes/"));
      }, long);
      // Every pod state dir (and the volumes in it) is gone.
      const volumeDirs: string[] = [];
      const walk = async (dir: string, depth: number): Promise<void> => {
        if (depth > 6) return;
        for await (const e of Deno.readDir(dir)) {
          if (!e.isDirectory) continue;
          if (e.name === "volumes") volumeDirs.push(`${dir}/volumes`);
          else await walk(`${dir}/${e.name}`, depth + 1);
        }
      };
      await waitFor("no volume directory of the deleted pods", async () => {
        volumeDirs.length = 0;
        await walk(root, 0);
        return volumeDirs.length === 0;
      }, long).catch((e) => {
        throw new Error(`${e.message} (pod ${uid}): ${volumeDirs.join(", ")}`);
      });
    });
  },
});
