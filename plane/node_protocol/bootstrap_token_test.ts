import assert from "node:assert/strict";
import {
  bootstrapTokenSecret,
  checkBootstrapToken,
  formatBootstrapToken,
  generateBootstrapToken,
  parseBootstrapToken,
} from "./bootstrap_token.ts";
import { caCertHash, parseCaCertHash } from "./ca_cert_hash.ts";
import { ensureClusterPki } from "../apiserver/cluster_pki.ts";

Deno.test("bootstrap tokens round-trip and are checked against their Secret", () => {
  const t = generateBootstrapToken();
  assert.deepEqual(parseBootstrapToken(formatBootstrapToken(t)), t);
  const s = bootstrapTokenSecret(t, new Date(Date.now() + 60_000));
  assert.equal(s.type, "bootstrap.kubernetes.io/token");
  assert.equal(checkBootstrapToken(s, t, new Date()), undefined);
  assert.match(checkBootstrapToken(s, { ...t, id: "zzzzzz" }, new Date())!, /id does not match/);
  assert.match(
    checkBootstrapToken({ ...s, type: "Opaque" }, t, new Date())!,
    /not a bootstrap token/,
  );
  const noAuth = { ...s, data: { ...s.data, "usage-bootstrap-authentication": btoa("false") } };
  assert.match(checkBootstrapToken(noAuth, t, new Date())!, /not usable for authentication/);
  for (const bad of ["", "abcdef", "abcdef.0123456789abcde", "abcde!.0123456789abcdef"]) {
    assert.throws(() => parseBootstrapToken(bad), TypeError);
  }
});

Deno.test("caCertHash pins the SPKI: same key same pin, other CA other pin", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    const pa = await ensureClusterPki(a, []);
    const pb = await ensureClusterPki(b, []);
    const ha = await caCertHash(pa.caCert);
    assert.equal(parseCaCertHash(ha), ha);
    assert.notEqual(ha, await caCertHash(pb.caCert));
    // The serving certificate has another key, so another pin.
    assert.notEqual(ha, await caCertHash(pa.serverCert));
    await assert.rejects(() => caCertHash("not a pem"), /Cannot read the CA certificate/);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});
