/**
 * Root, real parts: etcd, `rks start --node-listen` (scheduler and controllers on), a real
 * `rkl daemon --cluster` process joined over QUIC with its own `--root`, real runc/conmon/CNI,
 * and the real kubectl. A Deployment's pods run on the node with the kubelet's status fields;
 * pods the node cannot run get the kubelet's waiting reasons and events; a `kill -9` of the
 * node daemon and an rks restart re-create nothing; `kubectl delete` stops the containers and
 * removes the objects.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../../core/testing.ts";
import { testBundles } from "../../core/testing.ts";
import { freePort, startEtcd } from "../store/etcd_server.ts";
import { runKubectl } from "../apiserver/_testing.ts";

const repo = new URL("../..", import.meta.url).pathname;
const dec = new TextDecoder();
const long = { timeoutMs: 120_000, intervalMs: 300 };

function deno(permissionSet: string, args: string[]): Deno.Command {
  return new Deno.Command("deno", {
    args: ["run", "-q", "--frozen", `-P=${permissionSet}`, ...args],
    cwd: repo,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** A child whose stderr is collected as text. */
interface Proc {
  p: Deno.ChildProcess;
  text: () => string;
  done: Promise<number>;
}

function collect(p: Deno.ChildProcess): Proc {
  let text = "";
  const reading = (async () => {
    for await (const c of p.stderr.pipeThrough(new TextDecoderStream())) text += c;
  })();
  p.stdout.cancel();
  return { p, text: () => text, done: reading.then(() => p.status).then((s) => s.code) };
}

async function rkl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = await deno("rkl", ["cli/main.ts", ...args]).output();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

interface LocalPod {
  name: string;
  uid: string;
  ip: string;
  status: string;
  containers: { name: string; id?: string; restartCount: number; state: string }[];
}

type ApiPod = {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    hostIP?: string;
    startTime?: string;
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      started?: boolean;
      restartCount: number;
      containerID?: string;
      image: string;
      state: Record<string, Record<string, unknown>>;
      lastState: Record<string, unknown>;
    }[];
  };
};

const deployment = (replicas: number) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 3
      containers:
        - name: app
          image: ${testBundles.busybox}
          args: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`;

Deno.test({
  name:
    "rkl daemon --cluster runs the pods bound to it: status written back, adoption after kill -9 and rks restart, graceful deletion",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "rk8s-cpods-" });
    const etcd = await startEtcd();
    const procs: Proc[] = [];
    const home = join(dir, "home");
    await Deno.mkdir(home);
    const dataDir = join(dir, "rks");
    const kubeconfig = join(dataDir, "admin.kubeconfig");
    const kubectl = (args: string[], stdin?: string) => runKubectl(home, kubeconfig, args, stdin);
    const nodeRoot = join(dir, "node-1");
    const manifests = join(dir, "manifests");
    await Deno.mkdir(manifests);
    const nodePort = freePort();
    const apiPort = freePort();
    const startRks = () => {
      const p = collect(
        deno("rks", [
          "cli/rks.ts",
          "start",
          "--listen",
          `127.0.0.1:${apiPort}`,
          "--node-listen",
          `127.0.0.1:${nodePort}`,
          "--store",
          etcd.grpcUrl,
          "--data-dir",
          dataDir,
        ]).spawn(),
      );
      procs.push(p);
      return p;
    };
    const startNode = (join_: string[]) => {
      const p = collect(
        deno("daemon", [
          "cli/main.ts",
          "--root",
          nodeRoot,
          "daemon",
          "--manifests",
          manifests,
          "--node-name",
          "node-1",
          "--node-lease-interval",
          "1000",
          ...join_,
        ]).spawn(),
      );
      procs.push(p);
      return p;
    };
    const localPods = async (): Promise<LocalPod[]> => {
      const r = await rkl(["--root", nodeRoot, "pod", "list", "-o", "json"]);
      assert.equal(r.code, 0, r.err);
      return JSON.parse(r.out) as LocalPod[];
    };
    const apiPods = async (selector = "app=web"): Promise<ApiPod[]> => {
      const r = await kubectl(["get", "pods", "-l", selector, "-o", "json"]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { items: ApiPod[] }).items;
    };
    let rks = startRks();
    let node: Proc | undefined;
    const explain = (e: Error) =>
      new Error(
        `${e.message}\nnode-1:\n${node?.text().slice(-6000)}\nrks:\n${rks.text().slice(-4000)}`,
      );
    try {
      await waitFor("rks to serve", async () => {
        if (!rks.text().includes("listening for nodes")) return false;
        return (await kubectl(["get", "--raw", "/readyz"])).code === 0;
      }, long).catch((e) => {
        throw explain(e);
      });
      const tokenOut = await deno("rks", ["cli/rks.ts", "token", "create", "--data-dir", dataDir])
        .output();
      assert.equal(tokenOut.code, 0, dec.decode(tokenOut.stderr));
      const joinArgs = dec.decode(tokenOut.stdout).trim().split(/\s+/).slice(2);
      assert.equal(joinArgs[0], "--cluster");
      node = startNode(joinArgs);
      await waitFor("node-1 Ready", async () => {
        const r = await kubectl(["get", "nodes", "--no-headers"]);
        return /^node-1\s+Ready\s/m.test(r.stdout);
      }, long).catch((e) => {
        throw explain(e);
      });

      let running: ApiPod[] = [];
      await t.step(
        "a Deployment's 2 replicas run on the node; kubectl shows node and IP",
        async () => {
          const r = await kubectl(["apply", "-f", "-"], deployment(2));
          assert.equal(r.code, 0, r.stderr);
          running = await waitFor("2 Running pods with IPs and ready containers", async () => {
            const pods = await apiPods();
            return pods.length === 2 && pods.every((p) =>
              p.status.phase === "Running" && p.status.podIP &&
              p.status.containerStatuses?.[0]?.ready
            ) && pods;
          }, long).catch((e) => {
            throw explain(e);
          });
          const wide = await kubectl(["get", "pods", "-o", "wide", "--no-headers"]);
          for (const p of running) {
            assert.match(
              wide.stdout,
              new RegExp(
                `^${p.metadata.name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${
                  p.status.podIP!.replaceAll(".", "\\.")
                }\\s+node-1\\s`,
                "m",
              ),
              wide.stdout,
            );
          }
          const local = await localPods();
          for (const p of running) {
            const l = local.find((x) => x.name === p.metadata.name);
            assert.ok(l, `the node runs ${p.metadata.name}`);
            assert.equal(l.uid, p.metadata.uid, "the sandbox keeps the API pod's uid");
            assert.equal(l.ip, p.status.podIP);
          }
        },
      );

      await t.step("the status has the kubelet's fields", () => {
        for (const p of running) {
          const s = p.status;
          assert.equal(s.hostIP, "127.0.0.1");
          assert.deepEqual(s.podIPs, [{ ip: s.podIP }]);
          assert.match(s.startTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
          const cond = Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c.status]));
          assert.deepEqual(cond, {
            PodScheduled: "True",
            Initialized: "True",
            ContainersReady: "True",
            Ready: "True",
          });
          const [c] = s.containerStatuses!;
          assert.equal(c!.name, "app");
          assert.equal(c!.image, testBundles.busybox);
          assert.equal(c!.started, true);
          assert.equal(c!.restartCount, 0);
          assert.match(c!.containerID ?? "", /^runc:\/\/[0-9a-f]{12,}$/);
          assert.match(String(c!.state.running?.startedAt), /^\d{4}-.*Z$/);
          assert.deepEqual(c!.lastState, {});
        }
      });

      await t.step(
        "pods the node cannot run: the kubelet's waiting reasons and events",
        async () => {
          const bad = (name: string, extra: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: bad}}
spec:
  nodeName: node-1
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${extra === "image" ? "/no/such/image" : testBundles.busybox}
      args: ["sleep", "60"]
${extra === "volume" ? "  volumes: [{name: cfg, configMap: {name: cfg}}]" : ""}
`;
          for (const [name, kind] of [["noimage", "image"], ["badvol", "volume"]]) {
            const r = await kubectl(["apply", "-f", "-"], bad(name!, kind!));
            assert.equal(r.code, 0, r.stderr);
          }
          const reasons = await waitFor("waiting reasons", async () => {
            const pods = await apiPods("app=bad");
            const w = Object.fromEntries(
              pods.map((p) => [p.metadata.name, p.status.containerStatuses?.[0]?.state.waiting]),
            );
            return w.noimage && w.badvol && w;
          }, long).catch((e) => {
            throw explain(e);
          });
          assert.equal(reasons.noimage!.reason, "ErrImageNeverPull");
          assert.match(String(reasons.noimage!.message), /\/no\/such\/image/);
          assert.equal(reasons.badvol!.reason, "CreateContainerConfigError");
          assert.match(String(reasons.badvol!.message), /configMap.*not supported/);
          const ev = await waitFor("a Warning event", async () => {
            const r = await kubectl([
              "get",
              "events",
              "--field-selector",
              "involvedObject.name=badvol",
              "-o",
              "json",
            ]);
            const items = (JSON.parse(r.stdout) as {
              items: { reason: string; type: string; source: { component: string } }[];
            }).items;
            return items.find((e) => e.type === "Warning");
          }, long);
          assert.equal(ev.reason, "Failed");
          assert.equal(ev.source.component, "kubelet");
          assert.equal((await apiPods("app=bad"))[0]?.status.phase, "Pending");
          // Never created on the node, so deleting them needs no stop: the node deletes them.
          const del = await kubectl(["delete", "pod", "noimage", "badvol", "--wait=false"]);
          assert.equal(del.code, 0, del.stderr);
          await waitFor("both gone", async () => (await apiPods("app=bad")).length === 0, long)
            .catch((e) => {
              throw explain(e);
            });
          assert.ok(!(await localPods()).some((p) => p.name === "noimage" || p.name === "badvol"));
        },
      );

      const ids = (pods: LocalPod[]) =>
        pods.map((p) => `${p.name}:${p.containers.map((c) => c.id).join(",")}`).sort();
      await t.step("kill -9 of the node daemon: the new one adopts, restarts nothing", async () => {
        const before = ids(await localPods());
        assert.equal(before.length, 2);
        node!.p.kill("SIGKILL");
        await node!.done;
        node = startNode(["--cluster", joinArgs[1]!, "--ca-cert-hash", joinArgs[5]!]);
        await waitFor("the new daemon to list its pods", () => {
          return /2 pod\(s\) bound to this node/.test(node!.text());
        }, long).catch((e) => {
          throw explain(e);
        });
        // A few syncs later: still the same containers, no restart, no creation.
        const syncs = async () => {
          const o = await deno("daemon", [
            "cli/main.ts",
            "--root",
            nodeRoot,
            "daemon",
            "status",
            "-o",
            "json",
          ])
            .output();
          return o.code === 0 ? (JSON.parse(dec.decode(o.stdout)) as { syncs: number }).syncs : 0;
        };
        const first = await waitFor("the daemon's control socket", syncs, long);
        await waitFor("a few more syncs", async () => (await syncs()) >= first + 2, long);
        assert.deepEqual(ids(await localPods()), before);
        assert.doesNotMatch(node!.text(), /Created pod sandbox|Restarting|Killing/);
        for (const p of await apiPods()) {
          assert.equal(p.status.phase, "Running");
          assert.equal(p.status.containerStatuses?.[0]?.restartCount, 0);
        }
      });

      await t.step(
        "rks restart: the node resumes its watch without re-listing or re-creating",
        async () => {
          const before = ids(await localPods());
          rks.p.kill("SIGTERM");
          assert.equal(await rks.done, 0, rks.text());
          const listsBefore = node!.text().match(/pod\(s\) bound to this node/g)?.length ?? 0;
          rks = startRks();
          await waitFor(
            "node-1 to reconnect",
            () => rks.text().includes('node "node-1" connected'),
            long,
          )
            .catch((e) => {
              throw explain(e);
            });
          // The watch works again: a third replica runs.
          const r = await kubectl(["scale", "deployment", "web", "--replicas=3"]);
          assert.equal(r.code, 0, r.stderr);
          await waitFor("3 Running pods", async () => {
            const pods = await apiPods();
            return pods.length === 3 && pods.every((p) => p.status.containerStatuses?.[0]?.ready);
          }, long).catch((e) => {
            throw explain(e);
          });
          const after = ids(await localPods());
          for (const b of before) assert.ok(after.includes(b), `${b} kept its containers`);
          assert.equal(
            node!.text().match(/pod\(s\) bound to this node/g)?.length ?? 0,
            listsBefore,
            "resumed from the last resourceVersion, not listed again",
          );
        },
      );

      await t.step("kubectl delete: containers stopped, then the objects removed", async () => {
        const r = await kubectl(["delete", "deployment", "web"]);
        assert.equal(r.code, 0, r.stderr);
        await waitFor("no pods in the API", async () => (await apiPods()).length === 0, long)
          .catch((e) => {
            throw explain(e);
          });
        assert.deepEqual(await localPods(), []);
        assert.match(node!.text(), /the pod is being deleted \(grace period 3s\)/);
        assert.match(node!.text(), /stopped; deleted its object/);
      });
    } finally {
      if (node) {
        node.p.kill("SIGTERM");
        await node.done;
      }
      for (const p of await localPods().catch(() => [])) {
        await rkl(["--root", nodeRoot, "pod", "rm", "-f", p.name]);
      }
      await rkl(["--root", nodeRoot, "gc"]);
      for (const p of procs) {
        try {
          p.p.kill("SIGTERM");
        } catch { /* exited */ }
        await p.done;
      }
      await etcd.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
