/**
 * The top-level `include` of the Compose Specification: other compose files loaded as projects of
 * their own (their relative paths against their own project directory, their own `.env` or
 * `env_file` for interpolation) whose services, networks, volumes, configs and secrets join the
 * including project. A resource defined on both sides differently is an error
 * (`services.web conflicts with imported resource`, as compose-go says it); the same definition
 * twice is not. Pure: {@linkcode parseIncludes} reads the entries, {@linkcode importResources}
 * merges normalized models.
 *
 * @module
 */
import { dirname, isAbsolute, resolve } from "node:path";
import type { ManifestError } from "../errors.ts";
import type { Field } from "./_field.ts";
import type { ComposeModel } from "./compose_model.ts";

/** One `include` entry, its paths absolute. */
export interface IncludeEntry {
  /** The compose files (several are merged as `-f` files are). */
  paths: string[];
  /** The included project's directory (default: the first file's directory). */
  projectDirectory: string;
  /** Env files for its interpolation; empty: `.env` in its project directory. */
  envFiles: string[];
  /** Where the entry is, for errors. */
  field: Field;
}

function absolute(base: string, p: string): string {
  return isAbsolute(p) ? resolve(p) : resolve(base, p);
}

/**
 * Reads `include` (short syntax: a list of paths; long: `path` (string or list),
 * `project_directory`, `env_file`) with paths relative to `baseDir`, the including project's
 * directory.
 *
 * @example
 * ```ts
 * import { parseIncludes } from "./include.ts";
 * import { Field } from "./_field.ts";
 * import assert from "node:assert/strict";
 * const f = new Field(
 *   ["db/compose.yaml", { path: ["../lib/a.yaml", "../lib/b.yaml"], env_file: "lib.env" }],
 *   "include", { file: "/app/compose.yaml", line: 1, column: 1 }, [],
 * );
 * const [a, b] = parseIncludes(f, "/app");
 * assert.deepEqual([a!.paths, a!.projectDirectory, a!.envFiles], [["/app/db/compose.yaml"], "/app/db", []]);
 * assert.deepEqual([b!.paths, b!.projectDirectory, b!.envFiles], [["/lib/a.yaml", "/lib/b.yaml"], "/lib", ["/app/lib.env"]]);
 * ```
 */
export function parseIncludes(f: Field, baseDir: string): IncludeEntry[] {
  if (f.isNull) return [];
  return f.items().map((e) => {
    let paths: string[];
    let projectDirectory: string | undefined;
    let envFiles: string[] = [];
    if (e.isMap) {
      for (const [k, kf] of e.entries()) {
        if (!["path", "project_directory", "env_file"].includes(k) && !k.startsWith("x-")) {
          kf.warn(`include key "${k}" is not supported, ignored`);
        }
      }
      if (e.get("path").isNull) throw e.get("path").error("an include entry needs path");
      paths = e.get("path").stringOrList().map((p) => absolute(baseDir, p));
      if (!e.get("project_directory").isNull) {
        projectDirectory = absolute(baseDir, e.get("project_directory").string());
      }
      envFiles = e.get("env_file").stringOrList().map((p) => absolute(baseDir, p));
    } else paths = [absolute(baseDir, e.string())];
    if (paths.length === 0) throw e.error("an include entry needs at least one path");
    return {
      paths,
      projectDirectory: projectDirectory ?? dirname(paths[0]!),
      envFiles,
      field: e,
    };
  });
}

/** The resource kinds `include` imports. */
const KINDS = ["services", "networks", "volumes", "configs", "secrets"] as const;

/**
 * Adds the resources of `imported` to `target` (both normalized). A name defined on both sides
 * with a different definition gives `conflict(kind, name)`'s error; an identical one is kept
 * once (e.g. the implicit `default` network).
 *
 * @example
 * ```ts
 * import { importResources } from "./include.ts";
 * import assert from "node:assert/strict";
 * const empty = { services: {}, networks: {}, volumes: {}, configs: {}, secrets: {} };
 * const target = { ...empty, networks: { default: { name: "p_default", external: false, internal: false } } };
 * importResources(target, { ...empty, volumes: { db: { name: "p_db", external: false } },
 *   networks: { default: { name: "p_default", external: false, internal: false } } },
 *   (k, n) => new Error(`${k}.${n}`));
 * assert.deepEqual(Object.keys(target.volumes), ["db"]);
 * assert.throws(() => importResources(target, { ...empty, volumes: { db: { name: "other", external: false } } },
 *   (k, n) => new Error(`${k}.${n} conflicts with imported resource`)), /volumes\.db conflicts/);
 * ```
 */
export function importResources(
  target: Pick<ComposeModel, (typeof KINDS)[number]>,
  imported: Pick<ComposeModel, (typeof KINDS)[number]>,
  conflict: (kind: string, name: string) => ManifestError | Error,
): void {
  for (const kind of KINDS) {
    const into = target[kind] as Record<string, unknown>;
    for (const [name, value] of Object.entries(imported[kind])) {
      if (name in into) {
        if (JSON.stringify(into[name]) !== JSON.stringify(value)) throw conflict(kind, name);
        continue;
      }
      into[name] = value;
    }
  }
}
