/**
 * The CNI runtime: runs a network configuration list's plugins for ADD (in order, chaining
 * `prevResult`), DEL (in reverse, with the cached result) and CHECK, as in the CNI 1.0
 * specification.
 *
 * @module
 */
import { StepRunner } from "../core/step_runner.ts";
import { type PluginExecutor, requirePlugin } from "./cni_exec.ts";
import { cniEnv, type CniRuntimeArgs, defaultCniPath, pluginStdin } from "./cni_env.ts";
import { parsePluginStdout, pluginFailure } from "./cni_result.ts";
import type { CniCommand, CniNetworkConfigList, CniResult, CniRuntimeConfig } from "./cni_types.ts";
import { CniPluginError } from "./cni_plugin_error.ts";
import { traced } from "../core/trace.ts";

/** Options of {@linkcode CniRuntime}. */
export interface CniRuntimeOptions {
  /** Plugin directories (default `/opt/cni/bin:/usr/lib/cni`). */
  cniPath?: readonly string[];
  /** Plugin executor (the host's by default). */
  executor: PluginExecutor;
  /** `PATH` given to plugins. */
  pluginPath?: string;
}

/**
 * Executes CNI plugins for network configuration lists.
 *
 * @example
 * ```ts
 * import { CniRuntime } from "./cni_runtime.ts";
 * import assert from "node:assert/strict";
 * const seen: string[] = [];
 * const rt = new CniRuntime({ executor: {
 *   find: (t) => Promise.resolve(`/fake/${t}`),
 *   exec: (p, env, stdin) => {
 *     seen.push(`${env.CNI_COMMAND} ${p} prev=${"prevResult" in JSON.parse(stdin)}`);
 *     return Promise.resolve({ code: 0, stdout: '{"cniVersion":"1.0.0"}', stderr: "" });
 *   },
 * } });
 * const list = { name: "n", cniVersion: "1.0.0", disableCheck: false, file: "", raw: {},
 *   plugins: [{ type: "a", raw: { type: "a" } }, { type: "b", raw: { type: "b" } }] };
 * await rt.add(list, { containerId: "c", netns: "/ns", ifName: "eth0" }, {});
 * assert.deepEqual(seen, ["ADD /fake/a prev=false", "ADD /fake/b prev=true"]);
 * ```
 */
export class CniRuntime {
  readonly #cniPath: readonly string[];
  readonly #executor: PluginExecutor;
  readonly #pluginPath: string | undefined;

  /** Creates a runtime. */
  constructor(opts: CniRuntimeOptions) {
    this.#cniPath = opts.cniPath ?? defaultCniPath;
    this.#executor = opts.executor;
    this.#pluginPath = opts.pluginPath;
  }

  /** The plugin directories searched. */
  get cniPath(): readonly string[] {
    return this.#cniPath;
  }

  async #invoke(
    command: CniCommand,
    list: CniNetworkConfigList,
    index: number,
    rt: CniRuntimeArgs,
    prevResult: CniResult | undefined,
    runtimeConfig: CniRuntimeConfig,
  ): Promise<CniResult | undefined> {
    const plugin = list.plugins[index]!;
    const src = { plugin: plugin.type, command, network: list.name };
    const path = await requirePlugin(this.#executor, plugin.type, this.#cniPath, src);
    const stdin = JSON.stringify(pluginStdin(list, plugin, prevResult, runtimeConfig));
    const env = cniEnv(command, rt, this.#cniPath, this.#pluginPath);
    let out;
    try {
      out = await traced(
        `cni ${plugin.type} ${command}`,
        () => this.#executor.exec(path, env, stdin),
      );
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) {
        throw new CniPluginError({
          ...src,
          code: 0,
          msg: `not permitted to run ${path} (add it to Deno's --allow-run)`,
        }, { cause: error });
      }
      throw error;
    }
    if (out.code !== 0) throw pluginFailure(out.stdout, out.stderr, out.code, src);
    if (command !== "ADD") return undefined;
    return parsePluginStdout(out.stdout, src);
  }

  /**
   * Runs ADD for every plugin in order, each getting the previous plugin's result, and returns
   * the last result. On failure it throws the plugin's error; the caller runs
   * {@linkcode CniRuntime.del} (registered before calling this) to undo the plugins that ran.
   */
  async add(
    list: CniNetworkConfigList,
    rt: CniRuntimeArgs,
    runtimeConfig: CniRuntimeConfig,
    onResult?: (partial: CniResult) => Promise<void>,
  ): Promise<CniResult> {
    let prev: CniResult | undefined;
    for (let i = 0; i < list.plugins.length; i++) {
      prev = await this.#invoke("ADD", list, i, rt, prev, runtimeConfig);
      // Lets the caller cache each plugin's result, so that a DEL after a failure half way
      // tells the plugins what was set up (e.g. the addresses the firewall plugin allowed).
      if (prev && onResult) await onResult(prev);
    }
    return prev ?? { cniVersion: list.cniVersion, interfaces: [], ips: [], routes: [], dns: {} };
  }

  /**
   * Runs DEL for every plugin in reverse order with the cached ADD result (if any). Every
   * plugin runs even when an earlier one fails; failures are thrown together. `rt.netns` may be
   * empty when the namespace is already gone (plugins then release what they can, e.g. IPs).
   */
  async del(
    list: CniNetworkConfigList,
    rt: CniRuntimeArgs,
    runtimeConfig: CniRuntimeConfig,
    prevResult: CniResult | undefined,
  ): Promise<void> {
    const steps = new StepRunner();
    for (let i = list.plugins.length - 1; i >= 0; i--) {
      await steps.run(
        `CNI DEL ${list.plugins[i]!.type} (${list.name})`,
        () => this.#invoke("DEL", list, i, rt, prevResult, runtimeConfig),
      );
    }
    // One failing plugin is reported as the plugin's own error (its CNI code and message).
    const only = steps.failures.length === 1 ? steps.failures[0]!.error : undefined;
    if (only instanceof CniPluginError) throw only;
    steps.throwIfFailed();
  }

  /**
   * Runs CHECK for every plugin in order with the cached result. Skipped when the list sets
   * `disableCheck` or is older than CNI 0.4.0. Returns false when skipped.
   */
  async check(
    list: CniNetworkConfigList,
    rt: CniRuntimeArgs,
    runtimeConfig: CniRuntimeConfig,
    prevResult: CniResult,
  ): Promise<boolean> {
    if (list.disableCheck || ["0.3.0", "0.3.1"].includes(list.cniVersion)) return false;
    for (let i = 0; i < list.plugins.length; i++) {
      await this.#invoke("CHECK", list, i, rt, prevResult, runtimeConfig);
    }
    return true;
  }
}
