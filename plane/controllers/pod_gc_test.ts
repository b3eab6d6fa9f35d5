/**
 * The pod garbage collector as `rks start` runs it (embedded etcd, in-process scheduler and
 * controllers under leader election, `--pod-gc-quarantine 2s --terminated-pod-gc-threshold 3`),
 * driven by the real kubectl, with simulated nodes (Node objects and Leases written by the test,
 * no containers): `kubectl delete node` → its pods deleted after the quarantine → the
 * ReplicaSet's replacements bound to the other node; a pod bound to a node that never existed is
 * deleted; terminated pods beyond the threshold are deleted, evicted then oldest first;
 * terminating pods on a NotReady out-of-service node and unscheduled terminating pods are marked
 * Failed and deleted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  runKubectl,
  startRksProcess,
  stopRksProcess,
  waitRksServing,
} from "../apiserver/_testing.ts";
import { KubeClient } from "../client/kube_client.ts";
import { SharedInformer } from "../client/shared_informer.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { freePort } from "../store/etcd_server.ts";
import { waitFor } from "../../core/testing.ts";
import { testLease } from "../../core/test_lease.ts";
import type { Condition } from "./_objects.ts";

const QUARANTINE_MS = 2000;
const micro = () => new Date().toISOString().replace("Z", "000Z");
const nodeOf = (p: KubeObject) => (p.spec as { nodeName?: string } | undefined)?.nodeName ?? "";
const statusOf = (p: KubeObject) =>
  (p.status ?? {}) as { phase?: string; reason?: string; conditions?: Condition[] };

Deno.test({
  name:
    "pod GC in rks start: kubectl delete node → pods replaced on the other node; a pod on a missing node deleted; terminated-pod threshold",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = testLease().makeTempDir("rks-podgc-");
    const home = join(dir, "home");
    await Deno.mkdir(home);
    const kubeconfig = join(dir, "admin.kubeconfig");
    const rks = startRksProcess([
      "start",
      "--data-dir",
      join(dir, "data"),
      "--listen",
      `127.0.0.1:${freePort()}`,
      "--kubeconfig-out",
      kubeconfig,
      "--pod-gc-quarantine",
      `${QUARANTINE_MS}ms`,
      "--terminated-pod-gc-threshold",
      "3",
    ]);
    const kubectl = async (args: string[], stdin?: string) => {
      const r = await runKubectl(home, kubeconfig, args, stdin);
      assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const alive = new Set(["n1", "n2"]);
    let stop = false;
    let renewals: Promise<void> | undefined;
    let kube: KubeClient | undefined;
    let pods: SharedInformer<KubeObject> | undefined;
    try {
      await waitRksServing(home, kubeconfig, rks);
      kube = await KubeClient.connect({ kubeconfig, fieldManager: "test-node" });
      const k = kube;
      // What the pods looked like last before they went away (the GC writes their status first).
      const lastSeen = new Map<string, KubeObject>();
      const gone = new Map<string, number>();
      const informer = pods = new SharedInformer<KubeObject>(k, "pods");
      await informer.addHandlers({
        update: (p) => void lastSeen.set(p.metadata.name, p),
        delete: (p) => {
          lastSeen.set(p.metadata.name, p);
          gone.set(p.metadata.name, Date.now());
        },
      });
      await informer.start();
      const disruption = (name: string) =>
        statusOf(lastSeen.get(name)!).conditions?.find((c) => c.type === "DisruptionTarget");

      for (const name of alive) {
        await k.create("nodes", {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name, labels: { "kubernetes.io/hostname": name } },
        });
        const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        await k.patch(
          "nodes",
          undefined,
          name,
          {
            status: {
              allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
              capacity: { cpu: "4", memory: "8Gi", pods: "110" },
              conditions: [{
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              }],
            },
          },
          "merge",
          { subresource: "status" },
        );
        await k.create("coordination.k8s.io/leases", {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace: "kube-node-lease" },
          spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() },
        });
      }
      // The node agents: renew the live nodes' Leases every second (bounded by the test's life).
      renewals = (async () => {
        for (let i = 0; i < 600 && !stop; i++) {
          for (const name of alive) {
            await k.patch("coordination.k8s.io/leases", "kube-node-lease", name, {
              spec: { renewTime: micro() },
            }, "merge").catch(() => {});
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      const web = () =>
        informer.list().filter((p) =>
          p.metadata.labels?.app === "web" && !p.metadata.deletionTimestamp
        );

      await t.step(
        "kubectl delete node: its pods are deleted after the quarantine and replaced on the other node",
        async () => {
          await kubectl(["create", "deployment", "web", "--image=nginx", "--replicas=4"]);
          await waitFor("4 web pods bound", () => {
            const w = web();
            return w.length === 4 && w.every((p) => nodeOf(p) !== "") &&
              new Set(w.map(nodeOf)).size === 2;
          }, { timeoutMs: 60_000, intervalMs: 100 });
          const onN1 = web().filter((p) => nodeOf(p) === "n1");
          assert.ok(onN1.length >= 1, "the scheduler spread the pods over both nodes");
          // n1's agent reports its pods running, then n1 goes away.
          for (const p of onN1) {
            await k.patch(
              "pods",
              "default",
              p.metadata.name,
              {
                status: { phase: "Running" },
              },
              "merge",
              { subresource: "status" },
            );
          }
          await informer.waitFor(() =>
            onN1.every((p) =>
              statusOf(informer.get("default", p.metadata.name)!).phase === "Running"
            )
          );
          alive.delete("n1");
          const deletedAt = Date.now();
          assert.match(await kubectl(["delete", "node", "n1"]), /node "n1" deleted/);
          await waitFor("n1's pods deleted", () => onN1.every((p) => gone.has(p.metadata.name)), {
            timeoutMs: 60_000,
            intervalMs: 100,
          });
          for (const p of onN1) {
            const name = p.metadata.name;
            assert.ok(
              gone.get(name)! - deletedAt >= QUARANTINE_MS,
              `${name} was deleted only after the quarantine`,
            );
            assert.equal(statusOf(lastSeen.get(name)!).phase, "Failed", `${name} marked Failed`);
            assert.deepEqual(
              { ...disruption(name), lastTransitionTime: undefined },
              {
                type: "DisruptionTarget",
                status: "True",
                reason: "DeletionByPodGC",
                message: "PodGC: node no longer exists",
                lastProbeTime: null,
                lastTransitionTime: undefined,
              },
            );
          }
          await waitFor("4 web pods bound to n2", () => {
            const w = web();
            return w.length === 4 && w.every((p) => nodeOf(p) === "n2");
          }, { timeoutMs: 60_000, intervalMs: 100 });
          const wide = await kubectl(["get", "pods", "-l", "app=web", "-o", "wide"]);
          assert.equal(wide.split("\n").filter((l) => /\sn2\s/.test(l)).length, 4, wide);
          assert.doesNotMatch(wide, /\sn1\s/);
        },
      );

      await t.step("a pod bound to a node that does not exist is deleted", async () => {
        const created = Date.now();
        await kubectl(
          ["apply", "-f", "-"],
          JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "lost", namespace: "default" },
            spec: { nodeName: "ghost", containers: [{ name: "c", image: "nginx" }] },
          }),
        );
        await waitFor("the pod on ghost deleted", () => gone.has("lost"), {
          timeoutMs: 60_000,
          intervalMs: 100,
        });
        assert.ok(gone.get("lost")! - created >= QUARANTINE_MS, "after the quarantine");
        assert.equal(statusOf(lastSeen.get("lost")!).phase, "Failed");
        assert.equal(disruption("lost")?.reason, "DeletionByPodGC");
        const r = await runKubectl(home, kubeconfig, ["get", "pod", "lost"]);
        assert.match(r.stderr, /pods "lost" not found/);
      });

      await t.step(
        "terminated pods beyond --terminated-pod-gc-threshold 3: evicted, then oldest, deleted",
        async () => {
          // Created in this order: oldest first and (within one second of creationTimestamp)
          // by name give the same order among done-*.
          const names = ["done-0", "done-1", "done-2", "done-3", "evicted"];
          for (const name of names) {
            await kubectl(
              ["apply", "-f", "-"],
              JSON.stringify({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name, namespace: "default", labels: { batch: "x" } },
                spec: {
                  nodeName: "n2",
                  restartPolicy: "Never",
                  containers: [{ name: "c", image: "busybox" }],
                },
              }),
            );
          }
          // n2's agent reports them finished, the last one evicted (kubelet's reason "Evicted").
          for (const name of names) {
            await k.patch(
              "pods",
              "default",
              name,
              {
                status: name === "evicted"
                  ? {
                    phase: "Failed",
                    reason: "Evicted",
                    message: "The node was low on resource: memory.",
                  }
                  : { phase: "Succeeded" },
              },
              "merge",
              { subresource: "status" },
            );
          }
          await waitFor(
            "two terminated pods deleted",
            () => gone.has("evicted") && gone.has("done-0"),
            {
              timeoutMs: 60_000,
              intervalMs: 100,
            },
          );
          const left = (await kubectl(["get", "pods", "-l", "batch=x", "-o", "name"])).trim();
          assert.equal(left, "pod/done-1\npod/done-2\npod/done-3");
          assert.equal(disruption("done-0"), undefined, "terminated pods get no DisruptionTarget");
          assert.equal(statusOf(lastSeen.get("done-0")!).phase, "Succeeded", "phase kept");
        },
      );

      await t.step(
        "terminating pods on a NotReady node tainted out-of-service are deleted",
        async () => {
          const onN2 = web().filter((p) => nodeOf(p) === "n2").map((p) => p.metadata.name);
          assert.equal(onN2.length, 4);
          // n2's agent reports NotReady (shut down); the administrator marks it out of service.
          const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
          await k.patch(
            "nodes",
            undefined,
            "n2",
            {
              status: {
                conditions: [{
                  type: "Ready",
                  status: "False",
                  reason: "KubeletNotReady",
                  lastHeartbeatTime: now,
                  lastTransitionTime: now,
                }],
              },
            },
            "merge",
            { subresource: "status" },
          );
          await kubectl([
            "taint",
            "node",
            "n2",
            "node.kubernetes.io/out-of-service=nodeshutdown:NoExecute",
          ]);
          // The taint manager evicts them (a graceful delete no kubelet will finish); PodGC
          // marks them Failed and deletes them with grace 0.
          await waitFor("n2's web pods deleted", () => onN2.every((n) => gone.has(n)), {
            timeoutMs: 60_000,
            intervalMs: 100,
          });
          for (const n of onN2) {
            assert.ok(lastSeen.get(n)?.metadata.deletionTimestamp, `${n} was terminating`);
            assert.equal(statusOf(lastSeen.get(n)!).phase, "Failed", `${n} marked Failed`);
          }
        },
      );

      await t.step("an unscheduled terminating pod is marked Failed and deleted", async () => {
        await kubectl(
          ["apply", "-f", "-"],
          JSON.stringify({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "held", namespace: "default", finalizers: ["example.com/hold"] },
            spec: { schedulerName: "nobody", containers: [{ name: "c", image: "nginx" }] },
          }),
        );
        await kubectl(["delete", "pod", "held", "--wait=false"]);
        await informer.waitFor(() => {
          const p = informer.get("default", "held");
          return p !== undefined && statusOf(p).phase === "Failed";
        });
        assert.ok(informer.get("default", "held")?.metadata.deletionTimestamp);
        assert.equal(nodeOf(informer.get("default", "held")!), "");
        await kubectl([
          "patch",
          "pod",
          "held",
          "--type=merge",
          "-p",
          '{"metadata":{"finalizers":null}}',
        ]);
        await waitFor("held gone", () => gone.has("held"), { timeoutMs: 60_000, intervalMs: 100 });
      });
    } finally {
      stop = true;
      await renewals;
      await pods?.stop();
      kube?.close();
      const s = await stopRksProcess(rks);
      await testLease().removeDir(dir);
      assert.equal(s.code, 0, s.stderr);
    }
  },
});
