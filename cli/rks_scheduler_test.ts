/**
 * The scheduler wired into `rks`: `rks start` schedules pods by itself, and `rks scheduler
 * --kubeconfig F` schedules for another API server; both as real processes with the `rks`
 * permission set, checked with the real kubectl. Plus the `scheduler:` config section's errors.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../core/testing.ts";
import { configFromYaml, parseRksArgs, resolveRksConfig } from "../plane/apiserver/rks_config.ts";
import {
  runKubectl as kubectl,
  startRksProcess as rks,
  startTestCluster,
  stopRksProcess as stop,
  waitRksServing,
} from "../plane/apiserver/_testing.ts";
import { freePort } from "../plane/store/etcd_server.ts";
import { testLease } from "../core/test_lease.ts";

const nodeAndPod = (node: string, podName: string) =>
  `apiVersion: v1
kind: Node
metadata: {name: ${node}, labels: {kubernetes.io/hostname: ${node}}}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
---
apiVersion: v1
kind: Pod
metadata: {name: ${podName}}
spec:
  containers: [{name: c, image: busybox:1.36, resources: {requests: {cpu: 100m}}}]
`;

async function waitNodeName(home: string, kubeconfig: string, pod: string): Promise<string> {
  return await waitFor(`pod ${pod} bound`, async () => {
    const r = await kubectl(home, kubeconfig, [
      "get",
      "pod",
      pod,
      "-o",
      "jsonpath={.spec.nodeName}",
    ]);
    return r.code === 0 && r.stdout !== "" ? r.stdout : false;
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

Deno.test({
  name: "rks start runs the scheduler: a pod created with kubectl is bound to the node",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = testLease().makeTempDir("rks-sched-");
    const home = join(dir, "home");
    await Deno.mkdir(home);
    const kc = join(dir, "admin.kubeconfig");
    const p = rks([
      "start",
      "--data-dir",
      join(dir, "data"),
      "--listen",
      `127.0.0.1:${freePort()}`,
      "--kubeconfig-out",
      kc,
    ]);
    try {
      await waitRksServing(home, kc, p);
      const created = await kubectl(home, kc, ["create", "-f", "-"], nodeAndPod("n1", "web"));
      assert.equal(created.code, 0, created.stderr);
      assert.equal(await waitNodeName(home, kc, "web"), "n1");
      const d = await kubectl(home, kc, ["describe", "pod", "web"]);
      assert.match(
        d.stdout,
        /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/web to n1/,
      );
    } finally {
      const s = await stop(p);
      assert.equal(s.code, 0, s.stderr);
      await testLease().removeDir(dir);
    }
  },
});

Deno.test({
  name: "rks scheduler --kubeconfig schedules for an API server that runs none",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using c = await startTestCluster("http");
    const home = join(c.dir, "home");
    const p = rks(["scheduler", "--kubeconfig", c.kubeconfig]);
    try {
      const created = await kubectl(
        home,
        c.kubeconfig,
        ["create", "-f", "-"],
        nodeAndPod("solo", "job"),
      );
      assert.equal(created.code, 0, created.stderr);
      assert.equal(await waitNodeName(home, c.kubeconfig, "job"), "solo");
    } finally {
      const s = await stop(p);
      assert.equal(s.code, 0, s.stderr);
      assert.match(
        s.stderr,
        /rks: scheduler default-scheduler running against https:\/\/127\.0\.0\.1:\d+/,
      );
    }
  },
});

Deno.test("rks config: --scheduler on|off and the scheduler section, validated with file and field path", () => {
  assert.equal(
    resolveRksConfig(parseRksArgs(["start", "--scheduler", "off"]).flags, {}).runScheduler,
    false,
  );
  assert.throws(
    () => parseRksArgs(["start", "--scheduler=maybe"]),
    /option '--scheduler' expects on or off, got 'maybe'/,
  );
  const c = configFromYaml({
    scheduler: { scoringStrategy: "MostAllocated", weights: { PodTopologySpread: 5 } },
  }, "rks.yaml");
  assert.deepEqual(c.scheduler, {
    scoringStrategy: "MostAllocated",
    weights: { PodTopologySpread: 5 },
  });
  assert.throws(
    () => configFromYaml({ scheduler: { weights: { Bogus: 1 } } }, "rks.yaml"),
    /^UsageError: rks\.yaml: scheduler\.weights\.Bogus: unknown score plugin; expected one of TaintToleration, NodeAffinity/,
  );
  assert.throws(
    () => configFromYaml({ scheduler: { scoringStrategy: "Random" } }, "rks.yaml"),
    /rks\.yaml: scheduler\.scoringStrategy: expected LeastAllocated or MostAllocated, got "Random"/,
  );
});
