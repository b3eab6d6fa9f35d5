/**
 * The API server against a real etcd (over the JSON gateway and over gRPC) with the real
 * kubectl as the client, plus raw HTTPS requests for what kubectl does not show.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { LineReader, startTestCluster, type TestCluster } from "./_testing.ts";
import { encodeProtobufObject } from "./protobuf_body.ts";

const podYaml = (name: string, labels = "app: web") =>
  `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}]
`;

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;
const secret = (name: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}}\nstringData: {a: b}\n`;

async function ok(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return await res.json() as Record<string, unknown>;
}

/** Reads JSON watch events from a response until `n` arrived. */
async function watchEvents(
  res: Response,
  n: number,
): Promise<{ type: string; object: Record<string, unknown> }[]> {
  const r = new LineReader(res.body!);
  const lines = await r.until((l) => l.length >= n);
  await r.cancel();
  return lines.slice(0, n).map((l) => JSON.parse(l));
}

for (const transport of ["http", "grpc"] as const) {
  Deno.test({
    name: `rks API server with kubectl over the ${transport} store transport`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      await using c = await startTestCluster(transport);

      await t.step("kubectl version reports a 1.32 server", async () => {
        const out = await ok(c, ["version"]);
        assert.match(out, /Server Version: v1\.32\.4\+rk8s/);
      });

      await t.step("requests without a valid token get 401 Unauthorized as a Status", async () => {
        for (const token of [null, "wrong"]) {
          const res = await c.request("/api/v1/namespaces", { token });
          assert.equal(res.status, 401);
          const body = await json(res);
          assert.equal(body.kind, "Status");
          assert.equal(body.reason, "Unauthorized");
        }
        const v = await c.request("/version", { token: null });
        assert.equal(v.status, 200);
        assert.equal((await json(v)).minor, "32");
      });

      await t.step(
        "discovery: aggregated v2 with the exact content type, legacy otherwise",
        async () => {
          const agg = await c.request("/apis", {
            headers: {
              accept:
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
            },
          });
          assert.equal(
            agg.headers.get("content-type"),
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
          );
          const groups = (await json(agg)).items as { metadata: { name: string } }[];
          assert.deepEqual(groups.map((g) => g.metadata.name).sort(), [
            "apps",
            "coordination.k8s.io",
            "discovery.k8s.io",
            "events.k8s.io",
            "scheduling.k8s.io",
          ]);
          const legacy = await json(await c.request("/api"));
          assert.equal(legacy.kind, "APIVersions");
          const v1 = await json(await c.request("/api/v1"));
          const names = (v1.resources as { name: string }[]).map((r) => r.name);
          assert.ok(names.includes("pods/log") && names.includes("namespaces"));
          for (const p of ["/healthz", "/livez", "/readyz"]) {
            const res = await c.request(p);
            assert.equal(await res.text(), "ok");
          }
          const out = await ok(c, ["api-resources"]);
          assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
          assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
        },
      );

      await t.step("kubectl explain reads the OpenAPI v3 schemas", async () => {
        const out = await ok(c, ["explain", "pod.spec.containers"]);
        assert.match(out, /^KIND:\s+Pod$/m);
        assert.match(out, /^FIELD:\s+containers <\[\]Container>$/m);
        assert.match(out, /^\s+image\s+<string>$/m);
      });

      await t.step("the system namespaces and their default service accounts exist", async () => {
        const ns = await ok(c, ["get", "ns", "-o", "name"]);
        assert.deepEqual(ns.trim().split("\n").sort(), [
          "namespace/default",
          "namespace/kube-node-lease",
          "namespace/kube-public",
          "namespace/kube-system",
        ]);
        const sa = await ok(c, ["get", "sa", "-A", "--no-headers"]);
        assert.equal(sa.trim().split("\n").filter((l) => /\sdefault\s/.test(l)).length, 4);
      });

      await t.step("create -f stores a defaulted pod and answers 409 the second time", async () => {
        assert.equal(
          (await ok(c, ["create", "-f", "-"], podYaml("web"))).trim(),
          "pod/web created",
        );
        const again = await c.kubectl(["create", "-f", "-"], podYaml("web"));
        assert.equal(again.code, 1);
        assert.match(
          again.stderr,
          /Error from server \(AlreadyExists\): error when creating "STDIN": pods "web" already exists/,
        );
        const pod = JSON.parse(await ok(c, ["get", "pod", "web", "-o", "json"]));
        assert.equal(pod.spec.restartPolicy, "Always");
        assert.equal(pod.spec.containers[0].ports[0].protocol, "TCP");
        assert.equal(pod.spec.containers[0].imagePullPolicy, "IfNotPresent");
        assert.equal(pod.status.phase, "Pending");
        assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
        assert.match(pod.metadata.resourceVersion, /^\d+$/);
        const yaml = await ok(c, ["get", "pod", "web", "-o", "yaml"]);
        assert.match(yaml, /terminationGracePeriodSeconds: 30/);
      });

      await t.step("get with -A, -l, --show-labels, -o wide; describe", async () => {
        // (kubectl's typed create commands send protobuf, which rks does not decode: use -f.)
        await ok(
          c,
          ["create", "-f", "-"],
          "apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n",
        );
        await ok(c, ["create", "-n", "other", "-f", "-"], podYaml("api", "app: api"));
        const all = await ok(c, ["get", "pods", "-A", "--no-headers"]);
        assert.match(all, /^default\s+web\s/m);
        assert.match(all, /^other\s+api\s/m);
        const sel = await ok(c, ["get", "pods", "-A", "-l", "app=api", "-o", "name"]);
        assert.equal(sel.trim(), "pod/api");
        const none = await c.kubectl(["get", "pods", "-l", "app=nope"]);
        assert.match(none.stderr, /No resources found in default namespace\./);
        const labels = await ok(c, ["get", "pods", "--show-labels"]);
        assert.match(labels, /app=web/);
        const table = await ok(c, ["get", "pods"]);
        assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
        assert.match(table, /^web\s+0\/1\s+Pending\s+0\s+\d+s$/m);
        const wide = await ok(c, ["get", "pods", "-o", "wide"]);
        assert.match(
          wide,
          /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m,
        );
        assert.match(wide, /^web\s/m);
        const desc = await ok(c, ["describe", "pod", "web"]);
        assert.match(desc, /^Name:\s+web$/m);
        assert.match(desc, /^Namespace:\s+default$/m);
      });

      await t.step(
        "Events: one storage served as v1 and events.k8s.io/v1; describe shows them",
        async () => {
          const pod = JSON.parse(await ok(c, ["get", "pod", "web", "-o", "json"]));
          const res = await c.request("/apis/events.k8s.io/v1/namespaces/default/events", {
            method: "POST",
            body: JSON.stringify({
              apiVersion: "events.k8s.io/v1",
              kind: "Event",
              metadata: { name: "web.1" },
              eventTime: "2026-11-30T00:00:00.000000Z",
              reportingController: "rk8s.io/scheduler",
              reportingInstance: "rks",
              action: "Binding",
              reason: "Scheduled",
              type: "Normal",
              note: "Successfully assigned default/web to n1",
              regarding: { kind: "Pod", namespace: "default", name: "web", uid: pod.metadata.uid },
            }),
          });
          assert.equal(res.status, 201, await res.text());
          const core = await json(await c.request("/api/v1/namespaces/default/events/web.1"));
          assert.equal(core.apiVersion, "v1");
          assert.equal(core.message, "Successfully assigned default/web to n1");
          assert.equal((core.involvedObject as { name: string }).name, "web");
          const desc = await ok(c, ["describe", "pod", "web"]);
          assert.match(desc, /Normal\s+Scheduled\s+.*Successfully assigned default\/web to n1/);
        },
      );

      await t.step(
        "Services get cluster IPs and node ports; the kubernetes service exists",
        async () => {
          const k = await ok(c, ["get", "svc", "kubernetes", "--no-headers"]);
          assert.match(k, /^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s/);
          const ep = JSON.parse(await ok(c, ["get", "endpoints", "kubernetes", "-o", "json"]));
          assert.equal(ep.subsets[0].ports[0].port, Number(new URL(c.server.url).port));
          assert.match(
            await ok(c, ["create", "service", "nodeport", "np", "--tcp=80:8080"]),
            /service\/np created/,
          );
          const np = JSON.parse(await ok(c, ["get", "svc", "np", "-o", "json"]));
          assert.match(np.spec.clusterIP, /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
          assert.deepEqual(np.spec.clusterIPs, [np.spec.clusterIP]);
          assert.ok(np.spec.ports[0].nodePort >= 30000 && np.spec.ports[0].nodePort <= 32767);
          const svc = (name: string) => ({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name },
            spec: { clusterIP: np.spec.clusterIP, ports: [{ port: 80 }] },
          });
          const taken = await c.request("/api/v1/namespaces/default/services", {
            method: "POST",
            body: JSON.stringify(svc("same-ip")),
          });
          assert.equal(taken.status, 422);
          assert.match(
            (await json(taken)).message as string,
            /spec\.clusterIPs: Invalid value: \["10\.[\d.]+"\]: failed to allocate IP 10\.[\d.]+: provided IP is already allocated/,
          );
          await ok(c, ["delete", "svc", "np"]);
          await waitFor("the IP to be released", async () => {
            const again = await c.request("/api/v1/namespaces/default/services", {
              method: "POST",
              body: JSON.stringify(svc("same-ip")),
            });
            await again.body?.cancel();
            return again.status === 201;
          });
        },
      );

      await t.step("label and annotate patch the pod", async () => {
        assert.match(await ok(c, ["label", "pod", "web", "tier=front"]), /pod\/web labeled/);
        assert.match(await ok(c, ["annotate", "pod", "web", "note=hi"]), /pod\/web annotated/);
        const out = await ok(c, [
          "get",
          "pod",
          "web",
          "-o",
          "jsonpath={.metadata.labels.tier} {.metadata.annotations.note}",
        ]);
        assert.equal(out, "front hi");
      });

      await t.step(
        "apply -f: created, configured, unchanged; patch --type=json; edit; diff",
        async () => {
          const dep = (image: string, replicas: number) =>
            `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, labels: {tier: back}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: ${image}
        env: [{name: A, value: "1"}]
        ports: [{containerPort: 8080}]
`;
          assert.match(
            await ok(c, ["apply", "-f", "-"], dep("busybox:1.36", 1)),
            /deployment.apps\/api created/,
          );
          assert.match(
            await ok(c, ["apply", "-f", "-"], dep("busybox:1.37", 2)),
            /deployment.apps\/api configured/,
          );
          assert.match(
            await ok(c, ["apply", "-f", "-"], dep("busybox:1.37", 2)),
            /deployment.apps\/api unchanged/,
          );
          const d = JSON.parse(await ok(c, ["get", "deploy", "api", "-o", "json"]));
          const ctr = d.spec.template.spec.containers[0];
          assert.equal(ctr.image, "busybox:1.37");
          assert.deepEqual(ctr.env, [{ name: "A", value: "1" }], "SMP merged the env list by name");
          assert.equal(ctr.ports[0].protocol, "TCP");
          assert.equal(d.spec.replicas, 2);
          assert.equal(d.metadata.generation, 2);
          await ok(c, [
            "patch",
            "deploy",
            "api",
            "--type=json",
            "-p",
            '[{"op":"replace","path":"/spec/replicas","value":4}]',
          ]);
          const bad = await c.kubectl([
            "patch",
            "deploy",
            "api",
            "--type=json",
            "-p",
            '[{"op":"test","path":"/spec/replicas","value":9}]',
          ]);
          assert.equal(bad.code, 1);
          assert.match(bad.stderr, /testing value \/spec\/replicas failed/);
          // edit: the editor changes a label; kubectl sends a strategic merge patch.
          const editor = `${c.dir}/editor.sh`;
          await Deno.writeTextFile(
            editor,
            "#!/bin/sh\nsed -i 's/tier: back/tier: edited/' \"$1\"\n",
            { mode: 0o755 },
          );
          const edited = await c.kubectl(["edit", "deploy", "api"], undefined, {
            KUBE_EDITOR: editor,
          });
          assert.match(edited.stdout, /deployment.apps\/api edited/, edited.stderr);
          const tier = await ok(c, [
            "get",
            "deploy",
            "api",
            "-o",
            "jsonpath={.metadata.labels.tier} {.spec.replicas}",
          ]);
          assert.equal(tier, "edited 4");
          const diff = await c.kubectl(["diff", "-f", "-"], dep("busybox:1.38", 4));
          assert.equal(diff.code, 1, diff.stderr); // 1 = differences found
          assert.match(diff.stdout, /-\s+image: busybox:1\.37/);
          assert.match(diff.stdout, /\+\s+image: busybox:1\.38/);
          const still = await ok(c, [
            "get",
            "deploy",
            "api",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
          ]);
          assert.equal(still, "busybox:1.37", "diff is a dry run");
        },
      );

      await t.step(
        "apply -f of a kind: List; get --subresource=scale prints the Scale columns",
        async () => {
          const list = (replicas: number, extra = "") =>
            `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed}
  data: {x: "1"}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: listed}
  spec:
    replicas: ${replicas}
    selector: {matchLabels: {app: listed}}
    template:
      metadata: {labels: {app: listed}}
      spec: {containers: [{name: c, image: busybox:1.36${extra}}]}
`;
          // kubectl checks a List on the client against /openapi/v2 (protobuf), then sends
          // each item with fieldValidation=Strict.
          const created = await ok(c, ["apply", "-f", "-"], list(3));
          assert.match(created, /configmap\/listed created/);
          assert.match(created, /deployment.apps\/listed created/);
          const again = await ok(c, ["apply", "-f", "-"], list(3));
          assert.match(again, /configmap\/listed unchanged/);
          assert.match(again, /deployment.apps\/listed unchanged/);
          const typo = await c.kubectl(["apply", "-f", "-"], list(3, ", imagePolicy: x"));
          assert.equal(typo.code, 1, typo.stdout);
          assert.match(
            typo.stderr,
            /unknown field "spec.template.spec.containers\[0\].imagePolicy"/,
          );
          const scale = await ok(c, ["get", "deploy", "listed", "--subresource=scale"]);
          const [head, row] = scale.trim().split("\n");
          assert.deepEqual(head!.split(/\s+/), ["NAME", "DESIRED", "AVAILABLE", "AGE"]);
          assert.deepEqual(row!.split(/\s+/).slice(0, 3), ["listed", "3", "0"]);
          const res = await c.request("/openapi/v2", {
            headers: { accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" },
          });
          assert.equal(
            res.headers.get("content-type"),
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
          );
          assert.deepEqual([...new Uint8Array(await res.arrayBuffer()).subarray(0, 5)], [
            0x0a,
            3,
            0x32,
            0x2e,
            0x30,
          ]);
        },
      );

      await t.step(
        "server-side apply, managedFields, fieldValidation Strict and Warn",
        async () => {
          const cfg = (value: string, extra = "") =>
            `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa}\ndata: {a: "${value}"}\n${extra}`;
          const first = await c.kubectl(["apply", "--server-side", "-f", "-"], cfg("1"));
          assert.match(first.stdout, /configmap\/ssa serverside-applied/, first.stderr);
          const again = await c.kubectl(["apply", "--server-side", "-f", "-"], cfg("2"));
          assert.match(again.stdout, /configmap\/ssa serverside-applied/, again.stderr);
          const got = JSON.parse(
            await ok(c, ["get", "cm", "ssa", "-o", "json", "--show-managed-fields"]),
          );
          assert.equal(got.data.a, "2");
          assert.ok(
            got.metadata.managedFields.some((m: { manager: string; operation: string }) =>
              m.manager === "kubectl" && m.operation === "Apply"
            ),
            JSON.stringify(got.metadata.managedFields),
          );
          const other = await c.kubectl(
            ["apply", "--server-side", "--field-manager=other", "-f", "-"],
            cfg("3"),
          );
          assert.equal(other.code, 1);
          assert.match(
            other.stderr,
            /Apply failed with 1 conflict: conflict with "kubectl": \.data\.a/,
          );
          const forced = await c.kubectl(
            ["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"],
            cfg("3"),
          );
          assert.equal(forced.code, 0, forced.stderr);
          assert.equal(await ok(c, ["get", "cm", "ssa", "-o", "jsonpath={.data.a}"]), "3");
          // A non-apply write is tracked too.
          const created = JSON.parse(
            await ok(c, ["get", "pod", "web", "-o", "json", "--show-managed-fields"]),
          );
          assert.equal(created.metadata.managedFields[0].manager, "kubectl-create");
          // Unknown fields: Strict (kubectl's default for create -f) refuses, Warn warns.
          const typo = cfg("4", "spec: {x: 1}\n");
          const strict = await c.kubectl(
            ["create", "-f", "-"],
            typo.replace("name: ssa", "name: typo"),
          );
          assert.equal(strict.code, 1);
          assert.match(strict.stderr, /strict decoding error: unknown field "spec"/);
          const warn = await c.kubectl(
            ["create", "--validate=warn", "-f", "-"],
            typo.replace("name: ssa", "name: typo"),
          );
          assert.equal(warn.code, 0, warn.stderr);
          assert.match(warn.stderr, /Warning: unknown field "spec"/);
        },
      );

      await t.step(
        "get -w sees ADDED, MODIFIED and DELETED; delete waits for removal",
        async () => {
          const w = c.spawnKubectl(["get", "pods", "-w", "--output-watch-events", "--no-headers"]);
          const out = new LineReader(w.stdout);
          try {
            await out.until((l) => l.some((x) => /^ADDED\s+web\b/.test(x)));
            // The list came first; the watch request follows it: change the pod until it is seen.
            for (let n = 0; n < 20 && !out.lines.some((x) => /^MODIFIED\s+web\b/.test(x)); n++) {
              await ok(c, ["label", "pod", "web", `round=${n}`, "--overwrite"]);
              await out.until((l) => l.some((x) => /^MODIFIED\s+web\b/.test(x)), 1000).catch(
                () => {},
              );
            }
            assert.match(await ok(c, ["delete", "pod", "web"]), /pod "web" deleted/);
            const lines = await out.until((l) => l.some((x) => /^DELETED\s+web\b/.test(x)));
            assert.match(lines[0]!, /^ADDED\s+web\b/);
            assert.ok(lines.some((x) => /^MODIFIED\s+web\b/.test(x)), lines.join("\n"));
          } finally {
            w.kill();
            await out.cancel();
            await w.status;
          }
          const gone = await c.kubectl(["get", "pod", "web"]);
          assert.match(gone.stderr, /Error from server \(NotFound\): pods "web" not found/);
        },
      );

      await t.step("graceful deletion, finalizers and preconditions", async () => {
        const pods = "/api/v1/namespaces/default/pods";
        const bound = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "bound", finalizers: ["example.com/hold"] },
          spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox:1.36" }] },
        };
        const created = await json(
          await c.request(pods, { method: "POST", body: JSON.stringify(bound) }),
        );
        const uid = (created.metadata as { uid: string }).uid;
        const wrong = await c.request(`${pods}/bound`, {
          method: "DELETE",
          body: JSON.stringify({ preconditions: { uid: "not-" + uid } }),
        });
        assert.equal(wrong.status, 409);
        assert.equal(
          (await json(wrong)).message,
          `Operation cannot be fulfilled on pods "bound": Precondition failed: UID in precondition: not-${uid}, UID in object meta: ${uid}`,
        );
        // On a node: the pod stays with deletionTimestamp = now + grace period.
        const del = await json(
          await c.request(`${pods}/bound?gracePeriodSeconds=20`, { method: "DELETE" }),
        );
        const meta = del.metadata as Record<string, unknown>;
        assert.equal(meta.deletionGracePeriodSeconds, 20);
        assert.ok(typeof meta.deletionTimestamp === "string");
        const rv = Number(meta.resourceVersion);
        // Grace period 0 (what the kubelet sends when the containers are gone): the finalizer
        // still holds the object.
        const zero = await json(
          await c.request(`${pods}/bound?gracePeriodSeconds=0`, { method: "DELETE" }),
        );
        assert.equal((zero.metadata as Record<string, unknown>).deletionGracePeriodSeconds, 0);
        const ac = new AbortController();
        const watch = await c.request(`${pods}?watch=true&resourceVersion=${rv}`, {
          signal: ac.signal,
        });
        const patched = await c.request(`${pods}/bound`, {
          method: "PATCH",
          headers: { "content-type": "application/merge-patch+json" },
          body: JSON.stringify({ metadata: { finalizers: null } }),
        });
        assert.equal(patched.status, 200);
        await patched.body?.cancel();
        const evs = await watchEvents(watch, 2);
        assert.deepEqual(evs.map((e) => e.type), ["MODIFIED", "DELETED"]);
        ac.abort();
        const gone = await c.request(`${pods}/bound`);
        assert.equal(gone.status, 404);
        await gone.body?.cancel();
      });

      await t.step("a status write during a pod's grace period keeps the pod", async () => {
        const pods = "/api/v1/namespaces/default/pods";
        const created = await c.request(pods, {
          method: "POST",
          body: JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "stopping" },
            spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox:1.36" }] },
          }),
        });
        assert.equal(created.status, 201);
        await created.body?.cancel();
        const del = await c.request(`${pods}/stopping?gracePeriodSeconds=20`, { method: "DELETE" });
        assert.equal(del.status, 200);
        await del.body?.cancel();
        // The node reports while it stops the containers (kube's ShouldDeleteDuringUpdate:
        // only an object whose grace period is 0 goes on an update).
        const st = await c.request(`${pods}/stopping/status`, {
          method: "PATCH",
          headers: { "content-type": "application/merge-patch+json" },
          body: JSON.stringify({ status: { phase: "Failed" } }),
        });
        assert.equal(st.status, 200);
        await st.body?.cancel();
        const still = await json(await c.request(`${pods}/stopping`));
        assert.equal((still.status as { phase: string }).phase, "Failed");
        assert.equal((still.metadata as Record<string, unknown>).deletionGracePeriodSeconds, 20);
        const zero = await c.request(`${pods}/stopping?gracePeriodSeconds=0`, { method: "DELETE" });
        assert.equal(zero.status, 200);
        await zero.body?.cancel();
        const gone = await c.request(`${pods}/stopping`);
        assert.equal(gone.status, 404);
        await gone.body?.cancel();
      });

      await t.step("invalid names give 422 Invalid with the field cause", async () => {
        const r = await c.kubectl(["create", "-f", "-"], podYaml("Bad_Name"));
        assert.equal(r.code, 1);
        assert.match(
          r.stderr,
          /The Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
        );
        const res = await c.request("/api/v1/namespaces/default/configmaps", {
          method: "POST",
          body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }),
        });
        const s = await json(res);
        assert.equal(res.status, 422);
        assert.deepEqual((s.details as { causes: unknown[] }).causes, [{
          reason: "FieldValueRequired",
          message: "Required value: name or generateName is required",
          field: "metadata.name",
        }]);
      });

      await t.step(
        "bad bodies: malformed JSON 400, wrong kind 400, > 3 MiB 413, nothing stored",
        async () => {
          const post = (body: string) =>
            c.request("/api/v1/namespaces/default/configmaps", { method: "POST", body });
          const bad = await post("{not json");
          assert.equal(bad.status, 400);
          assert.equal((await json(bad)).reason, "BadRequest");
          const kind = await post(
            JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "k" } }),
          );
          assert.equal(kind.status, 400);
          await kind.body?.cancel();
          const big = await post(JSON.stringify({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "big" },
            data: { x: "a".repeat(3 * 1024 * 1024) },
          }));
          assert.equal(big.status, 413);
          assert.equal((await json(big)).message, "Request entity too large: limit is 3145728");
          const list = await json(await c.request("/api/v1/namespaces/default/configmaps"));
          const names = (list.items as { metadata: { name: string } }[]).map((i) =>
            i.metadata.name
          );
          assert.ok(!names.includes("big") && !names.includes("k"), names.join(","));
        },
      );

      await t.step(
        "generateName, dryRun=All, update conflicts (409) as kube-apiserver words them",
        async () => {
          const created = await json(
            await c.request("/api/v1/namespaces/default/configmaps", {
              method: "POST",
              body: JSON.stringify({ metadata: { generateName: "cfg-" }, data: { a: "1" } }),
            }),
          );
          const meta = created.metadata as Record<string, string>;
          assert.match(meta.name!, /^cfg-[a-z0-9]{5}$/);
          const dry = await c.request("/api/v1/namespaces/default/configmaps?dryRun=All", {
            method: "POST",
            body: JSON.stringify({ metadata: { name: "dry" } }),
          });
          assert.equal(dry.status, 201);
          await dry.body?.cancel();
          const miss = await c.request("/api/v1/namespaces/default/configmaps/dry");
          assert.equal(miss.status, 404);
          await miss.body?.cancel();
          const path = `/api/v1/namespaces/default/configmaps/${meta.name}`;
          const first = await c.request(path, {
            method: "PUT",
            body: JSON.stringify({ ...created, data: { a: "2" } }),
          });
          assert.equal(first.status, 200);
          await first.body?.cancel();
          const stale = await c.request(path, {
            method: "PUT",
            body: JSON.stringify({ ...created, data: { a: "3" } }),
          });
          assert.equal(stale.status, 409);
          assert.equal(
            (await json(stale)).message,
            `Operation cannot be fulfilled on configmaps "${meta.name}": the object has been modified; please apply your changes to the latest version and try again`,
          );
        },
      );

      await t.step("list pages with limit/continue at one revision", async () => {
        for (let i = 0; i < 5; i++) {
          await ok(c, ["create", "-n", "other", "-f", "-"], cm(`page-${i}`));
        }
        const base = "/api/v1/namespaces/other/configmaps?limit=2";
        const p1 = await json(await c.request(base));
        const m1 = p1.metadata as Record<string, unknown>;
        assert.equal((p1.items as unknown[]).length, 2);
        assert.equal(m1.remainingItemCount, 3);
        await ok(c, ["create", "-n", "other", "-f", "-"], cm("page-late"));
        const names: string[] = (p1.items as { metadata: { name: string } }[]).map((i) =>
          i.metadata.name
        );
        let cont = m1.continue as string | undefined;
        while (cont) {
          const p = await json(await c.request(`${base}&continue=${encodeURIComponent(cont)}`));
          const m = p.metadata as Record<string, unknown>;
          assert.equal(m.resourceVersion, m1.resourceVersion);
          names.push(...(p.items as { metadata: { name: string } }[]).map((i) => i.metadata.name));
          cont = m.continue as string | undefined;
        }
        // kube-root-ca-style extras do not exist; the late configmap is not in the old revision.
        assert.deepEqual(names, ["page-0", "page-1", "page-2", "page-3", "page-4"]);
        const future = Number(m1.resourceVersion) + 1000;
        for (
          const match of ["", "&resourceVersionMatch=Exact", "&resourceVersionMatch=NotOlderThan"]
        ) {
          const tooNew = await c.request(
            `/api/v1/namespaces/other/configmaps?resourceVersion=${future}${match}`,
          );
          assert.equal(tooNew.status, 504, match);
          assert.match(
            (await json(tooNew)).message as string,
            /^Too large resource version: \d+, current: \d+$/,
          );
        }
        const exact = await json(
          await c.request(
            `/api/v1/namespaces/other/configmaps?resourceVersion=${m1.resourceVersion}&resourceVersionMatch=Exact`,
          ),
        );
        assert.equal((exact.items as unknown[]).length, 5, "the list as it was at that revision");
      });

      await t.step(
        "watches share one store watch per kind; resume from an old RV; 410 after compaction",
        async () => {
          const before = await json(await c.request("/api/v1/namespaces/default/secrets"));
          const rv0 = (before.metadata as { resourceVersion: string }).resourceVersion;
          await ok(c, ["create", "-f", "-"], secret("s1"));
          await ok(c, ["create", "-f", "-"], secret("s2"));
          const ac = new AbortController();
          const watches = await Promise.all(
            Array.from(
              { length: 5 },
              () => c.request("/api/v1/secrets?watch=true", { signal: ac.signal }),
            ),
          );
          // The shared watch started after s1 and s2: resuming from rv0 needs the store history.
          const old = await c.request(
            `/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${rv0}`,
            {
              signal: ac.signal,
            },
          );
          const evs = await watchEvents(old, 2);
          assert.deepEqual(
            evs.map((e) => `${e.type} ${(e.object.metadata as { name: string }).name}`),
            ["ADDED s1", "ADDED s2"],
          );
          for (const w of watches) {
            const [first] = await watchEvents(w, 1);
            assert.equal(first!.type, "ADDED");
          }
          const secrets = c.server.handler;
          assert.ok(secrets.storeWatchCount >= 1);
          const countBefore = secrets.storeWatchCount;
          await Promise.all(Array.from({ length: 5 }, async () => {
            const r = await c.request("/api/v1/secrets?watch=true", { signal: ac.signal });
            await watchEvents(r, 1);
          }));
          assert.equal(secrets.storeWatchCount, countBefore);
          // Compact everything: a watch from rv0 now ends with 410 Expired.
          const head = await json(await c.request("/api/v1/namespaces/default/secrets"));
          await c.store.compact(
            Number((head.metadata as { resourceVersion: string }).resourceVersion),
          );
          const gone = await c.request(
            `/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${rv0}`,
            {
              signal: ac.signal,
            },
          );
          const [err] = await watchEvents(gone, 1);
          assert.equal(err!.type, "ERROR");
          assert.equal(err!.object.code, 410);
          assert.equal(err!.object.reason, "Expired");
          ac.abort();
        },
      );

      await t.step(
        "allowWatchBookmarks: a BOOKMARK 2 s before the timeout, as JSON or as a Table",
        async () => {
          const head = await json(await c.request("/api/v1/namespaces/default/configmaps"));
          const rv = Number((head.metadata as { resourceVersion: string }).resourceVersion);
          const whole = async (query: string, accept = "application/json") => {
            // timeoutSeconds=3: the server ends the stream by itself.
            const res = await c.request(
              `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=3${query}`,
              { headers: { accept } },
            );
            return (await res.text()).trim().split("\n").filter((l) => l !== "").map((l) =>
              JSON.parse(l) as { type: string; object: Record<string, unknown> }
            );
          };
          const plain = await whole("&allowWatchBookmarks=true");
          assert.deepEqual(plain.map((e) => e.type), ["BOOKMARK"]);
          assert.equal(plain[0]!.object.kind, "ConfigMap");
          const bookmarkRv = (plain[0]!.object.metadata as { resourceVersion: string })
            .resourceVersion;
          assert.ok(Number(bookmarkRv) >= rv, `${bookmarkRv} >= ${rv}`);
          assert.deepEqual(await whole(""), [], "no BOOKMARK unless asked for");
          const table = await whole(
            "&allowWatchBookmarks=true",
            "application/json;as=Table;v=v1;g=meta.k8s.io",
          );
          assert.deepEqual(table.map((e) => e.type), ["BOOKMARK"]);
          assert.equal(table[0]!.object.kind, "Table");
          assert.equal((table[0]!.object.rows as unknown[]).length, 1);
        },
      );

      await t.step(
        "kubectl's typed create commands send protobuf bodies; rks decodes them",
        async () => {
          assert.match(await ok(c, ["create", "namespace", "typed"]), /namespace\/typed created/);
          assert.match(
            await ok(c, ["create", "-n", "typed", "configmap", "cm", "--from-literal=a=b"]),
            /configmap\/cm created/,
          );
          assert.match(
            await ok(c, ["create", "-n", "typed", "secret", "generic", "s", "--from-literal=x=y"]),
            /secret\/s created/,
          );
          assert.match(
            await ok(c, [
              "create",
              "-n",
              "typed",
              "deployment",
              "d",
              "--image=nginx:1.25",
              "--replicas=0",
            ]),
            /deployment.apps\/d created/,
          );
          const cm = JSON.parse(await ok(c, ["get", "-n", "typed", "cm", "cm", "-o", "json"]));
          assert.deepEqual(cm.data, { a: "b" });
          const sec = JSON.parse(await ok(c, ["get", "-n", "typed", "secret", "s", "-o", "json"]));
          assert.deepEqual(sec.data, { x: btoa("y") });
          assert.equal(sec.type, "Opaque");
          const d = JSON.parse(await ok(c, ["get", "-n", "typed", "deploy", "d", "-o", "json"]));
          assert.equal(d.spec.replicas, 0, "an explicit zero survives");
          assert.equal(d.spec.strategy.type, "RollingUpdate");
          assert.equal(d.spec.template.spec.containers[0].image, "nginx:1.25");
          assert.equal(d.spec.template.metadata.creationTimestamp, undefined);
          assert.equal(d.spec.template.spec.containers[0].stdin, undefined, "zero values dropped");
          // kubectl debug --copy-to creates the copy with the typed (protobuf) client: Go's
          // inline structs (volume sources, probe handlers, configMap names) must survive.
          await ok(
            c,
            ["create", "-n", "typed", "-f", "-"],
            `apiVersion: v1
kind: Pod
metadata: {name: src}
spec:
  volumes: [{name: conf, configMap: {name: cm}}]
  containers:
  - name: app
    image: nginx:1.25
    readinessProbe: {httpGet: {path: /healthz, port: 80}, periodSeconds: 3}
    lifecycle: {preStop: {exec: {command: [sleep, "1"]}}}
    env: [{name: A, valueFrom: {configMapKeyRef: {name: cm, key: a}}}]
    volumeMounts: [{name: conf, mountPath: /etc/conf}]
`,
          );
          await ok(c, [
            "debug",
            "-n",
            "typed",
            "src",
            "--copy-to=dbg",
            "--image=busybox",
            "--",
            "true",
          ]);
          const dbg = JSON.parse(await ok(c, ["get", "-n", "typed", "pod", "dbg", "-o", "json"]));
          assert.equal(dbg.spec.volumes[0].configMap.name, "cm");
          const app = dbg.spec.containers[0];
          assert.equal(app.readinessProbe.httpGet.path, "/healthz");
          assert.deepEqual(app.lifecycle.preStop, { exec: { command: ["sleep", "1"] } });
          assert.deepEqual(app.env[0].valueFrom.configMapKeyRef, { name: "cm", key: "a" });
          assert.equal(dbg.spec.containers[1].image, "busybox");
          const garbage = await c.request("/api/v1/namespaces/typed/configmaps", {
            method: "POST",
            headers: { "content-type": "application/vnd.kubernetes.protobuf" },
            body: "not protobuf",
          });
          assert.equal(garbage.status, 400);
          await garbage.body?.cancel();
        },
      );

      await t.step(
        "kubectl drain evicts a node's pods through pods/eviction and cordons the node",
        async () => {
          const list = await json(await c.request("/api/v1"));
          const entry = (list.resources as Record<string, unknown>[]).find((r) =>
            r.name === "pods/eviction"
          );
          assert.deepEqual(entry, {
            name: "pods/eviction",
            singularName: "",
            namespaced: true,
            group: "policy",
            version: "v1",
            kind: "Eviction",
            verbs: ["create"],
          });
          const node = (name: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\n`;
          const pod = (name: string, nodeName: string) =>
            `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: drain}
spec:
  nodeName: ${nodeName}
  volumes: [{name: scratch, emptyDir: {}}]
  containers: [{name: c, image: busybox, volumeMounts: [{name: scratch, mountPath: /s}]}]
`;
          await ok(c, ["create", "namespace", "drain"]);
          await ok(c, ["create", "-f", "-"], node("drain-1") + "---\n" + node("drain-2"));
          for (const [p, n] of [["a", "drain-1"], ["b", "drain-1"], ["keep", "drain-2"]]) {
            await ok(c, ["create", "-f", "-"], pod(p!, n!));
          }
          // The pods keep their 30 s grace period unless the Eviction's deleteOptions apply.
          const out = await ok(c, [
            "drain",
            "drain-1",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--force",
            "--grace-period=0",
            "--timeout=60s",
          ]);
          assert.match(out, /node\/drain-1 cordoned/);
          assert.match(out, /pod\/a evicted/);
          assert.match(out, /pod\/b evicted/);
          assert.match(out, /node\/drain-1 drained/);
          const left = JSON.parse(await ok(c, ["get", "-n", "drain", "pods", "-o", "json"]));
          assert.deepEqual(left.items.map((p: { metadata: { name: string } }) => p.metadata.name), [
            "keep",
          ]);
          const n1 = JSON.parse(await ok(c, ["get", "node", "drain-1", "-o", "json"]));
          assert.equal(n1.spec.unschedulable, true);

          const evict = (name: string, body: Record<string, unknown>) =>
            c.request(`/api/v1/namespaces/drain/pods/${name}/eviction`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(body),
            });
          const missing = await evict("nope", {
            apiVersion: "policy/v1",
            kind: "Eviction",
            metadata: { name: "nope" },
          });
          assert.equal(missing.status, 404);
          assert.equal((await json(missing)).message, 'pods "nope" not found');
          const mismatch = await evict("keep", {
            apiVersion: "policy/v1beta1",
            kind: "Eviction",
            metadata: { name: "other" },
          });
          assert.equal(mismatch.status, 400);
          assert.equal(
            (await json(mismatch)).message,
            "name in URL does not match name in Eviction object",
          );
          const graceful = await evict("keep", {
            apiVersion: "policy/v1beta1",
            kind: "Eviction",
            metadata: { name: "keep" },
          });
          assert.equal(graceful.status, 201);
          assert.deepEqual(await json(graceful), {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Success",
            code: 201,
          });
          const kept = JSON.parse(await ok(c, ["get", "-n", "drain", "pod", "keep", "-o", "json"]));
          assert.equal(kept.metadata.deletionGracePeriodSeconds, 30, "the pod's own grace");

          // A protobuf DeleteOptions body on DELETE (kubectl drain's path without eviction).
          const del = await c.request("/api/v1/namespaces/drain/pods/keep", {
            method: "DELETE",
            headers: { "content-type": "application/vnd.kubernetes.protobuf" },
            body: new Uint8Array(
              await encodeProtobufObject("", "v1", "DeleteOptions", {
                apiVersion: "v1",
                kind: "DeleteOptions",
                gracePeriodSeconds: 0,
              }),
            ),
          });
          assert.equal(del.status, 200, await del.clone().text());
          await del.body?.cancel();
          const gone = await c.kubectl(["get", "-n", "drain", "pod", "keep"]);
          assert.match(gone.stderr, /NotFound/);
        },
      );

      await t.step("a pod in a missing namespace is 404 for the namespace", async () => {
        // kube's NamespaceLifecycle admission runs before ServiceAccount admission.
        const r = await c.kubectl(["run", "x", "-n", "nope", "--image=busybox"]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /Error from server \(NotFound\): namespaces "nope" not found/);
      });

      await t.step("kubectl auth can-i: every authenticated request is allowed", async () => {
        assert.equal((await ok(c, ["auth", "can-i", "create", "pods"])).trim(), "yes");
        assert.equal((await ok(c, ["auth", "can-i", "get", "/healthz"])).trim(), "yes");
        const list = await ok(c, ["auth", "can-i", "--list", "-n", "kube-system"]);
        assert.match(list, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
        assert.match(list, /^\s+\[\*\]\s+\[\]\s+\[\*\]$/m);
        const ssar = await c.request(
          "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              apiVersion: "authorization.k8s.io/v1",
              kind: "SelfSubjectAccessReview",
              spec: { resourceAttributes: { verb: "delete", resource: "nodes" } },
            }),
          },
        );
        assert.equal(ssar.status, 201);
        const review = await json(ssar);
        assert.deepEqual(review.spec, {
          resourceAttributes: { verb: "delete", resource: "nodes" },
        });
        assert.equal((review.status as { allowed: boolean }).allowed, true);
        const noNs = await c.request("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ kind: "SelfSubjectRulesReview", spec: {} }),
        });
        assert.equal(noNs.status, 400);
        assert.equal((await json(noNs)).message, "no namespace on request");
      });

      await t.step(
        "an etcd restart under a running kubectl get -w: the watch carries on",
        async () => {
          const w = c.spawnKubectl([
            "get",
            "configmaps",
            "-w",
            "--output-watch-events",
            "--no-headers",
          ]);
          const out = new LineReader(w.stdout);
          try {
            await ok(c, ["create", "-f", "-"], cm("before-restart"));
            await out.until((l) => l.some((x) => /^ADDED\s+before-restart\b/.test(x)));
            await c.etcd.restart();
            await waitFor("a create after the etcd restart", async () => {
              const r = await c.kubectl(["create", "-f", "-"], cm("after-restart"));
              return r.code === 0 || /AlreadyExists/.test(r.stderr);
            }, { timeoutMs: 60_000, intervalMs: 500 });
            try {
              await out.until((l) => l.some((x) => /^ADDED\s+after-restart\b/.test(x)), 60_000);
            } catch (e) {
              const err = await new Response(w.stderr).text();
              throw new Error(`${(e as Error).message}\nkubectl stderr: ${err}`);
            }
          } finally {
            try {
              w.kill();
            } catch {
              // It exited on its own; the assertion above says why.
            }
            await out.cancel();
            await w.status;
          }
        },
      );

      await t.step("deleting a namespace removes its objects, then the namespace", async () => {
        const out = await ok(c, ["delete", "ns", "other"]);
        assert.match(out, /namespace "other" deleted/);
        const left = await json(await c.request("/api/v1/namespaces/other/configmaps"));
        assert.deepEqual(left.items, []);
        const ns = await c.kubectl(["get", "ns", "other"]);
        assert.match(ns.stderr, /namespaces "other" not found/);
        const sys = await c.kubectl(["delete", "ns", "kube-system"]);
        assert.match(
          sys.stderr,
          /Error from server \(Forbidden\): namespaces "kube-system" is forbidden: this namespace may not be deleted/,
        );
      });
    },
  });
}
