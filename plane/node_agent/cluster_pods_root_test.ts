/**
 * Root, real parts: etcd, `rks start --node-listen` (scheduler and controllers on), a real
 * `rkl daemon --cluster` process joined over QUIC with its own `--root`, in a network
 * namespace of its own (as every cluster test node: its `RK8S-*` iptables chains, pod CIDR
 * bridge and the 10.96.0.1 rules stay out of the host's, where a real node may run), real
 * runc/conmon/CNI, and the real kubectl. A Deployment's pods run on the node with the kubelet's status fields;
 * pods the node cannot run get the kubelet's waiting reasons and events; a `kill -9` of the
 * node daemon and an rks restart re-create nothing; `kubectl delete` stops the containers and
 * removes the objects.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../../core/testing.ts";
import { testBundles } from "../../core/testing.ts";
import {
  denoRun,
  type LocalPod,
  localPods as podsOf,
  type Proc,
  startNodeDaemon,
  startRksWithNodeNetwork,
  webDeployment,
} from "./_cluster_testing.ts";

const dec = new TextDecoder();
const long = { timeoutMs: 120_000, intervalMs: 300 };
const deno = (set: string, args: string[]) => denoRun(set, args);

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

const deployment = (replicas: number) =>
  webDeployment(
    replicas,
    "trap 'exit 0' TERM; echo started $(hostname); i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done",
    3,
  );

Deno.test({
  name:
    "rkl daemon --cluster runs the pods bound to it: status written back, adoption after kill -9 and rks restart, graceful deletion",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // Disposed last: stops the daemons, removes the node's pods, stops rks and etcd, deletes
    // the namespace and the directory.
    await using c = await startRksWithNodeNetwork(1, {
      prefix: "rk8s-cpods-",
      timeoutMs: long.timeoutMs,
    });
    const { rks, dir } = c;
    const procs: Proc[] = [];
    const { kubectl, home, kubeconfig, joinArgs } = rks;
    const testNode = c.nodes[0]!;
    const { netns, root: nodeRoot, manifests } = testNode;
    // Image references (`kubectl run --image=busybox`) are bundle directories named after them.
    const imageDir = join(dir, "images");
    await Deno.mkdir(join(imageDir, "busybox"), { recursive: true });
    await Deno.symlink(testBundles.busybox, join(imageDir, "busybox", "1.36"));
    const startNode = (join_: string[]) => {
      const p = startNodeDaemon({
        name: "node-1",
        root: nodeRoot,
        manifests,
        // Relisted every 5 s (the default is 60 s): the kill -9 step waits for two syncs of an
        // idle daemon.
        args: [
          "--node-lease-interval",
          "1000",
          "--relist-interval",
          "5000",
          "--image-dir",
          imageDir,
          ...join_,
        ],
        netns,
      });
      procs.push(p);
      testNode.daemon = p;
      return p;
    };
    const localPods = () => podsOf(nodeRoot, netns);
    const apiPods = async (selector = "app=web"): Promise<ApiPod[]> => {
      const r = await kubectl(["get", "pods", "-l", selector, "-o", "json"]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { items: ApiPod[] }).items;
    };
    let node: Proc | undefined;
    const explain = (e: Error) =>
      new Error(
        `${e.message}\nnode-1:\n${node?.text().slice(-6000)}\nrks:\n${
          rks.proc.text().slice(-4000)
        }`,
      );
    try {
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
          // The node's address on the test bridge, from which it reaches rks.
          assert.equal(s.hostIP, testNode.address);
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

      await t.step("kubectl logs and logs -f reach the container's log over QUIC", async () => {
        const name = running[0]!.metadata.name;
        const all = await kubectl(["logs", name]);
        assert.equal(all.code, 0, all.stderr);
        assert.match(all.stdout, new RegExp(`^started ${name}\\n`));
        const last = await kubectl(["logs", name, "--timestamps", "--tail=1"]);
        assert.equal(last.code, 0, last.stderr);
        assert.match(last.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z tick \d+\n$/);
        // -f: new lines arrive while the stream is open.
        const follow = new Deno.Command("/usr/bin/kubectl", {
          args: ["logs", "-f", "--tail=1", name],
          env: { HOME: home, KUBECONFIG: kubeconfig, PATH: "/usr/bin:/bin" },
          clearEnv: true,
          stdout: "piped",
          stderr: "null",
        }).spawn();
        let text = "";
        const reading = (async () => {
          for await (const c of follow.stdout.pipeThrough(new TextDecoderStream())) text += c;
        })();
        try {
          await waitFor("new ticks through logs -f", () => {
            return new Set(text.match(/tick \d+/g) ?? []).size >= 3;
          }, long);
        } finally {
          follow.kill("SIGTERM");
          await reading.catch(() => {});
          await follow.status;
        }
        const prev = await kubectl(["logs", name, "--previous"]);
        assert.notEqual(prev.code, 0);
        assert.match(prev.stderr, /previous terminated container "app" in pod/);
      });

      await t.step("kubectl exec reaches the container over QUIC", async () => {
        const name = running[0]!.metadata.name;
        const three = await kubectl([
          "exec",
          name,
          "--",
          "sh",
          "-c",
          "echo out; echo err >&2; exit 3",
        ]);
        assert.equal(three.code, 3, three.stderr);
        assert.equal(three.stdout, "out\n");
        assert.match(three.stderr, /^err\n/);
        assert.match(three.stderr, /command terminated with exit code 3/);
        const ok = await kubectl(["exec", name, "--", "hostname"]);
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout, `${name}\n`);
        // -i: stdin piped through, its end reaches the process (cat ends).
        const big = "x".repeat(200_000);
        const cat = await kubectl(
          ["exec", "-i", name, "--", "sh", "-c", "wc -c; echo done >&2"],
          `${big}\nline two\n`,
        );
        assert.equal(cat.code, 0, cat.stderr);
        assert.equal(cat.stdout.trim(), String(big.length + 10));
        assert.equal(cat.stderr, "done\n");
        // A container that does not exist: an error, not a hang.
        const bad = await kubectl(["exec", name, "-c", "nope", "--", "true"]);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /container nope is not valid for pod/);
      });

      await t.step({
        name: "kubectl exec -it: size, keystrokes and resize reach the container's terminal",
        fn: async () => {
          const name = running[0]!.metadata.name;
          // -it in a terminal (script gives kubectl one): the size reaches the container's
          // terminal, keystrokes reach the shell, the exit code comes back.
          const tty = await new Deno.Command("script", {
            args: [
              "-q",
              "-e",
              "-E",
              "never",
              "-c",
              `stty cols 91 rows 27; exec /usr/bin/kubectl exec -it ${name} -- sh -c 'stty size; tty; while read line; do echo got:$line; stty size; [ $line = quit ] && exit 4; done'`,
              "/dev/null",
            ],
            env: { HOME: home, KUBECONFIG: kubeconfig, PATH: "/usr/bin:/bin", TERM: "xterm" },
            clearEnv: true,
            stdin: "piped",
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          let out = "";
          const reading = (async () => {
            for await (const c of tty.stdout.pipeThrough(new TextDecoderStream())) out += c;
          })();
          const w = tty.stdin.getWriter();
          try {
            const enc = new TextEncoder();
            await waitFor("the terminal's size in the container", () => /27 91/.test(out), long);
            await w.write(enc.encode("hello\r"));
            await waitFor("the shell to read a line", () => /got:hello/.test(out), long);
            // Resize kubectl's terminal: kubectl sends the size, the node resizes the container's.
            const ps = await new Deno.Command("ps", {
              args: ["-o", "tty=", "--ppid", String(tty.pid)],
              stdout: "piped",
            }).output();
            const pts = new TextDecoder().decode(ps.stdout).trim();
            assert.match(pts, /^pts\/\d+$/);
            const stty = await new Deno.Command("stty", {
              args: ["-F", `/dev/${pts}`, "cols", "120", "rows", "40"],
            }).output();
            assert.equal(stty.code, 0);
            await waitFor("the new size in the container", async () => {
              await w.write(enc.encode("again\r"));
              return /40 120/.test(out);
            }, long);
            await w.write(enc.encode("quit\r"));
            const status = await tty.status;
            await reading;
            assert.equal(status.code, 4, out);
            assert.match(out, /\/dev\/pts\/\d+/);
            assert.match(out, /got:hello/);
          } finally {
            await w.close().catch(() => {});
            try {
              tty.kill("SIGKILL");
            } catch { /* exited */ }
            await tty.status;
            await tty.stderr.cancel().catch(() => {});
          }
        },
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
${extra === "volume" ? "  volumes: [{name: cfg, nfs: {server: nfs.invalid, path: /x}}]" : ""}
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
            // ContainerCreating first while the pod's service account token is being fetched.
            return w.noimage && w.badvol?.reason === "CreateContainerConfigError" && w;
          }, long).catch((e) => {
            throw explain(e);
          });
          assert.equal(reasons.noimage!.reason, "ErrImageNeverPull");
          assert.match(String(reasons.noimage!.message), /\/no\/such\/image/);
          assert.equal(reasons.badvol!.reason, "CreateContainerConfigError");
          assert.match(String(reasons.badvol!.message), /"nfs" is not supported/);
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

      await t.step(
        "kubectl run --image=NAME:TAG: the node finds the bundle in --image-dir",
        async () => {
          for (
            const [name, image] of [["byref", "docker.io/library/busybox:1.36"], [
              "noref",
              "busybox:9.9",
            ]]
          ) {
            const r = await kubectl([
              "run",
              name!,
              `--image=${image}`,
              "--labels=app=byref",
              "--restart=Never",
              "--overrides",
              JSON.stringify({ spec: { terminationGracePeriodSeconds: 1 } }),
              "--",
              "sleep",
              "600",
            ]);
            assert.equal(r.code, 0, r.stderr);
          }
          const pods = await waitFor("byref Running, noref waiting", async () => {
            const ps = Object.fromEntries(
              (await apiPods("app=byref")).map((p) => [p.metadata.name, p]),
            );
            return ps.byref?.status.phase === "Running" &&
              ps.noref?.status.containerStatuses?.[0]?.state.waiting && ps;
          }, long).catch((e) => {
            throw explain(e);
          });
          // The API object keeps the reference; the node ran the bundle it names.
          assert.equal(
            pods.byref!.status.containerStatuses?.[0]?.image,
            "docker.io/library/busybox:1.36",
          );
          const waiting = pods.noref!.status.containerStatuses![0]!.state.waiting!;
          assert.equal(waiting.reason, "ErrImageNeverPull");
          assert.ok(
            String(waiting.message).includes(join(imageDir, "busybox", "9.9")),
            String(waiting.message),
          );
          const exec = await kubectl(["exec", "byref", "--", "busybox", "echo", "from-ref"]);
          assert.equal(exec.code, 0, exec.stderr);
          assert.equal(exec.stdout.trim(), "from-ref");
          const del = await kubectl(["delete", "pod", "byref", "noref", "--wait=false"]);
          assert.equal(del.code, 0, del.stderr);
          await waitFor("both gone", async () => (await apiPods("app=byref")).length === 0, long)
            .catch((e) => {
              throw explain(e);
            });
        },
      );

      await t.step(
        "a pod deleted while its init container runs: Init:0/1, logs wait, stopped at once; --force too",
        async () => {
          const initPod = (name: string, grace = 2) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: init}}
spec:
  nodeName: node-1
  terminationGracePeriodSeconds: ${grace}
  initContainers:
    - name: i
      image: ${testBundles.busybox}
      command: ["sleep", "3600"]
  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sleep", "3600"]
`;
          const netnsCount = async () =>
            (await Array.fromAsync(Deno.readDir(join(nodeRoot, "run", "netns")))).length;
          const netnsBefore = await netnsCount();
          for (const [name, grace] of [["initwait", 2], ["initforce", 2], ["initlong", 3600]]) {
            const r = await kubectl(["apply", "-f", "-"], initPod(name as string, grace as number));
            assert.equal(r.code, 0, r.stderr);
          }
          const [waiting] = await waitFor("the init containers running", async () => {
            const pods = await apiPods("app=init");
            const run = pods.filter((p) => {
              const s = p.status as ApiPod["status"] & {
                initContainerStatuses?: { state: Record<string, unknown> }[];
              };
              return s.initContainerStatuses?.[0]?.state.running !== undefined;
            });
            return run.length === 3 && run;
          }, long).catch((e) => {
            throw explain(e);
          });
          const initialized = waiting!.status.conditions?.find((c) => c.type === "Initialized");
          assert.equal(initialized?.status, "False");
          assert.equal(initialized?.reason, "ContainersNotInitialized");
          // kubectl's STATUS column (the Table the API server prints), never Init:ContainerCreating.
          const table = await kubectl(["get", "pods", "-l", "app=init", "--no-headers"]);
          assert.match(table.stdout, /^initwait\s+0\/1\s+Init:0\/1\s/m, table.stdout);
          assert.match(table.stdout, /^initforce\s+0\/1\s+Init:0\/1\s/m, table.stdout);
          // The app container waits for the init container: 400 with the kubelet's reason.
          const logs = await kubectl(["logs", "initwait", "-c", "app"]);
          assert.notEqual(logs.code, 0);
          assert.match(
            logs.stderr,
            /\(BadRequest\): container "app" in pod "initwait" is waiting to start: PodInitializing/,
          );
          assert.equal((await netnsCount()) - netnsBefore, 3, "the pods have their netns");
          // Graceful (2 s from the spec) and forced: neither waits for `sleep 3600`.
          const graceful = await kubectl(["delete", "pod", "initwait", "--wait=false"]);
          assert.equal(graceful.code, 0, graceful.stderr);
          const forced = await kubectl([
            "delete",
            "pod",
            "initforce",
            "--force",
            "--grace-period=0",
          ]);
          assert.equal(forced.code, 0, forced.stderr);
          // A graceful delete of an hour, then a forced one: the second ends the grace period
          // (the init container, PID 1 `sleep`, ignores SIGTERM).
          const slow = await kubectl(["delete", "pod", "initlong", "--wait=false"]);
          assert.equal(slow.code, 0, slow.stderr);
          await waitFor("the node to stop initlong with its grace period", () => {
            return /Killing default\/initlong: Stopping the pod while it is being created \(grace period 3600s\)/
              .test(node!.text());
          }, long).catch((e) => {
            throw explain(e);
          });
          const force = await kubectl([
            "delete",
            "pod",
            "initlong",
            "--force",
            "--grace-period=0",
          ]);
          assert.equal(force.code, 0, force.stderr);
          await waitFor("all gone from the API", async () => {
            return (await apiPods("app=init")).length === 0;
          }, long).catch((e) => {
            throw explain(e);
          });
          await waitFor("all gone from the node", async () => {
            return !(await localPods()).some((p) => p.name.startsWith("init"));
          }, long).catch((e) => {
            throw explain(e);
          });
          assert.equal(await netnsCount(), netnsBefore, "their network namespaces are gone");
          assert.match(node!.text(), /Stopped the pod while it was being created/);
          assert.match(
            node!.text(),
            /Killing default\/initlong: Killing the pod being created at once/,
          );
          assert.doesNotMatch(node!.text(), /Started default\/init(wait|force) app:/);
        },
      );

      await t.step(
        "static pods show as mirror pods: re-created after kubectl delete, gone with the manifest",
        async () => {
          const file = join(manifests, "static-web.yaml");
          await Deno.writeTextFile(
            file,
            `apiVersion: v1
kind: Pod
metadata: {name: static-web, labels: {tier: static}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`,
          );
          type Mirror = ApiPod & {
            metadata: {
              annotations: Record<string, string>;
              labels: Record<string, string>;
              ownerReferences: { kind: string; name: string; uid: string; controller?: boolean }[];
            };
          };
          const mirror = async (): Promise<Mirror | undefined> => {
            const r = await kubectl(["get", "pods", "-l", "tier=static", "-o", "json"]);
            assert.equal(r.code, 0, r.stderr);
            return (JSON.parse(r.stdout) as { items: Mirror[] }).items[0];
          };
          const first = await waitFor("the mirror pod Running", async () => {
            const m = await mirror();
            return m?.status.phase === "Running" && m.status.containerStatuses?.[0]?.ready && m;
          }, long).catch((e) => {
            throw explain(e);
          });
          assert.equal(first.metadata.name, "static-web-node-1");
          const a = first.metadata.annotations;
          assert.equal(a["kubernetes.io/config.source"], "file");
          assert.match(a["kubernetes.io/config.mirror"] ?? "", /^[0-9a-f]{16}$/);
          assert.equal(a["kubernetes.io/config.mirror"], a["kubernetes.io/config.hash"]);
          const nodeUid =
            JSON.parse((await kubectl(["get", "node", "node-1", "-o", "json"])).stdout)
              .metadata.uid;
          assert.deepEqual(first.metadata.ownerReferences, [
            { apiVersion: "v1", kind: "Node", name: "node-1", uid: nodeUid },
          ]);
          assert.equal(first.spec.nodeName, "node-1");
          const local = (await localPods()).find((p) => p.name === "static-web-node-1");
          assert.ok(local, "the node runs the static pod");
          assert.equal(first.status.podIP, local.ip);
          const containers = local.containers.map((c) => c.id);
          // kubectl delete: the mirror pod comes back (a new object), the static pod keeps running.
          // --wait=false: the node deletes the marked mirror pod and creates it again under the
          // same name within milliseconds; kubectl's own wait for the name then never returned
          // (seen with rks after the node's relist got faster; see the node16 report). The
          // re-created object is what this step waits for, below.
          const del = await kubectl(["delete", "pod", "static-web-node-1", "--wait=false"]);
          assert.equal(del.code, 0, del.stderr);
          const again = await waitFor("the mirror pod re-created", async () => {
            const m = await mirror();
            return m && m.metadata.uid !== first.metadata.uid &&
              m.status.containerStatuses?.[0]?.ready && m;
          }, long).catch((e) => {
            throw explain(e);
          });
          assert.equal(again.metadata.name, "static-web-node-1");
          assert.deepEqual(
            (await localPods()).find((p) => p.name === "static-web-node-1")?.containers.map((c) =>
              c.id
            ),
            containers,
          );
          assert.match(
            node!.text(),
            /deleted mirror pod default\/static-web-node-1 \(deleted through the API\)/,
          );
          assert.doesNotMatch(node!.text(), /its static pod changed|cannot create mirror pod/);
          // The manifest removed: the static pod stops and its mirror pod goes.
          await Deno.remove(file);
          await waitFor("the mirror pod gone", async () => (await mirror()) === undefined, long)
            .catch((e) => {
              throw explain(e);
            });
          await waitFor(
            "the static pod gone from the node",
            async () => !(await localPods()).some((p) => p.name === "static-web-node-1"),
            long,
          );
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
          const listsBefore = node!.text().match(/pod\(s\) bound to this node/g)?.length ?? 0;
          await rks.restart();
          await waitFor(
            "node-1 to reconnect",
            () => rks.proc.text().includes('node "node-1" connected'),
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
      for (const p of procs) {
        try {
          p.p.kill("SIGTERM");
        } catch { /* exited */ }
        await p.done;
      }
    }
  },
});
