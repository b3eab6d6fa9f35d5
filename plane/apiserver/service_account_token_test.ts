/**
 * Service-account tokens against a real etcd and rks with the real kubectl: `kubectl create
 * token` (TokenRequest), authentication of those tokens on every request (`kubectl auth whoami`,
 * TokenReview),
 * refusals (tampered, expired, other audience, deleted account or pod), OIDC discovery, and the
 * ServiceAccount admission plugin (default account, token volume and mounts, unknown account).
 */
import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { waitFor } from "../../core/testing.ts";
import { startTestCluster, type TestCluster } from "./_testing.ts";
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, serviceAccountClaims } from "./service_account_claims.ts";
import { TokenIssuer } from "./token_issuer.ts";

async function ok(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function fails(c: TestCluster, args: string[], stdin?: string): Promise<string> {
  const r = await c.kubectl(args, stdin);
  assert.notEqual(r.code, 0, `kubectl ${args.join(" ")} should fail: ${r.stdout}`);
  return r.stderr.trim();
}

async function status(c: TestCluster, token: string, path = "/api/v1/namespaces/default/pods") {
  const res = await c.request(path, { token });
  await res.body?.cancel();
  return res.status;
}

async function whoami(c: TestCluster, token: string): Promise<Record<string, unknown>> {
  const out = JSON.parse(await ok(c, ["auth", "whoami", "-o", "json", "--token", token]));
  return out.status.userInfo;
}

const pod = (name: string, spec = "") =>
  `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  initContainers: [{name: init, image: busybox}]
  containers: [{name: c, image: busybox}]
${spec}`;

Deno.test({
  name: "service-account tokens: kubectl create token, authentication, discovery, admission",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // Token authentications are cached 1 s here (10 s by default; authenticator_test checks it).
    await using c = await startTestCluster("http", undefined, {
      serviceAccountTokenVolume: true,
      tokenCacheTtlMs: 1_000,
      // A documentation address (RFC 5737): only written into the kubernetes Endpoints.
      advertiseAddress: "192.0.2.10",
    });
    let token = "";

    await t.step(
      "kubectl create token default gives a token that authenticates as it",
      async () => {
        token = (await ok(c, ["create", "token", "default"])).trim();
        assert.equal(token.split(".").length, 3);
        assert.equal(await status(c, token), 200);
        const sa = JSON.parse(await ok(c, ["get", "sa", "default", "-o", "json"]));
        const user = await whoami(c, token);
        assert.equal(user.username, "system:serviceaccount:default:default");
        assert.equal(user.uid, sa.metadata.uid);
        assert.deepEqual(user.groups, [
          "system:serviceaccounts",
          "system:serviceaccounts:default",
          "system:authenticated",
        ]);
      },
    );

    await t.step("the TokenRequest answer has kube's spec defaults and expiry", async () => {
      const res = await c.request("/api/v1/namespaces/default/serviceaccounts/default/token", {
        method: "POST",
        body: JSON.stringify({
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: {},
        }),
      });
      assert.equal(res.status, 201);
      const tr = await res.json();
      assert.equal(tr.kind, "TokenRequest");
      assert.deepEqual(tr.spec, {
        audiences: [DEFAULT_SERVICE_ACCOUNT_ISSUER],
        expirationSeconds: 3600,
        boundObjectRef: null,
      });
      const left = Date.parse(tr.status.expirationTimestamp) - Date.now();
      assert.ok(left > 3500_000 && left <= 3600_000, `expires in ${left} ms`);
    });

    await t.step("refused with 401: tampered, expired, another audience", async () => {
      const [h, p, s] = token.split(".") as [string, string, string];
      const flipped = p.slice(0, 10) + (p[10] === "A" ? "B" : "A") + p.slice(11);
      assert.equal(await status(c, `${h}.${flipped}.${s}`), 401);
      const sa = JSON.parse(await ok(c, ["get", "sa", "default", "-o", "json"]));
      const issuer = await TokenIssuer.fromPem(
        c.pki.serviceAccountKey,
        c.pki.serviceAccountPub,
        DEFAULT_SERVICE_ACCOUNT_ISSUER,
      );
      const claims = (now: Date) =>
        serviceAccountClaims({
          issuer: DEFAULT_SERVICE_ACCOUNT_ISSUER,
          serviceAccount: { namespace: "default", name: "default", uid: sa.metadata.uid },
          expirationSeconds: 600,
          audiences: [DEFAULT_SERVICE_ACCOUNT_ISSUER],
          now,
          jti: crypto.randomUUID(),
        });
      assert.equal(await status(c, await issuer.sign(claims(new Date()))), 200, "same key, fresh");
      assert.equal(
        await status(c, await issuer.sign(claims(new Date(Date.now() - 3600_000)))),
        401,
        "expired",
      );
      const vault = (await ok(c, ["create", "token", "default", "--audience", "vault"])).trim();
      assert.equal(await status(c, vault), 401);
      const res = await c.request("/api/v1/namespaces", { token: `${h}.${flipped}.${s}` });
      assert.equal((await res.json()).reason, "Unauthorized");
    });

    await t.step("kubectl create token: kube's errors", async () => {
      assert.match(
        await fails(c, ["create", "token", "default", "--duration", "5m"]),
        /spec\.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes/,
      );
      assert.match(
        await fails(c, ["create", "token", "nosuch"]),
        /serviceaccounts "nosuch" not found/,
      );
      assert.match(
        await fails(c, [
          "create",
          "token",
          "default",
          "--bound-object-kind",
          "Pod",
          "--bound-object-name",
          "nosuch",
        ]),
        /pods "nosuch" not found/,
      );
    });

    await t.step("a deleted service account's token stops authenticating", async () => {
      await ok(c, ["create", "serviceaccount", "builder"]);
      const t2 = (await ok(c, ["create", "token", "builder", "--duration", "1h"])).trim();
      assert.equal(await status(c, t2), 200);
      await ok(c, ["delete", "serviceaccount", "builder"]);
      await waitFor(
        "the token of the deleted account to be refused",
        async () => (await status(c, t2)) === 401,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    });

    await t.step("admission: default account, token volume and read-only mounts", async () => {
      await ok(c, ["apply", "-f", "-"], pod("web"));
      const spec = JSON.parse(await ok(c, ["get", "pod", "web", "-o", "json"])).spec;
      assert.equal(spec.serviceAccountName, "default");
      assert.equal(spec.serviceAccount, "default");
      const vol = spec.volumes.find((v: { name: string }) => v.name.startsWith("kube-api-access-"));
      assert.ok(vol, JSON.stringify(spec.volumes));
      assert.match(vol.name, /^kube-api-access-[a-z0-9]{5}$/);
      assert.equal(vol.projected.defaultMode, 420);
      assert.deepEqual(vol.projected.sources[0], {
        serviceAccountToken: { expirationSeconds: 3607, path: "token" },
      });
      for (const ctr of [...spec.initContainers, ...spec.containers]) {
        assert.deepEqual(ctr.volumeMounts, [{
          name: vol.name,
          readOnly: true,
          mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
        }], ctr.name);
      }
      await ok(c, ["apply", "-f", "-"], pod("quiet", "  automountServiceAccountToken: false"));
      const quiet = JSON.parse(await ok(c, ["get", "pod", "quiet", "-o", "json"])).spec;
      assert.equal(quiet.volumes, undefined);
      assert.match(
        await fails(c, ["apply", "-f", "-"], pod("lost", "  serviceAccountName: nosuch")),
        /pods "lost" is forbidden: error looking up service account default\/nosuch: serviceaccount "nosuch" not found/,
      );
    });

    await t.step("a pod-bound token names the pod and ends with it", async () => {
      const bound = (await ok(c, [
        "create",
        "token",
        "default",
        "--bound-object-kind",
        "Pod",
        "--bound-object-name",
        "web",
      ])).trim();
      const user = await whoami(c, bound);
      const uid = JSON.parse(await ok(c, ["get", "pod", "web", "-o", "json"])).metadata.uid;
      assert.deepEqual(
        (user.extra as Record<string, string[]>)["authentication.kubernetes.io/pod-uid"],
        [
          uid,
        ],
      );
      await ok(c, ["delete", "pod", "web", "--grace-period=0", "--force", "--wait=false"]);
      await waitFor(
        "the token of the deleted pod to be refused",
        async () => (await status(c, bound)) === 401,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
    });

    await t.step("in-cluster clients reach the API at the advertise address", async () => {
      const ep = JSON.parse(await ok(c, ["get", "endpoints", "kubernetes", "-o", "json"]));
      assert.deepEqual(ep.subsets[0].addresses, [{ ip: "192.0.2.10" }]);
      assert.equal(ep.subsets[0].ports[0].port, Number(new URL(c.server.url).port));
      const slice = JSON.parse(
        await ok(c, ["get", "endpointslices", "kubernetes", "-o", "json"]),
      );
      assert.deepEqual(slice.metadata.labels, { "kubernetes.io/service-name": "kubernetes" });
      assert.deepEqual(slice.endpoints, [{
        addresses: ["192.0.2.10"],
        conditions: { ready: true },
      }]);
      assert.deepEqual(slice.ports, [{
        name: "https",
        port: Number(new URL(c.server.url).port),
        protocol: "TCP",
      }]);
    });

    await t.step("TokenReview: authenticated, audiences, errors", async () => {
      const review = async (spec: Record<string, unknown>) => {
        const res = await c.request("/apis/authentication.k8s.io/v1/tokenreviews", {
          method: "POST",
          body: JSON.stringify({
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenReview",
            spec,
          }),
        });
        return { code: res.status, body: await res.json() };
      };
      const good = await review({ token });
      assert.equal(good.code, 201);
      assert.equal(good.body.status.authenticated, true);
      assert.equal(good.body.status.user.username, "system:serviceaccount:default:default");
      assert.deepEqual(good.body.status.audiences, [DEFAULT_SERVICE_ACCOUNT_ISSUER]);
      const vault = (await ok(c, ["create", "token", "default", "--audience", "vault"])).trim();
      const forVault = await review({ token: vault, audiences: ["vault", "other"] });
      assert.equal(forVault.body.status.authenticated, true);
      assert.deepEqual(forVault.body.status.audiences, ["vault"]);
      assert.equal((await review({ token: vault })).body.status.authenticated, undefined);
      const i = token.length - 10;
      const flippedSig = token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
      const bad = await review({ token: flippedSig });
      assert.equal(bad.body.status.authenticated, undefined);
      assert.match(bad.body.status.error, /invalid bearer token/);
      assert.equal((await review({})).code, 400);
    });

    await t.step("OIDC discovery: the issuer and a JWKS that verifies the tokens", async () => {
      const conf = await (await c.request("/.well-known/openid-configuration", { token })).json();
      assert.equal(conf.issuer, DEFAULT_SERVICE_ACCOUNT_ISSUER);
      assert.equal(conf.jwks_uri, `${DEFAULT_SERVICE_ACCOUNT_ISSUER}/openid/v1/jwks`);
      const res = await c.request("/openid/v1/jwks", { token });
      assert.equal(res.headers.get("content-type"), "application/jwk-set+json");
      const { payload } = await jwtVerify(token, createLocalJWKSet(await res.json()), {
        issuer: DEFAULT_SERVICE_ACCOUNT_ISSUER,
      });
      assert.equal(payload.sub, "system:serviceaccount:default:default");
    });
  },
});
