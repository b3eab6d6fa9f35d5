/**
 * {@linkcode NodeWatcher}: the daemon's inotify, through one long-lived `inotifywait` process
 * (inotify-tools). It watches the static pod directory, conmon's exit-file directory and every
 * supervised container's log file, so that the loop sleeps in the kernel between changes
 * instead of polling:
 * - a manifest file written, renamed or removed starts a sync at once;
 * - an exit file written by conmon means a container exited;
 * - a container log file closed for writing means its conmon exited (with the container, or
 *   killed without writing an exit file): the kernel closes it even on `kill -9`.
 *
 * Only `close_write`, `create`, `moved_to`, `moved_from`, `delete`, `attrib` and the watched
 * directories' own removal are asked for: a chatty container's log writes generate no event.
 * `Deno.watchFs` is not used for the manifest directory: Deno's watcher opens every path it
 * reports, so a FIFO dropped there blocks it (and the process) for good, and a closed
 * `Deno.watchFs` keeps its inotify watches, which rules it out for a set of files that changes.
 *
 * @module
 */
import { join } from "node:path";
import { isManifestFileName } from "./static_pods.ts";

/** What the watcher watches. */
export interface WatchSet {
  /** Static pod directory (left out when it does not exist). */
  manifestDir?: string;
  /** conmon's exit-file directory. */
  exitDir: string;
  /** Container log files (conmon's `ctr.log`) by path → container id. */
  logs: ReadonlyMap<string, string>;
}

/** A change the watcher saw, by the role of the watched path. */
export type WatchChange =
  | {
    /** A static pod file changed. */
    kind: "manifest";
    /** File name in the manifest directory (empty for the directory itself). */
    name: string;
    /**
     * False for a file just created (its writer may still be writing: the caller waits a
     * moment or for the `close_write` that follows), true otherwise.
     */
    settled: boolean;
  }
  | {
    /** conmon wrote an exit file. */
    kind: "exit";
    /** Container id (the exit file's name). */
    containerId: string;
  }
  | {
    /** A container's log file was closed for writing: its conmon exited or was killed. */
    kind: "monitor";
    /** Container id. */
    containerId: string;
  }
  | {
    /** A watched directory itself was removed or moved: the watch set must be renewed. */
    kind: "gone";
    /** The directory. */
    path: string;
  };

/** One `inotifywait --format "%e %w%f"` line, split. */
export interface WatchLine {
  /** Event names (`CLOSE_WRITE`, `CLOSE`, `MOVED_TO`, `ISDIR`, ...). */
  events: string[];
  /** The path the event is about (`%w%f`: the watched path, plus the file name in a dir). */
  path: string;
}

/**
 * Splits one line of `inotifywait --format "%e %w%f"` output; undefined for a blank line.
 *
 * @example
 * ```ts
 * import { parseWatchLine } from "./node_watcher.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseWatchLine("CLOSE_WRITE,CLOSE /m/a b.yaml"), {
 *   events: ["CLOSE_WRITE", "CLOSE"],
 *   path: "/m/a b.yaml",
 * });
 * assert.equal(parseWatchLine(""), undefined);
 * ```
 */
export function parseWatchLine(line: string): WatchLine | undefined {
  const space = line.indexOf(" ");
  if (space <= 0) return undefined;
  return { events: line.slice(0, space).split(","), path: line.slice(space + 1) };
}

function parentAndName(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? ["", path] : [path.slice(0, slash), path.slice(slash + 1)];
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}

/**
 * What an event means for the daemon (pure): undefined when it means nothing (an editor's swap
 * file, a directory, an exit file removed by `rm`).
 *
 * @example
 * ```ts
 * import { classifyWatchEvent } from "./node_watcher.ts";
 * import assert from "node:assert/strict";
 * const set = { manifestDir: "/m", exitDir: "/x", logs: new Map([["/c/1/ctr.log", "1"]]) };
 * assert.deepEqual(classifyWatchEvent(set, { events: ["CLOSE_WRITE", "CLOSE"], path: "/m/web.yaml" }), {
 *   kind: "manifest", name: "web.yaml", settled: true,
 * });
 * assert.equal(classifyWatchEvent(set, { events: ["CLOSE_WRITE", "CLOSE"], path: "/m/.web.yaml.swp" }), undefined);
 * assert.deepEqual(classifyWatchEvent(set, { events: ["MOVED_TO"], path: "/x/1" }), { kind: "exit", containerId: "1" });
 * assert.deepEqual(classifyWatchEvent(set, { events: ["CLOSE_WRITE", "CLOSE"], path: "/c/1/ctr.log" }), {
 *   kind: "monitor", containerId: "1",
 * });
 * assert.deepEqual(classifyWatchEvent(set, { events: ["DELETE_SELF"], path: "/m/" }), { kind: "gone", path: "/m" });
 * ```
 */
export function classifyWatchEvent(set: WatchSet, ev: WatchLine): WatchChange | undefined {
  const has = (e: string) => ev.events.includes(e);
  const path = trimSlash(ev.path);
  if (has("DELETE_SELF") || has("MOVE_SELF")) {
    if (path === trimSlash(set.manifestDir ?? "") || path === trimSlash(set.exitDir)) {
      return { kind: "gone", path };
    }
    return undefined; // a log file removed with its container
  }
  if (has("IGNORED")) return undefined;
  const log = set.logs.get(ev.path);
  if (log !== undefined) {
    return has("CLOSE_WRITE") ? { kind: "monitor", containerId: log } : undefined;
  }
  if (has("ISDIR")) return undefined;
  const [dir, name] = parentAndName(ev.path);
  if (set.manifestDir !== undefined && dir === trimSlash(set.manifestDir)) {
    if (!isManifestFileName(name)) return undefined;
    return { kind: "manifest", name, settled: !has("CREATE") };
  }
  if (dir === trimSlash(set.exitDir)) {
    if (has("DELETE") || has("MOVED_FROM") || name.startsWith(".")) return undefined;
    return { kind: "exit", containerId: name };
  }
  return undefined;
}

/** The inotify events asked for (never `modify`: log writes must not wake anyone). */
export const WATCH_EVENTS: readonly string[] = [
  "close_write",
  "create",
  "moved_to",
  "moved_from",
  "delete",
  "attrib",
  "delete_self",
  "move_self",
];

/** A key that differs when the watch set differs. */
function setKey(set: WatchSet): string {
  return JSON.stringify([set.manifestDir ?? "", set.exitDir, [...set.logs.keys()].sort()]);
}

interface Running {
  child: Deno.ChildProcess;
  set: WatchSet;
  key: string;
  stopping: boolean;
  done: Promise<void>;
}

/**
 * The daemon's inotify through `inotifywait -m`. {@linkcode NodeWatcher.watch} (re)starts it for
 * a watch set: the new process is up (its watches established) before the old one is stopped,
 * so no change falls in between. `onChange` receives every meaningful event; `onLost` is called
 * once when the process ends without being asked to (the daemon then polls again).
 */
export class NodeWatcher {
  readonly #binary: string;
  readonly #onChange: (c: WatchChange) => void;
  readonly #onLost: (reason: string) => void;
  #current: Running | undefined;

  /** Creates a watcher (nothing runs until {@linkcode NodeWatcher.watch}). */
  constructor(
    onChange: (c: WatchChange) => void,
    onLost: (reason: string) => void,
    binary = "inotifywait",
  ) {
    this.#onChange = onChange;
    this.#onLost = onLost;
    this.#binary = binary;
  }

  /** True while an `inotifywait` process watches. */
  get active(): boolean {
    return this.#current !== undefined && !this.#current.stopping;
  }

  /**
   * Watches `set`: starts `inotifywait` (or a new one when the set changed) and resolves once
   * its watches are established. Throws when it cannot be started (not installed, a path that
   * does not exist); the previous process, if any, then keeps watching.
   */
  async watch(set: WatchSet): Promise<void> {
    const key = setKey(set);
    if (this.#current && !this.#current.stopping && this.#current.key === key) return;
    const next = await this.#spawn(set, key);
    const old = this.#current;
    this.#current = next;
    if (old) await this.#end(old);
  }

  /** Stops watching. Idempotent. */
  async stop(): Promise<void> {
    const cur = this.#current;
    this.#current = undefined;
    if (cur) await this.#end(cur);
  }

  async #end(r: Running): Promise<void> {
    r.stopping = true;
    try {
      r.child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await r.done;
  }

  async #spawn(set: WatchSet, key: string): Promise<Running> {
    const paths = [set.exitDir, ...set.logs.keys()];
    if (set.manifestDir !== undefined) paths.unshift(set.manifestDir);
    const child = new Deno.Command(this.#binary, {
      args: [
        "-m",
        "--format",
        "%e %w%f",
        ...WATCH_EVENTS.flatMap((e) => ["-e", e]),
        "--",
        ...paths,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const r: Running = { child, set, key, stopping: false, done: Promise.resolve() };
    let established: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      established = resolve;
      failed = reject;
    });
    let stderr = "";
    const readErr = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of child.stderr) {
        stderr += dec.decode(chunk, { stream: true });
        if (stderr.includes("Watches established.")) established();
        if (stderr.length > 8192) stderr = stderr.slice(-4096);
      }
    })();
    const readOut = (async () => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of child.stdout) {
        buf += dec.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = parseWatchLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          if (!line || r.stopping) continue;
          const change = classifyWatchEvent(set, line);
          if (change) this.#onChange(change);
        }
      }
    })();
    r.done = (async () => {
      const status = await child.status;
      await Promise.allSettled([readErr, readOut]);
      const why = `${this.#binary} exited (${status.signal ?? status.code}): ${
        stderr.replace(/Setting up watches\.\s*|Watches established\.\s*/g, "").trim() ||
        "no message"
      }`;
      failed(new Error(why));
      if (!r.stopping && this.#current === r) {
        this.#current = undefined;
        this.#onLost(why);
      }
    })();
    await ready;
    return r;
  }
}

/** The log file conmon writes for a container whose state directory is `stateDir`. */
export function containerLogPath(stateDir: string): string {
  return join(stateDir, "ctr.log");
}
