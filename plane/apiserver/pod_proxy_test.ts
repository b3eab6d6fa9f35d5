/**
 * `kubectl logs`, `kubectl exec` (websocket v5.channel.k8s.io) and `kubectl scale` against rks
 * with a node double behind the NodeConnector interface.
 */
import assert from "node:assert/strict";
import { FakeNodes, startTestCluster, type TestCluster } from "./_testing.ts";
import { podLogResponse } from "./pod_proxy.ts";
import { ApiError } from "./api_error.ts";
import { noNodeConnector } from "./node_connector.ts";

const pod = (name: string, node?: string) =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  ${node ? `nodeName: ${node}` : ""}
  containers: [{name: main, image: busybox:1.36}, {name: side, image: busybox:1.36}]
`;

async function run(c: TestCluster, args: string[], stdin?: string) {
  return await c.kubectl(args, stdin);
}

Deno.test({
  name: "kubectl logs, exec and scale against rks with a node double",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const nodes = new FakeNodes();
    await using c = await startTestCluster("grpc", nodes);
    assert.equal((await run(c, ["create", "-f", "-"], pod("web", "n1"))).code, 0);
    assert.equal((await run(c, ["create", "-f", "-"], pod("pending"))).code, 0);

    await t.step("logs with container, --tail and --timestamps reach the node", async () => {
      const all = await run(c, ["logs", "web", "-c", "main"]);
      assert.equal(all.stdout, "line 1\nline 2\nline 3\nline 4\nline 5\n", all.stderr);
      const tail = await run(c, ["logs", "web", "-c", "side", "--tail=2", "--timestamps"]);
      assert.equal(
        tail.stdout,
        "2026-01-01T00:00:00.000000000Z line 4\n2026-01-01T00:00:00.000000000Z line 5\n",
      );
      const last = nodes.calls.at(-1)!;
      assert.deepEqual(last.ref, {
        namespace: "default",
        pod: "web",
        uid: last.ref.uid,
        node: "n1",
        container: "side",
      });
      assert.deepEqual(last.opts, {
        follow: false,
        previous: false,
        timestamps: true,
        tailLines: 2,
      });
    });

    await t.step("logs -f streams until the node ends the stream", async () => {
      const f = await run(c, ["logs", "-f", "web", "-c", "main"]);
      assert.equal(f.code, 0);
      assert.match(f.stdout, /line 5\nline 6\n$/);
    });

    await t.step("pod and container errors are worded as kube-apiserver's", async () => {
      const noHost = await run(c, ["logs", "pending", "-c", "main"]);
      assert.match(noHost.stderr, /pod pending does not have a host assigned/);
      const bad = await run(c, ["logs", "web", "-c", "nope"]);
      assert.match(bad.stderr, /container nope is not valid for pod web/);
      const neg = await c.request(
        "/api/v1/namespaces/default/pods/web/log?container=main&tailLines=-1",
      );
      assert.equal(neg.status, 422);
      await neg.body?.cancel();
    });

    await t.step(
      "exec over websocket: stdout, piped stdin, exit codes, failures on channel 3",
      async () => {
        const echo = await run(c, ["exec", "web", "-c", "main", "--", "echo", "hi", "there"]);
        assert.equal(echo.stdout, "hi there\n", echo.stderr);
        assert.equal(echo.code, 0);
        const cat = await run(c, ["exec", "-i", "web", "-c", "main", "--", "cat"], "piped data\n");
        assert.equal(cat.stdout, "piped data\n", cat.stderr);
        const exit3 = await run(c, ["exec", "web", "-c", "main", "--", "sh", "-c", "exit 3"]);
        assert.equal(exit3.code, 3);
        assert.match(exit3.stderr, /command terminated with exit code 3/);
        const waiting = await run(c, ["exec", "web", "-c", "main", "--", "waiting"]);
        assert.notEqual(waiting.code, 0);
        assert.match(
          waiting.stderr,
          /container "main" in pod "web" is waiting to start: ContainerCreating/,
        );
        const noPod = await run(c, ["exec", "nope", "--", "echo"]);
        assert.match(noPod.stderr, /pods "nope" not found/);
        const exec = nodes.calls.filter((x) => x.op === "exec").at(0)!;
        assert.deepEqual(exec.opts, {
          command: ["echo", "hi", "there"],
          stdin: false,
          stdout: true,
          stderr: true,
          tty: false,
        });
      },
    );

    await t.step(
      "exec -it: the size kubectl sends before the node's session exists reaches the node",
      async () => {
        // kubectl sends its terminal's size once, right after the upgrade; this node double
        // opens its session 500 ms later. `script` gives kubectl a terminal of 91x27.
        const child = new Deno.Command("script", {
          args: [
            "-q",
            "-e",
            "-E",
            "never",
            "-c",
            "stty cols 91 rows 27; exec /usr/bin/kubectl exec -it web -c main -- size",
            "/dev/null",
          ],
          env: {
            HOME: `${c.dir}/home`,
            KUBECONFIG: c.kubeconfig,
            PATH: "/usr/bin:/bin",
            TERM: "xterm",
          },
          clearEnv: true,
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        // stdin stays open (kubectl -i reads it) until the node double's session has exited.
        const out = await child.output();
        await child.stdin.close().catch(() => {});
        const text = new TextDecoder().decode(out.stdout);
        assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
        assert.match(text, /^27 91\r?$/m);
        assert.equal((nodes.calls.at(-1)!.opts as { tty?: boolean }).tty, true);
      },
    );

    await t.step(
      "pods/binding assigns a node once (compare-and-swap), 409 the second time",
      async () => {
        const bind = (node: string) =>
          c.request("/api/v1/namespaces/default/pods/pending/binding", {
            method: "POST",
            body: JSON.stringify({
              apiVersion: "v1",
              kind: "Binding",
              metadata: { name: "pending" },
              target: { apiVersion: "v1", kind: "Node", name: node },
            }),
          });
        const first = await bind("n2");
        assert.equal(first.status, 201, await first.text());
        const pod = await (await c.request("/api/v1/namespaces/default/pods/pending")).json();
        assert.equal(pod.spec.nodeName, "n2");
        const again = await bind("n3");
        assert.equal(again.status, 409);
        assert.equal(
          (await again.json()).message,
          'Operation cannot be fulfilled on pods/binding "pending": pod pending is already assigned to node "n2"',
        );
      },
    );

    await t.step("scale patches the scale subresource; generation follows the spec", async () => {
      const dep = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: busybox:1.36}]}
`;
      assert.equal((await run(c, ["create", "-f", "-"], dep)).code, 0);
      const s = await run(c, ["scale", "deployment/web", "--replicas=3"]);
      assert.match(s.stdout, /deployment.apps\/web scaled/, s.stderr);
      const got = await run(c, [
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas} {.metadata.generation}",
      ]);
      assert.equal(got.stdout, "3 2");
      const scale = await c.request("/apis/apps/v1/namespaces/default/deployments/web/scale");
      const body = await scale.json();
      assert.equal(body.kind, "Scale");
      assert.deepEqual(body.spec, { replicas: 3 });
      assert.equal(body.status.selector, "app=web");
      const status = await c.request("/apis/apps/v1/namespaces/default/deployments/web/status", {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({
          spec: { replicas: 9 },
          status: { replicas: 3, observedGeneration: 2 },
        }),
      });
      const after = await status.json();
      assert.equal(after.spec.replicas, 3, "spec is ignored on /status");
      assert.equal(after.status.replicas, 3);
      assert.equal(after.metadata.generation, 2, "status writes keep the generation");
    });
  },
});

Deno.test("podLogResponse: a container that waits to start is 400 with the kubelet's reason, not the node's 404", async (t) => {
  /** A node that does not have the pod (it could not create it). */
  const nodes = {
    ...noNodeConnector,
    logs: (ref: { pod: string; namespace: string }) =>
      Promise.reject(
        new ApiError(
          404,
          "NotFound",
          `pod "${ref.pod}" in namespace "${ref.namespace}" not found on this node`,
        ),
      ),
  };
  const podWith = (state: Record<string, unknown>, lastState: Record<string, unknown> = {}) => ({
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: { nodeName: "n1", containers: [{ name: "c" }] },
    status: { containerStatuses: [{ name: "c", state, lastState }] },
  });
  const answer = async (pod: ReturnType<typeof podWith>, query = "") => {
    try {
      const r = await podLogResponse(
        nodes,
        pod,
        new URLSearchParams(query),
        new AbortController().signal,
      );
      await r.body?.cancel();
      return { code: r.status, message: "" };
    } catch (e) {
      assert.ok(e instanceof ApiError, String(e));
      return { code: e.code, message: e.status.message, reason: e.status.reason };
    }
  };
  await t.step("waiting in CreateContainerConfigError", async () => {
    const pod = podWith({ waiting: { reason: "CreateContainerConfigError", message: "x" } });
    assert.deepEqual(await answer(pod), {
      code: 400,
      reason: "BadRequest",
      message: 'container "c" in pod "p" is waiting to start: CreateContainerConfigError',
    });
  });
  await t.step("still ContainerCreating; ErrImagePull worded as the kubelet", async () => {
    assert.equal(
      (await answer(podWith({ waiting: { reason: "ContainerCreating" } }))).message,
      'container "c" in pod "p" is waiting to start: ContainerCreating',
    );
    assert.equal(
      (await answer(podWith({ waiting: { reason: "ErrImagePull" } }))).message,
      `container "c" in pod "p" is waiting to start: image can't be pulled`,
    );
  });
  await t.step("a container that ran, or --previous, keeps the node's answer", async () => {
    const ran = podWith({ waiting: { reason: "CrashLoopBackOff" } }, {
      terminated: { exitCode: 1, containerID: "runc://x" },
    });
    assert.equal((await answer(ran)).code, 404);
    const prev = await answer(
      podWith({ waiting: { reason: "ContainerCreating" } }),
      "previous=true",
    );
    assert.equal(prev.code, 404);
    assert.equal((await answer(podWith({ running: {} }))).code, 404);
  });
});
