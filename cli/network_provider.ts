/**
 * The CNI network provider the CLI wires into its engine (`engine.ts` imports this module on
 * the first network operation: listing and inspecting never load `net/`).
 *
 * @module
 */
import type { CliIo, GlobalOptions } from "./context.ts";
import { rklPaths } from "../core/paths.ts";
import { CniNetworkProvider } from "../net/cni_network_provider.ts";
import { parseCniPath } from "../net/cni_env.ts";

/**
 * The network provider for one CLI invocation: state under `--root`, plugins on `CNI_PATH`.
 *
 * @example
 * ```ts
 * import { networkProviderFor } from "./network_provider.ts";
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
