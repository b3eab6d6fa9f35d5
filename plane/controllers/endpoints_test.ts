import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { startTestCluster, type TestCluster } from "../apiserver/_testing.ts";
import { KubeClient } from "../client/kube_client.ts";
import { startControllerManager } from "./controller_manager.ts";

async function json(c: TestCluster, args: string[]): Promise<Record<string, unknown>> {
  const r = await c.kubectl([...args, "-o", "json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

type Addr = { ip: string };
type Subset = { addresses?: Addr[]; notReadyAddresses?: Addr[]; ports?: { port: number }[] };

Deno.test({
  name: "Endpoints and EndpointSlices follow the pods of a Service (real kubectl, rks, etcd)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using c = await startTestCluster("http");
    await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig, fieldManager: "test" });
    await using _cm = await startControllerManager({ kube });
    const r = await c.kubectl(["create", "service", "clusterip", "web", "--tcp=80:8080"]);
    assert.equal(r.code, 0, r.stderr);
    for (const [i, name] of ["web-a", "web-b"].entries()) {
      await kube.create("pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default", labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "nginx" }] },
      });
      await kube.patch(
        "pods",
        "default",
        name,
        {
          status: {
            phase: "Running",
            podIP: `10.244.0.${i + 10}`,
            podIPs: [{ ip: `10.244.0.${i + 10}` }],
            conditions: [{ type: "Ready", status: i === 0 ? "True" : "False" }],
          },
        },
        "merge",
        { subresource: "status" },
      );
    }
    const subsets = async () =>
      ((await json(c, ["get", "endpoints", "web"])).subsets ?? []) as Subset[];
    await waitFor("endpoints of web", async () => (await subsets()).length === 1, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    assert.deepEqual(
      (await subsets()).map((s) => [
        s.addresses?.map((a) => a.ip),
        s.notReadyAddresses?.map((a) => a.ip),
        s.ports?.map((p) => p.port),
      ]),
      [
        [["10.244.0.10"], ["10.244.0.11"], [8080]],
      ],
    );
    const table = await c.kubectl(["get", "endpoints", "web"]);
    assert.match(table.stdout, /web\s+10\.244\.0\.10:8080/);

    await kube.patch(
      "pods",
      "default",
      "web-b",
      { status: { conditions: [{ type: "Ready", status: "True" }] } },
      "merge",
      {
        subresource: "status",
      },
    );
    await waitFor("both ready", async () => (await subsets())[0]?.addresses?.length === 2, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    const slices = async () =>
      ((await json(c, ["get", "endpointslices", "-l", "kubernetes.io/service-name=web"])).items ??
        []) as {
          endpoints?: { addresses: string[]; conditions: { ready: boolean } }[];
          ports?: { port: number }[];
          metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
        }[];
    await waitFor("slice with 2 ready", async () => {
      const s = await slices();
      return s.length === 1 &&
        (s[0]?.endpoints ?? []).filter((e) => e.conditions.ready).length === 2;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    const [slice] = await slices();
    assert.match(slice!.metadata.name, /^web-/);
    assert.deepEqual(slice!.ports?.map((p) => p.port), [8080]);
    assert.deepEqual(slice!.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), [
      "Service/web",
    ]);

    const del = await c.kubectl(["delete", "pod", "web-a", "--grace-period=0", "--force"]);
    assert.equal(del.code, 0, del.stderr);
    await waitFor("web-a gone from endpoints", async () => {
      const s = await subsets();
      return s[0]?.addresses?.map((a) => a.ip).join() === "10.244.0.11";
    }, { timeoutMs: 30_000, intervalMs: 100 });

    assert.equal((await c.kubectl(["delete", "service", "web"])).code, 0);
    await waitFor("endpoints deleted with the service", async () => {
      const g = await c.kubectl(["get", "endpoints", "web"]);
      return g.code !== 0 && /NotFound/.test(g.stderr);
    }, { timeoutMs: 30_000, intervalMs: 100 });
    await waitFor("slices deleted with the service", async () => (await slices()).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  },
});
