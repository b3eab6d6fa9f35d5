/**
 * The legacy tokens controller and the authentication of its tokens against a real etcd and
 * rks with the real kubectl: a `kubernetes.io/service-account-token` Secret gets `token`,
 * `ca.crt`, `namespace` and the UID annotation; the token authenticates (`kubectl auth
 * whoami`) while the Secret holds it and is refused once the Secret is deleted; a Secret naming
 * a missing ServiceAccount is deleted, and so are an account's Secrets when it is deleted.
 */
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { waitFor } from "../../core/testing.ts";
import { KubeClient } from "../client/kube_client.ts";
import { startTestCluster, type TestCluster } from "../apiserver/_testing.ts";
import {
  DEFAULT_SERVICE_ACCOUNT_ISSUER,
  legacyServiceAccountClaims,
} from "../apiserver/service_account_claims.ts";
import { TokenIssuer } from "../apiserver/token_issuer.ts";
import { startControllerManager } from "./controller_manager.ts";

async function ok(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

const tokenSecret = (name: string, account: string) =>
  `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  annotations: {kubernetes.io/service-account.name: ${account}}
type: kubernetes.io/service-account-token
`;

async function secretData(c: TestCluster, name: string): Promise<Record<string, string>> {
  const r = await c.kubectl(["get", "secret", name, "-o", "json"]);
  if (r.code !== 0) throw new Error(r.stderr);
  const s = JSON.parse(r.stdout);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = atob(String(v));
  for (const [k, v] of Object.entries(s.metadata.annotations ?? {})) out[`@${k}`] = String(v);
  return out;
}

async function gone(c: TestCluster, kind: string, name: string): Promise<boolean> {
  const r = await c.kubectl(["get", kind, name, "-o", "name"]);
  return r.code !== 0 && /NotFound|not found/.test(r.stderr);
}

Deno.test({
  name:
    "tokens controller: service-account-token Secrets are filled, authenticate while they exist, and follow their account",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // No token cache: a deleted Secret's token is refused on the next request.
    await using c = await startTestCluster("http", undefined, { tokenCacheTtlMs: 0 });
    await using kube = await KubeClient.connect({ kubeconfig: c.kubeconfig });
    const issuer = await TokenIssuer.fromPem(
      c.pki.serviceAccountKey,
      c.pki.serviceAccountPub,
      DEFAULT_SERVICE_ACCOUNT_ISSUER,
    );
    await using _cm = await startControllerManager({
      kube,
      rootCaCert: c.pki.caCert,
      serviceAccountTokenSigner: issuer,
    });
    const wait = { timeoutMs: 30_000, intervalMs: 100 };
    let token = "";
    let uid = "";

    await t.step(
      "the Secret of an existing account gets token, ca.crt, namespace, uid",
      async () => {
        await ok(c, ["create", "serviceaccount", "build"]);
        uid = JSON.parse(await ok(c, ["get", "sa", "build", "-o", "json"])).metadata.uid;
        await ok(c, ["apply", "-f", "-"], tokenSecret("build-token", "build"));
        const d = await waitFor("build-token filled", async () => {
          const d = await secretData(c, "build-token");
          return d.token ? d : undefined;
        }, wait);
        assert.equal(d["ca.crt"], c.pki.caCert);
        assert.equal(d.namespace, "default");
        assert.equal(d["@kubernetes.io/service-account.uid"], uid);
        token = d.token!;
        const claims = decodeJwt(token);
        assert.deepEqual(claims, {
          iss: "kubernetes/serviceaccount",
          sub: "system:serviceaccount:default:build",
          "kubernetes.io/serviceaccount/namespace": "default",
          "kubernetes.io/serviceaccount/secret.name": "build-token",
          "kubernetes.io/serviceaccount/service-account.name": "build",
          "kubernetes.io/serviceaccount/service-account.uid": uid,
        });
      },
    );

    await t.step("kubectl auth whoami with the token names the account", async () => {
      const out = JSON.parse(await ok(c, ["auth", "whoami", "-o", "json", "--token", token]));
      assert.deepEqual(out.status.userInfo, {
        username: "system:serviceaccount:default:build",
        uid,
        groups: [
          "system:serviceaccounts",
          "system:serviceaccounts:default",
          "system:authenticated",
        ],
      });
    });

    await t.step("a token the Secret no longer holds is refused", async () => {
      // Signed with the cluster key and naming the same Secret, but not the token it holds.
      const forged = await issuer.signLegacy(Object.assign(
        legacyServiceAccountClaims({ namespace: "default", name: "build", uid }, "build-token"),
        { extra: "x" },
      ));
      assert.notEqual(forged, token);
      const r = await c.kubectl(["auth", "whoami", "--token", forged]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unauthorized/);
    });

    await t.step("once the Secret is deleted the token is Unauthorized", async () => {
      await ok(c, ["delete", "secret", "build-token"]);
      const r = await c.kubectl(["auth", "whoami", "--token", token]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unauthorized/);
    });

    await t.step("a Secret naming a missing account is deleted", async () => {
      await ok(c, ["apply", "-f", "-"], tokenSecret("orphan-token", "nosuch"));
      await waitFor("orphan-token deleted", () => gone(c, "secret", "orphan-token"), wait);
    });

    await t.step("deleting the account deletes its token Secrets", async () => {
      await ok(c, ["apply", "-f", "-"], tokenSecret("build-token2", "build"));
      const d = await waitFor("build-token2 filled", async () => {
        const d = await secretData(c, "build-token2");
        return d.token ? d : undefined;
      }, wait);
      assert.equal((await c.kubectl(["auth", "whoami", "--token", d.token!])).code, 0);
      await ok(c, ["delete", "serviceaccount", "build"]);
      await waitFor("build-token2 deleted", () => gone(c, "secret", "build-token2"), wait);
      const r = await c.kubectl(["auth", "whoami", "--token", d.token!]);
      assert.match(r.stderr, /Unauthorized/);
    });
  },
});
