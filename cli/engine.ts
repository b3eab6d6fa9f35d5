/**
 * The one place where the CLI builds its container engine: state paths from `--root`, the OCI
 * runtime from `--runtime`/`RKL_RUNTIME`/PATH, conmon, and (wired here) the network provider.
 *
 * @module
 */
import { type Engine, openEngine } from "../core/container/engine.ts";
import { rklPaths } from "../core/paths.ts";
import { CliRuntime, resolveRuntime } from "../core/runtime/oci_runtime.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import { CniNetworkProvider } from "../net/cni_network_provider.ts";
import { parseCniPath } from "../net/cni_env.ts";

/**
 * The network provider for one CLI invocation: state under `--root`, plugins on `CNI_PATH`.
 *
 * @example
 * ```ts
 * import { networkProviderFor } from "./engine.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const net = networkProviderFor(io, { root: "/tmp/r", runtime: undefined });
 * assert.equal(net.netns.dir, "/tmp/r/run/netns");
 * ```
 */
export function networkProviderFor(io: CliIo, globals: GlobalOptions): CniNetworkProvider {
  return new CniNetworkProvider({
    paths: rklPaths(globals.root),
    root: globals.root,
    cniPath: parseCniPath(io.env.CNI_PATH),
  });
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
  const resolved = await resolveRuntime(globals.runtime, { PATH: io.env.PATH });
  const runtime = new CliRuntime({
    binary: resolved.binary,
    root: paths.runtimeRoot,
    name: resolved.name,
  });
  return await openEngine({ paths, runtime, network: networkProviderFor(io, globals) });
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
