/**
 * Private helpers shared by the container operations: the files of a container's state
 * directory, waiting for an exit, and destroying the runtime side of a container.
 *
 * @module
 */
import { join } from "../path.ts";
import { removeCgroup } from "../cgroup/cgroup_dirs.ts";
export { containerCgroupPath as cgroupPathOf } from "../cgroup/cgroup_path.ts";
import { removeIfExists } from "../fs.ts";
/** Removes a directory tree when present (the one helper of `../fs.ts`). */
export { removeIfExists } from "../fs.ts";
import { type ExitInfo, killProcessTree, processTable } from "../runtime/conmon.ts";
import type { Engine } from "./engine.ts";

/** Files in a container's state directory. */
export interface StateFiles {
  /** Generated OCI config (the state dir is the runtime's bundle). */
  config: string;
  /** CRI-format log written by conmon. */
  log: string;
  /** Init pid written by the runtime. */
  pid: string;
  /** conmon's pid. */
  monitorPid: string;
  /** The runtime's own error log. */
  runtimeLog: string;
}

/** The files of a state dir. */
export function stateFiles(stateDir: string): StateFiles {
  return {
    config: join(stateDir, "config.json"),
    log: join(stateDir, "ctr.log"),
    pid: join(stateDir, "pid"),
    monitorPid: join(stateDir, "conmon.pid"),
    runtimeLog: join(stateDir, "runtime.log"),
  };
}

/** Polls the exit file until it appears or `timeoutMs` passes. */
export async function waitForExit(
  engine: Engine,
  id: string,
  timeoutMs: number,
): Promise<ExitInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2;; delay = Math.min(delay * 2, 50)) {
    const exit = await engine.monitor.readExit(engine.paths.exitDir, id);
    if (exit) return exit;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * Kills every monitor (conmon) of container `id` that writes its exit file into `exitDir`, with
 * the runtime processes under it: what a create killed half way may have left running. Returns
 * the pids killed.
 */
export async function killMonitorsOf(id: string, exitDir: string): Promise<number[]> {
  const killed: number[] = [];
  for (const p of await processTable()) {
    const words = p.args.split(/\s+/);
    if (words[0]?.split("/").pop() !== "conmon") continue;
    const after = (flag: string) => {
      const i = words.indexOf(flag);
      return i < 0 ? undefined : words[i + 1];
    };
    if (after("-c") === id && after("--exit-dir") === exitDir) {
      killed.push(...await killProcessTree(p.pid));
    }
  }
  return killed;
}

/**
 * Deletes the runtime container (killing it), waits for its monitor to record the exit (when
 * the container was ever created, so the exit file is not written after we removed it), then
 * removes the cgroup, the exit file and the attach socket entry. A container never recorded
 * as created may still have a monitor (its create was killed half way): it is killed first.
 * Idempotent.
 */
export async function destroyRuntimeContainer(
  engine: Engine,
  id: string,
  cgroupsPath: string,
  wasCreated: boolean,
  removeCgroupDir = true,
): Promise<void> {
  if (!wasCreated) await killMonitorsOf(id, engine.paths.exitDir);
  await engine.runtime.delete(id, { force: true });
  if (wasCreated) await waitForExit(engine, id, 5_000);
  if (removeCgroupDir) await removeCgroup(cgroupsPath);
  await removeIfExists(join(engine.paths.exitDir, id));
  await removeIfExists(join(engine.paths.socketDir, id));
}
