/**
 * Types of the CNI 1.0 specification as rk8s uses them: network configuration lists, plugin
 * results and port mappings passed through `runtimeConfig`.
 *
 * @module
 */

/** One plugin entry of a network configuration list, kept verbatim (plugins own their keys). */
export interface CniPluginConf {
  /** Plugin binary name, looked up on `CNI_PATH`. */
  readonly type: string;
  /** Capabilities the plugin wants from the runtime (`portMappings`, ...). */
  readonly capabilities?: Readonly<Record<string, boolean>>;
  /** Every key of the plugin's configuration, including `type`. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A parsed `.conflist` (or a `.conf` turned into a one-plugin list). */
export interface CniNetworkConfigList {
  /** Network name (unique per runtime). */
  readonly name: string;
  /** CNI version the configuration is written for, e.g. `1.0.0`. */
  readonly cniVersion: string;
  /** When true the runtime never runs CHECK. */
  readonly disableCheck: boolean;
  /** The plugins, run in order for ADD and CHECK, in reverse for DEL. */
  readonly plugins: readonly CniPluginConf[];
  /** The file the configuration came from (empty for built-in configurations). */
  readonly file: string;
  /** The whole document as written. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** An interface in a CNI result. */
export interface CniInterface {
  /** Interface name (`eth0`, `veth1234`, `rkl0`). */
  name: string;
  /** MAC address, when known. */
  mac?: string;
  /** Path of the network namespace for interfaces inside the sandbox; absent on the host. */
  sandbox?: string;
}

/** An IP address in a CNI result. */
export interface CniIpConfig {
  /** Address with prefix length, e.g. `10.88.0.5/16`. */
  address: string;
  /** Default gateway, when the plugin set one. */
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

/** A route in a CNI result. */
export interface CniRoute {
  /** Destination network in CIDR notation. */
  dst: string;
  /** Next hop. */
  gw?: string;
}

/** DNS settings in a CNI result. */
export interface CniDns {
  /** Name servers. */
  nameservers?: string[];
  /** Local domain. */
  domain?: string;
  /** Search domains. */
  search?: string[];
  /** resolv.conf options. */
  options?: string[];
}

/** The result of a successful ADD (also the `prevResult` of the next plugin). */
export interface CniResult {
  /** Version of the result format. */
  cniVersion: string;
  /** Interfaces created or used. */
  interfaces: CniInterface[];
  /** Addresses assigned. */
  ips: CniIpConfig[];
  /** Routes installed. */
  routes: CniRoute[];
  /** DNS settings. */
  dns: CniDns;
}

/** One entry of the `portMappings` capability (lower-case protocol, as the portmap plugin expects). */
export interface CniPortMapping {
  /** Port on the host. */
  hostPort: number;
  /** Port in the sandbox. */
  containerPort: number;
  /** `tcp`, `udp` or `sctp`. */
  protocol: "tcp" | "udp" | "sctp";
  /** Host address, omitted for all addresses. */
  hostIP?: string;
}

/** Values the runtime offers to plugins that declare the matching capability. */
export interface CniRuntimeConfig {
  /** Published ports (capability `portMappings`). */
  portMappings?: CniPortMapping[];
}

/** The CNI operations rk8s runs. */
export type CniCommand = "ADD" | "DEL" | "CHECK" | "VERSION";
