/**
 * OpenAPI v3 for rks: the `/openapi/v3` index, one document per served group-version (what
 * `kubectl apply`, `create -f`, `edit` and `explain` read), and resolved per-kind schemas for
 * field validation and patch strategies.
 *
 * @example
 * ```ts
 * import { openapiV3Document, openapiV3Index } from "./mod.ts";
 * import assert from "node:assert/strict";
 * for (const path of Object.keys(openapiV3Index().paths)) {
 *   assert.ok(openapiV3Document(path), path);
 * }
 * ```
 *
 * @module
 */
export * from "./documents.ts";
export * from "./field_schema.ts";
export { allSchemas, schemaName } from "./schemas.ts";
export { groupVersionPath } from "./paths.ts";
export type { Schema } from "./_dsl.ts";
