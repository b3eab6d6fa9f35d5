import assert from "node:assert/strict";
import { startTestCluster } from "../apiserver/_testing.ts";
import { KubeClient } from "./kube_client.ts";
import { LeaderElector } from "./leader_election.ts";

// A lease long enough that a leader starved of CPU for seconds on a loaded machine keeps it.
const timing = { leaseDurationSeconds: 10, renewDeadlineSeconds: 8, retryPeriodSeconds: 1 };

async function until(what: string, f: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "LeaderElector: one leader at a time, release on stop, a failed start gives the Lease up",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("grpc");
    await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig });
    const running = new Set<string>();
    const log: string[] = [];
    const candidate = (identity: string, failStart = false) => {
      const e = new LeaderElector(kube, {
        name: "demo",
        identity,
        ...timing,
        log: (l) => log.push(l),
      });
      e.start({
        onStartedLeading: () => {
          if (failStart) return Promise.reject(new Error(`${identity} cannot start`));
          running.add(identity);
          return Promise.resolve();
        },
        onStoppedLeading: () => {
          running.delete(identity);
          return Promise.resolve();
        },
      });
      return e;
    };
    const holder = async () =>
      ((await kube.get("coordination.k8s.io/v1/leases", "kube-system", "demo")).spec as {
        holderIdentity?: string;
      }).holderIdentity;

    await t.step(
      "the first candidate leads; the second waits while it renews, and takes over on release",
      async () => {
        const a = candidate("a");
        await until("a leading", () => a.isLeader && running.has("a"));
        const b = candidate("b");
        // Longer than the lease duration: a keeps renewing, b never leads.
        const until2 = Date.now() + 11_000;
        while (Date.now() < until2) {
          assert.ok(!b.isLeader && !running.has("b"), "b must not lead while a renews");
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(await holder(), "a");
        // a stops (releasing the Lease: see the end of this step) and b takes over.
        await a.stop();
        assert.ok(!running.has("a"));
        await until("b leading", () => b.isLeader && running.has("b"));
        assert.equal(await holder(), "b");
        await b.stop();
        assert.equal(await holder(), undefined);
      },
    );

    await t.step(
      "a candidate whose component fails to start gives the Lease to another",
      async () => {
        const bad = candidate("bad", true);
        await until("bad tried", () => log.some((l) => l.includes("bad cannot start")));
        const good = candidate("good");
        await until("good leading", () => good.isLeader && running.has("good"));
        assert.ok(!bad.isLeader);
        await bad.stop();
        await good.stop();
      },
    );
  },
});
