/**
 * Leader election of the scheduler and the controllers inside `rks start`: two rks processes on
 * one etcd (real processes with the `rks` permission set, the real kubectl): only the holder of
 * the `kube-scheduler` Lease binds pods; after `kill -9` of the holder the other takes the Leases
 * over once they expire, and binds; a stopped holder releases its Leases. Plus the config
 * section's errors.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../core/testing.ts";
import { configFromYaml, parseRksArgs, resolveRksConfig } from "../plane/apiserver/rks_config.ts";
import {
  runKubectl,
  startRksProcess,
  stopRksProcess,
  waitRksServing,
} from "../plane/apiserver/_testing.ts";
import { freePort } from "../plane/store/etcd_server.ts";
import { startTestEtcd } from "../plane/store/_testing.ts";
import { testLease } from "../core/test_lease.ts";

// Shorter than the 15 s default so the hand-over test is quick, long enough that a leader starved
// of CPU for a few seconds on a loaded machine keeps its Lease.
const CONFIG = `leader_election:
  leaseDuration: 10s
  renewDeadline: 8s
  retryPeriod: 2s
`;

interface Member {
  name: string;
  data: string;
  kubeconfig: string;
  process: Deno.ChildProcess;
}

const node = `apiVersion: v1
kind: Node
metadata: {name: n1, labels: {kubernetes.io/hostname: n1}}
status:
  allocatable: {cpu: "4", memory: 4Gi, pods: "110"}
  capacity: {cpu: "4", memory: 4Gi, pods: "110"}
`;

const pod = (name: string) =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: c, image: busybox:1.36, resources: {requests: {cpu: 100m}}}]
`;

Deno.test({
  name: "two rks on one etcd: one scheduler at a time; kill -9 of the leader hands over",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await using etcd = await startTestEtcd();
    const dir = testLease().makeTempDir("rks-le-");
    const home = join(dir, "home");
    await Deno.mkdir(home);
    const config = join(dir, "rks.yaml");
    await Deno.writeTextFile(config, CONFIG);
    const members: Member[] = [];
    const kubectl = async (m: Member, args: string[], stdin?: string) => {
      const r = await runKubectl(home, m.kubeconfig, args, stdin);
      assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const start = async (name: string, extra: string[] = []): Promise<Member> => {
      const data = join(dir, name);
      const kubeconfig = join(dir, `${name}.kubeconfig`);
      const process = startRksProcess([
        "start",
        "--config",
        config,
        "--store",
        etcd.grpcUrl,
        "--data-dir",
        data,
        "--listen",
        `127.0.0.1:${freePort()}`,
        "--kubeconfig-out",
        kubeconfig,
        ...extra,
      ]);
      const m = { name, data, kubeconfig, process };
      members.push(m);
      await waitRksServing(home, kubeconfig, process);
      return m;
    };
    const identity = async (m: Member) =>
      (await Deno.readTextFile(join(m.data, "leader-identity"))).trim();
    const lease = async (m: Member, name: string) =>
      JSON.parse(await kubectl(m, ["get", "lease", "-n", "kube-system", name, "-o", "json"]))
        .spec as {
          holderIdentity?: string;
          leaseTransitions?: number;
          leaseDurationSeconds?: number;
        };
    const holder = (m: Member, name: string, want: string) =>
      waitFor(`lease ${name} held by ${want || "nobody"}`, async () => {
        const r = await runKubectl(home, m.kubeconfig, [
          "get",
          "lease",
          "-n",
          "kube-system",
          name,
          "-o",
          "jsonpath={.spec.holderIdentity}",
        ]);
        return r.code === 0 && r.stdout === want;
      }, { timeoutMs: 60_000, intervalMs: 200 });
    const boundBy = async (m: Member, podName: string) => {
      await waitFor(`pod ${podName} bound`, async () => {
        const r = await runKubectl(home, m.kubeconfig, [
          "get",
          "pod",
          podName,
          "-o",
          "jsonpath={.spec.nodeName}",
        ]);
        return r.code === 0 && r.stdout === "n1";
      }, { timeoutMs: 60_000, intervalMs: 200 });
      const events = JSON.parse(
        await kubectl(m, [
          "get",
          "events",
          "--field-selector",
          `reason=Scheduled,involvedObject.name=${podName}`,
          "-o",
          "json",
        ]),
      ).items as { reportingInstance?: string }[];
      return events.map((e) => e.reportingInstance);
    };
    try {
      const a = await start("a");
      const idA = await identity(a);
      await holder(a, "kube-scheduler", idA);
      await holder(a, "kube-controller-manager", idA);
      const b = await start("b");
      const idB = await identity(b);
      assert.notEqual(idA, idB);

      await t.step("only the leader binds", async () => {
        await kubectl(b, ["create", "-f", "-"], node);
        for (const p of ["p1", "p2", "p3"]) await kubectl(b, ["create", "-f", "-"], pod(p));
        for (const p of ["p1", "p2", "p3"]) assert.deepEqual(await boundBy(b, p), [idA]);
        const l = await lease(b, "kube-scheduler");
        assert.equal(l.holderIdentity, idA);
        assert.equal(l.leaseDurationSeconds, 10);
      });

      await t.step(
        "kill -9 of the leader: the other takes both Leases over and binds",
        async () => {
          const before = (await lease(b, "kube-scheduler")).leaseTransitions ?? 0;
          a.process.kill("SIGKILL");
          await a.process.status;
          await holder(b, "kube-scheduler", idB);
          await holder(b, "kube-controller-manager", idB);
          assert.equal((await lease(b, "kube-scheduler")).leaseTransitions, before + 1);
          await kubectl(b, ["create", "-f", "-"], pod("p4"));
          assert.deepEqual(await boundBy(b, "p4"), [idB]);
        },
      );

      await t.step("a stopped leader releases its Leases", async () => {
        // A third rks without leader election, to look at the Leases once b is gone.
        const c = await start("c", ["--leader-elect", "off"]);
        members.splice(members.indexOf(b), 1);
        const s = await stopRksProcess(b.process);
        assert.equal(s.code, 0, s.stderr);
        for (const name of ["kube-scheduler", "kube-controller-manager"]) {
          const l = await lease(c, name);
          assert.equal(l.holderIdentity, undefined);
          assert.equal(l.leaseDurationSeconds, 1);
        }

        // A standalone `rks scheduler` elects on the same Lease, and releases it on SIGTERM.
        const standalone = startRksProcess([
          "scheduler",
          "--config",
          config,
          "--kubeconfig",
          c.kubeconfig,
        ]);
        let got = "";
        try {
          await waitFor("the standalone scheduler to hold kube-scheduler", async () => {
            got = (await lease(c, "kube-scheduler")).holderIdentity ?? "";
            return got !== "";
          }, { timeoutMs: 60_000, intervalMs: 200 });
        } finally {
          const s2 = await stopRksProcess(standalone);
          assert.equal(s2.code, 0, s2.stderr);
          assert.match(s2.stderr, /rks: scheduler default-scheduler running against/);
        }
        assert.match(got, new RegExp(`^${Deno.hostname()}_[0-9a-f-]{36}$`));
        assert.ok(got !== idA && got !== idB);
        assert.equal((await lease(c, "kube-scheduler")).holderIdentity, undefined);
      });
    } finally {
      for (const m of members) await stopRksProcess(m.process);
      await testLease().removeDir(dir);
    }
  },
});

Deno.test("leader_election config: kube's keys and timings, one-line errors", () => {
  const file = (yaml: Record<string, unknown>) =>
    resolveRksConfig(parseRksArgs(["start"]).flags, configFromYaml(yaml, "rks.yaml"));
  assert.deepEqual(file({}).leaderElection, undefined);
  assert.deepEqual(
    file({ leader_election: { leaderElect: false, resourceNamespace: "ops" } }).leaderElection,
    {
      leaderElect: false,
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      resourceNamespace: "ops",
    },
  );
  assert.equal(
    resolveRksConfig(parseRksArgs(["start", "--leader-elect", "off"]).flags, {}).leaderElection
      ?.leaderElect,
    false,
  );
  assert.throws(
    () => parseRksArgs(["start", "--leader-elect", "maybe"]),
    /option '--leader-elect' expects on or off, got 'maybe'/,
  );
  assert.throws(
    () => file({ leader_election: { leaseDuration: "5s", renewDeadline: "10s" } }),
    /rks\.yaml: leader_election\.leaseDuration: must be greater than renewDeadline/,
  );
  assert.throws(
    () => file({ leader_election: { retryPeriod: "soon" } }),
    /rks\.yaml: leader_election\.retryPeriod: invalid duration "soon"/,
  );
  assert.throws(
    () => file({ leader_election: { leaderElect: "yes" } }),
    /rks\.yaml: leader_election\.leaderElect: expected true or false/,
  );
  assert.throws(
    () => file({ leader_election: { lockName: "x" } }),
    /rks\.yaml: leader_election\.lockName: unknown key/,
  );
});
