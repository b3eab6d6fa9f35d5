/**
 * Decode-time type errors and the client-side → server-side apply upgrade, against a real
 * etcd with the real kubectl as the client (raw HTTPS requests for what kubectl hides).
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "./_testing.ts";

type Obj = Record<string, unknown>;

async function ok(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function refused(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 1, `kubectl ${args.join(" ")} should fail: ${r.stdout}`);
  return r.stderr;
}

const pod = (name: string, container: string, metadata = "") =>
  `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${metadata}spec:
  containers:
  - name: main
    image: busybox
${container}`;

const deployment = (name: string, replicas: string, image = "nginx:1.25", labels = "tier: web") =>
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: {${labels}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports: [{containerPort: 80}]
`;

const cannotHandle = (kind: string, version: string) =>
  `Error from server \\(BadRequest\\): error when creating "STDIN": ${kind} in version "${version}" cannot be handled as a ${kind}: `;

Deno.test({
  name: "rks decodes bodies with their Go types and upgrades client-side apply, with kubectl",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");

    await t.step("wrong JSON types get 400 BadRequest in kube-apiserver's words", async () => {
      const cases: [string[], string, string][] = [
        [
          ["create", "-f", "-"],
          pod("cmd", "    command: sleep 3600\n"),
          cannotHandle("Pod", "v1") +
          "json: cannot unmarshal string into Go struct field Container\\.spec\\.containers\\.command of type \\[\\]string",
        ],
        [
          ["apply", "-f", "-"],
          pod("env", "    env: [{name: A, value: 1.10}]\n"),
          cannotHandle("Pod", "v1") +
          "json: cannot unmarshal number into Go struct field EnvVar\\.spec\\.containers\\.env\\.value of type string",
        ],
        [
          ["create", "-f", "-"],
          pod("args", '    args: ["sleep", 3600]\n'),
          cannotHandle("Pod", "v1") +
          "json: cannot unmarshal number into Go struct field Container\\.spec\\.containers\\.args of type string",
        ],
        [
          ["apply", "-f", "-"],
          deployment("replicas", '"3"'),
          cannotHandle("Deployment", "v1") +
          "json: cannot unmarshal string into Go struct field DeploymentSpec\\.spec\\.replicas of type int32",
        ],
        [
          ["create", "-f", "-"],
          pod("port", "    ports: [{containerPort: eighty}]\n"),
          cannotHandle("Pod", "v1") +
          "json: cannot unmarshal string into Go struct field ContainerPort\\.spec\\.containers\\.ports\\.containerPort of type int32",
        ],
        [
          ["create", "-f", "-"],
          pod("memory", "    resources: {limits: {memory: 12XB}}\n"),
          cannotHandle("Pod", "v1") +
          "quantities must match the regular expression '\\^\\(\\[\\+-\\]\\?\\[0-9\\.\\]\\+\\)",
        ],
        [
          ["create", "-f", "-"],
          "apiVersion: v1\nkind: Secret\nmetadata: {name: pw}\ndata: {password: secret123}\n",
          cannotHandle("Secret", "v1") + "illegal base64 data at input byte 8",
        ],
      ];
      for (const [args, manifest, message] of cases) {
        assert.match(await refused(c, args, manifest), new RegExp(message));
      }
      // kubectl refuses a number as a label value itself (it reads metadata); a raw request
      // gets the server's answer.
      const res = await c.request("/api/v1/namespaces/default/pods", {
        method: "POST",
        body: JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "label", labels: { version: 2 } },
          spec: { containers: [{ name: "main", image: "busybox" }] },
        }),
      });
      const status = await res.json() as Obj;
      assert.equal(res.status, 400);
      assert.equal(
        status.message,
        'Pod in version "v1" cannot be handled as a Pod: ' +
          "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
      );
      // Nothing was stored.
      assert.equal(await ok(c, ["get", "pods,deployments,secrets", "-o", "name"]), "");
    });

    await t.step("the type check does not depend on fieldValidation", async () => {
      for (const fv of ["Ignore", "Warn", "Strict"]) {
        const res = await c.request(
          `/api/v1/namespaces/default/configmaps?fieldValidation=${fv}`,
          {
            method: "POST",
            body: JSON.stringify({
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "cm" },
              data: { a: 1 },
            }),
          },
        );
        const s = await res.json() as Obj;
        assert.equal(res.status, 400, fv);
        assert.equal(s.reason, "BadRequest");
        assert.equal(
          s.message,
          'ConfigMap in version "v1" cannot be handled as a ConfigMap: ' +
            "json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
        );
      }
    });

    await t.step("updates, patches and applies are checked too", async () => {
      await ok(c, ["apply", "-f", "-"], deployment("web", "1"));
      // replace (PUT): 400 as a create.
      const replaced = await refused(c, ["replace", "-f", "-"], deployment("web", '"2"'));
      assert.match(
        replaced,
        /Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/,
      );
      // A patch whose result has a wrong type: 422 Invalid, cause "patch".
      for (
        const [type, shown] of [
          ["strategic", '"map\\[spec:map\\[replicas:2\\]\\]"'],
          ["merge", '"\\{.*\\}"'],
        ]
      ) {
        const patched = await refused(c, [
          "patch",
          "deploy",
          "web",
          `--type=${type}`,
          "-p",
          '{"spec":{"replicas":"2"}}',
        ]);
        assert.match(
          patched,
          new RegExp(
            `patch: Invalid value: ${shown}: json: cannot unmarshal string into Go struct field DeploymentSpec\\.spec\\.replicas of type int32`,
          ),
        );
      }
      const res = await c.request("/apis/apps/v1/namespaces/default/deployments/web", {
        method: "PATCH",
        headers: { "content-type": "application/json-patch+json" },
        body: JSON.stringify([{
          op: "add",
          path: "/spec/template/spec/containers/0/command",
          value: "sleep 3600",
        }]),
      });
      const s = await res.json() as { code: number; details: { causes: Obj[] } };
      assert.equal(s.code, 422);
      assert.equal(s.details.causes[0]?.field, "patch");
      assert.match(String(s.details.causes[0]?.message), /of type \[\]string$/);
      // Server-side apply (kubectl itself refuses a wrongly typed metadata field, not spec).
      const applied = await refused(
        c,
        ["apply", "--server-side", "-f", "-"],
        deployment("web", '"3"'),
      );
      assert.match(
        applied,
        /Error from server \(BadRequest\): .*Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32/,
      );
      const d = JSON.parse(await ok(c, ["get", "deploy", "web", "-o", "json"]));
      assert.equal(d.spec.replicas, 1);
      assert.equal(d.metadata.labels.tier, "web");
      assert.equal(d.spec.template.spec.containers[0].command, undefined);
      await ok(c, ["delete", "deploy", "web"]);
    });

    await t.step(
      "kubectl apply, then apply --server-side of a changed manifest takes the fields over",
      async () => {
        const get = async () =>
          JSON.parse(
            await ok(c, ["get", "deploy", "up", "-o", "json", "--show-managed-fields"]),
          );
        assert.match(
          await ok(c, ["apply", "-f", "-"], deployment("up", "3")),
          /deployment.apps\/up created/,
        );
        // Changed replicas and image: both owned by kubectl-client-side-apply.
        const upgrade = await c.kubectl(
          ["apply", "--server-side", "-f", "-"],
          deployment("up", "2", "nginx:1.26"),
        );
        assert.equal(upgrade.code, 0, upgrade.stderr);
        assert.match(upgrade.stdout, /deployment.apps\/up serverside-applied/);
        // kubectl's own part of the migration (a JSON patch of managedFields) went through.
        assert.doesNotMatch(upgrade.stderr, /migrat/, upgrade.stderr);
        let d = await get();
        assert.equal(d.spec.replicas, 2);
        assert.equal(d.spec.template.spec.containers[0].image, "nginx:1.26");
        const managers = (d.metadata.managedFields as Obj[]).map((e) =>
          `${e.manager}/${e.operation}`
        );
        assert.ok(managers.includes("kubectl/Apply"), managers.join(","));
        // kubectl then moved the rest of kubectl-client-side-apply's fields to its entry.
        assert.ok(!managers.includes("kubectl-client-side-apply/Update"), managers.join(","));
        const lastApplied = JSON.parse(
          d.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"],
        );
        assert.equal(lastApplied.spec.replicas, 2, "the annotation follows server-side applies");
        // The fields are kubectl's now: dropping a label from the manifest removes it.
        await ok(
          c,
          ["apply", "--server-side", "-f", "-"],
          deployment("up", "2", "nginx:1.26", "owner: me"),
        );
        d = await get();
        assert.deepEqual(d.metadata.labels, { owner: "me" });
        // And back to client-side apply, which patches from the annotation.
        assert.match(
          await ok(c, ["apply", "-f", "-"], deployment("up", "4", "nginx:1.26", "owner: me")),
          /deployment.apps\/up configured/,
        );
        d = await get();
        assert.equal(d.spec.replicas, 4);
        // A field another manager changed since still conflicts.
        await ok(c, ["patch", "deploy", "up", "--type=merge", "-p", '{"spec":{"replicas":7}}']);
        const conflict = await refused(
          c,
          ["apply", "--server-side", "-f", "-"],
          deployment("up", "5", "nginx:1.26", "owner: me"),
        );
        assert.match(conflict, /conflict with "kubectl-patch"/);
        assert.match(conflict, /\.spec\.replicas/);
        assert.equal((await get()).spec.replicas, 7);
      },
    );
  },
});
