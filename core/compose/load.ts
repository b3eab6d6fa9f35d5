/**
 * Loading a Compose project as docker compose does: file discovery (`compose.yaml`,
 * `compose.yml`, `docker-compose.yaml`, `docker-compose.yml` in the directory or its parents, plus
 * `compose.override.yaml`), `.env` (or `--env-file`), interpolation with positions, merge of
 * several `-f` files, project name (`-p`, `COMPOSE_PROJECT_NAME`, `name:`, the directory) and
 * normalization. Reads files; creates nothing.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { ManifestError, RkError } from "../errors.ts";
import { type ManifestWarning, readManifestFileSync, readYamlTree } from "../manifest_reader.ts";
import { bundleProblem } from "../pod/pod_manifest.ts";
import type { LoadedCompose } from "./compose_model.ts";
import { EnvFileError, parseEnvFile } from "./env_file.ts";
import { interpolate, InterpolationError } from "./interpolate.ts";
import { mergeComposeFiles } from "./merge.ts";
import { normalizeCompose, throwCollected } from "./normalize.ts";
import { Field } from "./_field.ts";
import { parseIncludes } from "./include.ts";

/** Default file names, in the order docker compose looks for them. */
export const COMPOSE_FILE_NAMES: readonly string[] = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yaml",
  "docker-compose.yml",
];

const OVERRIDE_NAMES = [
  "compose.override.yaml",
  "compose.override.yml",
  "docker-compose.override.yaml",
  "docker-compose.override.yml",
];

/** Options of {@linkcode loadCompose} (the global flags of `rkl compose`). */
export interface ComposeLoadOptions {
  /** The user's directory. */
  cwd: string;
  /** `-f` files, in order (relative to `cwd`). Empty: discovery. */
  files?: readonly string[];
  /** `-p`. */
  projectName?: string;
  /** `--project-directory`. */
  projectDirectory?: string;
  /** `--env-file` files (relative to `cwd`); default `.env` in the project directory. */
  envFiles?: readonly string[];
  /** `--profile`. */
  profiles?: readonly string[];
  /** The process environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Image check (default: the bundle must hold `rootfs/`). */
  checkImage?: (path: string) => string | undefined;
  /** Where image references are looked up (see `resolveImage` in core/image_resolve.ts). */
  imageDir?: string;
  /** Every service needs `command` or `entrypoint` (for `up` and `run`; see normalize.ts). */
  requireCommand?: boolean;
  /** The files of the projects that include this one, outermost first (cycle detection). */
  includedFrom?: readonly string[];
}

/** A project that could not be loaded for a reason that is not in one file (no file found). */
export class ComposeFileNotFoundError extends RkError {
  /** The directory searched from. */
  readonly dir: string;
  /** Creates the error. */
  constructor(dir: string) {
    super(
      `no configuration file provided: not found (looked for ${
        COMPOSE_FILE_NAMES.join(", ")
      } in ${dir} and its parents)`,
    );
    this.name = "ComposeFileNotFoundError";
    this.dir = dir;
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/**
 * Finds the compose file for `dir`: the first default name in `dir`, else in its parents; plus
 * its override file in the same directory.
 *
 * @example
 * ```ts ignore
 * import { findComposeFiles } from "./load.ts";
 * findComposeFiles("/app/sub"); // ["/app/compose.yaml", "/app/compose.override.yaml"]
 * ```
 */
export function findComposeFiles(dir: string): string[] {
  let d = resolve(dir);
  for (;;) {
    const found = COMPOSE_FILE_NAMES.map((n) => join(d, n)).find(exists);
    if (found) {
      const override = OVERRIDE_NAMES.map((n) => join(d, n)).find(exists);
      return override ? [found, override] : [found];
    }
    const parent = dirname(d);
    if (parent === d) throw new ComposeFileNotFoundError(dir);
    d = parent;
  }
}

/**
 * Normalizes a directory name into a project name as docker compose does: lower case, only
 * `a-z`, `0-9`, `_` and `-`, starting with a letter or digit.
 *
 * @example
 * ```ts
 * import { normalizeProjectName } from "./load.ts";
 * import assert from "node:assert/strict";
 * assert.equal(normalizeProjectName("My App.v2"), "myappv2");
 * assert.equal(normalizeProjectName("_x-Y"), "x-y");
 * ```
 */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[_-]+/, "");
}

/**
 * Why `name` is not a valid project name, or undefined.
 *
 * @example
 * ```ts
 * import { projectNameProblem } from "./load.ts";
 * import assert from "node:assert/strict";
 * assert.equal(projectNameProblem("app_1"), undefined);
 * assert.match(projectNameProblem("App") ?? "", /lowercase/);
 * ```
 */
export function projectNameProblem(name: string): string | undefined {
  return /^[a-z0-9][a-z0-9_-]*$/.test(name)
    ? undefined
    : `"${name}" is not a valid project name: it must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit`;
}

/**
 * Reads a compose, `.env` or `env_file` file as manifests are read (`readManifestFileSync`):
 * only a regular file, at most 1 MiB, strict UTF-8, a one-line error naming the file. A missing
 * file throws `Deno.errors.NotFound` itself, so callers can skip an optional one.
 */
function readProjectFile(path: string): string {
  try {
    return readManifestFileSync(path);
  } catch (e) {
    if (e instanceof ManifestError && e.cause instanceof Deno.errors.NotFound) throw e.cause;
    throw e;
  }
}

/**
 * Loads a project: files, environment, interpolation, merge, validation. Every problem is an
 * error with file, line, column and field path before anything is created.
 *
 * @example
 * ```ts ignore
 * import { loadCompose } from "./load.ts";
 * const { model, warnings } = await loadCompose({ cwd: "/app", env: Deno.env.toObject() });
 * ```
 */
export function loadCompose(opts: ComposeLoadOptions): LoadedCompose {
  const given = (opts.files ?? []).map((f) => isAbsolute(f) ? f : resolve(opts.cwd, f));
  const files = given.length > 0 ? given : findComposeFiles(opts.cwd);
  const workingDir = opts.projectDirectory
    ? resolve(opts.cwd, opts.projectDirectory)
    : dirname(files[0]!);
  const warnings: ManifestWarning[] = [];

  // .env: process variables win over it.
  const dotenv: Record<string, string> = {};
  const envFiles = opts.envFiles && opts.envFiles.length > 0
    ? opts.envFiles.map((f) => ({ path: resolve(opts.cwd, f), required: true }))
    : [{ path: join(workingDir, ".env"), required: false }];
  for (const ef of envFiles) {
    let text: string;
    try {
      text = readProjectFile(ef.path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound && !ef.required) continue;
      if (e instanceof Deno.errors.NotFound) throw new RkError(`env file ${ef.path} not found`);
      throw e;
    }
    try {
      Object.assign(dotenv, parseEnvFile(text, ef.path, (k) => opts.env[k] ?? dotenv[k]));
    } catch (e) {
      if (e instanceof EnvFileError || e instanceof InterpolationError) {
        throw new RkError(e.message);
      }
      throw e;
    }
  }
  const lookup = (k: string): string | undefined => opts.env[k] ?? dotenv[k];

  const unsetSeen = new Set<string>();
  // Interpolation errors are reported with the validation errors, all in one run.
  const errors: ManifestError[] = [];
  const docs = files.map((file) => {
    let text: string;
    try {
      text = readProjectFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new RkError(`open ${file}: no such file or directory`);
      }
      throw e;
    }
    return readYamlTree(text, file, {
      scalar: (value, where) => {
        try {
          return interpolate(value, lookup, {
            onUnset: (name) => {
              if (unsetSeen.has(name)) return;
              unsetSeen.add(name);
              warnings.push({
                ...where,
                message: `the "${name}" variable is not set, defaulting to a blank string`,
              });
            },
          });
        } catch (e) {
          if (e instanceof InterpolationError) {
            errors.push(new ManifestError(e.message, where, { cause: e }));
            return "";
          }
          throw e;
        }
      },
    });
  });
  docs.forEach((d, i) => {
    if (d !== null && (typeof d !== "object" || Array.isArray(d))) {
      errors.push(
        new ManifestError("expected a mapping at the top of the file", {
          file: files[i]!,
          line: 1,
          column: 1,
          path: "",
        }),
      );
      throwCollected(errors, files);
    }
  });
  const merged = mergeComposeFiles(docs.map((d) => d ?? {})) as Record<string, unknown>;

  let projectName: string;
  const named = merged.name;
  if (opts.projectName !== undefined) projectName = opts.projectName;
  else if (lookup("COMPOSE_PROJECT_NAME")) projectName = lookup("COMPOSE_PROJECT_NAME")!;
  else if (typeof named === "string" && named !== "") projectName = named;
  else projectName = normalizeProjectName(basename(workingDir));
  const problem = projectNameProblem(projectName);
  if (problem) throw new RkError(problem);

  const profiles = [
    ...(opts.profiles ?? []),
    ...(lookup("COMPOSE_PROFILES") ?? "").split(",").map((p) => p.trim()).filter(Boolean),
  ];
  const included = loadIncludes(
    merged.include,
    files,
    workingDir,
    projectName,
    profiles,
    opts,
    warnings,
  );
  for (const i of included) warnings.push(...i.warnings);
  return normalizeCompose(merged, {
    included: included.map((i) => i.model),
    projectName,
    workingDir,
    files,
    lookup,
    readTextFile: readProjectFile,
    checkImage: opts.checkImage ?? bundleProblem,
    ...(opts.imageDir !== undefined ? { imageDir: opts.imageDir } : {}),
    profiles,
    warnings,
    errors,
    ...(opts.requireCommand ? { requireCommand: true } : {}),
  });
}

/**
 * Loads the `include` entries of a project as projects of their own (same project name and
 * profiles; their own directory and env files), recursively; an include cycle is an error.
 */
function loadIncludes(
  value: unknown,
  files: readonly string[],
  workingDir: string,
  projectName: string,
  profiles: readonly string[],
  opts: ComposeLoadOptions,
  warnings: ManifestWarning[],
): LoadedCompose[] {
  if (value === undefined || value === null) return [];
  const chain = [...(opts.includedFrom ?? []), ...files];
  const field = new Field(value, "include", { file: files[0]!, line: 1, column: 1 }, warnings);
  return parseIncludes(field, workingDir).map((entry) => {
    const cycle = entry.paths.find((p) => chain.includes(p));
    if (cycle !== undefined) {
      throw entry.field.error(`include cycle: ${[...chain, cycle].join(" -> ")}`);
    }
    try {
      return loadCompose({
        cwd: workingDir,
        files: entry.paths,
        projectName,
        projectDirectory: entry.projectDirectory,
        ...(entry.envFiles.length > 0 ? { envFiles: entry.envFiles } : {}),
        profiles,
        env: opts.env,
        ...(opts.checkImage ? { checkImage: opts.checkImage } : {}),
        ...(opts.imageDir !== undefined ? { imageDir: opts.imageDir } : {}),
        includedFrom: chain,
        ...(opts.requireCommand ? { requireCommand: true } : {}),
      });
    } catch (e) {
      // A missing file or a bad env file has no position of its own: name the include entry.
      if (e instanceof RkError && !(e instanceof ManifestError)) throw entry.field.error(e.message);
      throw e;
    }
  });
}
