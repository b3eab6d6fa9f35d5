/**
 * Where Go's `base64.StdEncoding.DecodeString` fails on a text, for `[]byte` fields of the API
 * (Secret `data`, ConfigMap `binaryData`): kube-apiserver refuses such a body with `400` and Go's
 * `illegal base64 data at input byte N`. Rewritten from the decoder's rules: quanta of four
 * characters of the standard alphabet, `\r` and `\n` skipped anywhere, `=` padding required and
 * only at the end (`xx==`, `xxx=`), nothing but newlines after it.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const isNewline = (c: string | undefined) => c === "\n" || c === "\r";

/**
 * The byte offset Go's standard base64 decoder reports for `text`, or `undefined` when it
 * decodes. Offsets count bytes; the alphabet is ASCII, so a non-ASCII character fails at its
 * first byte, which is where Go fails too.
 *
 * @example
 * ```ts
 * import { base64ErrorOffset } from "./_base64_syntax.ts";
 * import assert from "node:assert/strict";
 * assert.equal(base64ErrorOffset("c2VjcmV0"), undefined);
 * assert.equal(base64ErrorOffset("secret123"), 8);
 * assert.equal(base64ErrorOffset("a-b="), 1);
 * ```
 */
export function base64ErrorOffset(text: string): number | undefined {
  const src = new TextEncoder().encode(text);
  const ch = (i: number) => String.fromCharCode(src[i]!);
  let si = 0;
  while (si < src.length) {
    // One quantum of up to four characters.
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return si - j; // padding is required
      }
      const c = ch(si);
      si++;
      if (ALPHABET.includes(c)) continue;
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== "=") return si - 1;
      if (j < 2) return si - 1; // `=` too early
      if (j === 2) {
        while (si < src.length && isNewline(ch(si))) si++;
        if (si === src.length) return src.length; // `xx=` lacks its second `=`
        if (ch(si) !== "=") return si - 1;
        si++;
      }
      while (si < src.length && isNewline(ch(si))) si++;
      return si < src.length ? si : undefined; // anything after the padding
    }
  }
  return undefined;
}
