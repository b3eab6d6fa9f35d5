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
import { networkProviderFor } from "./network.ts";

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
