/**
 * Base64 of the bytes a `data` message carries (RFC 4648 §4, with padding).
 *
 * @module
 */

/**
 * Encodes bytes as base64.
 *
 * @example
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 * import assert from "node:assert/strict";
 * assert.equal(encodeBase64(new TextEncoder().encode("hi")), "aGk=");
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * Decodes base64 into bytes; throws `DOMException` (`InvalidCharacterError`) for text that is
 * not base64 (messages are checked by `parseMessage` before this runs).
 *
 * @example
 * ```ts
 * import { decodeBase64 } from "./base64.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new TextDecoder().decode(decodeBase64("aGk=")), "hi");
 * ```
 */
export function decodeBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}
