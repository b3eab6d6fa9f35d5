/**
 * The environment a CNI plugin runs with, and the JSON it reads on stdin.
 *
 * @module
 */
import type {
  CniCommand,
  CniNetworkConfigList,
  CniPluginConf,
  CniResult,
  CniRuntimeConfig,
} from "./cni_types.ts";

/** Default plugin search path (CNI convention, then Debian's package location). */
export const defaultCniPath: readonly string[] = ["/opt/cni/bin", "/usr/lib/cni"];

/** Default `PATH` for plugins that execute host tools (iptables, ip). */
export const defaultPluginPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** What identifies one attachment of a sandbox to a network. */
export interface CniRuntimeArgs {
  /** `CNI_CONTAINERID`. */
  containerId: string;
  /** `CNI_NETNS`: path of the network namespace, empty when it is gone (DEL only). */
  netns: string;
  /** `CNI_IFNAME`, e.g. `eth0`. */
  ifName: string;
  /** `CNI_ARGS` as key/value pairs (`K8S_POD_NAME`, ...). */
  args?: Readonly<Record<string, string>>;
}

/**
 * Builds the environment of one plugin invocation. Only these variables are passed (plus
 * `PATH`), so nothing from rkl's own environment leaks to plugins.
 *
 * @example
 * ```ts
 * import { cniEnv } from "./cni_env.ts";
 * import assert from "node:assert/strict";
 * const env = cniEnv("ADD", { containerId: "c1", netns: "/run/rkl/netns/c1", ifName: "eth0",
 *   args: { K8S_POD_NAME: "web" } }, ["/usr/lib/cni"], "/usr/bin");
 * assert.equal(env.CNI_COMMAND, "ADD");
 * assert.equal(env.CNI_ARGS, "IgnoreUnknown=1;K8S_POD_NAME=web");
 * assert.equal(env.CNI_PATH, "/usr/lib/cni");
 * ```
 */
export function cniEnv(
  command: CniCommand,
  rt: CniRuntimeArgs,
  cniPath: readonly string[],
  path: string = defaultPluginPath,
): Record<string, string> {
  const args = Object.entries(rt.args ?? {});
  for (const [k, v] of args) {
    if (/[;=]/.test(k) || v.includes(";")) {
      throw new TypeError(`CNI_ARGS entry "${k}=${v}" must not contain ";" or "=" in the key`);
    }
  }
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_ARGS: [["IgnoreUnknown", "1"], ...args].map(([k, v]) => `${k}=${v}`).join(";"),
    CNI_PATH: cniPath.join(":"),
    PATH: path,
  };
}

/**
 * The configuration one plugin of a list reads on stdin: its own keys plus the list's `name`
 * and `cniVersion`, the previous plugin's result, and the `runtimeConfig` entries for the
 * capabilities it declares (and only those).
 *
 * @example
 * ```ts
 * import { pluginStdin } from "./cni_env.ts";
 * import assert from "node:assert/strict";
 * const list = { name: "n", cniVersion: "1.0.0", disableCheck: false, file: "", raw: {}, plugins: [] };
 * const portmap = { type: "portmap", capabilities: { portMappings: true }, raw: { type: "portmap", capabilities: { portMappings: true } } };
 * const conf = pluginStdin(list, portmap, undefined, {
 *   portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
 * });
 * assert.equal(conf.name, "n");
 * assert.deepEqual(conf.runtimeConfig, { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] });
 * ```
 */
export function pluginStdin(
  list: CniNetworkConfigList,
  plugin: CniPluginConf,
  prevResult: CniResult | undefined,
  runtimeConfig: CniRuntimeConfig,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin.raw };
  conf.name = list.name;
  conf.cniVersion = list.cniVersion;
  delete conf.runtimeConfig;
  const rc: Record<string, unknown> = {};
  for (const [cap, wanted] of Object.entries(plugin.capabilities ?? {})) {
    const value = (runtimeConfig as Record<string, unknown>)[cap];
    if (wanted && value !== undefined) rc[cap] = value;
  }
  if (Object.keys(rc).length > 0) conf.runtimeConfig = rc;
  if (prevResult) conf.prevResult = prevResult;
  else delete conf.prevResult;
  return conf;
}

/**
 * Splits a `CNI_PATH`-style string.
 *
 * @example
 * ```ts
 * import { parseCniPath } from "./cni_env.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseCniPath("/a::/b"), ["/a", "/b"]);
 * assert.deepEqual(parseCniPath(undefined), ["/opt/cni/bin", "/usr/lib/cni"]);
 * ```
 */
export function parseCniPath(value: string | undefined): string[] {
  const dirs = (value ?? "").split(":").filter((d) => d !== "");
  return dirs.length > 0 ? dirs : [...defaultCniPath];
}
