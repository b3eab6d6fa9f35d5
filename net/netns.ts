/**
 * Network namespaces owned by rkl: each one is an `nsfs` bind mount of a file in rkl's netns
 * directory (`/run/rkl/netns/ID`), so it outlives its processes, can be entered with
 * `nsenter --net=PATH`, joined through the OCI spec, and removed by name.
 *
 * @module
 */
import { dirname, join } from "../core/path.ts";
import { run } from "../core/exec.ts";
import { umountBatched } from "../core/umount_batch.ts";
import { ConflictError } from "../core/errors.ts";
import { readDirIfExists, removeIfExists, statIfExists } from "../core/fs.ts";

/**
 * True when `path` is a mount point of another file system than its directory (a bind-mounted
 * namespace is on `nsfs`). Uses stat, since Deno does not let a program read
 * `/proc/self/mountinfo` without `--allow-all`.
 */
async function isMountedNamespace(path: string): Promise<boolean> {
  const st = await statIfExists(path);
  if (st === undefined) return false;
  const dir = await Deno.stat(dirname(path));
  return st.dev !== dir.dev;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$/;

/**
 * Creates, finds and removes rkl's network namespaces in one directory.
 *
 * @example
 * ```ts ignore
 * import { NetnsManager } from "./netns.ts";
 * const ns = new NetnsManager("/run/rkl/netns");
 * const path = await ns.create("c1");
 * await ns.remove("c1");
 * ```
 */
export class NetnsManager {
  /** Directory holding the bind-mounted namespaces. */
  readonly dir: string;

  /** Creates a manager for `dir` (nothing is touched until a method is called). */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Path of the namespace called `name`. */
  path(name: string): string {
    if (!NAME_RE.test(name)) throw new TypeError(`Invalid network namespace name "${name}"`);
    return join(this.dir, name);
  }

  /** True when `name` is a mounted network namespace. */
  async exists(name: string): Promise<boolean> {
    return await isMountedNamespace(this.path(name));
  }

  /**
   * Creates a new, empty network namespace and bind-mounts it at {@linkcode NetnsManager.path}.
   * A stale file without a namespace (after a crash) is reused; a mounted one is a conflict.
   * `also` names other namespaces to create in the same `unshare` (a pod's IPC and UTS), each
   * bind-mounted at its existing file; their release is the caller's.
   */
  async create(name: string, also: { ipc?: string; uts?: string } = {}): Promise<string> {
    const path = this.path(name);
    await Deno.mkdir(this.dir, { recursive: true, mode: 0o755 });
    if (await isMountedNamespace(path)) {
      throw new ConflictError(`Network namespace "${path}" already exists`);
    }
    await Deno.writeFile(path, new Uint8Array(), { mode: 0o444 });
    try {
      const extra = (["ipc", "uts"] as const).flatMap((k) =>
        also[k] === undefined ? [] : [`--${k}=${also[k]}`]
      );
      await run(["unshare", `--net=${path}`, ...extra, "true"]);
    } catch (error) {
      await Deno.remove(path);
      throw error;
    }
    return path;
  }

  /** Unmounts and deletes the namespace; does nothing when it does not exist. */
  async remove(name: string): Promise<void> {
    const path = this.path(name);
    if (await isMountedNamespace(path)) await umountBatched(path);
    await removeIfExists(path, { recursive: false });
  }

  /** Names of every file in the directory (mounted or stale). */
  async list(): Promise<string[]> {
    const entries = await readDirIfExists(this.dir);
    return entries.map((e) => e.name).filter((n) => NAME_RE.test(n)).sort();
  }
}
