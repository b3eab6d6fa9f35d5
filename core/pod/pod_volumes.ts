/**
 * Making pod volumes ready on the host before containers mount them: emptyDir directories
 * (tmpfs for `medium: Memory`) under the pod's state dir, hostPath checks per `type`, and the
 * files of projected volumes (configMap, secret, downwardAPI, projected; written by
 * `./projected_files.ts`, on a tmpfs when `medium: Memory`).
 *
 * @module
 */
import { dirname, join, relative, sep } from "../path.ts";
import { fsErrorReason, RkError, shorten } from "../errors.ts";
import { run } from "../exec.ts";
import { memoryBytes } from "../quantity.ts";
import { statIfExists } from "../fs.ts";
import { isMountPoint } from "../rootfs.ts";
import type { UndoStack } from "../undo.ts";
import { writeProjectedFiles } from "./projected_files.ts";
import type { VolumePlan } from "./pod_translate.ts";
import type { CriContainerConfig } from "./cri_types.ts";
import type { PodContainerSpec } from "./pod_manifest.ts";

/**
 * Prepares every volume. Each acquired resource (tmpfs mount, created directory) registers its
 * undo on `undo` right away.
 *
 * @example
 * ```ts ignore
 * import { prepareVolumes } from "./pod_volumes.ts";
 * import { UndoStack } from "../undo.ts";
 * await prepareVolumes([{ name: "d", kind: "emptyDir", hostPath: "/tmp/v/d", medium: "", hostPathType: "" }], new UndoStack());
 * ```
 */
export async function prepareVolumes(plans: readonly VolumePlan[], undo: UndoStack): Promise<void> {
  for (const v of plans) {
    if (v.kind === "projected") {
      await Deno.mkdir(v.hostPath, { recursive: true, mode: 0o755 });
      if (v.medium === "Memory") {
        // Secrets stay off the disk: the kubelet backs these volumes with a tmpfs.
        await run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", v.hostPath]);
        undo.push(`umount ${v.hostPath}`, () => unmountVolume(v.hostPath));
      }
      await writeProjectedFiles(v.hostPath, v.files ?? []);
      continue;
    }
    if (v.kind === "emptyDir") {
      await Deno.mkdir(v.hostPath, { recursive: true });
      // Like the kubelet: any user in any container of the pod may write to an emptyDir.
      await Deno.chmod(v.hostPath, 0o777);
      if (v.medium === "Memory") {
        const opts = ["mode=0777"];
        if (v.sizeLimit !== undefined) opts.push(`size=${memoryBytes(v.sizeLimit)}`);
        await run(["mount", "-t", "tmpfs", "-o", opts.join(","), "tmpfs", v.hostPath]);
        undo.push(`umount ${v.hostPath}`, () => unmountVolume(v.hostPath));
      }
      if (v.fsGroup !== undefined) {
        // The kubelet's SetVolumeOwnership: group fsGroup, group-writable, setgid directory.
        await Deno.chown(v.hostPath, null, v.fsGroup);
        await Deno.chmod(v.hostPath, 0o2777);
      }
      continue;
    }
    const st = await statIfExists(v.hostPath);
    const problem = (expected: string) =>
      new RkError(`hostPath volume "${v.name}": "${v.hostPath}" ${expected}`);
    switch (v.hostPathType) {
      case "":
        break;
      case "DirectoryOrCreate":
        if (st === undefined) {
          await Deno.mkdir(v.hostPath, { recursive: true, mode: 0o755 });
        } else if (!st.isDirectory) throw problem("is not a directory");
        break;
      case "Directory":
        if (!st?.isDirectory) throw problem("is not an existing directory");
        break;
      case "FileOrCreate":
        if (st === undefined) {
          await Deno.mkdir(dirname(v.hostPath), { recursive: true });
          await Deno.writeTextFile(v.hostPath, "", { createNew: true, mode: 0o644 });
        } else if (!st.isFile) throw problem("is not a file");
        break;
      case "File":
        if (!st?.isFile) throw problem("is not an existing file");
        break;
      case "Socket":
        if (!st?.isSocket) throw problem("is not a socket");
        break;
      case "CharDevice":
        if (!st?.isCharDevice) throw problem("is not a character device");
        break;
      case "BlockDevice":
        if (!st?.isBlockDevice) throw problem("is not a block device");
        break;
    }
  }
}

/** Unmounts a tmpfs volume when it is mounted (idempotent). */
export async function unmountVolume(path: string): Promise<void> {
  if (await isMountPoint(path)) await run(["umount", path]);
}

/** Unmounts every memory-backed emptyDir and projected volume of the plan (idempotent). */
export async function releaseVolumes(plans: readonly VolumePlan[]): Promise<void> {
  for (const v of plans) {
    if (v.kind !== "hostPath" && v.medium === "Memory") await unmountVolume(v.hostPath);
  }
}

/** A `subPath` that resolves outside its volume (through a symbolic link) or cannot be made. */
export class SubPathError extends RkError {
  /** The volume's directory on the host. */
  readonly volumePath: string;
  /** The `subPath` as written in the manifest. */
  readonly subPath: string;
  /** Creates the error. */
  constructor(volumePath: string, subPath: string, reason: string, options?: ErrorOptions) {
    super(
      `subPath "${shorten(subPath)}" of volume "${shorten(volumePath)}": ${reason}`,
      options,
    );
    this.name = "SubPathError";
    this.volumePath = volumePath;
    this.subPath = subPath;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

/**
 * Resolves `subPath` inside the volume directory `volumePath` the way the kubelet's safe
 * subpath does: every symbolic link on the way is followed only while it stays inside the
 * volume (a link an init container made to `/etc` is refused, not mounted), and missing
 * directories are created one component at a time inside the volume. Returns the resolved
 * host path (no symbolic links left in it) to bind-mount.
 *
 * Throws {@linkcode SubPathError} when the path leaves the volume or cannot be created.
 *
 * @example
 * ```ts
 * import { resolveSubPath, SubPathError } from "./pod_volumes.ts";
 * import assert from "node:assert/strict";
 * const vol = await Deno.makeTempDir();
 * await Deno.symlink("/etc", `${vol}/link`);
 * await assert.rejects(resolveSubPath(vol, "link"), SubPathError);
 * assert.equal(await resolveSubPath(vol, "a/b"), `${await Deno.realPath(vol)}/a/b`);
 * await Deno.remove(vol, { recursive: true });
 * ```
 */
export async function resolveSubPath(volumePath: string, subPath: string): Promise<string> {
  const fail = (reason: string, cause?: unknown) =>
    new SubPathError(volumePath, subPath, reason, cause === undefined ? undefined : { cause });
  const parts = subPath.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw fail(`must not contain ".."`);
  let root: string;
  try {
    root = await Deno.realPath(volumePath);
  } catch (e) {
    throw fail(`the volume cannot be resolved: ${fsErrorReason(e)}`, e);
  }
  let current = root;
  for (const part of parts) {
    const next = join(current, part);
    let resolved: string | undefined;
    try {
      resolved = await Deno.realPath(next);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw fail(fsErrorReason(e), e);
    }
    if (resolved === undefined) {
      // A dangling symlink must not be created through: mkdir would follow it out.
      let isLink = false;
      try {
        isLink = (await Deno.lstat(next)).isSymlink;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw fail(fsErrorReason(e), e);
      }
      if (isLink) throw fail(`"${shorten(part)}" is a symbolic link that points nowhere`);
      try {
        await Deno.mkdir(next, { mode: 0o755 });
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw fail(fsErrorReason(e), e);
      }
      resolved = await Deno.realPath(next);
    }
    if (!inside(root, resolved)) {
      throw fail(
        `it resolves to "${shorten(resolved)}", outside the volume (symbolic link refused)`,
      );
    }
    current = resolved;
  }
  return current;
}

/**
 * Replaces the host path of every `subPath` mount of `cfg` (built for container `c` by
 * `containerConfig`) with its safe resolution ({@linkcode resolveSubPath}), right before the
 * container is created, after init containers may have changed the volume.
 */
export async function resolveSubPathMounts(
  cfg: CriContainerConfig,
  c: Pick<PodContainerSpec, "volumeMounts">,
  volumes: readonly VolumePlan[],
): Promise<CriContainerConfig> {
  const byName = new Map(volumes.map((v) => [v.name, v]));
  const mounts = await Promise.all(cfg.mounts.map(async (m, i) => {
    const vm = c.volumeMounts[i];
    const v = vm === undefined ? undefined : byName.get(vm.name);
    if (m.subPath === undefined || v === undefined) return m;
    return { ...m, hostPath: await resolveSubPath(v.hostPath, m.subPath) };
  }));
  return { ...cfg, mounts };
}
