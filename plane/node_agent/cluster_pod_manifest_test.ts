import assert from "node:assert/strict";
import { desiredFromApiPod } from "./cluster_pod_manifest.ts";

function apiPod(subPathExpr: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: {
      nodeName: "n1",
      containers: [{
        name: "a",
        image: "/img",
        env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
        volumeMounts: [{ name: "logs", mountPath: "/logs", subPathExpr }],
      }],
      volumes: [{ name: "logs", emptyDir: {} }],
    },
  };
}

Deno.test("desiredFromApiPod() checks subPathExpr as the kubelet does", async (t) => {
  const opts = { checkImage: () => undefined };
  await t.step("a variable with a value: the pod runs with the expression", () => {
    const r = desiredFromApiPod(apiPod("$(POD_NAME)"), opts);
    assert.ok("desired" in r);
    assert.equal(r.desired.manifest.containers[0]!.volumeMounts[0]!.subPathExpr, "$(POD_NAME)");
  });
  await t.step("an unset variable: CreateContainerConfigError with the kubelet's message", () => {
    assert.deepEqual(desiredFromApiPod(apiPod("$(POD_NAMEX)"), opts), {
      problem: { reason: "CreateContainerConfigError", message: "missing value for POD_NAMEX" },
    });
  });
});
