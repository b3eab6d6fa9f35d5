import assert from "node:assert/strict";
import { KubeClient } from "../client/kube_client.ts";
import { ApiClient, ApiClientError, resolveCredentials } from "./api_client.ts";
import { startTestCluster } from "./_testing.ts";

Deno.test("ApiClient's loopback option answers through the same handler, without TLS", async (t) => {
  await using c = await startTestCluster("grpc");
  const creds = await resolveCredentials({ kubeconfig: c.kubeconfig });
  await using kube = new KubeClient(new ApiClient(creds, { loopback: c.server.loopback }), {
    fieldManager: "loopback-test",
  });

  await t.step("writes are stored and tracked as over HTTPS", async () => {
    await kube.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "default" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    const res = await c.request("/api/v1/namespaces/default/pods/p");
    const pod = await res.json();
    assert.equal(res.status, 200);
    assert.equal(pod.metadata.managedFields[0].manager, "loopback-test");
  });

  await t.step("a bad token is refused with 401", async () => {
    const bad = new ApiClient({ ...creds, token: "wrong" }, { loopback: c.server.loopback });
    await assert.rejects(
      bad.request("GET", "/api/v1/namespaces/default/pods/p"),
      (e) => e instanceof ApiClientError && e.code === 401,
    );
  });

  await t.step("validation answers 422 with the cause", async () => {
    await assert.rejects(
      kube.create("pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "Bad_Name", namespace: "default" },
        spec: { containers: [{ name: "c", image: "busybox" }] },
      }),
      (e) => e instanceof ApiClientError && e.code === 422 && /metadata\.name/.test(e.message),
    );
  });

  await t.step("a watch streams changes and ends when aborted", async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const ev of kube.watch("pods", { namespace: "default", signal: ac.signal })) {
        if (ev.type === "BOOKMARK") continue;
        seen.push(`${ev.type} ${ev.object.metadata.name}`);
        if (seen.length === 2) ac.abort();
      }
    })();
    await kube.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "q", namespace: "default" },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    });
    await watching;
    assert.deepEqual(seen.sort(), ["ADDED p", "ADDED q"]);
  });

  await t.step("an aborted signal refuses the request before it is sent", async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(kube.api.open("/api/v1/pods?watch=true", ac.signal));
  });
});
