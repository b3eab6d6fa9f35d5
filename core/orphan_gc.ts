/**
 * Garbage collection of what belongs to no record: monitor (conmon) and runtime processes
 * started for this state root whose container has no record (a create killed half way, a
 * runtime blocked forever), runtime containers the database does not know, and container or
 * pod state directories without a record (a removal that failed after the record went).
 * A pure planner ({@linkcode planOrphanGc}) and an executor ({@linkcode collectOrphans}).
 *
 * @module
 */
import { join } from "./path.ts";
import type { Engine } from "./container/engine.ts";
import { isMountPoint } from "./rootfs.ts";
import { run } from "./exec.ts";
import { killProcessTree, type ProcessEntry, processTable } from "./runtime/conmon.ts";
import { listSandboxRecords } from "./pod/pod_store.ts";
import { listContainerRecords } from "./store/containers.ts";
import { containerCgroupPath, removeCgroup } from "./cgroup/mod.ts";
import { unpinNamespaces } from "./pod/pod_namespaces.ts";

/** One thing to release. */
export type OrphanAction =
  | { kind: "killProcess"; pid: number; id: string; what: "monitor" | "runtime" }
  | { kind: "deleteRuntimeContainer"; id: string }
  | { kind: "removeStateDir"; path: string; owner: "container" | "pod" };

/** What the planner looks at. */
export interface OrphanFacts {
  /** Ids of container records and pod sandbox records. */
  knownIds: ReadonlySet<string>;
  /** The host's process table. */
  processes: readonly ProcessEntry[];
  /** Ids the runtime lists under this state root. */
  runtimeIds: readonly string[];
  /** Names of the entries of the containers directory. */
  containerDirs: readonly string[];
  /** Names of the entries of the pods directory. */
  podDirs: readonly string[];
  /** This root's exit directory (conmon's `--exit-dir`). */
  exitDir: string;
  /** This root's runtime state directory (the runtime's `--root`). */
  runtimeRoot: string;
  /** Absolute containers and pods directories. */
  containersDir: string;
  /** Absolute pods directory. */
  podsDir: string;
}

function tokens(args: string): string[] {
  return args.split(/\s+/).filter(Boolean);
}

function optionValue(words: readonly string[], name: string): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === name) return words[i + 1];
    if (w.startsWith(`${name}=`)) return w.slice(name.length + 1);
  }
  return undefined;
}

/**
 * Plans what to release. A conmon process belongs to this root when its `--exit-dir` is the
 * root's exit directory; its container id is its `-c`. A runtime process belongs to it when
 * its `--root` is the root's runtime directory; its id is its last argument. Either is an orphan
 * when no record has that id (a record is written before anything is started, so a create in
 * progress is never taken for one).
 *
 * @example
 * ```ts
 * import { planOrphanGc } from "./orphan_gc.ts";
 * import assert from "node:assert/strict";
 * const actions = planOrphanGc({
 *   knownIds: new Set(["live"]),
 *   processes: [
 *     { pid: 10, ppid: 1, args: "/usr/bin/conmon --api-version 1 -c gone -u gone --exit-dir /r/exits" },
 *     { pid: 11, ppid: 10, args: "/usr/sbin/runc --root=/r/runtime create --bundle /b gone" },
 *     { pid: 12, ppid: 1, args: "/usr/bin/conmon --api-version 1 -c live --exit-dir /r/exits" },
 *     { pid: 13, ppid: 1, args: "/usr/bin/conmon --api-version 1 -c other --exit-dir /elsewhere" },
 *   ],
 *   runtimeIds: ["live", "ghost"], containerDirs: ["live", "stale"], podDirs: [],
 *   exitDir: "/r/exits", runtimeRoot: "/r/runtime", containersDir: "/r/c", podsDir: "/r/p",
 * });
 * assert.deepEqual(actions, [
 *   { kind: "killProcess", pid: 10, id: "gone", what: "monitor" },
 *   { kind: "killProcess", pid: 11, id: "gone", what: "runtime" },
 *   { kind: "deleteRuntimeContainer", id: "ghost" },
 *   { kind: "removeStateDir", path: "/r/c/stale", owner: "container" },
 * ]);
 * ```
 */
export function planOrphanGc(facts: OrphanFacts): OrphanAction[] {
  const actions: OrphanAction[] = [];
  for (const p of facts.processes) {
    const words = tokens(p.args);
    const program = words[0]?.split("/").pop() ?? "";
    if (program === "conmon" && optionValue(words, "--exit-dir") === facts.exitDir) {
      const id = optionValue(words, "-c");
      if (id !== undefined && !facts.knownIds.has(id)) {
        actions.push({ kind: "killProcess", pid: p.pid, id, what: "monitor" });
      }
    } else if (optionValue(words, "--root") === facts.runtimeRoot && words.length > 2) {
      const id = words[words.length - 1]!;
      if (!facts.knownIds.has(id)) {
        actions.push({ kind: "killProcess", pid: p.pid, id, what: "runtime" });
      }
    }
  }
  for (const id of facts.runtimeIds) {
    if (!facts.knownIds.has(id)) actions.push({ kind: "deleteRuntimeContainer", id });
  }
  for (const name of facts.containerDirs) {
    if (!facts.knownIds.has(name)) {
      actions.push({
        kind: "removeStateDir",
        path: join(facts.containersDir, name),
        owner: "container",
      });
    }
  }
  for (const name of facts.podDirs) {
    if (!facts.knownIds.has(name)) {
      actions.push({ kind: "removeStateDir", path: join(facts.podsDir, name), owner: "pod" });
    }
  }
  return actions;
}

async function dirNames(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.isDirectory).map((e) =>
      e.name
    );
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** Unmounts every mount point at or below `dir` (deepest first), then removes the tree. */
async function removeTree(dir: string): Promise<void> {
  const mounts: string[] = [];
  const walk = async (d: string, depth: number) => {
    if (await isMountPoint(d)) mounts.push(d);
    if (depth > 4) return;
    for (const name of await dirNames(d)) await walk(join(d, name), depth + 1);
  };
  await walk(dir, 0);
  for (const m of mounts.reverse()) await run(["umount", m]);
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

/** What {@linkcode collectOrphans} did, one line per released thing. */
export interface OrphanGcReport {
  /** Human-readable lines, e.g. `killed orphan monitor 1234 of container abc`. */
  details: string[];
}

/**
 * Plans ({@linkcode planOrphanGc}) and releases what belongs to no record: kills orphan monitor
 * and runtime process trees, deletes unknown runtime containers (and their cgroups), removes
 * state directories without a record (unmounting what is mounted in them first).
 *
 * @example
 * ```ts ignore
 * import { collectOrphans } from "./orphan_gc.ts";
 * console.log((await collectOrphans(engine)).details.join("\n"));
 * ```
 */
export async function collectOrphans(engine: Engine): Promise<OrphanGcReport> {
  const { paths } = engine;
  const podsDir = join(paths.dataDir, "pods");
  // Read the records last: anything started before is then either recorded or an orphan.
  const [processes, runtime, containerDirs, podDirs] = await Promise.all([
    processTable(),
    engine.runtime.list(),
    dirNames(paths.containersDir),
    dirNames(podsDir),
  ]);
  const knownIds = new Set([
    ...listContainerRecords(engine.db, {}).map((r) => r.id),
    ...listSandboxRecords(engine.db).map((r) => r.id),
  ]);
  const actions = planOrphanGc({
    knownIds,
    processes,
    runtimeIds: runtime.map((s) => s.id),
    containerDirs,
    podDirs,
    exitDir: paths.exitDir,
    runtimeRoot: paths.runtimeRoot,
    containersDir: paths.containersDir,
    podsDir,
  });
  const details: string[] = [];
  for (const a of actions) {
    switch (a.kind) {
      case "killProcess":
        if ((await killProcessTree(a.pid)).length > 0) {
          details.push(`killed orphan ${a.what} process ${a.pid} of container ${a.id}`);
        }
        break;
      case "deleteRuntimeContainer":
        await engine.runtime.delete(a.id, { force: true });
        await removeCgroup(containerCgroupPath(a.id, undefined));
        details.push(`deleted runtime container ${a.id} (no record)`);
        break;
      case "removeStateDir":
        // A pod's pinned namespaces are mounted files, which removeTree does not look for.
        if (a.owner === "pod") await unpinNamespaces(a.path);
        await removeTree(a.path);
        details.push(`removed ${a.owner} state dir ${a.path} (no record)`);
        break;
    }
  }
  return { details };
}
