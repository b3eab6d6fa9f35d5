/**
 * The one place where the CLI builds its container engine: state paths from `--root`, the OCI
 * runtime from `--runtime`/`RKL_RUNTIME`/PATH, conmon, and (wired here) the network provider.
 *
 * @module
 */
import { type Engine, openEngine } from "../core/container/engine.ts";
import { rklPaths } from "../core/paths.ts";
import {
  CliRuntime,
  type ExecProcess,
  type ExecResult,
  type ExecStdio,
  type OciRuntime,
  resolveRuntime,
  resolveRuntimeSync,
  type RuntimeState,
} from "../core/runtime/oci_runtime.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import type {
  NetworkAttachment,
  NetworkAttachRequest,
  NetworkGcReport,
  NetworkProvider,
  PendingNetworkAttachment,
} from "../core/network.ts";
import type { UndoStack } from "../core/undo.ts";
import { lazyImport } from "../core/lazy_import.ts";

/**
 * A network provider that imports the CNI provider (`net/`, dozens of modules) on its first
 * call, so that commands which never attach or release a network do not load it.
 */
class LazyNetworkProvider implements NetworkProvider {
  #provider: Promise<NetworkProvider> | undefined;
  readonly #io: CliIo;
  readonly #globals: GlobalOptions;
  constructor(io: CliIo, globals: GlobalOptions) {
    this.#io = io;
    this.#globals = globals;
  }
  #get(): Promise<NetworkProvider> {
    return this.#provider ??= lazyImport<typeof import("./network_provider.ts")>(
      new URL("./network_provider.ts", import.meta.url),
    ).then((m) => m.networkProviderFor(this.#io, this.#globals));
  }
  async attach(req: NetworkAttachRequest, undo: UndoStack): Promise<NetworkAttachment> {
    return await (await this.#get()).attach(req, undo);
  }
  // The namespace now, CNI ADD in the background (pods and containers are created meanwhile):
  // without it every sandbox waited for CNI ADD before creating anything.
  async attachInBackground(
    req: NetworkAttachRequest,
    undo: UndoStack,
  ): Promise<PendingNetworkAttachment> {
    const provider = await this.#get();
    if (provider.attachInBackground) return await provider.attachInBackground(req, undo);
    const a = await provider.attach(req, undo);
    return { ...a, ready: Promise.resolve(a) };
  }
  async detach(id: string): Promise<void> {
    return await (await this.#get()).detach(id);
  }
  async gc(liveIds: ReadonlySet<string>): Promise<NetworkGcReport> {
    return await (await this.#get()).gc(liveIds);
  }
}

/**
 * The runtime found on PATH (youki, runc, crun), looked for when it is first used: commands that
 * only read state (`rkl c list`, `rkl pod list`) usually never call it, and the search is most
 * of what opening the engine costs (a dozen failed `stat`s; the first error a Deno process
 * builds costs milliseconds). A runtime named with `--runtime`/`RKL_RUNTIME` is still checked at
 * once, so that a wrong name is reported by every command.
 */
class AutoDetectedRuntime implements OciRuntime {
  #runtime: CliRuntime | undefined;
  readonly #path: string | undefined;
  /** `--root` directory. */
  readonly root: string;
  constructor(root: string, path: string | undefined) {
    this.root = root;
    this.#path = path;
  }
  #get(): CliRuntime {
    if (this.#runtime) return this.#runtime;
    const found = resolveRuntimeSync(undefined, { PATH: this.#path });
    return this.#runtime = new CliRuntime({
      binary: found.binary,
      root: this.root,
      name: found.name,
    });
  }
  get name(): string {
    return this.#get().name;
  }
  get binary(): string {
    return this.#get().binary;
  }
  globalArgs(): string[] {
    return ["--root", this.root];
  }
  async start(id: string): Promise<void> {
    return await this.#get().start(id);
  }
  async kill(id: string, signal: string | number, opts?: { all?: boolean }): Promise<void> {
    return await this.#get().kill(id, signal, opts);
  }
  async delete(id: string, opts?: { force?: boolean }): Promise<void> {
    return await this.#get().delete(id, opts);
  }
  async state(id: string): Promise<RuntimeState | undefined> {
    return await this.#get().state(id);
  }
  async list(): Promise<RuntimeState[]> {
    return await this.#get().list();
  }
  async exec(
    id: string,
    process: ExecProcess,
    opts?: { stdio?: ExecStdio; timeoutMs?: number },
  ): Promise<ExecResult> {
    return await this.#get().exec(id, process, opts);
  }
}

/**
 * Opens the engine for one CLI invocation. Close it with `engine.close()`.
 *
 * @example
 * ```ts ignore
 * import { engineFor } from "./engine.ts";
 * const engine = await engineFor(io, globals());
 * try { ... } finally { engine.close(); }
 * ```
 */
export async function engineFor(io: CliIo, globals: GlobalOptions): Promise<Engine> {
  const paths = rklPaths(globals.root);
  let runtime: OciRuntime;
  if (globals.runtime) {
    const resolved = await resolveRuntime(globals.runtime, { PATH: io.env.PATH });
    runtime = new CliRuntime({
      binary: resolved.binary,
      root: paths.runtimeRoot,
      name: resolved.name,
    });
  } else runtime = new AutoDetectedRuntime(paths.runtimeRoot, io.env.PATH);
  return await openEngine({ paths, runtime, network: new LazyNetworkProvider(io, globals) });
}

/**
 * Opens the engine for one CLI invocation, runs `fn` with it and closes it, also when `fn`
 * throws.
 *
 * @example
 * ```ts ignore
 * import { withEngine } from "./engine.ts";
 * const views = await withEngine(io, globals, (e) => listContainers(e, { owner: null }));
 * ```
 */
export async function withEngine<T>(
  io: CliIo,
  globals: () => GlobalOptions,
  fn: (engine: Engine) => Promise<T>,
): Promise<T> {
  const engine = await engineFor(io, globals());
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}

/**
 * Applies `op` to each name or id in `refs`, in order, with one engine, and prints the name `op`
 * returns (one line each, as soon as it is done). The first failure stops the loop.
 *
 * @example
 * ```ts ignore
 * import { withEngineEach } from "./engine.ts";
 * await withEngineEach(io, globals, refs, async (e, ref) => (await startContainer(e, ref)).name);
 * ```
 */
export async function withEngineEach(
  io: CliIo,
  globals: () => GlobalOptions,
  refs: readonly string[],
  op: (engine: Engine, ref: string) => Promise<string>,
): Promise<void> {
  await withEngine(io, globals, async (e) => {
    for (const ref of refs) io.stdout(`${await op(e, ref)}\n`);
  });
}
