/**
 * The `pod-template-hash` label value a Deployment puts on its ReplicaSets and their pods.
 *
 * @module
 */

import { semanticJson } from "./_semantic_json.ts";

/** Characters of upstream's `rand.SafeEncodeString` (no vowels, no 0/1/3 look-alikes). */
const SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/**
 * Hashes a pod template as kube-controller-manager's `controller.ComputeHash` does, with one
 * documented difference in the input bytes:
 *
 * 1. upstream feeds FNV-1a 32-bit with a `spew` dump of the Go struct; rk8s has no Go struct, so
 *    it feeds FNV-1a 32-bit with the template as canonical JSON (object keys sorted at every
 *    level, no whitespace, UTF-8, and `null`/`{}`/`[]` fields left out as Go's zero values). The value therefore differs from what kube-controller-manager
 *    would compute for the same template, but it is stable for a template and changes with it;
 * 2. when `collisionCount` is given (`status.collisionCount`), its value as 4 little-endian bytes
 *    is fed after the template, as upstream;
 * 3. the 32-bit result is written in decimal and each digit mapped through
 *    `rand.SafeEncodeString` (`bcdfghjklmnpqrstvwxz2456789`), as upstream — so the label is 1 to
 *    10 characters from that alphabet, e.g. `5d4b8c8f7b`-like values.
 *
 * The ReplicaSet of a Deployment `web` with hash `h` is named `web-h`.
 *
 * @example
 * ```ts
 * import { podTemplateHash } from "./pod_template_hash.ts";
 * import assert from "node:assert/strict";
 * const t = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
 * const h = podTemplateHash(t);
 * assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
 * assert.equal(h, podTemplateHash(structuredClone(t)));
 * assert.notEqual(h, podTemplateHash(t, 1));
 * ```
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = 0x811c9dc5;
  const feed = (bytes: Uint8Array) => {
    for (const b of bytes) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  };
  feed(new TextEncoder().encode(semanticJson(template) ?? ""));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    feed(b);
  }
  return safeEncode(String(h >>> 0));
}

/** Upstream `rand.SafeEncodeString`: each character mapped by its code modulo 27. */
function safeEncode(s: string): string {
  let out = "";
  for (const ch of s) out += SAFE_ALPHANUMS[ch.charCodeAt(0) % SAFE_ALPHANUMS.length];
  return out;
}
