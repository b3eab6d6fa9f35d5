/**
 * Priority and preemption end to end: real etcd + rks, the real kubectl, the scheduler, and a
 * simulated node (a Node object written by the test; the test deletes terminating pods as a
 * node would once their containers stopped).
 */
import assert from "node:assert/strict";
import { startTestCluster, type TestCluster } from "../apiserver/_testing.ts";
import { KubeClient } from "../client/kube_client.ts";
import { Scheduler } from "./scheduler.ts";
import type { Pod } from "./types.ts";

async function ok(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const pod = (name: string, cpu: string, cls?: string) =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: prio}}
spec:
${
    cls
      ? `  priorityClassName: ${cls}\n`
      : ""
  }  containers: [{name: c, image: nginx, resources: {requests: {cpu: "${cpu}"}}}]
`;

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: "preemption with rks, etcd and kubectl: victims, nomination, events, Never",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("grpc");
    await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig });
    await kube.create("nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1" } },
      status: {
        allocatable: { cpu: "2", memory: "8Gi", pods: "110" },
        capacity: { cpu: "2", memory: "8Gi", pods: "110" },
        conditions: [{ type: "Ready", status: "True" }],
      },
    });
    const scheduler = new Scheduler(kube, { identity: "prio-test" });
    await scheduler.start();
    const get = (name: string) => kube.get<Pod>("pods", "default", name);
    try {
      await ok(c, ["create", "priorityclass", "high", "--value=1000"]);
      await ok(c, ["create", "priorityclass", "mid", "--value=10"]);
      await ok(c, [
        "create",
        "priorityclass",
        "polite",
        "--value=2000",
        "--preemption-policy=Never",
      ]);

      await t.step("two lower-priority pods fill the node", async () => {
        await ok(c, ["create", "-f", "-"], pod("keeper", "1", "mid"));
        await ok(c, ["create", "-f", "-"], pod("victim", "1"));
        for (const n of ["keeper", "victim"]) {
          await until(`${n} bound`, async () => (await get(n)).spec?.nodeName || undefined);
        }
      });

      let victimUid = "";
      await t.step(
        "a high-priority pod is nominated and only the least important pod is evicted",
        async () => {
          victimUid = String((await get("victim")).metadata.uid);
          await ok(c, ["create", "-f", "-"], pod("urgent", "1", "high"));
          const urgent = await until("nomination", async () => {
            const p = await get("urgent");
            return p.status?.nominatedNodeName === "node-1" ? p : undefined;
          });
          assert.equal(urgent.spec?.nodeName, undefined); // the victim is still terminating
          const victim = await until("victim terminating", async () => {
            const p = await get("victim");
            return p.metadata.deletionTimestamp ? p : undefined;
          });
          const cond = (victim.status?.conditions ?? []).find((x) => x.type === "DisruptionTarget");
          assert.equal(cond?.status, "True");
          assert.equal(cond?.reason, "PreemptionByScheduler");
          assert.equal(
            cond?.message,
            "default-scheduler: preempting to accommodate a higher priority pod",
          );
          assert.equal((await get("keeper")).metadata.deletionTimestamp, undefined);
          const events = await until("Preempted event", async () => {
            const out = await ok(c, [
              "get",
              "events",
              "--field-selector",
              "reason=Preempted",
              "-o",
              "json",
            ]);
            const items = JSON.parse(out).items as Record<string, Record<string, unknown>>[];
            return items.length > 0 ? items : undefined;
          });
          assert.equal(events[0]!.involvedObject!.name, "victim");
          assert.equal(
            events[0]!.message,
            `Preempted by pod ${urgent.metadata.uid} on node node-1`,
          );
          const d = await ok(c, ["describe", "pod", "urgent"]);
          assert.match(
            d,
            /Warning\s+FailedScheduling\s+.*0\/1 nodes are available: 1 Insufficient cpu\./,
          );
          assert.doesNotMatch(d, /preemption: 0\/1/);
        },
      );

      await t.step(
        "a lower-priority pod does not take the space held for the nominated pod",
        async () => {
          await ok(c, ["create", "-f", "-"], pod("sneaky", "1", "mid"));
          await until("sneaky unschedulable", async () => {
            const p = await get("sneaky");
            const cond = (p.status?.conditions ?? []).find((x) => x.type === "PodScheduled");
            return cond?.reason === "Unschedulable" ? cond : undefined;
          });
        },
      );

      await t.step("once the node removes the victim, the preemptor is bound there", async () => {
        // As the node agent does after the containers stopped.
        await kube.delete("pods", "default", "victim", {
          gracePeriodSeconds: 0,
          preconditions: { uid: victimUid },
        });
        const bound = await until(
          "urgent bound",
          async () => (await get("urgent")).spec?.nodeName || undefined,
        );
        assert.equal(bound, "node-1");
        assert.equal((await get("sneaky")).spec?.nodeName, undefined);
        assert.match(
          await ok(c, ["get", "pods", "-o", "wide"]),
          /urgent\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+node-1\s+node-1\s/,
        );
      });

      await t.step("preemptionPolicy Never waits instead of evicting", async () => {
        await ok(c, ["create", "-f", "-"], pod("waiter", "1", "polite"));
        const msg = await until("FailedScheduling of waiter", async () => {
          const p = await get("waiter");
          const cond = (p.status?.conditions ?? []).find((x) => x.type === "PodScheduled");
          return typeof cond?.message === "string" ? cond.message : undefined;
        });
        assert.equal(
          msg,
          "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
        );
        assert.equal((await get("keeper")).metadata.deletionTimestamp, undefined);
        assert.equal(scheduler.stats.preemptionVictims, 1);
      });
    } finally {
      await scheduler.stop();
    }
  },
});
