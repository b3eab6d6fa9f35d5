/**
 * Root, real parts, 1 node in its own network namespace: pod and container status and events
 * as the kubelet reports them, read with the real kubectl.
 * - A container whose process the runtime cannot start (`command: ["/nosuchbinary"]`) is
 *   terminated `StartError` (exit code 128, the runtime's message), then restarted with
 *   back-off: `lastState.terminated` StartError, waiting `CrashLoopBackOff`, restartCount
 *   growing, phase Running; events `Created`, `Failed` (`Error: ...`), `BackOff`; `kubectl
 *   exec` into it says `container not found ("c")`.
 * - A missing image with `imagePullPolicy: Never`: events `ErrImageNeverPull` and `Failed`
 *   `Error: ErrImageNeverPull`; a pod that runs: `Pulled`, `Created`, `Started`.
 * - A running init container: `state.running`, Initialized False, the app container waiting
 *   `PodInitializing`, `podIP` set, STATUS `Init:0/1`.
 */
import assert from "node:assert/strict";
import { rootTest, testBundles, waitFor } from "../../core/testing.ts";
import { startRksWithNodeNetwork } from "./_cluster_testing.ts";

const long = { timeoutMs: 180_000, intervalMs: 500 };

type State = {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: { reason: string; exitCode: number; message?: string };
};
type CStatus = {
  name: string;
  state: State;
  lastState: State;
  restartCount: number;
};
type Pod = {
  metadata: { uid: string };
  status: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: { type: string; status: string; reason?: string }[];
    containerStatuses?: CStatus[];
    initContainerStatuses?: CStatus[];
  };
};

rootTest("pod and container status and events as the kubelet reports them", async (t) => {
  await using c = await startRksWithNodeNetwork(1, {
    prefix: "rk8s-cstatus-",
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
  const get = async (name: string) =>
    JSON.parse(await ok(["get", "pod", name, "-o", "json"])) as Pod;
  const events = async (name: string) =>
    (await ok([
      "get",
      "events",
      "--field-selector",
      `involvedObject.name=${name}`,
      "-o",
      'jsonpath={range .items[*]}{.type} {.reason} {.involvedObject.fieldPath}: {.message}{"\\n"}{end}',
    ])).trim().split("\n");
  const column = async (name: string, col: string) =>
    (await ok(["get", "pod", name, "-o", `custom-columns=X:${col}`, "--no-headers"])).trim();
  const fail = async (e: Error, name: string) =>
    explain(
      new Error(
        `${e.message}\n${await ok(["get", "pod", name, "-o", "yaml"])}\n${
          (await events(name)).join("\n")
        }`,
      ),
    );

  await ok(
    ["apply", "-f", "-"],
    `apiVersion: v1
kind: Pod
metadata: {name: nobin}
spec:
  nodeName: ${node.name}
  terminationGracePeriodSeconds: 1
  containers:
    - name: c
      image: ${testBundles.busybox}
      command: ["/nosuchbinary"]
---
apiVersion: v1
kind: Pod
metadata: {name: noimg}
spec:
  nodeName: ${node.name}
  containers:
    - name: c
      image: /nonexistent/img
      imagePullPolicy: Never
      args: ["sleep", "1000"]
---
apiVersion: v1
kind: Pod
metadata: {name: initrun}
spec:
  nodeName: ${node.name}
  terminationGracePeriodSeconds: 1
  initContainers:
    - name: i
      image: ${testBundles.busybox}
      args: ["sleep", "100000"]
  containers:
    - name: c
      image: ${testBundles.busybox}
      args: ["sleep", "100000"]
---
apiVersion: v1
kind: Pod
metadata: {name: crashlog}
spec:
  nodeName: ${node.name}
  terminationGracePeriodSeconds: 1
  containers:
    - name: c
      image: ${testBundles.busybox}
      command: ["sh", "-c", "echo instance $(cat /proc/sys/kernel/random/uuid); exit 3"]
`,
  );

  await t.step("kubectl logs --previous prints the instance before the last restart", async () => {
    await waitFor("crashlog restarted", async () => {
      const p = await get("crashlog");
      return (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
    }, long).catch(async (e) => {
      throw await fail(e, "crashlog");
    });
    const prev = await kubectl(["logs", "crashlog", "--previous"]);
    assert.equal(prev.code, 0, prev.stderr);
    assert.match(prev.stdout, /^instance [0-9a-f-]{36}\n$/);
    // A container that never restarted has no previous instance: the kubelet's 400.
    const none = await kubectl(["logs", "initrun", "-c", "i", "--previous"]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /previous terminated container "i" in pod "initrun" not found/);
  });

  await t.step(
    "a process the runtime cannot start: StartError (exit code 128), then CrashLoopBackOff",
    async () => {
      const p = await waitFor("nobin restarted twice", async () => {
        const p = await get("nobin");
        const s = p.status.containerStatuses?.[0];
        return s && s.restartCount >= 2 && s.state.waiting?.reason === "CrashLoopBackOff"
          ? p
          : undefined;
      }, long).catch(async (e) => {
        throw await fail(e, "nobin");
      });
      const s = p.status.containerStatuses![0]!;
      assert.equal(p.status.phase, "Running");
      assert.equal(s.lastState.terminated?.reason, "StartError");
      assert.equal(s.lastState.terminated?.exitCode, 128);
      assert.match(
        s.lastState.terminated?.message ?? "",
        /exec: "\/nosuchbinary": stat \/nosuchbinary: no such file or directory/,
      );
      assert.match(
        s.state.waiting?.message ?? "",
        new RegExp(
          `^back-off (10|20|40)s restarting failed container=c pod=nobin_default\\(${p.metadata.uid}\\)$`,
        ),
      );
      assert.equal(await column("nobin", ".status.phase"), "Running");
      const evs = await events("nobin");
      assert.ok(
        evs.includes("Normal Created spec.containers{c}: Created container: c"),
        evs.join("\n"),
      );
      assert.ok(
        evs.some((e) =>
          /^Warning Failed spec\.containers\{c\}: Error: .*exec: "\/nosuchbinary": stat \/nosuchbinary: no such file or directory$/
            .test(e)
        ),
        evs.join("\n"),
      );
      assert.ok(
        evs.includes(
          `Warning BackOff spec.containers{c}: Back-off restarting failed container c in pod nobin_default(${p.metadata.uid})`,
        ),
        evs.join("\n"),
      );
      assert.ok(!evs.some((e) => e.includes("FailedCreatePodSandBox")), evs.join("\n"));
      const exec = await kubectl(["exec", "nobin", "--", "true"]);
      assert.notEqual(exec.code, 0);
      assert.match(exec.stderr, /container not found \("c"\)/);
    },
  );

  await t.step(
    "a missing image with pull policy Never: ErrImageNeverPull and Failed events",
    async () => {
      const evs = await waitFor("noimg's events", async () => {
        const evs = await events("noimg");
        return evs.length >= 2 ? evs : undefined;
      }, long).catch(async (e) => {
        throw await fail(e, "noimg");
      });
      assert.deepEqual(evs.sort(), [
        'Warning ErrImageNeverPull spec.containers{c}: Container image "/nonexistent/img" is not present with pull policy of Never',
        "Warning Failed spec.containers{c}: Error: ErrImageNeverPull",
      ]);
      // The status adds what rk8s knows (no such image directory) after the kubelet's message.
      const w = (await get("noimg")).status.containerStatuses![0]!.state.waiting!;
      assert.equal(w.reason, "ErrImageNeverPull");
      assert.ok(
        w.message?.startsWith(
          'Container image "/nonexistent/img" is not present with pull policy of Never (',
        ),
        String(w.message),
      );
    },
  );

  await t.step(
    "a running init container: running, Initialized False, podIP set, Init:0/1; its events",
    async () => {
      const p = await waitFor("initrun's init container running", async () => {
        const p = await get("initrun");
        return p.status.initContainerStatuses?.[0]?.state.running ? p : undefined;
      }, long).catch(async (e) => {
        throw await fail(e, "initrun");
      });
      assert.equal(p.status.phase, "Pending");
      assert.match(p.status.podIP ?? "", /^10\.244\./);
      assert.deepEqual(p.status.podIPs, [{ ip: p.status.podIP }]);
      const init = p.status.conditions?.find((c) => c.type === "Initialized");
      assert.equal(init?.status, "False");
      assert.equal(init?.reason, "ContainersNotInitialized");
      assert.equal(p.status.containerStatuses?.[0]?.state.waiting?.reason, "PodInitializing");
      const row = (await ok(["get", "pod", "initrun", "--no-headers"])).trim().split(/\s+/);
      assert.equal(row[2], "Init:0/1");
      const evs = await waitFor("initrun's Started event", async () => {
        const evs = await events("initrun");
        return evs.some((e) => e.includes("Started")) ? evs : undefined;
      }, long);
      assert.deepEqual(evs.filter((e) => / (Pulled|Created|Started) /.test(e)), [
        `Normal Pulled spec.initContainers{i}: Container image "${testBundles.busybox}" already present on machine`,
        "Normal Created spec.initContainers{i}: Created container: i",
        "Normal Started spec.initContainers{i}: Started container i",
      ]);
    },
  );
});
