/**
 * What the real kubectl prints for objects the API server refuses: invalid volumes (422) and
 * unknown fields under `fieldValidation=Strict` (create, replace, apply's patch) — against a
 * real etcd.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "./_testing.ts";

const deployment = (name: string, extra = "") =>
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: c, image: busybox${extra}}]}
`;

Deno.test({
  name: "kubectl shows kube-apiserver's wording for invalid volumes and unknown fields",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");

    await t.step("a projected volume with duplicate paths is 422 with the field", async () => {
      const pod = `apiVersion: v1
kind: Pod
metadata: {name: dup}
spec:
  containers: [{name: c, image: busybox}]
  volumes:
  - name: p
    projected:
      sources:
      - configMap: {name: cfg, items: [{key: a, path: same}]}
      - secret: {name: creds, items: [{key: b, path: same}]}
`;
      const r = await c.kubectl(["create", "-f", "-"], pod);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(
        r.stderr.trim(),
        'The Pod "dup" is invalid: spec.volumes[0].projected: Invalid value: "creds": ' +
          "conflicting duplicate paths",
      );
    });

    await t.step(
      "several causes: kubectl lists each (a mount of an invalid volume is not found)",
      async () => {
        const pod = `apiVersion: v1
kind: Pod
metadata: {name: sub}
spec:
  containers:
  - name: c
    image: busybox
    volumeMounts: [{name: cfg, mountPath: /c, subPath: a, subPathExpr: "$(POD_NAME)"}]
  volumes:
  - name: cfg
    configMap: {name: cfg, defaultMode: 1000, items: [{key: k, path: ../k}]}
`;
        const r = await c.kubectl(["apply", "-f", "-"], pod);
        assert.equal(r.code, 1, r.stdout);
        assert.equal(
          r.stderr.trim(),
          'The Pod "sub" is invalid: \n' +
            "* spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number " +
            "between 0 and 0777 (octal), both inclusive\n" +
            '* spec.volumes[0].configMap.items[0].path: Invalid value: "../k": must not contain ' +
            "'..'\n" +
            '* spec.containers[0].volumeMounts[0].name: Not found: "cfg"\n' +
            '* spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)": ' +
            "subPathExpr and subPath are mutually exclusive",
        );
      },
    );

    await t.step("create with unknown fields: 400 naming the kind and version", async () => {
      const r = await c.kubectl(
        ["create", "-f", "-"],
        deployment("typo", ", imagee: x, tty2: true"),
      );
      assert.equal(r.code, 1, r.stdout);
      assert.equal(
        r.stderr.trim(),
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version ' +
          '"v1" cannot be handled as a Deployment: strict decoding error: unknown field ' +
          '"spec.template.spec.containers[0].imagee", unknown field ' +
          '"spec.template.spec.containers[0].tty2"',
      );
    });

    await t.step("--validate=warn creates and prints a warning per field", async () => {
      const r = await c.kubectl(
        ["create", "--validate=warn", "-f", "-"],
        deployment("warned", ", imagee: x"),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /^Warning: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"$/m,
      );
      const ignored = await c.kubectl(
        ["create", "--validate=false", "-f", "-"],
        deployment("ignored", ", imagee: x"),
      );
      assert.equal(ignored.code, 0, ignored.stderr);
      assert.doesNotMatch(ignored.stderr, /unknown field/);
    });

    await t.step("replace with an unknown field: the same decoding error", async () => {
      const r = await c.kubectl(["replace", "-f", "-"], deployment("warned", ", imagee: x"));
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        /error when replacing "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"$/m,
      );
    });

    await t.step("apply's patch with an unknown field: 422 on the patch as a Go map", async () => {
      // kubectl prints a 422 without kind and name as "The request is invalid".
      const first = await c.kubectl(["apply", "-f", "-"], deployment("applied"));
      assert.equal(first.code, 0, first.stderr);
      const r = await c.kubectl(["apply", "-f", "-"], deployment("applied", ", imagee: x"));
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        /^The request is invalid: patch: Invalid value: "map\[.*\]": strict decoding error: unknown field "spec\.template\.spec\.containers\[0\]\.imagee"$/m,
      );
    });

    await t.step("a merge patch with an unknown field: the patched object as JSON", async () => {
      const res = await c.request(
        "/apis/apps/v1/namespaces/default/deployments/applied?fieldValidation=Strict",
        {
          method: "PATCH",
          headers: { "content-type": "application/merge-patch+json" },
          body: JSON.stringify({ spec: { paused: true, pausedd: true } }),
        },
      );
      assert.equal(res.status, 422);
      const s = await res.json() as {
        reason: string;
        message: string;
        details: { causes: { field: string; message: string }[] };
      };
      assert.equal(s.reason, "Invalid");
      assert.equal(s.details.causes[0]!.field, "patch");
      assert.match(
        s.message,
        /^ "" is invalid: patch: Invalid value: "\{.*\\"pausedd\\":true.*\}": strict decoding error: unknown field "spec\.pausedd"$/,
      );
      const warn = await c.request(
        "/apis/apps/v1/namespaces/default/deployments/applied?fieldValidation=Warn",
        {
          method: "PATCH",
          headers: { "content-type": "application/merge-patch+json" },
          body: JSON.stringify({ spec: { pausedd: true } }),
        },
      );
      assert.equal(warn.status, 200);
      assert.equal(warn.headers.get("warning"), '299 - "unknown field \\"spec.pausedd\\""');
      await warn.body?.cancel();
    });
  },
});
