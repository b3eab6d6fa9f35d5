/** Unit tests of the cluster PKI (cluster_pki.ts): reuse, serving names, re-issue. */
import "reflect-metadata";
import assert from "node:assert/strict";
import * as x509 from "@peculiar/x509";
import { ensureClusterPki } from "./cluster_pki.ts";

function sans(pem: string): string[] {
  const ext = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  return ext?.names.items.map((n) => `${n.type}:${n.value}`) ?? [];
}

Deno.test("ensureClusterPki() serves in-cluster names and re-issues for new hosts", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await ensureClusterPki(dir, []);
    await t.step("the serving certificate names the kubernetes Service", () => {
      const names = sans(first.serverCert);
      for (
        const n of [
          "ip:10.96.0.1",
          "ip:127.0.0.1",
          "dns:kubernetes.default.svc",
          "dns:kubernetes.default.svc.cluster.local",
        ]
      ) assert.ok(names.includes(n), `${n} in ${names}`);
    });
    await t.step("a new listen host re-issues the serving certificate, not the CA", async () => {
      const again = await ensureClusterPki(dir, ["10.0.0.9"]);
      assert.ok(again.created);
      assert.equal(again.caCert, first.caCert);
      assert.equal(again.serviceAccountKey, first.serviceAccountKey);
      assert.notEqual(again.serverCert, first.serverCert);
      assert.ok(sans(again.serverCert).includes("ip:10.0.0.9"));
      const third = await ensureClusterPki(dir, ["10.0.0.9"]);
      assert.equal(third.created, false);
      assert.equal(third.serverCert, again.serverCert);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
