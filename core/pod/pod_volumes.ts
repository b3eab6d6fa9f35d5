/**
 * Making pod volumes ready on the host before containers mount them: emptyDir directories
 * (tmpfs for `medium: Memory`) under the pod's state dir, hostPath checks per `type`.
 *
 * @module
 */
import { dirname } from "node:path";
import { RkError } from "../errors.ts";
import { run } from "../exec.ts";
import { memoryBytes } from "../quantity.ts";
import { statIfExists } from "../fs.ts";
import { isMountPoint } from "../rootfs.ts";
import type { UndoStack } from "../undo.ts";
import type { VolumePlan } from "./pod_translate.ts";

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

/** Unmounts every memory-backed emptyDir of the plan (idempotent). */
export async function releaseVolumes(plans: readonly VolumePlan[]): Promise<void> {
  for (const v of plans) {
    if (v.kind === "emptyDir" && v.medium === "Memory") await unmountVolume(v.hostPath);
  }
}
