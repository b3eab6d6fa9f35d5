/**
 * Root, real parts, 1 node in its own network namespace: `spec.activeDeadlineSeconds` on a
 * cluster pod. Past its deadline (counted from `status.startTime`) the node kills the pod for
 * good, as the kubelet's active deadline handler: phase `Failed`, reason `DeadlineExceeded`, a
 * `DeadlineExceeded` event, and no container restarted.
 */
import assert from "node:assert/strict";
import { rootTest, testBundles, waitFor } from "../../core/testing.ts";
import { localPods, startRksWithNodeNetwork } from "./_cluster_testing.ts";

const long = { timeoutMs: 180_000, intervalMs: 500 };

rootTest(
  "a cluster pod past its activeDeadlineSeconds is Failed with DeadlineExceeded",
  async () => {
    await using c = await startRksWithNodeNetwork(1, {
      prefix: "rk8s-cdeadline-",
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
    await ok(
      ["apply", "-f", "-"],
      `apiVersion: v1
kind: Pod
metadata: {name: deadline}
spec:
  nodeName: ${node.name}
  activeDeadlineSeconds: 2
  terminationGracePeriodSeconds: 1
  containers:
    - name: c
      image: ${testBundles.busybox}
      args: ["sleep", "3600"]
`,
    );
    let last = "";
    const got = await waitFor("the pod to fail", async () => {
      const out = await ok([
        "get",
        "pod",
        "deadline",
        "-o",
        "jsonpath={.status.phase}|{.status.reason}|{.status.message}|" +
        "{.status.containerStatuses[0].restartCount}|{.status.containerStatuses[0].state.terminated.reason}",
      ]);
      last = out;
      return out.startsWith("Failed|") && out.endsWith("|Error") ? out : undefined;
    }, long).catch(async (e) => {
      const yaml = await kubectl(["get", "pod", "deadline", "-o", "yaml"]);
      const local = JSON.stringify(await localPods(node.root, node.netns));
      throw explain(new Error(`${e.message}; last status: ${last}\n${yaml.stdout}\n${local}`));
    });
    assert.equal(
      got,
      "Failed|DeadlineExceeded|Pod was active on the node longer than the specified deadline|0|Error",
    );
    const events = await ok([
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=deadline",
      "-o",
      'jsonpath={range .items[*]}{.type} {.reason}: {.message}{"\\n"}{end}',
    ]);
    assert.match(
      events,
      /^Normal DeadlineExceeded: Pod was active on the node longer than the specified deadline$/m,
    );
  },
);
