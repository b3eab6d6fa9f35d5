/** Unit tests of the root CA publisher's planner (root_ca_publisher_reconcile.ts). */
import assert from "node:assert/strict";
import type { KubeObject } from "../store/kube_object.ts";
import {
  DESCRIPTION_ANNOTATION,
  planRootCaConfigMap,
  ROOT_CA_DESCRIPTION,
} from "./root_ca_publisher_reconcile.ts";

const published = (data: Record<string, string>, annotations?: Record<string, string>) =>
  ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "kube-root-ca.crt",
      namespace: "team",
      resourceVersion: "7",
      labels: { keep: "me" },
      ...(annotations ? { annotations } : {}),
    },
    data,
  }) as KubeObject;

Deno.test("planRootCaConfigMap() creates, keeps and repairs kube-root-ca.crt", async (t) => {
  await t.step("absent: create it with the CA and the description", () => {
    const a = planRootCaConfigMap("team", undefined, "PEM");
    assert.equal(a.type, "create");
    assert.deepEqual(a.type === "create" && a.configMap, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "kube-root-ca.crt",
        namespace: "team",
        annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION },
      },
      data: { "ca.crt": "PEM" },
    });
  });
  await t.step("current CA and annotation: nothing to do", () => {
    const cm = published({ "ca.crt": "PEM" }, { [DESCRIPTION_ANNOTATION]: "anything" });
    assert.deepEqual(planRootCaConfigMap("team", cm, "PEM"), { type: "none" });
  });
  const repairs: [string, KubeObject][] = [
    ["another CA", published({ "ca.crt": "OLD" }, { [DESCRIPTION_ANNOTATION]: "x" })],
    ["an extra key", published({ "ca.crt": "PEM", x: "y" }, { [DESCRIPTION_ANNOTATION]: "x" })],
    ["no annotation", published({ "ca.crt": "PEM" })],
  ];
  for (const [what, cm] of repairs) {
    await t.step(`${what}: update, keeping labels and resourceVersion`, () => {
      const a = planRootCaConfigMap("team", cm, "PEM");
      assert.equal(a.type, "update");
      const out = a.type === "update" ? a.configMap : undefined!;
      assert.deepEqual(out.data, { "ca.crt": "PEM" });
      assert.equal(out.metadata.resourceVersion, "7");
      assert.deepEqual(out.metadata.labels, { keep: "me" });
      assert.ok(out.metadata.annotations?.[DESCRIPTION_ANNOTATION]);
      assert.notEqual(out, cm, "the informer's object is not modified");
    });
  }
});
