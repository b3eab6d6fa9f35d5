import assert from "node:assert/strict";
import { desiredFromApiPod, type ParsedApiPod } from "./cluster_pod_manifest.ts";

function apiPod(command: string[]) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: { containers: [{ name: "app", image: "/img/busybox", command }] },
  };
}

Deno.test("desiredFromApiPod() with a memo parses a pod again only when its manifest changed", () => {
  const memo = new Map<string, ParsedApiPod>();
  let parses = 0;
  // The image check runs once per parse of the manifest (no image directory).
  const checkImage = () => {
    parses++;
    return undefined;
  };
  const first = desiredFromApiPod(apiPod(["sleep", "1"]), { checkImage, memo });
  const again = desiredFromApiPod(apiPod(["sleep", "1"]), { checkImage, memo });
  assert.equal(parses, 1, "the same manifest is not parsed twice");
  assert.ok("desired" in first && "desired" in again);
  assert.deepEqual(again.desired, first.desired);
  assert.notEqual(again.desired.manifest, first.desired.manifest, "each call gets its own pod");
  const changed = desiredFromApiPod(apiPod(["sleep", "2"]), { checkImage, memo });
  assert.equal(parses, 2);
  assert.ok("desired" in changed);
  assert.deepEqual(changed.desired.manifest.containers[0]!.command, ["sleep", "2"]);
  assert.deepEqual(memo.get("default/web")?.pod.containers[0]?.command, ["sleep", "2"]);
});
