/**
 * `import()` of a module Deno does not load before it is needed.
 *
 * Deno reads, parses and resolves every module that a literal `import("…")` names (npm packages
 * included) when the program starts, before any import runs; with a specifier it cannot see, the
 * module is loaded only when the import runs. `rkl` starts a process per command, so modules only
 * some commands use are imported this way.
 *
 * @module
 */

/**
 * Imports `url` (absolute: pass `new URL("./x.ts", import.meta.url)`); `T` is its module type,
 * written `typeof import("./x.ts")`.
 *
 * @example
 * ```ts
 * import { lazyImport } from "./lazy_import.ts";
 * import assert from "node:assert/strict";
 * const m = await lazyImport<typeof import("./is_record.ts")>(new URL("./is_record.ts", import.meta.url));
 * assert.equal(typeof m.isRecord, "function");
 * ```
 */
export function lazyImport<T>(url: URL): Promise<T> {
  return import(url.href);
}
