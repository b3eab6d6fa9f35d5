/**
 * The root CA publisher and the serviceaccount-controller against a real etcd and rks with the
 * real kubectl: every namespace gets `kube-root-ca.crt` with the cluster CA (a deleted or edited
 * one is put back) and keeps its `default` ServiceAccount.
 */
import assert from "node:assert/strict";
import { waitFor } from "../../core/testing.ts";
import { KubeClient } from "../client/kube_client.ts";
import { startTestCluster, type TestCluster } from "../apiserver/_testing.ts";
import { startControllerManager } from "./controller_manager.ts";
import { DESCRIPTION_ANNOTATION, ROOT_CA_DESCRIPTION } from "./root_ca_publisher_reconcile.ts";

async function ok(c: TestCluster, args: string[]): Promise<string> {
  const r = await c.kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function rootCa(
  c: TestCluster,
  ns: string,
): Promise<{ uid: string; data: Record<string, string>; annotations: Record<string, string> }> {
  const r = await c.kubectl(["get", "configmap", "kube-root-ca.crt", "-n", ns, "-o", "json"]);
  if (r.code !== 0) throw new Error(r.stderr);
  const cm = JSON.parse(r.stdout);
  return { uid: cm.metadata.uid, data: cm.data ?? {}, annotations: cm.metadata.annotations ?? {} };
}

Deno.test({
  name:
    "root CA publisher and serviceaccount-controller: kube-root-ca.crt and the default ServiceAccount in every namespace",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using c = await startTestCluster("http");
    await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig });
    await using _cm = await startControllerManager({
      kube,
      rootCaCert: c.pki.caCert,
      serviceAccounts: true,
    });
    const published = (ns: string) => async () => {
      const cm = await rootCa(c, ns);
      return cm.data["ca.crt"] === c.pki.caCert ? cm : undefined;
    };

    await t.step("the system namespaces have it, with the CA and the description", async () => {
      for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
        const cm = await waitFor(`kube-root-ca.crt in ${ns}`, published(ns), {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
        assert.deepEqual(Object.keys(cm.data), ["ca.crt"]);
        assert.equal(cm.annotations[DESCRIPTION_ANNOTATION], ROOT_CA_DESCRIPTION);
      }
    });

    await t.step("a new namespace gets it", async () => {
      await ok(c, ["create", "namespace", "team"]);
      await waitFor("kube-root-ca.crt in team", published("team"), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    });

    await t.step("a deleted one is created again", async () => {
      const before = await rootCa(c, "team");
      await ok(c, ["delete", "configmap", "kube-root-ca.crt", "-n", "team"]);
      const after = await waitFor("kube-root-ca.crt again", async () => {
        const cm = await published("team")();
        return cm && cm.uid !== before.uid ? cm : undefined;
      }, { timeoutMs: 30_000, intervalMs: 100 });
      assert.equal(after.data["ca.crt"], c.pki.caCert);
    });

    await t.step("an edited one is put back", async () => {
      await ok(c, [
        "patch",
        "configmap",
        "kube-root-ca.crt",
        "-n",
        "team",
        "--type=merge",
        "-p",
        '{"data":{"ca.crt":"forged","extra":"x"}}',
      ]);
      const cm = await waitFor("kube-root-ca.crt repaired", published("team"), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      assert.deepEqual(Object.keys(cm.data), ["ca.crt"]);
    });

    await t.step("a deleted default ServiceAccount is created again", async () => {
      const uid = async () => {
        const r = await c.kubectl(["get", "sa", "default", "-n", "team", "-o", "json"]);
        return r.code === 0 ? String(JSON.parse(r.stdout).metadata.uid) : undefined;
      };
      const before = await uid();
      assert.ok(before);
      await ok(c, ["delete", "sa", "default", "-n", "team"]);
      await waitFor("the default ServiceAccount again", async () => {
        const now = await uid();
        return now !== undefined && now !== before;
      }, { timeoutMs: 30_000, intervalMs: 100 });
    });
  },
});
