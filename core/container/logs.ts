/**
 * `containerLogs` and `followLogs`: read conmon's CRI-format log of a container.
 *
 * @module
 */
import { readFileIfExists } from "../fs.ts";
import { type LogLine, parseCriLog } from "../runtime/cri_log.ts";
import { type ContainerRecord, findContainer } from "../store/containers.ts";
import { stateFiles } from "./_files.ts";
import type { Engine } from "./engine.ts";
import { inspectRecord } from "./inspect.ts";

async function readLog(rec: ContainerRecord): Promise<Uint8Array> {
  return await readFileIfExists(stateFiles(rec.stateDir).log) ?? new Uint8Array();
}

/**
 * Every log line of the container `ref` so far.
 *
 * @example
 * ```ts ignore
 * import { containerLogs } from "./logs.ts";
 * for (const l of await containerLogs(engine, "web")) console.log(l.stream, l.text);
 * ```
 */
export async function containerLogs(engine: Engine, ref: string): Promise<LogLine[]> {
  const rec = findContainer(engine.db, ref);
  return parseCriLog(new TextDecoder().decode(await readLog(rec)));
}

/**
 * Where a pod keeps the log of a container's previous instance, in its sandbox's state directory
 * `podStateDir`: the kubelet keeps one dead container per container for `kubectl logs
 * --previous`; rk8s removes a restarted container and keeps its log here instead.
 */
export function previousLogPath(podStateDir: string, container: string): string {
  return `${podStateDir}/previous/${container}.log`;
}

/**
 * Moves the log of `rec` (a container about to be removed for its restart) to
 * {@linkcode previousLogPath}, replacing the one kept before. Best effort: a missing log keeps
 * nothing.
 */
export async function keepPreviousLog(
  podStateDir: string,
  container: string,
  rec: ContainerRecord,
): Promise<void> {
  const to = previousLogPath(podStateDir, container);
  try {
    await Deno.mkdir(`${podStateDir}/previous`, { recursive: true });
    await Deno.rename(stateFiles(rec.stateDir).log, to);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * The log lines of a container's previous instance in the pod whose sandbox state directory is
 * `podStateDir`, or undefined when none was kept (it never restarted).
 */
export async function previousContainerLogs(
  podStateDir: string,
  container: string,
): Promise<LogLine[] | undefined> {
  const bytes = await readFileIfExists(previousLogPath(podStateDir, container));
  return bytes ? parseCriLog(new TextDecoder().decode(bytes)) : undefined;
}

/** Options of {@linkcode followLogs}. */
export interface FollowOptions {
  /** Stop following when aborted. */
  signal?: AbortSignal;
  /** Poll interval in ms (default 100). */
  intervalMs?: number;
}

/**
 * Calls `onLines` with the lines already logged, then with new complete lines as they are
 * written, until the container is no longer running (or `signal` aborts).
 */
export async function followLogs(
  engine: Engine,
  ref: string,
  onLines: (lines: LogLine[]) => void,
  opts: FollowOptions = {},
): Promise<void> {
  const rec = findContainer(engine.db, ref);
  const decoder = new TextDecoder();
  let offset = 0;
  let carry = "";
  const drain = async () => {
    const bytes = await readLog(rec);
    if (bytes.length <= offset) return;
    const text = carry + decoder.decode(bytes.subarray(offset));
    offset = bytes.length;
    const cut = text.lastIndexOf("\n") + 1;
    carry = text.slice(cut);
    const lines = parseCriLog(text.slice(0, cut));
    if (lines.length > 0) onLines(lines);
  };
  for (;;) {
    await drain();
    if (opts.signal?.aborted) return;
    const view = await inspectRecord(engine, rec);
    if (view.status !== "running" && view.status !== "created") {
      await drain();
      return;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
