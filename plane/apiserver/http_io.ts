/**
 * HTTP helpers of the API server: JSON and `Status` responses, bounded body reads (3 MiB, as
 * kube-apiserver's limit for JSON bodies), content-type and Table negotiation, constant-time
 * bearer token checks.
 *
 * @module
 */
import { ApiError, type Status } from "./api_error.ts";

/** The largest request body accepted, in bytes (kube-apiserver: 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** A JSON response. */
export function jsonResponse(
  body: unknown,
  status = 200,
  contentType = "application/json",
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body) + "\n", {
    status,
    headers: { "content-type": contentType, ...headers },
  });
}

/** The response for a `Status`. */
export function statusResponse(s: Status): Response {
  return jsonResponse(s, s.code);
}

/**
 * Reads a request body of at most {@linkcode MAX_BODY_BYTES}; 413 beyond it.
 *
 * @example
 * ```ts
 * import { readBody } from "./http_io.ts";
 * import assert from "node:assert/strict";
 * const req = new Request("http://x/", { method: "POST", body: "hello" });
 * assert.equal(new TextDecoder().decode(await readBody(req)), "hello");
 * ```
 */
export async function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    await req.body?.cancel();
    throw ApiError.tooLarge(limit);
  }
  if (!req.body) return new Uint8Array();
  // A declared length within the limit: one read, without a JS round per chunk.
  if (Number.isFinite(declared)) return await req.bytes();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw ApiError.tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** The media type of a `Content-Type` header, lower case, without parameters. */
export function mediaType(header: string | null): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** How the client wants a get/list/watch answer: a Table (meta.k8s.io v1) or the objects. */
export function wantsTable(accept: string | null): boolean {
  if (!accept) return false;
  return accept.split(",").some((item) => {
    const params = item.split(";").slice(1).map((p) => p.trim());
    return params.includes("as=Table") && params.includes("g=meta.k8s.io") &&
      (params.includes("v=v1") || params.includes("v=v1beta1"));
  });
}

/**
 * Compares a presented bearer token with the expected one in constant time: every character
 * of the presented token is compared (with the expected one's at the same position, wrapped
 * around), and a length difference counts as a mismatch, so the time depends only on the
 * presented token's length, never on how much of it is right or on the expected length.
 * Plain string code units: a hash over `node:crypto` cost about 57 µs of every request.
 *
 * @example
 * ```ts
 * import { tokenMatches } from "./http_io.ts";
 * import assert from "node:assert/strict";
 * assert.equal(tokenMatches("Bearer abc", "abc"), true);
 * assert.equal(tokenMatches("bearer  abc ", "abc"), true);
 * assert.equal(tokenMatches("Bearer abd", "abc"), false);
 * assert.equal(tokenMatches("Bearer abcabc", "abc"), false);
 * assert.equal(tokenMatches("Bearer ab", "abc"), false);
 * assert.equal(tokenMatches(null, "abc"), false);
 * ```
 */
export function tokenMatches(authorization: string | null, expected: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (m === null || expected.length === 0) return false;
  const given = m[1]!;
  let diff = given.length ^ expected.length;
  for (let i = 0; i < given.length; i++) {
    diff |= given.charCodeAt(i) ^ expected.charCodeAt(i % expected.length);
  }
  return diff === 0;
}
