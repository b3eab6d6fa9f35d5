/**
 * The error every patch type throws when a patch cannot be applied.
 *
 * @module
 */

/**
 * A patch that does not apply. `code` is the HTTP status kube-apiserver answers with:
 * `400` (BadRequest: the patch body is malformed, e.g. a JSON patch that is not a list or a
 * bad `$retainKeys`), `422` (Invalid: a well-formed patch that fails against this object, e.g. a
 * failed `test` operation or a missing path), `409` (Conflict: server-side apply conflicts)
 * and `415` (UnsupportedMediaType: an unknown or unsupported patch content type).
 *
 * @example
 * ```ts
 * import { PatchError } from "./patch_error.ts";
 * import assert from "node:assert/strict";
 * const e = new PatchError(422, "testing value /a failed: test failed");
 * assert.equal(e.code, 422);
 * ```
 */
export class PatchError extends Error {
  /** HTTP status for the `Status` answer. */
  readonly code: 400 | 422 | 409 | 415;
  /** Builds the error; `message` is the `Status` message. */
  constructor(code: 400 | 422 | 409 | 415, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PatchError";
    this.code = code;
  }
}
