/**
 * `TokenIssuer`: signs and verifies service-account tokens (JWTs, ES256 with the cluster's
 * service-account key, `kid` the base64url SHA-256 of the public key's DER as kube-apiserver
 * sets it), and publishes the key for OIDC discovery. JWT handling is npm:jose's.
 *
 * @module
 */
import {
  type CryptoKey as JoseKey,
  decodeJwt,
  exportJWK,
  importPKCS8,
  importSPKI,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";
import {
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  type LegacyServiceAccountClaims,
  type ServiceAccountClaims,
} from "./service_account_claims.ts";

const ALG = "ES256";

/** Clock skew allowed when checking `exp` and `nbf` (go-jose's `DefaultLeeway`, 1 minute). */
export const TOKEN_LEEWAY_SECONDS = 60;

/** What {@linkcode TokenIssuer.verify} found: the payload, or why the token is refused. */
export type VerifyResult =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; reason: string };

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return new Uint8Array(Array.from(atob(b64), (c) => c.charCodeAt(0)));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Signs and verifies the cluster's service-account tokens. */
export class TokenIssuer {
  /** The `iss` of every token, and the API's audience. */
  readonly issuer: string;
  /** The key ID (`kid` header). */
  readonly keyId: string;
  readonly #private: JoseKey;
  readonly #public: JoseKey;
  readonly #jwk: JWK;

  private constructor(
    issuer: string,
    keyId: string,
    priv: JoseKey,
    pub: JoseKey,
    jwk: JWK,
  ) {
    this.issuer = issuer;
    this.keyId = keyId;
    this.#private = priv;
    this.#public = pub;
    this.#jwk = jwk;
  }

  /**
   * An issuer from the PEM key pair `ensureClusterPki` keeps (`sa.key` PKCS#8, `sa.pub` SPKI,
   * ECDSA P-256). Throws when a key cannot be read.
   *
   * @example
   * ```ts
   * import { TokenIssuer } from "./token_issuer.ts";
   * import { serviceAccountClaims } from "./service_account_claims.ts";
   * import { ensureClusterPki } from "./cluster_pki.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const pki = await ensureClusterPki(dir, []);
   * const issuer = await TokenIssuer.fromPem(pki.serviceAccountKey, pki.serviceAccountPub, "https://k");
   * const token = await issuer.sign(serviceAccountClaims({
   *   issuer: "https://k", serviceAccount: { namespace: "ns", name: "sa", uid: "u" },
   *   expirationSeconds: 600, audiences: ["https://k"], now: new Date(), jti: "j",
   * }));
   * const r = await issuer.verify(token, ["https://k"], new Date());
   * assert.ok(r.ok && r.payload.sub === "system:serviceaccount:ns:sa");
   * assert.equal((await issuer.verify(token + "x", ["https://k"], new Date())).ok, false);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async fromPem(
    privatePem: string,
    publicPem: string,
    issuer: string,
  ): Promise<TokenIssuer> {
    const priv = await importPKCS8(privatePem, ALG);
    const pub = await importSPKI(publicPem, ALG, { extractable: true });
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", pemBody(publicPem)));
    const keyId = base64url(digest);
    const jwk = await exportJWK(pub);
    return new TokenIssuer(issuer, keyId, priv, pub, { ...jwk, use: "sig", alg: ALG, kid: keyId });
  }

  /**
   * An issuer from the private key alone (PKCS#8 PEM, ECDSA P-256), its public key derived from
   * it: what kube-controller-manager's `--service-account-private-key-file` gives its tokens
   * controller. Throws when the key cannot be read.
   *
   * @example
   * ```ts
   * import { TokenIssuer } from "./token_issuer.ts";
   * import { ensureClusterPki } from "./cluster_pki.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const pki = await ensureClusterPki(dir, []);
   * const a = await TokenIssuer.fromPem(pki.serviceAccountKey, pki.serviceAccountPub, "https://k");
   * const b = await TokenIssuer.fromPrivatePem(pki.serviceAccountKey, "https://k");
   * assert.equal(b.keyId, a.keyId);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async fromPrivatePem(privatePem: string, issuer: string): Promise<TokenIssuer> {
    const alg = { name: "ECDSA", namedCurve: "P-256" };
    const priv = await crypto.subtle.importKey("pkcs8", pemBody(privatePem), alg, true, [
      "sign",
    ]);
    const { d: _d, ...publicJwk } = await crypto.subtle.exportKey("jwk", priv);
    const pub = await crypto.subtle.importKey(
      "jwk",
      { ...publicJwk, key_ops: ["verify"] },
      alg,
      true,
      ["verify"],
    );
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pub));
    const lines = btoa(String.fromCharCode(...spki)).match(/.{1,64}/g) ?? [];
    const publicPem = `-----BEGIN PUBLIC KEY-----\n${lines.join("\n")}\n-----END PUBLIC KEY-----\n`;
    return await TokenIssuer.fromPem(privatePem, publicPem, issuer);
  }

  /** Signs `claims` into a compact JWT (`{"alg":"ES256","kid":…}` header). */
  async sign(claims: ServiceAccountClaims): Promise<string> {
    return await new SignJWT({ ...claims } as unknown as Record<string, unknown>)
      .setProtectedHeader({ alg: ALG, kid: this.keyId })
      .sign(this.#private);
  }

  /**
   * Signs the claims of a legacy Secret-based token (no `exp`, no `aud`) with the same key and
   * header, as kube-controller-manager's tokens controller (`JWTTokenGenerator` with
   * `LegacyIssuer`).
   */
  async signLegacy(claims: LegacyServiceAccountClaims): Promise<string> {
    return await new SignJWT({ ...claims } as unknown as Record<string, unknown>)
      .setProtectedHeader({ alg: ALG, kid: this.keyId })
      .sign(this.#private);
  }

  /**
   * Checks a legacy token's signature and its issuer ({@linkcode LEGACY_SERVICE_ACCOUNT_ISSUER});
   * such tokens carry no `exp`, `nbf` or `aud` (kube's legacy validator checks none). Never
   * throws for a bad token.
   */
  async verifyLegacy(token: string): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.#public, {
        algorithms: [ALG],
        issuer: LEGACY_SERVICE_ACCOUNT_ISSUER,
        clockTolerance: TOKEN_LEEWAY_SECONDS,
      });
      return { ok: true, payload: payload as Record<string, unknown> };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * Checks a token's signature, issuer (this issuer), `exp` and `nbf` (with
   * {@linkcode TOKEN_LEEWAY_SECONDS} of leeway) and that one of its audiences is in
   * `audiences`. Never throws for a bad token: the result says why it is refused.
   */
  async verify(token: string, audiences: readonly string[], now: Date): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.#public, {
        algorithms: [ALG],
        issuer: this.issuer,
        audience: [...audiences],
        clockTolerance: TOKEN_LEEWAY_SECONDS,
        currentDate: now,
        requiredClaims: ["exp", "iat", "nbf", "sub"],
      });
      return { ok: true, payload: payload as Record<string, unknown> };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * The unverified `iss` of a compact JWT (`undefined` when it cannot be decoded): which of
   * the verifiers a token is for, as kube-apiserver picks the authenticator by issuer.
   *
   * @example
   * ```ts
   * import { TokenIssuer } from "./token_issuer.ts";
   * import assert from "node:assert/strict";
   * assert.equal(TokenIssuer.peekIssuer("a.b.c"), undefined);
   * ```
   */
  static peekIssuer(token: string): string | undefined {
    try {
      const iss = decodeJwt(token).iss;
      return typeof iss === "string" ? iss : undefined;
    } catch {
      return undefined;
    }
  }

  /** The JSON Web Key Set of `/openid/v1/jwks` (the public key, `use: sig`, `alg`, `kid`). */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.#jwk }] };
  }

  /**
   * The OpenID Provider configuration of `/.well-known/openid-configuration`, as
   * kube-apiserver serves it (pkg/serviceaccount/openidmetadata.go).
   */
  openidConfiguration(jwksUri: string): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: jwksUri,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: [ALG],
    };
  }
}
