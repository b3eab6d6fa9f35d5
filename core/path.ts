/**
 * POSIX path functions with the results of Node's `node:path` (`path.posix`), for the modules on
 * `rkl`'s start-up path.
 *
 * Why not `node:path`: importing any Node built-in but `node:sqlite` makes Deno set up its Node
 * compatibility layer (≈ 20–45 ms of CPU at start-up, measured with `deno task bench startup`),
 * and every `rkl` command is a fresh process. The npm ports (`pathe`, `path-browserify-esm`,
 * `@file-services/path`) touch `process` when imported or import `node:path` themselves, which
 * costs the same; `@std/path` is on JSR, which cannot be reached here. `path_test.ts` compares
 * every function with `node:path` on the same inputs.
 *
 * @module
 */

/** The path segment separator, `/`. */
export const sep = "/";

/** Resolves `.` and `..` segments and repeated slashes of `path`; `..` above the root is kept if relative. */
function normalizeSegments(path: string, allowAboveRoot: boolean): string {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (allowAboveRoot) out.push("..");
    } else out.push(segment);
  }
  return out.join("/");
}

/**
 * Normalizes a path: collapses repeated slashes, resolves `.` and `..`, keeps one trailing slash.
 *
 * @example
 * ```ts
 * import { normalize } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(normalize("/a//b/../c/"), "/a/c/");
 * assert.equal(normalize(""), ".");
 * ```
 */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  let body = normalizeSegments(path, !absolute);
  if (body === "" && !absolute) body = ".";
  if (body !== "" && trailing) body += "/";
  return absolute ? `/${body}` : body;
}

/**
 * Joins segments with `/` and normalizes the result (`node:path` `join`).
 *
 * @example
 * ```ts
 * import { join } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(join("/var/lib", "rkl", "../x", "db"), "/var/lib/x/db");
 * assert.equal(join(), ".");
 * ```
 */
export function join(...segments: string[]): string {
  const joined = segments.filter((s) => s !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/**
 * True when `path` starts with `/`.
 *
 * @example
 * ```ts
 * import { isAbsolute } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isAbsolute("/etc"), true);
 * assert.equal(isAbsolute("etc"), false);
 * ```
 */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * Resolves segments right to left into an absolute, normalized path without a trailing slash;
 * relative results are taken from `Deno.cwd()` (needs read permission for it).
 *
 * @example
 * ```ts
 * import { resolve } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resolve("/home/u", "pod.yaml"), "/home/u/pod.yaml");
 * assert.equal(resolve("/home/u", "/etc/x/"), "/etc/x");
 * ```
 */
export function resolve(...segments: string[]): string {
  let resolved = "";
  for (let i = segments.length - 1; i >= -1 && !resolved.startsWith("/"); i--) {
    const segment = i >= 0 ? segments[i]! : Deno.cwd();
    if (segment === "") continue;
    resolved = resolved === "" ? segment : `${segment}/${resolved}`;
  }
  return `/${normalizeSegments(resolved, false)}`;
}

/**
 * The directory part of a path (`node:path` `dirname`).
 *
 * @example
 * ```ts
 * import { dirname } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(dirname("/var/lib/rkl/"), "/var/lib");
 * assert.equal(dirname("file"), ".");
 * ```
 */
export function dirname(path: string): string {
  if (path === "") return ".";
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  const slash = path.lastIndexOf("/", end - 1);
  if (slash === -1) return ".";
  if (slash === 0) return "/";
  // Like node:path, only the slash before the last segment is dropped ("/a//b" → "/a/").
  return path.slice(0, slash);
}

/**
 * The last segment of a path without trailing slashes, and without `suffix` if it ends with it
 * (and is not all of it).
 *
 * @example
 * ```ts
 * import { basename } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(basename("/a/b.yaml/"), "b.yaml");
 * assert.equal(basename("/a/b.yaml", ".yaml"), "b");
 * ```
 */
export function basename(path: string, suffix?: string): string {
  if (suffix !== undefined && suffix !== "" && suffix === path) return "";
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  const base = path.slice(path.lastIndexOf("/", end - 1) + 1, end);
  if (suffix !== undefined && suffix !== base && base.endsWith(suffix)) {
    return base.slice(0, base.length - suffix.length);
  }
  return base;
}

/**
 * The extension of the last segment, from its last `.` (none for dot-files like `.env`).
 *
 * @example
 * ```ts
 * import { extname } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(extname("/a/pod.yaml"), ".yaml");
 * assert.equal(extname("/a/.env"), "");
 * ```
 */
export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 || base === ".." ? "" : base.slice(dot);
}

/**
 * The relative path from `from` to `to`, both resolved first (`node:path` `relative`).
 *
 * @example
 * ```ts
 * import { relative } from "./path.ts";
 * import assert from "node:assert/strict";
 * assert.equal(relative("/a/b/c", "/a/d"), "../../d");
 * assert.equal(relative("/a", "/a"), "");
 * ```
 */
export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
}
