/**
 * What the real kubectl prints for objects the API server refuses: invalid volumes (422) —
 * against a real etcd.
 */
import assert from "node:assert/strict";
import { startTestCluster } from "./_testing.ts";

const _deployment = (name: string, extra = "") =>
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
  },
});
