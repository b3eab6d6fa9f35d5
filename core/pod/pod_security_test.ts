/**
 * The securityContext of a pod container travels manifest → CRI config → engine config → OCI
 * spec (the runtime part is covered by core/container/security_root_test.ts).
 */
import assert from "node:assert/strict";
import { buildSpec, DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS } from "../oci/spec.ts";
import { LINUX_CAPABILITIES } from "../oci/capabilities.ts";
import { engineConfig } from "./pod_containers.ts";
import { parsePodManifest } from "./pod_manifest.ts";
import type { SandboxRecord } from "./pod_store.ts";
import { containerConfig, planVolumes, sandboxConfig } from "./pod_translate.ts";

const text = `apiVersion: v1
kind: Pod
metadata: { name: sec }
spec:
  containers:
    - name: narrow
      image: /img
      securityContext:
        allowPrivilegeEscalation: false
        capabilities: { drop: [ALL], add: [NET_BIND_SERVICE] }
    - name: plain
      image: /img
    - name: priv
      image: /img
      securityContext: { privileged: true, capabilities: { drop: [ALL] } }
`;

Deno.test("pod securityContext reaches the OCI spec of each container", () => {
  const { pod, warnings } = parsePodManifest(text, "p.yaml", {
    baseDir: "/",
    checkImage: () => undefined,
  });
  assert.deepEqual(warnings, []);
  const sandbox: SandboxRecord = {
    id: "a".repeat(64),
    name: "sec",
    namespace: "default",
    uid: "u",
    config: sandboxConfig(pod, "u"),
    stateDir: "/s",
    cgroupParent: "/rkl/pod-a",
    netnsPath: "",
    ips: [],
    stopped: false,
    createdAt: 0,
  };
  const fields = { name: "sec", namespace: "default", uid: "u", nodeName: "n", podIPs: [] };
  const spec = (i: number) => {
    const cri = containerConfig(pod, pod.containers[i]!, {
      volumes: planVolumes(pod.volumes, "/v"),
      fields,
      init: false,
      attempt: 0,
    });
    const cfg = engineConfig(sandbox, 42, cri);
    return {
      cfg,
      spec: buildSpec({
        args: ["sh"],
        rootfs: "/r",
        ...(cfg.capabilities ? { capabilityChanges: cfg.capabilities } : {}),
        noNewPrivileges: cfg.noNewPrivileges ?? false,
        privileged: cfg.privileged ?? false,
      }),
    };
  };

  const narrow = spec(0);
  assert.deepEqual(narrow.cfg.capabilities, { add: ["NET_BIND_SERVICE"], drop: ["ALL"] });
  assert.equal(narrow.cfg.noNewPrivileges, true);
  assert.deepEqual(narrow.spec.process.capabilities.effective, ["CAP_NET_BIND_SERVICE"]);
  assert.equal(narrow.spec.process.noNewPrivileges, true);

  const plain = spec(1);
  assert.equal(plain.cfg.capabilities, undefined);
  assert.equal(plain.cfg.noNewPrivileges, undefined);
  assert.deepEqual(plain.spec.process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
  assert.equal(plain.spec.process.noNewPrivileges, false);
  assert.deepEqual(plain.spec.linux.maskedPaths, [...DEFAULT_MASKED_PATHS]);

  const priv = spec(2);
  assert.equal(priv.cfg.privileged, true);
  assert.deepEqual(priv.spec.process.capabilities.permitted, [...LINUX_CAPABILITIES]);
  assert.deepEqual(priv.spec.linux.maskedPaths, []);
  assert.deepEqual(priv.spec.linux.resources.devices, [{ allow: true, access: "rwm" }]);
});
