/**
 * Container root filesystems: an overlayfs writable layer over an image's read-only `rootfs/`.
 * The image directory is never written to; each container's upper and work dirs live in its
 * own state directory.
 *
 * @module
 */
import { join } from "./path.ts";
import { fsErrorReason, RkError, shorten } from "./errors.ts";
import { removeIfExists, statIfExists } from "./fs.ts";
import { run } from "./exec.ts";
import { umountBatched } from "./umount_batch.ts";
import type { UndoStack } from "./undo.ts";

/** Paths of one container's overlay. */
export interface OverlayPaths {
  /** The image's read-only `rootfs/` (overlay lower dir). */
  lower: string;
  /** Writable layer. */
  upper: string;
  /** overlayfs work dir. */
  work: string;
  /** Mount point: the container's root. */
  merged: string;
}

/**
 * The overlay paths for an image and a container state directory.
 *
 * @example
 * ```ts
 * import { overlayPaths } from "./rootfs.ts";
 * import assert from "node:assert/strict";
 * const p = overlayPaths("/img", "/state/c1");
 * assert.equal(p.lower, "/img/rootfs");
 * assert.equal(p.merged, "/state/c1/rootfs");
 * ```
 */
export function overlayPaths(imageDir: string, stateDir: string): OverlayPaths {
  return {
    lower: join(imageDir, "rootfs"),
    upper: join(stateDir, "upper"),
    work: join(stateDir, "work"),
    merged: join(stateDir, "rootfs"),
  };
}

/**
 * The `mount` argv for an overlay.
 *
 * @example
 * ```ts
 * import { overlayMountArgv, overlayPaths } from "./rootfs.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(overlayMountArgv(overlayPaths("/i", "/s")), [
 *   "mount", "-t", "overlay", "overlay", "-o",
 *   "lowerdir=/i/rootfs,upperdir=/s/upper,workdir=/s/work", "/s/rootfs",
 * ]);
 * ```
 */
export function overlayMountArgv(p: OverlayPaths): string[] {
  for (const dir of [p.lower, p.upper, p.work]) {
    if (/[,:\\]/.test(dir)) {
      throw new RkError(`Cannot use "${dir}" in an overlay mount: it contains ',', ':' or '\\'`);
    }
  }
  return [
    "mount",
    "-t",
    "overlay",
    "overlay",
    "-o",
    `lowerdir=${p.lower},upperdir=${p.upper},workdir=${p.work}`,
    p.merged,
  ];
}

/**
 * Why `dir` is not a usable image bundle, or undefined when it is one: a directory holding a
 * real `rootfs/` directory. A `rootfs` that is a symbolic link is refused (a link to `/` would
 * give the container the host's root). Never throws: every file-system error (missing, not a
 * directory, too long, a NUL byte, outside rkl's permissions) becomes the reason.
 *
 * @example
 * ```ts
import { fsErrorReason, RkError, shorten } from "./errors.ts";
import { removeIfExists, statIfExists } from "./fs.ts";
 * ```
 */
export function imageBundleProblem(dir: string): string | undefined {
  const shown = shorten(dir);
  if (dir.includes("\0")) return `image directory "${shown}": the path contains a NUL byte`;
  try {
    if (!Deno.statSync(dir).isDirectory) return `"${shown}" is not a directory`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return `image directory "${shown}" does not exist`;
    return `image directory "${shown}": ${fsErrorReason(e)}`;
  }
  const rootfs = join(dir, "rootfs");
  try {
    const st = Deno.lstatSync(rootfs);
    if (st.isSymlink) {
      let target = "";
      try {
        target = ` to "${shorten(Deno.readLinkSync(rootfs))}"`;
      } catch { /* the reason is complete without the target */ }
      return `"${shown}/rootfs" is a symbolic link${target}: an image's rootfs must be a real ` +
        `directory (refused so that a container cannot see the host's files)`;
    }
    if (!st.isDirectory) return `"${shown}/rootfs" is not a directory`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return `"${shown}" is not an image bundle: it has no rootfs/ directory`;
    }
    return `"${shown}/rootfs": ${fsErrorReason(e)}`;
  }
  return undefined;
}

/**
 * Checks that `imageDir` is a bundle directory holding a real `rootfs/` directory (see
 * {@linkcode imageBundleProblem}); throws {@linkcode RkError} with the reason otherwise.
 *
 * @example
 * ```ts
 * import { checkImageDir } from "./rootfs.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => checkImageDir("/no/such/dir"), /does not exist/);
 * ```
 */
export function checkImageDir(imageDir: string): void {
  const problem = imageBundleProblem(imageDir);
  if (problem !== undefined) throw new RkError(`Image ${problem}`);
}

/**
 * Creates the upper/work/merged dirs and mounts the overlay, registering the unmount (and the
 * removal of the dirs) on `undo`. Returns the merged dir.
 */
export async function mountOverlay(p: OverlayPaths, undo: UndoStack): Promise<string> {
  const argv = overlayMountArgv(p);
  for (const d of [p.upper, p.work, p.merged]) {
    await Deno.mkdir(d, { recursive: true });
  }
  undo.push(`remove overlay dirs of ${p.merged}`, () => removeOverlayDirs(p));
  await run(argv);
  undo.push(`umount ${p.merged}`, () => unmountOverlay(p.merged));
  return p.merged;
}

/**
 * True when `path` is a mount point: its device differs from its parent's (the classic test;
 * it needs no access to /proc, which Deno only grants with --allow-all).
 */
export async function isMountPoint(path: string): Promise<boolean> {
  const self = await statIfExists(path);
  if (self === undefined) return false;
  const parent = await Deno.stat(join(path, ".."));
  return self.dev !== parent.dev || self.ino === parent.ino;
}

/** Unmounts the overlay when mounted (idempotent). */
export async function unmountOverlay(merged: string): Promise<void> {
  if (!(await isMountPoint(merged))) return;
  // With the other unmounts of the moment (a pod's containers, a compose down's pods).
  await umountBatched(merged);
}

/** Removes upper, work and merged dirs (idempotent; refuses while mounted). */
export async function removeOverlayDirs(p: OverlayPaths): Promise<void> {
  if (await isMountPoint(p.merged)) {
    throw new RkError(`Refusing to remove ${p.merged}: still mounted`);
  }
  for (const d of [p.merged, p.work, p.upper]) {
    await removeIfExists(d);
  }
}

/** How a container's root filesystem is prepared and released (overlay by default). */
export interface RootfsManager {
  /** Prepares the root of a container over `imageDir`; registers its release on `undo`. */
  mount(imageDir: string, stateDir: string, undo: UndoStack): Promise<string>;
  /** Releases it (idempotent). */
  unmount(imageDir: string, stateDir: string): Promise<void>;
}

/**
 * The overlayfs writable layer: lower = image `rootfs/`, upper/work/merged in the state dir.
 *
 * @example
 * ```ts ignore
 * import { overlayRootfs } from "./rootfs.ts";
 * import { UndoStack } from "./undo.ts";
 * const merged = await overlayRootfs.mount("/img", "/state/c1", new UndoStack());
 * ```
 */
export const overlayRootfs: RootfsManager = {
  mount: (imageDir, stateDir, undo) => mountOverlay(overlayPaths(imageDir, stateDir), undo),
  async unmount(imageDir, stateDir) {
    const p = overlayPaths(imageDir, stateDir);
    await unmountOverlay(p.merged);
    await removeOverlayDirs(p);
  },
};
