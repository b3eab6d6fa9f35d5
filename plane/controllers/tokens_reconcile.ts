/**
 * What kube-controller-manager's tokens controller (pkg/controller/serviceaccount/
 * tokens_controller.go, still run in 1.32) decides for one Secret of type
 * `kubernetes.io/service-account-token`: which of `token`, `ca.crt` and `namespace` it lacks,
 * and the Secret with them filled and the service-account annotations set. Pure.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import type { KubeObject } from "../store/kube_object.ts";

/** The Secret type the controller fills (`SecretTypeServiceAccountToken`). */
export const SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";

/** The annotation naming the service account (`ServiceAccountNameKey`). */
export const SERVICE_ACCOUNT_NAME_ANNOTATION = "kubernetes.io/service-account.name";

/** The annotation holding the service account's UID (`ServiceAccountUIDKey`). */
export const SERVICE_ACCOUNT_UID_ANNOTATION = "kubernetes.io/service-account.uid";

/** Which parts of a token Secret are missing or stale (`secretUpdateNeeded`). */
export interface TokenSecretNeeds {
  /** `data["ca.crt"]` differs from the cluster CA (only when a CA is configured). */
  ca: boolean;
  /** `data.namespace` is empty. */
  namespace: boolean;
  /** `data.token` is empty. */
  token: boolean;
}

function annotations(o: KubeObject): Record<string, string> {
  return o.metadata.annotations ?? {};
}

function data(o: KubeObject): Record<string, unknown> {
  return isRecord(o.data) ? o.data : {};
}

/** Base64 of a UTF-8 string (Secret `data` values as the JSON API carries them). */
export function base64Text(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * Whether `secret` is a token of `sa`: type `kubernetes.io/service-account-token`, the name
 * annotation equal to the account's name and the UID annotation empty or equal to its UID
 * (kube's `IsServiceAccountToken`).
 *
 * @example
 * ```ts
 * import { isServiceAccountToken } from "./tokens_reconcile.ts";
 * import assert from "node:assert/strict";
 * const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "build", namespace: "ns", uid: "u1" } };
 * const secret = (uid?: string) => ({
 *   apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token",
 *   metadata: { name: "t", namespace: "ns", annotations: {
 *     "kubernetes.io/service-account.name": "build",
 *     ...(uid ? { "kubernetes.io/service-account.uid": uid } : {}),
 *   } },
 * });
 * assert.equal(isServiceAccountToken(secret(), sa), true);
 * assert.equal(isServiceAccountToken(secret("u2"), sa), false);
 * ```
 */
export function isServiceAccountToken(secret: KubeObject, sa: KubeObject): boolean {
  if (secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return false;
  const a = annotations(secret);
  if (a[SERVICE_ACCOUNT_NAME_ANNOTATION] !== sa.metadata.name) return false;
  const uid = a[SERVICE_ACCOUNT_UID_ANNOTATION] ?? "";
  return uid === "" || uid === (sa.metadata.uid ?? "");
}

/**
 * What `secret` lacks, given the cluster CA (PEM; `""` = none configured, never filled).
 *
 * @example
 * ```ts
 * import { tokenSecretNeeds } from "./tokens_reconcile.ts";
 * import assert from "node:assert/strict";
 * const s = { apiVersion: "v1", kind: "Secret", metadata: { name: "t", namespace: "ns" }, data: {} };
 * assert.deepEqual(tokenSecretNeeds(s, "PEM"), { ca: true, namespace: true, token: true });
 * assert.deepEqual(tokenSecretNeeds(s, ""), { ca: false, namespace: true, token: true });
 * ```
 */
export function tokenSecretNeeds(secret: KubeObject, rootCa: string): TokenSecretNeeds {
  const d = data(secret);
  const filled = (k: string) => typeof d[k] === "string" && d[k] !== "";
  return {
    ca: rootCa !== "" && d["ca.crt"] !== base64Text(rootCa),
    namespace: !filled("namespace"),
    token: !filled("token"),
  };
}

/** Whether any part is needed. */
export function needsAny(n: TokenSecretNeeds): boolean {
  return n.ca || n.namespace || n.token;
}

/**
 * The Secret as the controller writes it back: the needed parts filled (`token` the signed
 * legacy JWT, when needed), and both service-account annotations set to `sa`'s name and UID.
 * Everything else (resourceVersion included, for the update's compare) is kept.
 *
 * @example
 * ```ts
 * import { filledTokenSecret, tokenSecretNeeds } from "./tokens_reconcile.ts";
 * import assert from "node:assert/strict";
 * const sa = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "build", namespace: "ns", uid: "u1" } };
 * const s = { apiVersion: "v1", kind: "Secret", metadata: { name: "t", namespace: "ns", resourceVersion: "7" } };
 * const out = filledTokenSecret(s, sa, tokenSecretNeeds(s, "PEM"), "PEM", "a.b.c");
 * assert.equal(atob(String((out.data as Record<string, string>).token)), "a.b.c");
 * assert.equal(out.metadata.annotations?.["kubernetes.io/service-account.uid"], "u1");
 * assert.equal(out.metadata.resourceVersion, "7");
 * ```
 */
export function filledTokenSecret(
  secret: KubeObject,
  sa: KubeObject,
  needs: TokenSecretNeeds,
  rootCa: string,
  token: string | undefined,
): KubeObject {
  const out = structuredClone(secret);
  const d: Record<string, unknown> = { ...data(secret) };
  if (needs.ca) d["ca.crt"] = base64Text(rootCa);
  if (needs.namespace) d.namespace = base64Text(secret.metadata.namespace ?? "");
  if (needs.token && token !== undefined) d.token = base64Text(token);
  out.data = d;
  out.metadata.annotations = {
    ...annotations(secret),
    [SERVICE_ACCOUNT_NAME_ANNOTATION]: sa.metadata.name,
    [SERVICE_ACCOUNT_UID_ANNOTATION]: sa.metadata.uid ?? "",
  };
  return out;
}
