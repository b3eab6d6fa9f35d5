/**
 * PATCH bodies as kube-apiserver applies them, chosen by content type: JSON patch
 * (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch. Server-side apply
 * (`application/apply-patch+yaml`) needs a field manager and lives in
 * {@link ./server_side_apply.ts}.
 *
 * Source: https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 *
 * @module
 */

import { isRecord } from "../../core/is_record.ts";
import { applyJsonPatch } from "./json_patch.ts";
import { jsonMergePatch } from "./merge_patch.ts";
import { PatchError } from "./patch_error.ts";
import { strategicMergePatch } from "./strategic_merge_patch.ts";

export { PatchError } from "./patch_error.ts";

/** The PATCH content types kube-apiserver accepts. */
export type PatchType =
  | "application/json-patch+json"
  | "application/merge-patch+json"
  | "application/strategic-merge-patch+json"
  | "application/apply-patch+yaml";

/** The content types, in the order kube-apiserver lists them in its 415 message. */
export const PATCH_TYPES_ACCEPTED: readonly PatchType[] = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

/**
 * Reads a request's `Content-Type` (parameters such as `; charset=utf-8` ignored) as a
 * {@linkcode PatchType}.
 *
 * @throws {PatchError} `415` with kube-apiserver's message for any other type.
 *
 * @example
 * ```ts
 * import { parsePatchType } from "./patch.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parsePatchType("application/merge-patch+json; charset=utf-8"), "application/merge-patch+json");
 * assert.throws(() => parsePatchType("text/plain"), { code: 415 });
 * ```
 */
export function parsePatchType(contentType: string | null | undefined): PatchType {
  const base = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const found = PATCH_TYPES_ACCEPTED.find((t) => t === base);
  if (found !== undefined) return found;
  throw new PatchError(
    415,
    `the body of the request was in an unknown format - accepted media types include: ${
      PATCH_TYPES_ACCEPTED.join(", ")
    }`,
  );
}

/**
 * Applies a PATCH body of content type `type` to the live object (not modified) of `kind`
 * (`Pod`, `Deployment`, ...; used by strategic merge patch to find merge keys) and returns
 * the patched object. The caller then validates it, checks `metadata.name`/`namespace`, and
 * stores it.
 *
 * @throws {PatchError} `400` malformed patch (a JSON patch that is not a list, a merge patch
 *   that is not an object, bad SMP directives); `422` a patch that does not apply to this object
 *   (failed `test`, missing path, a result that is not an object); `415` for
 *   `application/apply-patch+yaml` (use `serverSideApply`).
 *
 * Source: https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 *
 * @example
 * ```ts
 * import { applyPatch } from "./patch.ts";
 * import assert from "node:assert/strict";
 * const live = { kind: "Deployment", spec: { replicas: 1 } };
 * const out = applyPatch("application/merge-patch+json", live, { spec: { replicas: 3 } }, "Deployment");
 * assert.equal((out.spec as { replicas: number }).replicas, 3);
 * assert.equal(live.spec.replicas, 1);
 * ```
 */
export function applyPatch(
  type: PatchType,
  live: Record<string, unknown>,
  patch: unknown,
  kind: string,
): Record<string, unknown> {
  let out: unknown;
  switch (type) {
    case "application/json-patch+json":
      out = applyJsonPatch(live, patch);
      break;
    case "application/merge-patch+json":
      if (!isRecord(patch)) throw new PatchError(400, "Invalid JSON Patch");
      out = jsonMergePatch(live, patch);
      break;
    case "application/strategic-merge-patch+json":
      out = strategicMergePatch(live, patch, kind);
      break;
    case "application/apply-patch+yaml":
      throw new PatchError(
        415,
        "application/apply-patch+yaml is server-side apply: it needs a field manager",
      );
    default:
      return parsePatchType(type) as never;
  }
  if (!isRecord(out)) {
    throw new PatchError(422, `the patched ${kind} is not a JSON object: ${JSON.stringify(out)}`);
  }
  return out;
}
