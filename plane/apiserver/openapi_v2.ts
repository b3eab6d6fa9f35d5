/**
 * `/openapi/v2`: a Swagger 2.0 document with no paths and no definitions, as JSON or in the
 * gnostic `openapi.v2.Document` protobuf encoding that kubectl asks for.
 *
 * Why it is served: kubectl never asks the server to validate a `kind: List`. Its field
 * validation verifier answers "unsupported" for `v1 List`, so `apply -f` and `create -f` of a
 * List check it on the client against `/openapi/v2`. When that is a 404, the command stops
 * with "error validating data: the server could not find the requested resource".
 *
 * Why it is empty: kubectl skips the client-side check of a kind that has no definition, and
 * then sends each item with `fieldValidation=Strict`. So rks validates every item itself.
 * Definitions would also change how kubectl computes client-side apply patches: it would take
 * patch strategies from them instead of from its compiled-in types. So they are left out on
 * purpose.
 *
 * @module
 */
import protobuf from "protobufjs";

/**
 * The media type of the protobuf answer. kube-openapi writes `.v1.0` where kubectl's `Accept`
 * has `@v1.0`, because Go's `mime.ParseMediaType` refuses the `@` in a response type.
 */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/** The media types that ask for protobuf (kubectl sends the first). */
const protobufAccepts = new Set([
  "application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
  OPENAPI_V2_PROTOBUF,
]);

const info = { title: "Kubernetes", version: "v1.32.0+rk8s" };

/** The document as JSON. */
export function openapiV2Json(): Record<string, unknown> {
  return { swagger: "2.0", info: { ...info }, paths: {}, definitions: {} };
}

/**
 * The document as an `openapi.v2.Document` message (gnostic's `OpenAPIv2.proto`): `swagger`
 * (field 1), `info` (2: `title` 1, `version` 2), `paths` (8) and `definitions` (9), both empty.
 *
 * @example
 * ```ts
 * import { openapiV2Protobuf } from "./openapi_v2.ts";
 * import assert from "node:assert/strict";
 * const bytes = openapiV2Protobuf();
 * assert.deepEqual([...bytes.subarray(0, 5)], [0x0a, 3, 0x32, 0x2e, 0x30]); // swagger = "2.0"
 * ```
 */
export function openapiV2Protobuf(): Uint8Array<ArrayBuffer> {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).string("2.0");
  w.uint32((2 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(info.title);
  w.uint32((2 << 3) | 2).string(info.version);
  w.ldelim();
  w.uint32((8 << 3) | 2).bytes(new Uint8Array());
  w.uint32((9 << 3) | 2).bytes(new Uint8Array());
  return new Uint8Array(w.finish());
}

/** Whether an `Accept` header asks for the protobuf form. */
export function wantsOpenapiV2Protobuf(accept: string | null): boolean {
  return (accept ?? "").split(",").some((item) =>
    protobufAccepts.has(item.split(";")[0]!.trim().toLowerCase())
  );
}
