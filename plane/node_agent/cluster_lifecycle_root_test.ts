/**
 * Root, real parts, 1 node in its own network namespace: a pod deleted again while its graceful
 * deletion runs. `kubectl delete --grace-period=1` after a delete with a long grace period, and
 * `--force --grace-period=0` after one, cut the node's kill in flight short, as the kubelet's pod
 * worker does; a longer grace period changes nothing. The containers run `sleep`, which as PID 1
 * ignores SIGTERM: only SIGKILL ends them, so each pod lives until its grace period ends.
 * And a Deployment whose pod cannot be created (neither command nor args, and the test image has
 * no default) stays at one Pending pod in `CreateContainerError`: never phase Failed, which
 * would make its ReplicaSet replace it again and again. A pod mounting two ConfigMaps, one of
 * them deleted, keeps getting the other's updates.
 */
import assert from "node:assert/strict";
import { rootTest, testBundles, waitFor } from "../../core/testing.ts";
import { localPods, startRksWithNodeNetwork } from "./_cluster_testing.ts";

const long = { timeoutMs: 180_000, intervalMs: 500 };
/** The first deletion's grace period: far longer than any wait of this test. */
const GRACE = 3600;

rootTest(
  "a pod deleted again with a shorter grace period, or with --force, is killed at once on its node",
  async (t) => {
    await using c = await startRksWithNodeNetwork(1, {
      prefix: "rk8s-cdelete-",
      timeoutMs: long.timeoutMs,
    });
    const { rks, nodes, explain } = c;
    const node = nodes[0]!;
    const { kubectl } = rks;
    c.startNode(node);
    const ok = async (args: string[], stdin?: string) => {
      const r = await kubectl(args, stdin);
      assert.equal(r.code, 0, `kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const onNode = async (name: string) =>
      (await localPods(node.root, node.netns)).find((p) => p.name === name);
    const events = async (name: string) =>
      (await ok([
        "get",
        "events",
        "--field-selector",
        `involvedObject.name=${name}`,
        "-o",
        'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}',
      ])).trim().split("\n");
    for (const name of ["shorter", "forced"]) {
      await ok(
        ["apply", "-f", "-"],
        `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${node.name}
  terminationGracePeriodSeconds: ${GRACE}
  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sleep", "100000"]
`,
      );
    }
    await waitFor("both pods running on the node", async () => {
      const pods = await localPods(node.root, node.netns);
      return ["shorter", "forced"].every((n) =>
        pods.find((p) => p.name === n)?.containers[0]?.state === "running"
      );
    }, long).catch((e) => {
      throw explain(e);
    });
    // Both deletions start with the long grace period; the node starts killing both.
    await ok(["delete", "pod", "shorter", "forced", "--wait=false"]);
    for (const name of ["shorter", "forced"]) {
      await waitFor(`${name}'s kill to start`, async () => {
        return (await events(name)).includes(
          `Killing: Stopping container app (grace period ${GRACE}s)`,
        );
      }, long).catch((e) => {
        throw explain(e);
      });
    }

    await t.step("a longer grace period changes nothing; a shorter one ends it", async () => {
      await ok(["delete", "pod", "shorter", `--grace-period=${GRACE * 2}`, "--wait=false"]);
      assert.equal((await onNode("shorter"))?.containers[0]?.state, "running");
      await ok(["delete", "pod", "shorter", "--grace-period=1", "--wait=false"]);
      await waitFor("shorter gone from the node and the API", async () => {
        const api = await kubectl(["get", "pod", "shorter"]);
        return (await onNode("shorter")) === undefined && api.code !== 0 &&
          /NotFound/.test(api.stderr);
      }, long).catch((e) => {
        throw explain(e);
      });
      assert.match(
        node.daemon!.text(),
        /Stopping the pod with a shorter grace period \(1s\)/,
      );
    });

    await t.step(
      "a Deployment whose pod cannot be created: one Pending pod in CreateContainerError",
      async () => {
        await ok(["create", "deployment", "nocmd", `--image=${testBundles.busybox}`]);
        type P = {
          metadata: { name: string };
          status: {
            phase?: string;
            containerStatuses?: { state: { waiting?: { reason: string; message: string } } }[];
          };
        };
        const list = async () =>
          (JSON.parse(await ok(["get", "pods", "-l", "app=nocmd", "-o", "json"])) as {
            items: P[];
          }).items;
        const failing = await waitFor("nocmd in CreateContainerError", async () => {
          const [p, ...more] = await list();
          const w = p?.status.containerStatuses?.[0]?.state.waiting;
          return more.length === 0 && w?.reason === "CreateContainerError" ? { p, w } : undefined;
        }, long).catch(async (e) => {
          throw explain(
            new Error(`${e.message}\n${await ok(["get", "pods", "-o", "yaml"])}`.slice(0, 20000)),
          );
        });
        assert.match(failing.w.message, /neither command nor args/);
        // The node retries it every 10 s; meanwhile it stays the one pod, Pending.
        const name = failing.p!.metadata.name;
        await waitFor("a retry", async () => {
          return (await events(name)).filter((e) => e.includes("neither command nor args"))
            .length >= 2;
        }, long).catch((e) => {
          throw explain(e);
        });
        const after = await list();
        assert.deepEqual(after.map((p) => [p.metadata.name, p.status.phase]), [[name, "Pending"]]);
        await ok(["delete", "deployment", "nocmd"]);
      },
    );

    await t.step(
      "a deleted ConfigMap leaves its volume as it was (FailedMount); the pod's other volumes keep updating",
      async () => {
        await ok(["create", "configmap", "cm-a", "--from-literal=a=1"]);
        await ok(["create", "configmap", "cm-b", "--from-literal=b=1"]);
        await ok(
          ["apply", "-f", "-"],
          `apiVersion: v1
kind: Pod
metadata: {name: multivol}
spec:
  nodeName: ${node.name}
  terminationGracePeriodSeconds: 1
  containers:
    - name: app
      image: ${testBundles.busybox}
      args: ["sleep", "100000"]
      volumeMounts: [{name: a, mountPath: /a}, {name: b, mountPath: /b}]
  volumes:
    - {name: a, configMap: {name: cm-a}}
    - {name: b, configMap: {name: cm-b}}
`,
        );
        const read = async (path: string) => {
          const r = await kubectl(["exec", "multivol", "--", "cat", path]);
          return r.code === 0 ? r.stdout : undefined;
        };
        await waitFor("multivol running with both volumes", async () => {
          return await read("/a/a") === "1" && await read("/b/b") === "1";
        }, long).catch((e) => {
          throw explain(e);
        });
        await ok(["delete", "configmap", "cm-a"]);
        await ok(["patch", "configmap", "cm-b", "-p", '{"data":{"b":"2"}}']);
        await waitFor("/b/b updated although cm-a is gone", async () => {
          return await read("/b/b") === "2";
        }, long).catch((e) => {
          throw explain(e);
        });
        assert.equal(await read("/a/a"), "1", "the deleted ConfigMap's volume stays as it was");
        await waitFor("a FailedMount event naming cm-a", async () => {
          return (await events("multivol")).includes(
            'FailedMount: MountVolume.SetUp failed for volume "a" : configmap "cm-a" not found',
          );
        }, long).catch((e) => {
          throw explain(e);
        });
        await ok(["delete", "pod/multivol", "configmap/cm-b"]);
      },
    );

    await t.step("--force --grace-period=0: killed at once on the node", async () => {
      await ok(["delete", "pod", "forced", "--force", "--grace-period=0"]);
      await waitFor("forced gone from the node", async () => {
        return (await onNode("forced")) === undefined;
      }, long).catch((e) => {
        throw explain(e);
      });
    });
  },
);
