/**
 * Unit tests of service-account token signing, verification and authentication
 * (token_issuer.ts, service_account_claims.ts, authenticator.ts), with keys made by
 * `ensureClusterPki` and objects from a map.
 */
import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { Authenticator, type TokenObjectGetter } from "./authenticator.ts";
import { ensureClusterPki } from "./cluster_pki.ts";
import type { ApiObject } from "./object_codec.ts";
import {
  type ClaimsInput,
  legacyServiceAccountClaims,
  serviceAccountClaims,
} from "./service_account_claims.ts";
import { TokenIssuer } from "./token_issuer.ts";

const ISS = "https://kubernetes.default.svc.cluster.local";

async function issuers(): Promise<{ issuer: TokenIssuer; other: TokenIssuer }> {
  const dir = await Deno.makeTempDir();
  const dir2 = await Deno.makeTempDir();
  try {
    const a = await ensureClusterPki(dir, []);
    const b = await ensureClusterPki(dir2, []);
    return {
      issuer: await TokenIssuer.fromPem(a.serviceAccountKey, a.serviceAccountPub, ISS),
      other: await TokenIssuer.fromPem(b.serviceAccountKey, b.serviceAccountPub, ISS),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(dir2, { recursive: true });
  }
}

function objects(map: Record<string, ApiObject>): TokenObjectGetter {
  const get = (k: string) => Promise.resolve(map[k]);
  return {
    serviceAccount: (ns, name) => get(`sa/${ns}/${name}`),
    pod: (ns, name) => get(`pod/${ns}/${name}`),
    secret: (ns, name) => get(`secret/${ns}/${name}`),
    node: (name) => get(`node/${name}`),
  };
}

const obj = (name: string, uid: string, extra: Record<string, unknown> = {}): ApiObject => ({
  metadata: { name, uid, ...extra },
});

function claims(over: Partial<ClaimsInput> = {}): ClaimsInput {
  return {
    issuer: ISS,
    serviceAccount: { namespace: "team", name: "builder", uid: "sa-uid" },
    expirationSeconds: 3600,
    audiences: [ISS],
    now: new Date(),
    jti: "jti-1",
    ...over,
  };
}

Deno.test("service-account tokens: signing, claims and authentication", async (t) => {
  const { issuer, other } = await issuers();
  const world: Record<string, ApiObject> = {
    "sa/team/builder": obj("builder", "sa-uid"),
    "pod/team/web": obj("web", "pod-uid"),
    "node/n1": obj("n1", "node-uid"),
    "secret/team/s": obj("s", "secret-uid"),
  };
  const auth = new Authenticator({ adminToken: "admin", issuer, objects: objects(world) });
  const who = async (token: string) => await auth.authenticate(`Bearer ${token}`);

  await t.step("the token carries kube's header and claims", async () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const token = await issuer.sign(serviceAccountClaims(claims({
      now,
      pod: { name: "web", uid: "pod-uid" },
      node: { name: "n1", uid: "node-uid" },
    })));
    assert.deepEqual(decodeProtectedHeader(token), { alg: "ES256", kid: issuer.keyId });
    assert.deepEqual(decodeJwt(token), {
      iss: ISS,
      sub: "system:serviceaccount:team:builder",
      aud: [ISS],
      iat: 1767225600,
      nbf: 1767225600,
      exp: 1767229200,
      jti: "jti-1",
      "kubernetes.io": {
        namespace: "team",
        serviceaccount: { name: "builder", uid: "sa-uid" },
        pod: { name: "web", uid: "pod-uid" },
        node: { name: "n1", uid: "node-uid" },
      },
    });
  });

  await t.step("a valid token is the service account with its groups and extra", async () => {
    const token = await issuer.sign(serviceAccountClaims(claims({
      pod: { name: "web", uid: "pod-uid" },
      node: { name: "n1", uid: "node-uid" },
    })));
    const r = await who(token);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.user, {
      username: "system:serviceaccount:team:builder",
      uid: "sa-uid",
      groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
      extra: {
        "authentication.kubernetes.io/pod-name": ["web"],
        "authentication.kubernetes.io/pod-uid": ["pod-uid"],
        "authentication.kubernetes.io/node-name": ["n1"],
        "authentication.kubernetes.io/node-uid": ["node-uid"],
        "authentication.kubernetes.io/credential-id": ["JTI=jti-1"],
      },
    });
  });

  await t.step(
    "refused: tampered, foreign key, expired, not yet valid, other audience",
    async () => {
      const good = await issuer.sign(serviceAccountClaims(claims()));
      const [h, p, s] = good.split(".") as [string, string, string];
      const payload = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
      payload.sub = "system:serviceaccount:kube-system:admin";
      const forged = `${h}.${
        btoa(JSON.stringify(payload)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
      }.${s}`;
      const hour = 3600_000;
      const cases: [string, string][] = [
        ["a changed payload", forged],
        ["a changed signature", `${h}.${p}.${s.slice(0, -4)}AAAA`],
        ["another cluster's key", await other.sign(serviceAccountClaims(claims()))],
        [
          "expired over a minute ago",
          await issuer.sign(serviceAccountClaims(claims({
            now: new Date(Date.now() - 2 * hour),
            expirationSeconds: 3600 - 61,
          }))),
        ],
        [
          "issued in the future",
          await issuer.sign(serviceAccountClaims(claims({ now: new Date(Date.now() + hour) }))),
        ],
        [
          "another audience",
          await issuer.sign(serviceAccountClaims(claims({ audiences: ["vault"] }))),
        ],
        [
          "another issuer",
          await issuer.sign({ ...serviceAccountClaims(claims()), iss: "https://elsewhere" }),
        ],
        ["not a JWT", "abc"],
      ];
      for (const [what, token] of cases) {
        assert.equal((await who(token)).ok, false, what);
      }
      assert.equal((await who(good)).ok, true, "the untouched token still authenticates");
    },
  );

  await t.step("within the minute of leeway an expired token still authenticates", async () => {
    const token = await issuer.sign(serviceAccountClaims(claims({
      now: new Date(Date.now() - 3600_000),
      expirationSeconds: 3600 - 30,
    })));
    assert.equal((await who(token)).ok, true);
  });

  await t.step("refused when the account or bound object is gone or replaced", async () => {
    const cases: [string, Partial<ClaimsInput>][] = [
      ["a deleted account", { serviceAccount: { namespace: "team", name: "gone", uid: "x" } }],
      ["a re-created account", {
        serviceAccount: { namespace: "team", name: "builder", uid: "old-uid" },
      }],
      ["a deleted pod", { pod: { name: "gone", uid: "pod-uid" } }],
      ["a re-created pod", { pod: { name: "web", uid: "old" } }],
      ["a re-created secret", { secret: { name: "s", uid: "old" } }],
      ["a deleted node", { node: { name: "n2", uid: "x" } }],
    ];
    for (const [what, over] of cases) {
      const r = await who(await issuer.sign(serviceAccountClaims(claims(over))));
      assert.equal(r.ok, false, what);
    }
    const bound = await issuer.sign(serviceAccountClaims(claims({
      secret: { name: "s", uid: "secret-uid" },
    })));
    assert.equal((await who(bound)).ok, true);
  });

  await t.step("an object being deleted for more than 60 s no longer counts", async () => {
    const long = new Date(Date.now() - 120_000).toISOString();
    const recent = new Date(Date.now() - 10_000).toISOString();
    const token = await issuer.sign(serviceAccountClaims(claims({
      pod: { name: "web", uid: "pod-uid" },
    })));
    const withPod = (deletionTimestamp: string) =>
      new Authenticator({
        adminToken: "admin",
        issuer,
        objects: objects({
          ...world,
          "pod/team/web": obj("web", "pod-uid", { deletionTimestamp }),
        }),
      });
    assert.equal((await withPod(recent).authenticate(`Bearer ${token}`)).ok, true);
    assert.equal((await withPod(long).authenticate(`Bearer ${token}`)).ok, false);
  });

  await t.step(
    "the admin token is the admin user; without an issuer JWTs are refused",
    async () => {
      const r = await auth.authenticate("Bearer admin");
      assert.ok(r.ok && r.user.username === "rks:admin");
      const plain = new Authenticator({ adminToken: "admin" });
      assert.equal(
        (await plain.authenticate(`Bearer ${await issuer.sign(serviceAccountClaims(claims()))}`))
          .ok,
        false,
      );
    },
  );

  await t.step("a success is reused for 10 s, as kube-apiserver's token cache", async () => {
    let now = new Date();
    const map = { ...world };
    const cached = new Authenticator({
      adminToken: "admin",
      issuer,
      objects: objects(map),
      now: () => now,
    });
    const token = await issuer.sign(serviceAccountClaims(claims({ now })));
    assert.equal((await cached.authenticate(`Bearer ${token}`)).ok, true);
    delete map["sa/team/builder"];
    now = new Date(now.getTime() + 9_000);
    assert.equal((await cached.authenticate(`Bearer ${token}`)).ok, true, "within 10 s");
    now = new Date(now.getTime() + 2_000);
    assert.equal((await cached.authenticate(`Bearer ${token}`)).ok, false, "after 10 s");
  });

  await t.step("the JWKS holds the public key only, under the token's kid", () => {
    const { keys } = issuer.jwks();
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.kid, issuer.keyId);
    assert.equal(keys[0]!.alg, "ES256");
    assert.equal(keys[0]!.use, "sig");
    assert.equal(keys[0]!.d, undefined, "no private part");
  });
});

Deno.test("legacy Secret-based tokens: kube's legacy validator checks and messages", async (t) => {
  const { issuer, other } = await issuers();
  const legacy = legacyServiceAccountClaims(
    { namespace: "team", name: "builder", uid: "sa-uid" },
    "builder-token",
  );
  const token = await issuer.signLegacy(legacy);
  const secret = (extra: Record<string, unknown> = {}, tok = token): ApiObject => ({
    metadata: { name: "builder-token", uid: "secret-uid", ...extra },
    data: { token: btoa(tok) },
  });
  const world: Record<string, ApiObject> = {
    "sa/team/builder": obj("builder", "sa-uid"),
    "secret/team/builder-token": secret(),
  };
  const auth = new Authenticator({
    adminToken: "admin",
    issuer,
    objects: objects(world),
    cacheTtlMs: 0,
  });
  const reason = async (t: string) => {
    const r = await auth.authenticate(`Bearer ${t}`);
    return r.ok ? "ok" : r.reason;
  };

  await t.step(
    "a token its Secret holds authenticates, with no expiry and no audience",
    async () => {
      assert.equal(decodeJwt(token).exp, undefined);
      const r = await auth.authenticate(`Bearer ${token}`);
      assert.ok(r.ok);
      assert.deepEqual(r.user, {
        username: "system:serviceaccount:team:builder",
        uid: "sa-uid",
        groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
      });
      const review = await auth.review(token, []);
      assert.equal(review.authenticated, true);
      assert.deepEqual(review.audiences, [ISS]);
      assert.match(String((await auth.review(token, ["vault"])).error), /token audiences/);
    },
  );

  await t.step("refusals", async () => {
    assert.match(await reason(await other.signLegacy(legacy)), /signature/);
    world["secret/team/builder-token"] = secret({}, "another");
    assert.equal(await reason(token), "Token does not match server's copy");
    world["secret/team/builder-token"] = secret({ deletionTimestamp: "2026-01-01T00:00:00Z" });
    assert.equal(await reason(token), "Token has been invalidated");
    world["secret/team/builder-token"] = secret({
      labels: { "kubernetes.io/legacy-token-invalid-since": "2026-01-01" },
    });
    assert.match(await reason(token), /has been marked invalid/);
    world["secret/team/builder-token"] = secret();
    world["sa/team/builder"] = obj("builder", "new-uid");
    assert.equal(await reason(token), "ServiceAccount UID (new-uid) does not match claim (sa-uid)");
    delete world["secret/team/builder-token"];
    assert.equal(await reason(token), "Token has been invalidated");
    const noSecret = await issuer.signLegacy({
      ...legacy,
      "kubernetes.io/serviceaccount/secret.name": "",
    });
    assert.equal(await reason(noSecret), "secretName claim is missing");
  });
});
