/**
 * `resolveImage`: the bundle directory a manifest's `image:` names, by one rule for every local
 * manifest (`rkl pod run|create`, `rkl container run`, compose) and the cluster node:
 *
 * 1. A path — starting with `/`, `./` or `../`, or exactly `.` or `..` — is a bundle directory
 *    (relative to the manifest's base directory).
 * 2. Otherwise a bundle directory of that relative name under the base directory is used when
 *    there is one (the original project's examples write `image: testdata/bundles/busybox`).
 * 3. Otherwise a Distribution image reference (`busybox`, `busybox:1.36`,
 *    `registry.k8s.io/pause:3.9`) is looked up in the image directory as
 *    {@linkcode imageBundleCandidates} says (`<imageDir>/busybox/latest`, `<imageDir>/busybox`).
 *
 * rk8s never pulls: nothing found is an error naming every directory tried.
 *
 * @module
 */
import { imageBundleCandidates } from "./image_reference.ts";
import { isAbsolute, resolve } from "./path.ts";
import { imageBundleProblem } from "./rootfs.ts";

/** What {@linkcode resolveImage} needs. */
export interface ImageResolveOptions {
  /** Directory relative paths resolve against (the user's directory). */
  baseDir: string;
  /**
   * Where image references are looked up (`RKL_IMAGE_DIR`, else `<data dir>/images`, as
   * `rkl daemon --image-dir`). Without it only paths are accepted.
   */
  imageDir?: string;
  /** Why a directory is not a bundle, or `undefined` when it is (default: a stat). */
  check?: (path: string) => string | undefined;
}

/**
 * The bundle directory found, or why none was (`reference`: it was looked up as an image
 * reference, and the problem names every directory tried).
 */
export type ImageResolution = { path: string } | { problem: string; reference: boolean };

/** Whether `value` is written as a filesystem path (rule 1 of the module doc). */
export function isImagePath(value: string): boolean {
  return isAbsolute(value) || value === "." || value === ".." || value.startsWith("./") ||
    value.startsWith("../");
}

/**
 * Resolves a manifest's `image:` to a bundle directory (see the module doc). The problem text
 * suits `ManifestField.error` (the caller adds file, line, column and field path): for a path,
 * or a name that is no image reference, `check`'s reason for the path itself.
 *
 * @example
 * ```ts
 * import { resolveImage } from "./image_resolve.ts";
 * import assert from "node:assert/strict";
 * const have = new Set(["/w/bundles/busybox", "/img/busybox"]);
 * const check = (p: string) => have.has(p) ? undefined : `"${p}" does not exist`;
 * const o = { baseDir: "/w", imageDir: "/img", check };
 * assert.deepEqual(resolveImage("./bundles/busybox", o), { path: "/w/bundles/busybox" });
 * assert.deepEqual(resolveImage("bundles/busybox", o), { path: "/w/bundles/busybox" });
 * assert.deepEqual(resolveImage("busybox", o), { path: "/img/busybox" });
 * assert.match((resolveImage("busybox:1.36", o) as { problem: string }).problem,
 *   /no bundle directory for image "busybox:1\.36": tried \/w\/busybox:1\.36, \/img\/busybox\/1\.36/);
 * ```
 */
export function resolveImage(value: string, opts: ImageResolveOptions): ImageResolution {
  const check = opts.check ?? imageBundleProblem;
  const relative = resolve(opts.baseDir, value);
  if (isImagePath(value)) {
    const problem = check(relative);
    return problem === undefined ? { path: relative } : { problem, reference: false };
  }
  const local = check(relative);
  if (local === undefined) return { path: relative };
  const candidates = opts.imageDir === undefined ? [] : imageBundleCandidates(value, opts.imageDir);
  if (candidates.length === 0) return { problem: local, reference: false };
  for (const c of candidates) {
    if (check(c) === undefined) return { path: realPath(c) };
  }
  return {
    problem:
      `no bundle directory for image "${value}": tried ${
        [relative, ...candidates].join(", ")
      } (rk8s does not pull images: put the image's bundle directory in the image directory, ` +
      `set with RKL_IMAGE_DIR)`,
    reference: true,
  };
}

/**
 * `path` with symbolic links resolved (an overlay layer path may hold no `:`, and an image
 * directory entry is often a link); `path` as is when it cannot be resolved.
 *
 * @example
 * ```ts
 * import { realPath } from "./image_resolve.ts";
 * import assert from "node:assert/strict";
 * assert.equal(realPath("/no/such/path"), "/no/such/path");
 * ```
 */
export function realPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}
