// Placeholder until apilib lands plane/api/patch.ts (same exported names); delete then.
// Only application/merge-patch+json (RFC 7386); the other types answer 415.
import { isRecord } from "../../core/is_record.ts";

/** The patch content types. */
export type PatchType =
  | "application/json-patch+json"
  | "application/merge-patch+json"
  | "application/strategic-merge-patch+json"
  | "application/apply-patch+yaml";

/** A patch that cannot be applied. */
export class PatchError extends Error {
  readonly code: 400 | 422 | 409 | 415;
  constructor(code: 400 | 422 | 409 | 415, message: string) {
    super(message);
    this.name = "PatchError";
    this.code = code;
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Applies a merge patch. */
export function applyPatch(
  type: PatchType,
  live: Record<string, unknown>,
  patch: unknown,
  _kind: string,
): Record<string, unknown> {
  if (type !== "application/merge-patch+json") {
    throw new PatchError(415, `patch type ${type} is not supported yet`);
  }
  if (!isRecord(patch)) {
    throw new PatchError(
      400,
      "json: cannot unmarshal into Go value of type map[string]interface {}",
    );
  }
  return mergePatch(live, patch) as Record<string, unknown>;
}
