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
 * 1. upstream feeds FNV-1a 32-bit with `hashutil.DeepHashObject`'s output: spew's `%#v` print
 *    of the Go `v1.PodTemplateSpec` struct, which lists every field of every nested struct in
 *    Go declaration order (zero values and nil pointers included) and the unexported internals
 *    of each `resource.Quantity`, so the bytes depend on the Kubernetes version's struct layout
 *    (upstream's hash changes when a release adds a PodSpec field, which is why it compares
 *    templates with `EqualIgnoreHash`, never by hash). rk8s has no Go structs; it feeds FNV-1a
 *    32-bit with the template as canonical JSON (object keys sorted at every level, no
 *    whitespace, UTF-8, and `null`/`{}`/`[]` fields left out as Go's zero values). The value
 *    therefore differs from kube-controller-manager's for the same template, but it is stable
 *    for a template and changes with it, and rk8s, like upstream, finds a Deployment's
 *    ReplicaSets by comparing templates, not hashes;
 * 2. when `collisionCount` is given (`status.collisionCount`), 8 bytes are fed after the
 *    template — the count as a little-endian uint32 then 4 zero bytes — as upstream
 *    (`make([]byte, 8)` filled by `binary.LittleEndian.PutUint32`);
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
    const b = new Uint8Array(8);
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
