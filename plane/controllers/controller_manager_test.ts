import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { startTestCluster, type TestCluster } from "../apiserver/_testing.ts";
import { isNotFound } from "../client/client_errors.ts";
import { KubeClient } from "../client/kube_client.ts";
import { SharedInformer } from "../client/shared_informer.ts";
import type { KubeObject } from "../store/kube_object.ts";
import { startControllerManager } from "./controller_manager.ts";

const NODES = ["node-a", "node-b"];

/**
 * What a node would do for the pods of the test: bind unbound pods (round robin, as no scheduler
 * runs here), report them Running and Ready, and finish graceful deletions. Serial and bounded.
 */
class SimulatedNodes {
  #chain: Promise<void> = Promise.resolve();
  #next = 0;
  readonly kube: KubeClient;
  readonly pods: SharedInformer<KubeObject>;
  ready = true;
  errors: unknown[] = [];

  constructor(kube: KubeClient) {
    this.kube = kube;
    this.pods = new SharedInformer<KubeObject>(kube, "pods");
  }

  async start(): Promise<void> {
    const handle = (p: KubeObject) => {
      this.#chain = this.#chain.then(() => this.#handle(p)).catch((e) => {
        if (!isNotFound(e)) this.errors.push(e);
      });
    };
    await this.pods.addHandlers({ add: handle, update: handle });
    await this.pods.start();
  }

  async #handle(p: KubeObject): Promise<void> {
    const ns = p.metadata.namespace ?? "default";
    const spec = p.spec as { nodeName?: string };
    const status = p.status as { phase?: string } | undefined;
    if (p.metadata.deletionTimestamp) {
      await this.kube.delete("pods", ns, p.metadata.name, { gracePeriodSeconds: 0 });
      return;
    }
    if (!spec.nodeName) {
      const fresh = this.pods.get(ns, p.metadata.name);
      if (!fresh || (fresh.spec as { nodeName?: string }).nodeName) return;
      await this.kube.bind(fresh, NODES[this.#next++ % NODES.length]!);
      return;
    }
    if (this.ready && status?.phase !== "Running") {
      const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      await this.kube.patch(
        "pods",
        ns,
        p.metadata.name,
        {
          status: {
            phase: "Running",
            conditions: [
              { type: "PodScheduled", status: "True", lastTransitionTime: now },
              { type: "Initialized", status: "True", lastTransitionTime: now },
              { type: "ContainersReady", status: "True", lastTransitionTime: now },
              { type: "Ready", status: "True", lastTransitionTime: now },
            ],
          },
        },
        "merge",
        { subresource: "status" },
      );
    }
  }

  /** Live (not terminating) pods of `app`, and how many of them are Ready. */
  count(app: string): { live: number; ready: number } {
    let live = 0, ready = 0;
    for (const p of this.pods.list()) {
      if (p.metadata.labels?.app !== app || p.metadata.deletionTimestamp) continue;
      live++;
      const conds = (p.status as { conditions?: { type: string; status: string }[] } | undefined)
        ?.conditions ?? [];
      if (conds.some((c) => c.type === "Ready" && c.status === "True")) ready++;
    }
    return { live, ready };
  }

  async stop(): Promise<void> {
    await this.pods.stop();
    await this.#chain;
  }
}

async function waitForCondition(c: TestCluster, reason: string): Promise<void> {
  await waitFor(`Progressing reason ${reason}`, async () => {
    const d = JSON.parse(await kubectlOk(c, ["get", "deployment", "web", "-o", "json"]));
    return (d.status.conditions ?? []).some((x: { reason: string }) => x.reason === reason);
  }, { timeoutMs: 30_000, intervalMs: 100 });
}

async function kubectlOk(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

Deno.test({
  name: "controllers: Deployment → ReplicaSet → pods with the real kubectl, rks and etcd",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");
    await using kube = await KubeClient.connect({
      kubeconfig: c.kubeconfig,
      fieldManager: "kube-controller-manager",
    });
    const logs: string[] = [];
    await using cm = await startControllerManager({ kube, log: (l) => logs.push(l) });
    for (const n of NODES) {
      await kube.create("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: n } });
    }
    const nodes = new SimulatedNodes(kube);
    await nodes.start();
    const rsInformer = new SharedInformer<KubeObject>(kube, "apps/replicasets");
    await rsInformer.start();
    try {
      await t.step(
        "kubectl create deployment: a ReplicaSet web-<hash>, 3 pods, rollout status succeeds",
        async () => {
          await kubectlOk(c, ["create", "deployment", "web", "--image=nginx:1", "--replicas=3"]);
          const out = await kubectlOk(c, ["rollout", "status", "deployment/web", "--timeout=90s"]);
          assert.match(out, /deployment "web" successfully rolled out/);
          const rss = rsInformer.list().filter((r) => r.metadata.name.startsWith("web-"));
          assert.equal(rss.length, 1);
          const rs = rss[0]!;
          assert.match(rs.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
          assert.equal(rs.metadata.annotations?.["deployment.kubernetes.io/revision"], "1");
          const pods = nodes.pods.list().filter((p) => p.metadata.labels?.app === "web");
          assert.equal(pods.length, 3);
          for (const p of pods) {
            assert.ok(p.metadata.name.startsWith(`${rs.metadata.name}-`), p.metadata.name);
            const ref = (p.metadata.ownerReferences as { uid: string; controller: boolean }[])[0];
            assert.equal(ref?.uid, rs.metadata.uid);
            assert.equal(ref?.controller, true);
            assert.equal(
              p.metadata.labels?.["pod-template-hash"],
              rs.metadata.labels?.["pod-template-hash"],
            );
          }
          const d = JSON.parse(await kubectlOk(c, ["get", "deployment", "web", "-o", "json"]));
          assert.equal(d.status.readyReplicas, 3);
          assert.equal(d.status.availableReplicas, 3);
          assert.equal(d.status.updatedReplicas, 3);
          const reasons = d.status.conditions.map((x: { type: string; reason: string }) =>
            `${x.type}=${x.reason}`
          );
          assert.ok(reasons.includes("Available=MinimumReplicasAvailable"), reasons.join());
          assert.ok(reasons.includes("Progressing=NewReplicaSetAvailable"), reasons.join());
        },
      );

      await t.step("kubectl scale up and down", async () => {
        await kubectlOk(c, ["scale", "deployment/web", "--replicas=5"]);
        await nodes.pods.waitFor(() => nodes.count("web").ready === 5, 60_000);
        await kubectlOk(c, ["scale", "deployment/web", "--replicas=2"]);
        await nodes.pods.waitFor(() => nodes.count("web").live === 2, 60_000);
        await kubectlOk(c, ["rollout", "status", "deployment/web", "--timeout=60s"]);
        const ev = await kubectlOk(c, [
          "get",
          "events",
          "--field-selector",
          "involvedObject.kind=Deployment",
        ]);
        assert.match(ev, /ScalingReplicaSet\s+.*Scaled up replica set web-\w+ from 3 to 5/);
        assert.match(ev, /Scaled down replica set web-\w+ from 5 to 2/);
        const rsev = await kubectlOk(c, [
          "get",
          "events",
          "--field-selector",
          "involvedObject.kind=ReplicaSet",
        ]);
        assert.match(rsev, /SuccessfulCreate\s+.*Created pod: web-/);
        assert.match(rsev, /SuccessfulDelete\s+.*Deleted pod: web-/);
        const desc = await kubectlOk(c, ["describe", "deployment", "web"]);
        assert.match(desc, /Available\s+True\s+MinimumReplicasAvailable/);
        assert.match(
          desc,
          /Normal\s+ScalingReplicaSet\s+.*Scaled down replica set web-\w+ from 5 to 2/,
        );
      });

      await t.step(
        "rolling update with maxUnavailable 0 never drops below the desired ready count",
        async () => {
          await kubectlOk(c, ["scale", "deployment/web", "--replicas=3"]);
          await nodes.pods.waitFor(
            () => nodes.count("web").ready === 3 && nodes.count("web").live === 3,
            60_000,
          );
          await kubectlOk(c, ["rollout", "status", "deployment/web", "--timeout=60s"]);
          await kubectlOk(c, [
            "patch",
            "deployment/web",
            "-p",
            JSON.stringify({
              spec: { strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } },
            }),
          ]);
          let minReady = Infinity, maxLive = 0;
          await nodes.pods.addHandlers({
            update: () => {
              const n = nodes.count("web");
              minReady = Math.min(minReady, n.ready);
              maxLive = Math.max(maxLive, n.live);
            },
          });
          await kubectlOk(c, ["set", "image", "deployment/web", "nginx=nginx:2"]);
          const out = await kubectlOk(c, ["rollout", "status", "deployment/web", "--timeout=90s"]);
          assert.match(out, /successfully rolled out/);
          assert.equal(minReady, 3, "ready pods never fewer than replicas");
          assert.equal(maxLive, 4, "at most replicas + maxSurge live pods");
          const images = nodes.pods.list().filter((p) =>
            p.metadata.labels?.app === "web" && !p.metadata.deletionTimestamp
          )
            .map((p) => (p.spec as { containers: { image: string }[] }).containers[0]?.image);
          assert.deepEqual(images, ["nginx:2", "nginx:2", "nginx:2"]);
        },
      );

      await t.step("kubectl rollout history and undo", async () => {
        const hist = await kubectlOk(c, ["rollout", "history", "deployment/web"]);
        assert.match(hist, /^1\s/m);
        assert.match(hist, /^2\s/m);
        await kubectlOk(c, ["rollout", "undo", "deployment/web"]);
        await kubectlOk(c, ["rollout", "status", "deployment/web", "--timeout=90s"]);
        const d = JSON.parse(await kubectlOk(c, ["get", "deployment", "web", "-o", "json"]));
        assert.equal(d.spec.template.spec.containers[0].image, "nginx:1");
        assert.equal(d.metadata.annotations["deployment.kubernetes.io/revision"], "3");
        const rss = rsInformer.list().filter((r) => r.metadata.name.startsWith("web-"));
        assert.equal(rss.length, 2, "undo reuses the first ReplicaSet");
        const hist2 = await kubectlOk(c, ["rollout", "history", "deployment/web"]);
        assert.match(hist2, /^2\s/m);
        assert.match(hist2, /^3\s/m);
        assert.doesNotMatch(hist2, /^1\s/m);
      });

      await t.step("kubectl rollout pause, resume and restart", async () => {
        const webRSs = () =>
          rsInformer.list().filter((r) => r.metadata.name.startsWith("web-")).length;
        await kubectlOk(c, ["rollout", "pause", "deployment/web"]);
        await kubectlOk(c, ["set", "image", "deployment/web", "nginx=nginx:3"]);
        const paused = JSON.parse(await kubectlOk(c, ["get", "deployment", "web", "-o", "json"]));
        assert.equal(paused.spec.paused, true);
        await waitForCondition(c, "DeploymentPaused");
        assert.equal(webRSs(), 2, "no new ReplicaSet while paused");
        await kubectlOk(c, ["rollout", "resume", "deployment/web"]);
        await kubectlOk(c, ["rollout", "status", "deployment/web", "--timeout=90s"]);
        assert.equal(webRSs(), 3, "resumed: the nginx:3 ReplicaSet");
        await kubectlOk(c, ["rollout", "restart", "deployment/web"]);
        await kubectlOk(c, ["rollout", "status", "deployment/web", "--timeout=90s"]);
        assert.equal(webRSs(), 4, "restart: a new ReplicaSet for the restartedAt annotation");
        const hist = await kubectlOk(c, ["rollout", "history", "deployment/web"]);
        assert.match(hist, /^5\s/m);
      });

      await t.step("bad input: 422 with field paths, nothing stored", async () => {
        const bad = (spec: Record<string, unknown>) =>
          JSON.stringify({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "bad" },
            spec: {
              selector: { matchLabels: { app: "bad" } },
              template: {
                metadata: { labels: { app: "bad" } },
                spec: { containers: [{ name: "c", image: "x" }] },
              },
              ...spec,
            },
          });
        const r1 = await c.kubectl(["apply", "-f", "-"], bad({ replicas: -1 }));
        assert.notEqual(r1.code, 0);
        assert.match(r1.stderr, /spec\.replicas/);
        const r2 = await c.kubectl(
          ["apply", "-f", "-"],
          bad({
            template: {
              metadata: { labels: { app: "other" } },
              spec: { containers: [{ name: "c", image: "x" }] },
            },
          }),
        );
        assert.notEqual(r2.code, 0);
        assert.match(r2.stderr, /spec\.template\.metadata\.labels/);
        assert.match(r2.stderr, /does not match template/);
        const get = await c.kubectl(["get", "deployment", "bad"]);
        assert.notEqual(get.code, 0);
      });
      assert.deepEqual(nodes.errors, []);
    } finally {
      await rsInformer.stop();
      await nodes.stop();
      await cm.close();
    }
  },
});
