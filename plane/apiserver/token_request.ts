/**
 * `createTokenRequest`: `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token`, the
 * `authentication.k8s.io/v1 TokenRequest` subresource, as kube-apiserver's TokenREST
 * (pkg/registry/core/serviceaccount/storage/token.go): audiences default to the API's,
 * `expirationSeconds` to 3600 (at least 600, at most 2^32), an optional `boundObjectRef` to a
 * Pod (running as this service account), Secret or Node whose UID must match, and a pod-bound
 * request for 3607 s gets a one-year token that warns after the hour. Answers the request with
 * `status.token` and `status.expirationTimestamp`.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import { ApiError } from "./api_error.ts";
import type { ApiObject } from "./object_codec.ts";
import { kubeTime } from "./object_prepare.ts";
import {
  EXPIRATION_EXTENSION_SECONDS,
  type ObjectRef,
  serviceAccountClaims,
  WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
} from "./service_account_claims.ts";
import type { TokenIssuer } from "./token_issuer.ts";

/** `expirationSeconds` when a request sets none (`SetDefaults_TokenRequestSpec`). */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

/** What {@linkcode createTokenRequest} needs. */
export interface TokenRequestContext {
  /** Signs the token. */
  issuer: TokenIssuer;
  /** The API's audiences (the default `spec.audiences`). */
  audiences: readonly string[];
  /** Reads the service account; throws 404 when absent. */
  serviceAccount(namespace: string, name: string): Promise<ApiObject>;
  /** Reads a bound object (`Pod`, `Secret` in `namespace`, or `Node`); throws 404 when absent. */
  boundObject(kind: "Pod" | "Secret" | "Node", namespace: string, name: string): Promise<ApiObject>;
  /** The clock. */
  now: Date;
  /** `--service-account-extend-token-expiration` (default true). */
  extendExpiration?: boolean;
}

const GROUP = "authentication.k8s.io";

function invalid(field: string, value: unknown, message: string): ApiError {
  return ApiError.invalid(GROUP, "TokenRequest", "", [{
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(value)}: ${message}`,
    field,
  }]);
}

function ref(obj: ApiObject): ObjectRef {
  return { name: String(obj.metadata.name ?? ""), uid: String(obj.metadata.uid ?? "") };
}

/**
 * Handles one TokenRequest `body` for service account `name` in `namespace`; returns the
 * TokenRequest to answer with (201). Throws `ApiError`: 400 for a malformed body or an
 * unsupported bound kind, 404 for a missing service account or bound object, 409 for a bound
 * object UID mismatch, 422 for an invalid expiration or a name/namespace differing from the URL.
 *
 * @example
 * ```ts
 * import { createTokenRequest } from "./token_request.ts";
 * import { TokenIssuer } from "./token_issuer.ts";
 * import { ensureClusterPki } from "./cluster_pki.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const pki = await ensureClusterPki(dir, []);
 * const issuer = await TokenIssuer.fromPem(pki.serviceAccountKey, pki.serviceAccountPub, "https://k");
 * const ctx = {
 *   issuer, audiences: ["https://k"], now: new Date(),
 *   serviceAccount: (ns: string, name: string) =>
 *     Promise.resolve({ metadata: { name, namespace: ns, uid: "u1" } }),
 *   boundObject: () => Promise.reject(new Error("none")),
 * };
 * const out = await createTokenRequest({ spec: {} }, "default", "builder", ctx);
 * const spec = out.spec as { expirationSeconds: number; audiences: string[] };
 * assert.equal(spec.expirationSeconds, 3600);
 * assert.deepEqual(spec.audiences, ["https://k"]);
 * await assert.rejects(createTokenRequest({ spec: { expirationSeconds: 60 } }, "default", "builder", ctx), /less than 10 minutes/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createTokenRequest(
  body: unknown,
  namespace: string,
  name: string,
  ctx: TokenRequestContext,
): Promise<ApiObject> {
  if (!isRecord(body)) throw ApiError.badRequest("the request body must be a TokenRequest object");
  const meta = isRecord(body.metadata) ? body.metadata : {};
  if (typeof meta.name === "string" && meta.name !== "" && meta.name !== name) {
    throw ApiError.invalid(GROUP, "TokenRequest", name, [{
      reason: "FieldValueInvalid",
      message: `Invalid value: ${
        JSON.stringify(meta.name)
      }: must match the service account name if specified`,
      field: "metadata.name",
    }]);
  }
  if (typeof meta.namespace === "string" && meta.namespace !== "" && meta.namespace !== namespace) {
    throw ApiError.invalid(GROUP, "TokenRequest", name, [{
      reason: "FieldValueInvalid",
      message: `Invalid value: ${
        JSON.stringify(meta.namespace)
      }: must match the service account namespace if specified`,
      field: "metadata.namespace",
    }]);
  }
  const spec = body.spec === undefined || body.spec === null ? {} : body.spec;
  if (!isRecord(spec)) throw ApiError.badRequest("spec: expected an object");
  let audiences: string[] = [];
  if (spec.audiences !== undefined && spec.audiences !== null) {
    if (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== "string")) {
      throw ApiError.badRequest("spec.audiences: expected a list of strings");
    }
    audiences = spec.audiences as string[];
  }
  let expirationSeconds = DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
    if (typeof spec.expirationSeconds !== "number" || !Number.isInteger(spec.expirationSeconds)) {
      throw ApiError.badRequest("spec.expirationSeconds: expected an integer");
    }
    expirationSeconds = spec.expirationSeconds;
  }
  const sa = await ctx.serviceAccount(namespace, name);
  if (audiences.length === 0) audiences = [...ctx.audiences];
  const now = ctx.now;
  if (expirationSeconds < 600) {
    throw invalid(
      "spec.expirationSeconds",
      expirationSeconds,
      "may not specify a duration less than 10 minutes",
    );
  }
  if (expirationSeconds > 2 ** 32) {
    throw invalid(
      "spec.expirationSeconds",
      expirationSeconds,
      "may not specify a duration larger than 2^32 seconds",
    );
  }
  let pod: ObjectRef | undefined;
  let secret: ObjectRef | undefined;
  let node: ObjectRef | undefined;
  let boundRef: Record<string, unknown> | null = null;
  if (spec.boundObjectRef !== undefined && spec.boundObjectRef !== null) {
    const b = spec.boundObjectRef;
    if (!isRecord(b)) throw ApiError.badRequest("spec.boundObjectRef: expected an object");
    boundRef = b;
    const kind = typeof b.kind === "string" ? b.kind : "";
    const apiVersion = typeof b.apiVersion === "string" ? b.apiVersion : "";
    const refName = typeof b.name === "string" ? b.name : "";
    if (apiVersion !== "v1" || (kind !== "Pod" && kind !== "Secret" && kind !== "Node")) {
      const gv = apiVersion.includes("/") ? apiVersion : `/${apiVersion}`;
      throw ApiError.badRequest(`cannot bind token to object of type ${gv}, Kind=${kind}`);
    }
    const obj = await ctx.boundObject(kind, namespace, refName);
    if (kind === "Pod") {
      const podSpec = isRecord(obj.spec) ? obj.spec : {};
      if (name !== podSpec.serviceAccountName) {
        throw ApiError.badRequest(
          `cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`,
        );
      }
      pod = ref(obj);
      const nodeName = podSpec.nodeName;
      if (typeof nodeName === "string" && nodeName !== "") {
        // ServiceAccountTokenPodNodeInfo (beta, on): the pod's node goes into the token.
        try {
          node = ref(await ctx.boundObject("Node", namespace, nodeName));
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    } else if (kind === "Secret") secret = ref(obj);
    else node = ref(obj);
    const want = typeof b.uid === "string" ? b.uid : "";
    if (want !== "" && want !== String(obj.metadata.uid ?? "")) {
      throw ApiError.conflict(
        { group: "", resource: kind },
        refName,
        `the UID in the bound object reference (${want}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
  }
  let lifetime = expirationSeconds;
  let warnAfterSeconds = 0;
  const apiAudience = audiences.some((a) => ctx.audiences.includes(a));
  if (
    (ctx.extendExpiration ?? true) && pod &&
    expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS && apiAudience
  ) {
    warnAfterSeconds = expirationSeconds;
    lifetime = EXPIRATION_EXTENSION_SECONDS;
  }
  const token = await ctx.issuer.sign(serviceAccountClaims({
    issuer: ctx.issuer.issuer,
    serviceAccount: {
      namespace,
      name: String(sa.metadata.name ?? name),
      uid: String(sa.metadata.uid ?? ""),
    },
    ...(pod ? { pod } : {}),
    ...(secret ? { secret } : {}),
    ...(node ? { node } : {}),
    expirationSeconds: lifetime,
    warnAfterSeconds,
    audiences,
    now,
    jti: crypto.randomUUID(),
  }));
  const issuedAt = Math.floor(now.getTime() / 1000) * 1000;
  return {
    kind: "TokenRequest",
    apiVersion: `${GROUP}/v1`,
    metadata: { name, namespace, creationTimestamp: kubeTime(now) },
    spec: { audiences, expirationSeconds, boundObjectRef: boundRef },
    status: {
      token,
      expirationTimestamp: kubeTime(new Date(issuedAt + expirationSeconds * 1000)),
    },
  };
}
