/**
 * rkl's network definitions: CNI configuration lists in rkl's config dir, one file per
 * network (`NAME.conflist`). The default network is written on first use; named networks are
 * created and removed by `rkl network create|rm` (and compose).
 *
 * @module
 */
import { join } from "../core/path.ts";
import { ConflictError, NotFoundError } from "../core/errors.ts";
import { removeIfExists } from "../core/fs.ts";
import { loadNetworkConfig, loadNetworkConfigDir } from "./cni_config.ts";
import type { CniNetworkConfigList } from "./cni_types.ts";
import {
  bridgeNetworkConfig,
  DEFAULT_NETWORK,
  DEFAULT_SUBNET,
  defaultNetworkSettings,
  pickSubnet,
  summarizeNetwork,
  validateBridgeName,
  validateNetworkName,
} from "./bridge_network.ts";
import {
  fnv1a,
  formatSubnet,
  hostRoutes,
  type Ipv4Subnet,
  linkExists,
  parseSubnet,
  subnetsOverlap,
} from "./subnet.ts";

/** Options of {@linkcode NetworkStore}. */
export interface NetworkStoreOptions {
  /** Directory of the configuration files (`paths.cniConfigDir`). */
  configDir: string;
  /** host-local IPAM data directory written into new configurations. */
  ipamDataDir: string;
  /** The state root (`--root`), used to derive the default network's bridge and subnet. */
  root?: string | undefined;
  /** Bridge of the default network (overrides the derived one). */
  defaultBridge?: string | undefined;
  /** Subnet of the default network (overrides the derived one). */
  defaultSubnet?: string | undefined;
  /**
   * Run the firewall plugin in networks rkl writes (default true). Only for networks written
   * with `networkRules: false`: network-wide rules replace the plugin's per-address ones.
   */
  firewall?: boolean;
  /**
   * Networks rkl writes (the default network and `create`) get network-wide rules
   * (`network_rules.ts`: one masquerade and two forward accepts per network, no per-sandbox
   * rules; default true). False writes the bridge plugin's `ipMasq` and the firewall plugin.
   */
  networkRules?: boolean;
}

/** Request of {@linkcode NetworkStore.create}. */
export interface CreateNetworkRequest {
  /** Network name. */
  name: string;
  /** IPv4 subnet; a free /24 is picked when absent. */
  subnet?: string | undefined;
  /** Bridge device; derived from the name when absent. */
  bridge?: string | undefined;
  /** No gateway, masquerade or default route (see `BridgeNetworkSpec.internal`). */
  internal?: boolean | undefined;
  /**
   * rkl installs network-wide rules (see `BridgeNetworkSpec.networkRules`); default: the
   * store's `networkRules` option (true).
   */
  networkRules?: boolean | undefined;
}

/**
 * Reads and writes rkl's network configuration files.
 *
 * @example
 * ```ts
 * import { NetworkStore } from "./network_store.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir(); // /etc/rkl/cni and /var/lib/rkl/cni/ipam by default
 * const store = new NetworkStore({ configDir: `${dir}/cni`, ipamDataDir: `${dir}/ipam` });
 * const def = await store.get("rkl"); // written on first use
 * assert.equal(def.name, "rkl");
 * assert.ok((await Deno.stat(`${dir}/cni/rkl.conflist`)).isFile);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NetworkStore {
  readonly #opts: NetworkStoreOptions;

  /** Creates a store (nothing is touched until a method is called). */
  constructor(opts: NetworkStoreOptions) {
    this.#opts = opts;
  }

  /** File of network `name`. */
  fileOf(name: string): string {
    validateNetworkName(name);
    return join(this.#opts.configDir, `${name}.conflist`);
  }

  async #write(name: string, config: Record<string, unknown>): Promise<void> {
    await Deno.mkdir(this.#opts.configDir, { recursive: true });
    const tmp = join(this.#opts.configDir, `.${name}.conflist.${crypto.randomUUID()}`);
    await Deno.writeTextFile(tmp, JSON.stringify(config, null, 2) + "\n");
    await Deno.rename(tmp, this.fileOf(name));
  }

  /** The default network's configuration, written on first use. */
  async ensureDefault(): Promise<CniNetworkConfigList> {
    const file = this.fileOf(DEFAULT_NETWORK);
    try {
      return (await loadNetworkConfig(file)).list;
    } catch (error) {
      if (!(error instanceof Error && error.cause instanceof Deno.errors.NotFound)) throw error;
    }
    const derived = defaultNetworkSettings(this.#opts.root);
    const bridge = this.#opts.defaultBridge ?? derived.bridge;
    const subnet = await this.#defaultSubnet(bridge, derived.subnet);
    const config = bridgeNetworkConfig({
      name: DEFAULT_NETWORK,
      bridge,
      subnet,
      ipamDataDir: this.#opts.ipamDataDir,
      firewall: this.#opts.firewall ?? true,
      networkRules: this.#opts.networkRules ?? true,
    });
    await this.#write(DEFAULT_NETWORK, config);
    return (await loadNetworkConfig(file)).list;
  }

  /**
   * The default network's subnet. A subnet overlapping a host route (other than one on the
   * network's own bridge) would silently break routing: a chosen one (system default or
   * option) is an error saying how to pick another; one derived from `--root` moves on to the
   * next free /24.
   */
  async #defaultSubnet(bridge: string, derived: string): Promise<string> {
    const routes = (await hostRoutes()).filter((r) => r.iface !== bridge);
    const chosen = this.#opts.defaultSubnet ??
      (this.#opts.root === undefined ? DEFAULT_SUBNET : undefined);
    if (chosen !== undefined) {
      const s = parseSubnet(chosen);
      const clash = routes.find((r) => subnetsOverlap(r.subnet, s));
      if (clash) {
        throw new ConflictError(
          `The default network's subnet ${chosen} overlaps the host route ${
            formatSubnet(clash.subnet)
          } on ${clash.iface}; create the default network with another subnet first: ` +
            `rkl network create ${DEFAULT_NETWORK} --subnet CIDR`,
        );
      }
      return chosen;
    }
    const start = parseSubnet(derived);
    for (let i = 0; i < 64 * 256; i++) {
      // Walk the /24s of 10.128.0.0/10 from the derived one.
      const k = (((start.base >>> 8) & 0x3fff) + i) % (64 * 256);
      const candidate = {
        base: ((10 << 24) | ((128 + (k >> 8)) << 16) | ((k & 255) << 8)) >>> 0,
        prefix: 24,
      };
      if (!routes.some((r) => subnetsOverlap(r.subnet, candidate))) return formatSubnet(candidate);
    }
    throw new ConflictError(
      "No free /24 in 10.128.0.0/10 for the default network; create it with --subnet",
    );
  }

  /** Loads network `name` (the default one is written on first use). */
  async get(name: string): Promise<CniNetworkConfigList> {
    if (name === DEFAULT_NETWORK) return await this.ensureDefault();
    validateNetworkName(name);
    // NAME.conflist first, so one broken file does not hide every other network.
    try {
      const { list } = await loadNetworkConfig(this.fileOf(name));
      if (list.name === name) return list;
    } catch (error) {
      if (!(error instanceof Error && error.cause instanceof Deno.errors.NotFound)) throw error;
    }
    const lists = await loadNetworkConfigDir(this.#opts.configDir);
    const found = lists.find((l) => l.name === name);
    if (!found) throw new NotFoundError("network", name);
    return found;
  }

  /** Every network, the default one included. */
  async list(): Promise<CniNetworkConfigList[]> {
    await this.ensureDefault();
    return await loadNetworkConfigDir(this.#opts.configDir);
  }

  /**
   * Creates a bridge network. The name, bridge and subnet must not clash with another rkl
   * network; the subnet must not overlap a route on the host; the bridge must not exist.
   */
  async create(req: CreateNetworkRequest): Promise<CniNetworkConfigList> {
    validateNetworkName(req.name);
    const existing = await loadNetworkConfigDir(this.#opts.configDir);
    if (existing.some((l) => l.name === req.name)) {
      throw new ConflictError(`Network "${req.name}" already exists`);
    }
    const summaries = existing.map(summarizeNetwork);
    const bridge = req.bridge ??
      `rk-${fnv1a(`${this.#opts.configDir}/${req.name}`).toString(16).padStart(8, "0")}`;
    validateBridgeName(bridge);
    const sameBridge = summaries.find((s) => s.bridge === bridge);
    if (sameBridge) {
      throw new ConflictError(`Bridge "${bridge}" is already used by network "${sameBridge.name}"`);
    }
    if (await linkExists(bridge)) {
      throw new ConflictError(`A network device named "${bridge}" already exists on the host`);
    }
    const taken: { subnet: Ipv4Subnet; by: string }[] = [];
    for (const s of summaries) {
      if (s.subnet) taken.push({ subnet: parseSubnet(s.subnet), by: `network "${s.name}"` });
    }
    for (const r of await hostRoutes()) {
      taken.push({ subnet: r.subnet, by: `a host route on ${r.iface}` });
    }
    let subnet: string;
    if (req.subnet !== undefined) {
      const s = parseSubnet(req.subnet);
      const clash = taken.find((t) => subnetsOverlap(t.subnet, s));
      if (clash) {
        throw new ConflictError(
          `Subnet ${formatSubnet(s)} overlaps ${formatSubnet(clash.subnet)} of ${clash.by}`,
        );
      }
      subnet = formatSubnet(s);
    } else {
      subnet = pickSubnet(`${this.#opts.configDir}/${req.name}`, taken.map((t) => t.subnet));
    }
    const config = bridgeNetworkConfig({
      name: req.name,
      bridge,
      subnet,
      ipamDataDir: this.#opts.ipamDataDir,
      firewall: this.#opts.firewall ?? true,
      ...(req.internal ? { internal: true } : {}),
      networkRules: req.networkRules ?? this.#opts.networkRules ?? true,
    });
    await this.#write(req.name, config);
    return (await loadNetworkConfig(this.fileOf(req.name))).list;
  }

  /** Deletes network `name`'s file and its IPAM directory (the caller checks it is unused). */
  async remove(name: string): Promise<void> {
    const list = await this.get(name);
    await Deno.remove(list.file);
    await removeIfExists(join(this.#opts.ipamDataDir, name));
  }
}
