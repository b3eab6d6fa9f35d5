/**
 * `serviceAccountClaims`: the claims of a service-account token as kube-apiserver builds them
 * (pkg/serviceaccount/claims.go), and `parsePrivateClaims`, which reads the `kubernetes.io`
 * claim back when a token is authenticated. Pure.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";

/**
 * The issuer rks signs tokens as when none is configured: kubeadm's default
 * `--service-account-issuer` (`https://kubernetes.default.svc.cluster.local`). The API's own
 * audience is the issuer, as kube-apiserver's `--api-audiences` default.
 */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/**
 * The `expirationSeconds` the ServiceAccount admission plugin puts in the projected token of
 * `kube-api-access-*` volumes (`WarnOnlyBoundTokenExpirationSeconds`, 1 hour + 7 s): a
 * pod-bound request for exactly this many seconds gets a token valid for
 * {@linkcode EXPIRATION_EXTENSION_SECONDS} with a `warnafter` claim at the hour
 * (`--service-account-extend-token-expiration`, default true).
 */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;

/** One year: how long an extended token stays valid (`ExpirationExtensionSeconds`). */
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;

/** A name and UID of an object a token names. */
export interface ObjectRef {
  /** `metadata.name`. */
  name: string;
  /** `metadata.uid`. */
  uid: string;
}

/** The private `kubernetes.io` claim (JSON names as kube's `privateClaims`). */
export interface KubernetesClaim {
  /** The service account's namespace. */
  namespace: string;
  /** The service account. */
  serviceaccount: ObjectRef;
  /** The pod the token is bound to. */
  pod?: ObjectRef;
  /** The secret the token is bound to. */
  secret?: ObjectRef;
  /** The node the token (or its pod) is bound to. */
  node?: ObjectRef;
  /** Seconds since the epoch after which using an extended token logs a warning. */
  warnafter?: number;
}

/** Every claim of a service-account token. */
export interface ServiceAccountClaims {
  /** Issuer. */
  iss: string;
  /** `system:serviceaccount:<namespace>:<name>`. */
  sub: string;
  /** Audiences. */
  aud: string[];
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Not before, seconds since the epoch. */
  nbf: number;
  /** Token ID (a UUID; `ServiceAccountTokenJTI`, on since 1.30). */
  jti: string;
  /** The private claim. */
  "kubernetes.io": KubernetesClaim;
}

/** What {@linkcode serviceAccountClaims} builds claims from. */
export interface ClaimsInput {
  /** Issuer. */
  issuer: string;
  /** The service account. */
  serviceAccount: { namespace: string; name: string; uid: string };
  /** The bound pod, if any. */
  pod?: ObjectRef;
  /** The bound secret, if any (ignored with a pod). */
  secret?: ObjectRef;
  /** The bound node, or the bound pod's node. */
  node?: ObjectRef;
  /** Lifetime in seconds. */
  expirationSeconds: number;
  /** Seconds after issue when a `warnafter` is set (0 = none). */
  warnAfterSeconds?: number;
  /** Audiences. */
  audiences: readonly string[];
  /** Issue time. */
  now: Date;
  /** The token ID. */
  jti: string;
}

/**
 * The user name of a service account: `system:serviceaccount:<namespace>:<name>`
 * (k8s.io/apiserver/pkg/authentication/serviceaccount.MakeUsername).
 *
 * @example
 * ```ts
 * import { serviceAccountUsername } from "./service_account_claims.ts";
 * import assert from "node:assert/strict";
 * assert.equal(serviceAccountUsername("default", "builder"), "system:serviceaccount:default:builder");
 * ```
 */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * The claims of a token, as kube's `token.Claims`: `sub`, `aud`, `iat` = `nbf` = now, `exp` =
 * now + `expirationSeconds`, a `jti`, and `kubernetes.io` with the namespace, the service
 * account and the pod (with its node) or secret or node it is bound to.
 *
 * @example
 * ```ts
 * import { serviceAccountClaims } from "./service_account_claims.ts";
 * import assert from "node:assert/strict";
 * const c = serviceAccountClaims({
 *   issuer: "https://kubernetes.default.svc.cluster.local",
 *   serviceAccount: { namespace: "ns", name: "sa", uid: "u1" },
 *   pod: { name: "web", uid: "p1" },
 *   expirationSeconds: 600, audiences: ["api"], now: new Date(1_000_000_000_000), jti: "j",
 * });
 * assert.equal(c.sub, "system:serviceaccount:ns:sa");
 * assert.equal(c.exp - c.iat, 600);
 * assert.deepEqual(c["kubernetes.io"].pod, { name: "web", uid: "p1" });
 * ```
 */
export function serviceAccountClaims(input: ClaimsInput): ServiceAccountClaims {
  const now = Math.floor(input.now.getTime() / 1000);
  const sa = input.serviceAccount;
  const k: KubernetesClaim = {
    namespace: sa.namespace,
    serviceaccount: { name: sa.name, uid: sa.uid },
  };
  if (input.pod) {
    k.pod = { ...input.pod };
    if (input.node) k.node = { ...input.node };
  } else if (input.secret) {
    k.secret = { ...input.secret };
  } else if (input.node) {
    k.node = { ...input.node };
  }
  if (input.warnAfterSeconds) k.warnafter = now + input.warnAfterSeconds;
  return {
    iss: input.issuer,
    sub: serviceAccountUsername(sa.namespace, sa.name),
    aud: [...input.audiences],
    exp: now + input.expirationSeconds,
    iat: now,
    nbf: now,
    jti: input.jti,
    "kubernetes.io": k,
  };
}

function ref(v: unknown): ObjectRef | undefined {
  if (!isRecord(v)) return undefined;
  if (typeof v.name !== "string" || v.name === "") return undefined;
  return { name: v.name, uid: typeof v.uid === "string" ? v.uid : "" };
}

/**
 * Reads the `kubernetes.io` claim of a verified token; `undefined` when it is missing or has
 * no namespace or service account (kube: "service account token claims could not be
 * validated").
 *
 * @example
 * ```ts
 * import { parsePrivateClaims } from "./service_account_claims.ts";
 * import assert from "node:assert/strict";
 * const k = parsePrivateClaims({ "kubernetes.io": { namespace: "ns", serviceaccount: { name: "sa", uid: "u" } } });
 * assert.equal(k?.serviceaccount.name, "sa");
 * assert.equal(parsePrivateClaims({ sub: "x" }), undefined);
 * ```
 */
export function parsePrivateClaims(payload: Record<string, unknown>): KubernetesClaim | undefined {
  const k = payload["kubernetes.io"];
  if (!isRecord(k) || typeof k.namespace !== "string" || k.namespace === "") return undefined;
  const sa = ref(k.serviceaccount);
  if (!sa) return undefined;
  const out: KubernetesClaim = { namespace: k.namespace, serviceaccount: sa };
  const pod = ref(k.pod);
  if (pod) out.pod = pod;
  const secret = ref(k.secret);
  if (secret) out.secret = secret;
  const node = ref(k.node);
  if (node) out.node = node;
  if (typeof k.warnafter === "number") out.warnafter = k.warnafter;
  return out;
}

/**
 * The `iss` of the non-expiring tokens kube-controller-manager's tokens controller puts in
 * `kubernetes.io/service-account-token` Secrets (`LegacyIssuer`, pkg/serviceaccount/legacy.go).
 */
export const LEGACY_SERVICE_ACCOUNT_ISSUER = "kubernetes/serviceaccount";

/**
 * The claims of a legacy (Secret-based) service-account token: `iss`, `sub` and four private
 * claims, no audience and no expiry (JSON names as kube's `legacyPrivateClaims`).
 */
export interface LegacyServiceAccountClaims {
  /** {@linkcode LEGACY_SERVICE_ACCOUNT_ISSUER}. */
  iss: string;
  /** `system:serviceaccount:<namespace>:<name>`. */
  sub: string;
  /** The service account's namespace. */
  "kubernetes.io/serviceaccount/namespace": string;
  /** The Secret holding the token. */
  "kubernetes.io/serviceaccount/secret.name": string;
  /** The service account's name. */
  "kubernetes.io/serviceaccount/service-account.name": string;
  /** The service account's UID. */
  "kubernetes.io/serviceaccount/service-account.uid": string;
}

/**
 * The claims of the token the tokens controller writes into Secret `secretName` for a service
 * account (kube's `LegacyClaims`).
 *
 * @example
 * ```ts
 * import { legacyServiceAccountClaims } from "./service_account_claims.ts";
 * import assert from "node:assert/strict";
 * const c = legacyServiceAccountClaims({ namespace: "ns", name: "sa", uid: "u" }, "sa-token");
 * assert.equal(c.iss, "kubernetes/serviceaccount");
 * assert.equal(c.sub, "system:serviceaccount:ns:sa");
 * assert.equal(c["kubernetes.io/serviceaccount/secret.name"], "sa-token");
 * ```
 */
export function legacyServiceAccountClaims(
  sa: { namespace: string; name: string; uid: string },
  secretName: string,
): LegacyServiceAccountClaims {
  return {
    iss: LEGACY_SERVICE_ACCOUNT_ISSUER,
    sub: serviceAccountUsername(sa.namespace, sa.name),
    "kubernetes.io/serviceaccount/namespace": sa.namespace,
    "kubernetes.io/serviceaccount/secret.name": secretName,
    "kubernetes.io/serviceaccount/service-account.name": sa.name,
    "kubernetes.io/serviceaccount/service-account.uid": sa.uid,
  };
}

/** What a legacy token names, read by {@linkcode parseLegacyClaims}. */
export interface LegacyTokenSubject {
  /** The namespace. */
  namespace: string;
  /** The Secret's name. */
  secretName: string;
  /** The service account's name. */
  serviceAccountName: string;
  /** The service account's UID. */
  serviceAccountUid: string;
}

/**
 * Reads the claims of a verified legacy token, with kube's checks and messages
 * (`legacyValidator.Validate`): each private claim present, `sub` naming the same account.
 * Returns the subject or the reason the token is refused.
 *
 * @example
 * ```ts
 * import { legacyServiceAccountClaims, parseLegacyClaims } from "./service_account_claims.ts";
 * import assert from "node:assert/strict";
 * const c = legacyServiceAccountClaims({ namespace: "ns", name: "sa", uid: "u" }, "tok");
 * assert.deepEqual(parseLegacyClaims({ ...c }), {
 *   namespace: "ns", secretName: "tok", serviceAccountName: "sa", serviceAccountUid: "u",
 * });
 * assert.equal(parseLegacyClaims({ ...c, sub: "system:serviceaccount:ns:other" }), "sub claim is invalid");
 * ```
 */
export function parseLegacyClaims(payload: Record<string, unknown>): LegacyTokenSubject | string {
  const str = (k: string) => typeof payload[k] === "string" ? payload[k] as string : "";
  const sub = str("sub");
  if (sub === "") return "sub claim is missing";
  const namespace = str("kubernetes.io/serviceaccount/namespace");
  if (namespace === "") return "namespace claim is missing";
  const secretName = str("kubernetes.io/serviceaccount/secret.name");
  if (secretName === "") return "secretName claim is missing";
  const serviceAccountName = str("kubernetes.io/serviceaccount/service-account.name");
  if (serviceAccountName === "") return "serviceAccountName claim is missing";
  const serviceAccountUid = str("kubernetes.io/serviceaccount/service-account.uid");
  if (serviceAccountUid === "") return "serviceAccountUID claim is missing";
  if (sub !== serviceAccountUsername(namespace, serviceAccountName)) return "sub claim is invalid";
  return { namespace, secretName, serviceAccountName, serviceAccountUid };
}
