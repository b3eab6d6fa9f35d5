/**
 * Pinned namespaces of a pod: its IPC and UTS namespaces bind-mounted at files in the pod's
 * state dir (`ns/ipc`, `ns/uts`), created by one `unshare` before any container (as CRI-O's
 * `pinns` does). The pause container and the app containers all join them by path, so the app
 * containers can be created while the pause container is still being created, instead of
 * waiting for its process to join `/proc/PID/ns/...`. The network namespace is the provider's
 * (`/run/rkl/netns/ID`); a shared PID namespace still comes from the pause process.
 *
 * @module
 */
import { join } from "../path.ts";
import { run } from "../exec.ts";
import { umountBatched } from "../umount_batch.ts";
import { removeIfExists } from "../fs.ts";
import { isMountPoint } from "../rootfs.ts";
import type { UndoStack } from "../undo.ts";

/** A namespace kind that can be pinned. */
export type PinnedKind = "ipc" | "uts";

/** Paths of a pod's pinned namespaces, by kind. */
export type PinnedNamespaces = Partial<Record<PinnedKind, string>>;

/**
 * Where namespace `kind` of the pod with state dir `stateDir` is pinned.
 *
 * @example
 * ```ts
 * import { pinnedNamespacePath } from "./pod_namespaces.ts";
 * import assert from "node:assert/strict";
 * assert.equal(pinnedNamespacePath("/var/lib/rkl/pods/abc", "ipc"), "/var/lib/rkl/pods/abc/ns/ipc");
 * ```
 */
export function pinnedNamespacePath(stateDir: string, kind: PinnedKind): string {
  return join(stateDir, "ns", kind);
}

/**
 * Creates new namespaces of `kinds` and bind-mounts each at its
 * {@linkcode pinnedNamespacePath}; their release ({@linkcode unpinNamespaces}) is registered on
 * `undo` first (the `unshare` can half-succeed).
 */
export async function pinNamespaces(
  stateDir: string,
  kinds: readonly PinnedKind[],
  undo: UndoStack,
): Promise<PinnedNamespaces> {
  const out = await preparePins(stateDir, kinds, undo);
  if (kinds.length > 0) await mountPins(out);
  return out;
}

/**
 * The first half of {@linkcode pinNamespaces}: the (empty) files where namespaces of `kinds`
 * are to be bind-mounted, with their release registered on `undo`; nothing is mounted yet.
 * {@linkcode mountPins} or another process's `unshare` (the network provider's, see
 * `NetworkAttachRequest.alsoPin`) mounts them.
 */
export async function preparePins(
  stateDir: string,
  kinds: readonly PinnedKind[],
  undo: UndoStack,
): Promise<PinnedNamespaces> {
  const out: PinnedNamespaces = {};
  if (kinds.length === 0) return out;
  await Deno.mkdir(join(stateDir, "ns"), { recursive: true });
  undo.push(`unpin the namespaces in ${stateDir}`, () => unpinNamespaces(stateDir));
  for (const kind of kinds) {
    const path = pinnedNamespacePath(stateDir, kind);
    await Deno.writeFile(path, new Uint8Array(), { mode: 0o444 });
    out[kind] = path;
  }
  return out;
}

/** Creates the namespaces of {@linkcode preparePins}' files and mounts them (one `unshare`). */
export async function mountPins(pins: PinnedNamespaces): Promise<void> {
  const args = (["ipc", "uts"] as const).flatMap((k) =>
    pins[k] === undefined ? [] : [`--${k}=${pins[k]}`]
  );
  if (args.length > 0) await run(["unshare", ...args, "true"]);
}

/**
 * The pinned namespaces of the pod with state dir `stateDir` (those mounted); empty for pods
 * created without them.
 */
export async function pinnedNamespaces(stateDir: string): Promise<PinnedNamespaces> {
  const out: PinnedNamespaces = {};
  for (const kind of ["ipc", "uts"] as const) {
    const path = pinnedNamespacePath(stateDir, kind);
    if (await isMountPoint(path)) out[kind] = path;
  }
  return out;
}

/**
 * True when every namespace of `kinds` is still pinned for the pod with state dir `stateDir`
 * (its file is a mount point). Synchronous stats only: the daemon's relist asks it of every pod
 * without a pause container, whose pinned namespaces are gone after a reboot.
 */
export function namespacesPinned(stateDir: string, kinds: readonly PinnedKind[]): boolean {
  return kinds.every((kind) => isMountedSync(pinnedNamespacePath(stateDir, kind)));
}

/**
 * True when `path` is a mount point (its device differs from its directory's), without a
 * thread-pool round trip; false when it does not exist.
 */
export function isMountedSync(path: string): boolean {
  let self: Deno.FileInfo;
  try {
    self = Deno.statSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  const parent = Deno.statSync(join(path, ".."));
  return self.dev !== parent.dev || self.ino === parent.ino;
}

/**
 * Unmounts (one `umount` for all) and deletes the pod's pinned namespaces; nothing to do for a
 * pod without them. Idempotent.
 */
export async function unpinNamespaces(stateDir: string): Promise<void> {
  const mounted = Object.values(await pinnedNamespaces(stateDir));
  await Promise.all(mounted.map(umountBatched));
  await removeIfExists(join(stateDir, "ns"));
}
