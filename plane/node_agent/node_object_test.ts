import assert from "node:assert/strict";
import {
  buildNode,
  nodeConditions,
  nodeStatus,
  parseNodeLabels,
  parseReserved,
  parseTaints,
} from "./node_object.ts";
import { parseDaemonOptions } from "../../cli/daemon_options.ts";
import { KUBE_GIT_VERSION } from "../kube_version.ts";
import { parseRksArgs } from "../apiserver/rks_config.ts";

const facts = {
  hostname: "h",
  cpuCores: 4,
  memoryBytes: 8 * 1024 ** 3 + 1000,
  kernelVersion: "6.1.0",
  osImage: "Debian GNU/Linux 12 (bookworm)",
  operatingSystem: "linux",
  architecture: "amd64",
  machineID: "m",
  bootID: "",
  containerRuntimeVersion: "runc://1.1.12",
};

Deno.test("buildNode: kubelet labels, capacity in Ki, pods 110, nodeInfo, taints", () => {
  const n = buildNode(
    {
      name: "n1",
      internalIP: "10.0.0.5",
      labels: { "kubernetes.io/os": "x", zone: "a" },
      taints: [{ key: "k", effect: "NoExecute" }],
    },
    facts,
    new Date("2030-01-01T00:00:00.123Z"),
  );
  assert.equal(n.metadata.labels["kubernetes.io/hostname"], "n1");
  assert.equal(
    n.metadata.labels["kubernetes.io/os"],
    "x",
    "--node-labels win over defaults, as in the kubelet",
  );
  assert.deepEqual(n.status.capacity, { cpu: "4", memory: "8388608Ki", pods: "110" });
  assert.deepEqual(n.status.allocatable, n.status.capacity);
  assert.deepEqual(n.spec.taints, [{ key: "k", effect: "NoExecute" }]);
  const info = n.status.nodeInfo as Record<string, string>;
  assert.equal(info.kubeletVersion, KUBE_GIT_VERSION, "the version rks's /version reports");
  assert.equal(info.containerRuntimeVersion, "runc://1.1.12");
  const ready = (n.status.conditions as { type: string; lastHeartbeatTime: string }[])
    .find((c) => c.type === "Ready")!;
  assert.equal(ready.lastHeartbeatTime, "2030-01-01T00:00:00Z");
});

Deno.test("allocatable is capacity less --system-reserved and --kube-reserved, never below 0", () => {
  const reg = { name: "n1", internalIP: "10.0.0.5", labels: {}, taints: [] };
  const n = buildNode(
    { ...reg, reserved: { cpuMillis: 250, memoryBytes: 512 * 1024 ** 2 } },
    facts,
    new Date(0),
  );
  assert.deepEqual(n.status.capacity, { cpu: "4", memory: "8388608Ki", pods: "110" });
  assert.deepEqual(n.status.allocatable, { cpu: "3750m", memory: "7864320Ki", pods: "110" });
  const whole = nodeStatus(
    { ...reg, reserved: { cpuMillis: 1000, memoryBytes: 0 } },
    facts,
    new Date(0),
  );
  assert.deepEqual(whole.allocatable, { cpu: "3", memory: "8388608Ki", pods: "110" });
  const over = nodeStatus(
    { ...reg, reserved: { cpuMillis: 9000, memoryBytes: 16 * 1024 ** 3 } },
    facts,
    new Date(0),
  );
  assert.deepEqual(over.allocatable, { cpu: "0", memory: "0Ki", pods: "110" });
  assert.deepEqual(parseReserved("memory=1Gi, cpu=0.5", "--kube-reserved"), {
    cpuMillis: 500,
    memoryBytes: 1024 ** 3,
  });
  assert.deepEqual(parseReserved(undefined, "--kube-reserved"), { cpuMillis: 0, memoryBytes: 0 });
  assert.throws(
    () => parseReserved("cpu=lots", "--system-reserved"),
    /--system-reserved: "cpu=lots"/,
  );
  assert.throws(
    () => parseReserved("ephemeral-storage=1Gi", "--system-reserved"),
    /expected cpu=QUANTITY or memory=QUANTITY/,
  );
});

Deno.test("nodeConditions keeps lastTransitionTime while the status is unchanged", () => {
  const first = nodeConditions(new Date("2030-01-01T00:00:00Z"));
  const later = nodeConditions(new Date("2030-01-01T00:05:00Z"), first);
  for (const c of later) {
    assert.equal(c.lastTransitionTime, "2030-01-01T00:00:00Z");
    assert.equal(c.lastHeartbeatTime, "2030-01-01T00:05:00Z");
  }
  const flipped = nodeConditions(new Date("2030-01-01T00:05:00Z"), [
    { type: "Ready", status: "False", lastTransitionTime: "2029-01-01T00:00:00Z" },
  ]);
  assert.equal(flipped.find((c) => c.type === "Ready")!.lastTransitionTime, "2030-01-01T00:05:00Z");
  const s = nodeStatus(
    { name: "n", internalIP: "1.2.3.4", labels: {}, taints: [], maxPods: 20 },
    facts,
    new Date(0),
  );
  assert.equal(s.capacity.pods, "20");
});

Deno.test("labels and taints parse as the kubelet's flags", () => {
  assert.deepEqual(parseNodeLabels(""), {});
  assert.deepEqual(parseNodeLabels("example.com/role=web, tier="), {
    "example.com/role": "web",
    tier: "",
  });
  assert.throws(() => parseNodeLabels("=x"), /invalid label "=x"/);
  assert.deepEqual(parseTaints("a:NoSchedule,b=c:PreferNoSchedule"), [
    { key: "a", effect: "NoSchedule" },
    { key: "b", value: "c", effect: "PreferNoSchedule" },
  ]);
  assert.throws(() => parseTaints("a=b"), /expected key\[=value\]:effect/);
});

Deno.test("rkl daemon cluster flags and rks token/node commands parse, with usage errors", () => {
  const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
  const pin = "sha256:" + "a".repeat(64);
  const o = parseDaemonOptions(io, {
    nodeName: "n1",
    cluster: "127.0.0.1:50051",
    token: "abcdef.0123456789abcdef",
    caCertHash: pin,
    nodeLabels: "zone=a",
    nodeLeaseInterval: "500",
  });
  assert.deepEqual(o.cluster, {
    address: "127.0.0.1:50051",
    token: "abcdef.0123456789abcdef",
    caCertHash: pin,
    labels: { zone: "a" },
    taints: [],
    reserved: { cpuMillis: 0, memoryBytes: 0 },
    leaseIntervalMs: 500,
    statusIntervalMs: 60_000,
  });
  const reserved = parseDaemonOptions(io, {
    cluster: "127.0.0.1:50051",
    caCertHash: pin,
    systemReserved: "cpu=100m,memory=256Mi",
    kubeReserved: "cpu=150m",
  });
  assert.deepEqual(reserved.cluster?.reserved, { cpuMillis: 250, memoryBytes: 256 * 1024 ** 2 });
  assert.throws(
    () => parseDaemonOptions(io, { cluster: "h:1", caCertHash: pin, kubeReserved: "disk=1" }),
    /--kube-reserved: "disk=1"/,
  );
  assert.throws(() => parseDaemonOptions(io, { systemReserved: "cpu=1" }), /needs --cluster/);
  assert.throws(() => parseDaemonOptions(io, { cluster: "x:1" }), /needs --ca-cert-hash/);
  assert.throws(() => parseDaemonOptions(io, { cluster: "nohost", caCertHash: pin }), /HOST:PORT/);
  assert.throws(() => parseDaemonOptions(io, { cluster: "h:1", caCertHash: "md5:1" }), /sha256:/);
  assert.throws(
    () => parseDaemonOptions(io, { cluster: "h:1", caCertHash: pin, token: "bad" }),
    /bootstrap token/,
  );
  assert.throws(
    () => parseDaemonOptions(io, { token: "abcdef.0123456789abcdef" }),
    /needs --cluster/,
  );
  assert.deepEqual(parseRksArgs(["token", "create", "--ttl", "1h"]), {
    command: "token-create",
    flags: { ttl: "1h" },
    args: [],
  });
  assert.deepEqual(parseRksArgs(["node", "revoke", "n1"]).args, ["n1"]);
  assert.throws(() => parseRksArgs(["node", "revoke"]), /exactly one NODE/);
  assert.throws(() => parseRksArgs(["token", "delete"]), /unknown command 'token delete'/);
});
