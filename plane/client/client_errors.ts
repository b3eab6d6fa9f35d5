/**
 * Predicates on the `ApiClientError`s the API client throws, as client-go's `apierrors.IsNotFound`,
 * `IsConflict`, `IsAlreadyExists`, `IsGone`/`IsResourceExpired`.
 *
 * @module
 */
import { ApiClientError } from "../apiserver/api_client.ts";

function hasCode(e: unknown, code: number): boolean {
  return e instanceof ApiClientError && e.code === code;
}

/**
 * `404 NotFound`.
 *
 * @example
 * ```ts
 * import { isNotFound } from "./client_errors.ts";
 * import { ApiClientError } from "../apiserver/api_client.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isNotFound(new ApiClientError(404, { reason: "NotFound" })), true);
 * assert.equal(isNotFound(new Error("x")), false);
 * ```
 */
export function isNotFound(e: unknown): boolean {
  return hasCode(e, 404);
}

/**
 * `409 Conflict` for a stale `resourceVersion` or a pod already bound (not `AlreadyExists`).
 *
 * @example
 * ```ts
 * import { isConflict } from "./client_errors.ts";
 * import { ApiClientError } from "../apiserver/api_client.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isConflict(new ApiClientError(409, { reason: "Conflict" })), true);
 * assert.equal(isConflict(new ApiClientError(409, { reason: "AlreadyExists" })), false);
 * ```
 */
export function isConflict(e: unknown): boolean {
  return hasCode(e, 409) && (e as ApiClientError).reason === "Conflict";
}

/**
 * `409 AlreadyExists` from a create.
 *
 * @example
 * ```ts
 * import { isAlreadyExists } from "./client_errors.ts";
 * import { ApiClientError } from "../apiserver/api_client.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isAlreadyExists(new ApiClientError(409, { reason: "AlreadyExists" })), true);
 * ```
 */
export function isAlreadyExists(e: unknown): boolean {
  return hasCode(e, 409) && (e as ApiClientError).reason === "AlreadyExists";
}

/**
 * `410 Gone`/`Expired`: a `resourceVersion` or continue token older than etcd keeps; re-list.
 *
 * @example
 * ```ts
 * import { isGone } from "./client_errors.ts";
 * import { ApiClientError } from "../apiserver/api_client.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isGone(new ApiClientError(410, { reason: "Expired" })), true);
 * ```
 */
export function isGone(e: unknown): boolean {
  return hasCode(e, 410);
}
