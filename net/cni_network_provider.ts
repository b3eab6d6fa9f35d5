/**
 * The {@linkcode NetworkProvider} of rkl: network namespaces bind-mounted under rkl's run dir,
 * CNI plugins run by {@linkcode CniRuntime} on rkl's networks, a cached record per attachment
 * (so DEL gets what ADD got, also after a crash), published ports checked before anything is
 * created, `/etc/hosts` and `/etc/resolv.conf` per sandbox, and garbage collection.
 *
 * @module
 */
import { join } from "../core/path.ts";
import type {
  NetworkAttachment,
  NetworkAttachRequest,
  NetworkGcReport,
  NetworkProvider,
  PendingNetworkAttachment,
} from "../core/network.ts";
import type { RklPaths } from "../core/paths.ts";
import { ConflictError, NotFoundError, RkError } from "../core/errors.ts";
import { readTextIfExists } from "../core/fs.ts";
import { StepRunner } from "../core/step_runner.ts";
import { UndoStack } from "../core/undo.ts";
import { run } from "../core/exec.ts";
import { currentOwner } from "../core/owner_process.ts";
import { withFileLock } from "./_lock.ts";
import { traced } from "../core/trace.ts";
import { type AttachmentRecord, AttachmentStore, recordIps } from "./attachment_record.ts";
import { hostPluginExecutor, type PluginExecutor } from "./cni_exec.ts";
import { defaultCniPath } from "./cni_env.ts";
import { CniRuntime } from "./cni_runtime.ts";
import type { CniNetworkConfigList, CniPortMapping } from "./cni_types.ts";
import { renderHosts, renderResolvConf } from "./hosts_files.ts";
import { NetnsManager } from "./netns.ts";
import { type CreateNetworkRequest, NetworkStore } from "./network_store.ts";
import { DEFAULT_NETWORK, summarizeNetwork, withoutDefaultRoute } from "./bridge_network.ts";
import { type NetworkInfo, networkInfo } from "./network_info.ts";
import { linkExists, parseSubnet, staticAddressProblem } from "./subnet.ts";
import { removeMasqRules } from "./masq_rules.ts";
import { ensureNetworkRules, networkRulesOf, removeNetworkRules } from "./network_rules.ts";
import { collectNetworkGc } from "./cni_network_provider_gc.ts";
import {
  assertPortsFree,
  type BoundSocket,
  hostBoundSockets,
  parseHostportDnat,
  publishedPorts,
} from "./ports.ts";

/** Options of {@linkcode CniNetworkProvider}. */
export interface CniNetworkProviderOptions {
  /** rkl's directories (netns dir, CNI config dir, CNI data dir). */
  paths: RklPaths;
  /** The state root (`--root`); the default network's bridge and subnet derive from it. */
  root?: string | undefined;
  /** Plugin directories (default `/opt/cni/bin:/usr/lib/cni`). */
  cniPath?: readonly string[] | undefined;
  /** Plugin executor (the host's by default). */
  executor?: PluginExecutor;
  /** Bridge of the default network when it is first written. */
  defaultBridge?: string | undefined;
  /** Subnet of the default network when it is first written. */
  defaultSubnet?: string | undefined;
  /** Run the firewall plugin in networks rkl writes with `networkRules: false` (default true). */
  firewall?: boolean;
  /**
   * Networks rkl writes get network-wide iptables rules instead of per-sandbox ones (default
   * true; see `NetworkStoreOptions.networkRules`).
   */
  networkRules?: boolean;
  /** The host's resolv.conf (default `/etc/resolv.conf`). */
  hostResolvConf?: string;
  /**
   * Used when the host's lists only loopback resolvers (default systemd-resolved's
   * `/run/systemd/resolve/resolv.conf`).
   */
  upstreamResolvConf?: string;
  /**
   * Delete a network's bridge when its last attachment is detached. Default: only for a
   * custom state root (`--root`), whose networks should leave nothing on the host; the system
   * root keeps its bridges, like other runtimes (`rkl gc` and `rkl network rm` remove them).
   */
  removeIdleBridges?: boolean;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$/;

/**
 * The chain without `portmap` when the sandbox publishes no port: its ADD returns at once
 * without mappings, and its DEL lists iptables chains looking for rules that cannot exist —
 * two plugin processes (and the iptables runs of the DEL) per pod for nothing. With ports the
 * chain is unchanged.
 */
function withoutIdlePortmap(
  list: CniNetworkConfigList,
  ports: readonly CniPortMapping[],
): CniNetworkConfigList {
  if (ports.length > 0 || !list.plugins.some((p) => p.type === "portmap")) return list;
  const plugins = list.plugins.filter((p) => p.type !== "portmap");
  return { ...list, plugins, raw: { ...list.raw, plugins: plugins.map((p) => p.raw) } };
}

/** How long a network's rules count as checked by this process (ms). */
const RULES_CHECK_TTL_MS = 10_000;

/**
 * Networking for rkl's sandboxes through CNI plugins.
 *
 * @example
 * ```ts ignore
 * import { CniNetworkProvider } from "./cni_network_provider.ts";
 * import { rklPaths } from "../core/paths.ts";
 * import { UndoStack } from "../core/undo.ts";
 * const net = new CniNetworkProvider({ paths: rklPaths() });
 * const att = await net.attach({ id: "c1", name: "web", ports: [] }, new UndoStack());
 * await net.detach("c1");
 * ```
 */
export class CniNetworkProvider implements NetworkProvider {
  /** The network definitions. */
  readonly networks: NetworkStore;
  /** The per-attachment records. */
  readonly store: AttachmentStore;
  /** The namespaces. */
  readonly netns: NetnsManager;
  /** The CNI runtime. */
  readonly cni: CniRuntime;
  readonly #paths: RklPaths;
  readonly #hostResolvConf: string;
  readonly #upstreamResolvConf: string;
  readonly #removeIdle: boolean;
  /**
   * Network rules this provider checked or added lately (key: the rules; value: the check and
   * when it started): pods attached together (`rkl compose up` of 12 services) check a network's
   * rules once instead of three `iptables -C` each under one file lock. Dropped when this
   * provider removes the rules, and after {@linkcode RULES_CHECK_TTL_MS} (another process may).
   */
  readonly #rulesChecked = new Map<string, { at: number; done: Promise<void> }>();

  /** Creates the provider (nothing is touched until a method is called). */
  constructor(opts: CniNetworkProviderOptions) {
    this.#paths = opts.paths;
    this.#hostResolvConf = opts.hostResolvConf ?? "/etc/resolv.conf";
    this.#upstreamResolvConf = opts.upstreamResolvConf ?? "/run/systemd/resolve/resolv.conf";
    this.#removeIdle = opts.removeIdleBridges ?? opts.root !== undefined;
    this.networks = new NetworkStore({
      configDir: opts.paths.cniConfigDir,
      ipamDataDir: join(opts.paths.cniDataDir, "ipam"),
      root: opts.root,
      defaultBridge: opts.defaultBridge,
      defaultSubnet: opts.defaultSubnet,
      ...(opts.firewall === undefined ? {} : { firewall: opts.firewall }),
      ...(opts.networkRules === undefined ? {} : { networkRules: opts.networkRules }),
    });
    this.store = new AttachmentStore(join(opts.paths.cniDataDir, "attachments"));
    this.netns = new NetnsManager(opts.paths.netnsDir);
    this.cni = new CniRuntime({
      cniPath: opts.cniPath ?? defaultCniPath,
      executor: opts.executor ?? hostPluginExecutor(),
    });
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(join(this.#paths.cniDataDir, "lock"), fn);
  }

  async #forwardedElsewhere(own: ReadonlySet<string>): Promise<BoundSocket[]> {
    const r = await run(["iptables", "-w", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT"], {
      allowFailure: true,
    });
    if (r.code !== 0) return []; // the chain does not exist: no CNI runtime forwards ports
    return parseHostportDnat(r.stdout)
      .filter((f) => f.id === undefined || !own.has(f.id))
      .filter((f): f is typeof f & { protocol: "tcp" | "udp" } =>
        f.protocol === "tcp" || f.protocol === "udp"
      )
      .map((f) => ({ protocol: f.protocol, ip: "0.0.0.0", port: f.port }));
  }

  /**
   * Creates the sandbox's network namespace, runs CNI ADD for each of its networks and writes
   * its hosts and resolv.conf. Port conflicts are detected before anything is created. On
   * failure everything acquired is released before the error is thrown; on success one undo
   * step (a full detach) is pushed onto `undo`.
   */
  async attach(req: NetworkAttachRequest, undo: UndoStack): Promise<NetworkAttachment> {
    const pending = await this.attachInBackground(req, new UndoStack());
    // On failure the provider has released everything itself.
    const attachment = await pending.ready;
    undo.push(`detach network of "${req.name}"`, () => this.detach(req.id));
    return attachment;
  }

  /**
   * Like {@linkcode CniNetworkProvider.attach}, but returns once the namespace and the
   * sandbox's files exist, while CNI ADD goes on: the caller can create its containers in the
   * namespace meanwhile and must await `ready` before starting any (the hosts file gets the
   * sandbox's address then). Port conflicts are detected before anything is created. The undo
   * step (a full detach, after `ready` settled) is pushed onto `undo` before this returns; when
   * `ready` rejects, everything was already released.
   */
  async attachInBackground(
    req: NetworkAttachRequest,
    undo: UndoStack,
  ): Promise<PendingNetworkAttachment> {
    const { rec, lists, ports, staticIps } = await this.#reserve(req);
    const dir = this.store.dirOf(req.id);
    const hostsFile = join(dir, "hosts");
    const resolvConfFile = join(dir, "resolv.conf");
    const hosts = (ips: string[]) =>
      renderHosts({
        hostname: rec.hostname,
        aliases: [req.name],
        ips: ips.slice(0, 1),
        ...(req.extraHosts ? { extraHosts: req.extraHosts } : {}),
        ...(req.domain !== undefined ? { domain: req.domain } : {}),
      });
    // Each phase releases everything when it fails (a guard forgets its steps on success).
    const guarded = <T>(fn: () => Promise<T>): Promise<T> => {
      const local = new UndoStack();
      local.push(`release network attachment "${req.id}"`, () => this.detach(req.id));
      return local.guard(fn);
    };
    await guarded(async () => {
      await traced("net: netns create", () => this.netns.create(req.id, req.alsoPin));
      // The files exist before any container bind-mounts them; the hosts file is rewritten in
      // place (same inode, so the mounts see it) once the address is known.
      await Deno.writeTextFile(hostsFile, hosts([]));
      await Deno.writeTextFile(resolvConfFile, await this.#sandboxResolvConf());
    });
    const ready = guarded(async () => {
      // Network-wide rules, after the record (an idle-bridge removal in another process sees
      // this attachment and leaves them), while the plugins run.
      const rules = traced("net: network rules (iptables -C)", () => this.#ensureRules(lists));
      const added = await Promise.allSettled([
        rules,
        this.#addAll(rec, ports, staticIps),
      ]);
      for (const r of added) if (r.status === "rejected") throw r.reason;
      const ips = recordIps(rec);
      await Deno.writeTextFile(hostsFile, hosts(ips));
      rec.state = "ready";
      await this.store.put(rec);
      return { netnsPath: rec.netnsPath, ips, hostsFile, resolvConfFile };
    });
    // Observed here too: a caller that fails before awaiting it must not crash the process.
    ready.catch(() => {});
    undo.push(`detach network of "${req.name}"`, async () => {
      // A failed ADD's guard has released the attachment already (or reported what it left):
      // detaching again would report the same leftover twice.
      if (await ready.then(() => false, () => true)) return;
      await this.detach(req.id);
    });
    return {
      netnsPath: rec.netnsPath,
      hostsFile,
      resolvConfFile,
      ready,
      ...(req.alsoPin ? { pinned: true } : {}),
    };
  }

  /**
   * Checks the request and reserves the attachment: under the lock, the port check and the
   * record that holds the ports (and keeps the network's bridge from being removed as idle)
   * are one step for concurrent rkl processes. The plugins run outside the lock (they lock what
   * they share themselves).
   */
  async #reserve(req: NetworkAttachRequest): Promise<{
    rec: AttachmentRecord;
    lists: CniNetworkConfigList[];
    ports: CniPortMapping[];
    staticIps: Record<string, string>;
  }> {
    if (!ID_RE.test(req.id)) throw new RkError(`Invalid sandbox id "${req.id}" for networking`);
    const ports = publishedPorts(req.ports);
    const names = req.networks && req.networks.length > 0
      ? [...new Set(req.networks)]
      : [DEFAULT_NETWORK];
    const lists: CniNetworkConfigList[] = [];
    for (const n of names) lists.push(await this.networks.get(n));
    const staticIps = staticIpsByNetwork(req, lists);
    const cniArgs: Record<string, string> = {};
    if (req.namespace !== undefined) {
      cniArgs.K8S_POD_NAMESPACE = req.namespace;
      cniArgs.K8S_POD_NAME = req.name;
      cniArgs.K8S_POD_INFRA_CONTAINER_ID = req.id;
    }
    const owner = await currentOwner();
    const rec = await traced("net: reserve (lock, record)", () =>
      this.#locked(async () => {
        if (await this.store.get(req.id)) {
          throw new ConflictError(`Network attachment "${req.id}" already exists`);
        }
        if (ports.length > 0) {
          const records = await this.store.list();
          const own = new Set(records.map((r) => r.id));
          const sockets = [...await hostBoundSockets(), ...await this.#forwardedElsewhere(own)];
          assertPortsFree(ports, records, sockets);
        }
        const rec: AttachmentRecord = {
          id: req.id,
          name: req.name,
          hostname: req.hostname ?? req.name,
          netnsPath: this.netns.path(req.id),
          state: "adding",
          ports,
          cniArgs,
          // Only the first network gives the sandbox its default route. The record keeps the
          // chain ADD runs, so DEL runs the same one.
          networks: lists.map((config, i) => ({
            config: withoutIdlePortmap(i === 0 ? config : withoutDefaultRoute(config), ports),
            ifName: `eth${i}`,
          })),
          createdAt: new Date().toISOString(),
          // Write-ahead: gc releases an "adding" record at once when this process is gone.
          owner,
        };
        await this.store.put(rec);
        return rec;
      }));
    return { rec, lists, ports, staticIps };
  }

  /**
   * The network-wide rules of `lists` (those written with `networkRules`). Concurrent
   * attachments take turns on a lock of their own, so a rule missing for both is added once.
   */
  #ensureRules(lists: readonly CniNetworkConfigList[]): Promise<void> {
    const rules = lists.flatMap((l) => networkRulesOf(l) ?? []);
    if (rules.length === 0) return Promise.resolve();
    const key = JSON.stringify(rules);
    const cached = this.#rulesChecked.get(key);
    if (cached && Date.now() - cached.at < RULES_CHECK_TTL_MS) return cached.done;
    const done = withFileLock(
      join(this.#paths.cniDataDir, "rules.lock"),
      () => ensureNetworkRules(rules),
    );
    const entry = { at: Date.now(), done };
    this.#rulesChecked.set(key, entry);
    // A failed check is not remembered.
    done.catch(() => {
      if (this.#rulesChecked.get(key) === entry) this.#rulesChecked.delete(key);
    });
    return done;
  }

  /** CNI ADD on each network in turn, caching each plugin's result in the record. */
  async #addAll(
    rec: AttachmentRecord,
    ports: readonly CniPortMapping[],
    staticIps: Readonly<Record<string, string>>,
  ): Promise<void> {
    for (const net of rec.networks) {
      net.result = await this.cni.add(
        net.config,
        {
          containerId: rec.id,
          netns: rec.netnsPath,
          ifName: net.ifName,
          // host-local takes a requested address from CNI_ARGS IP= (not recorded: DEL
          // releases by container id).
          args: staticIps[net.config.name] !== undefined
            ? { ...rec.cniArgs, IP: staticIps[net.config.name]! }
            : rec.cniArgs,
        },
        ports.length > 0 ? { portMappings: [...ports] } : {},
        async (partial) => {
          net.result = partial;
          await this.store.put(rec);
        },
      );
      await this.store.put(rec);
    }
  }

  /**
   * The host's resolv.conf without loopback resolvers. When only a local stub resolver is
   * listed (systemd-resolved), its upstream file is used instead, as other runtimes do.
   */
  async #sandboxResolvConf(): Promise<string> {
    const read = async (file: string) => await readTextIfExists(file) ?? "";
    const text = renderResolvConf(await read(this.#hostResolvConf));
    if (/^nameserver /m.test(text)) return text;
    const upstream = renderResolvConf(await read(this.#upstreamResolvConf));
    return /^nameserver /m.test(upstream) ? upstream : text;
  }

  /**
   * Runs CNI DEL for every network, removes the namespace, the record and idle bridges.
   * Concurrent teardowns of one attachment (`rm -f` and `gc` in two processes) take turns on a
   * per-attachment lock: otherwise one could unmount the namespace while the other's DEL is
   * still using it. The lock file is deleted once the record is gone; a later holder of the
   * same lock then finds no record and has nothing left to do.
   */
  async #teardown(id: string): Promise<void> {
    const lockFile = join(this.#paths.cniDataDir, "locks", `${id}.lock`);
    await withFileLock(lockFile, async () => {
      await this.#teardownLocked(id);
      await Deno.remove(lockFile).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    });
  }

  async #teardownLocked(id: string): Promise<void> {
    const rec = await this.store.get(id);
    if (!rec) {
      await this.netns.remove(id);
      await this.store.remove(id);
      return;
    }
    if (rec.state !== "deleting") {
      rec.state = "deleting";
      await this.store.put(rec);
    }
    const mounted = await this.netns.exists(id);
    const steps = new StepRunner();
    for (const net of [...rec.networks].reverse()) {
      await steps.run(`CNI DEL on network "${net.config.name}" for ${rec.name}`, async () => {
        const del = (netns: string) =>
          this.cni.del(
            net.config,
            { containerId: id, netns, ifName: net.ifName, args: rec.cniArgs },
            rec.ports.length > 0 ? { portMappings: rec.ports } : {},
            net.result,
          );
        let withoutNetns = !mounted;
        try {
          await del(mounted ? rec.netnsPath : "");
        } catch (error) {
          // The namespace went away during DEL: CNI DEL without one is still a full DEL.
          if (!mounted || await this.netns.exists(id)) throw error;
          withoutNetns = true;
          await del("");
        }
        // Without the namespace the bridge plugin cannot find the addresses to unmasquerade.
        if (withoutNetns) await removeMasqRules(net.config.name, id);
      });
    }
    await steps.run(`remove network namespace ${rec.netnsPath}`, () => this.netns.remove(id));
    // The record is kept when DEL failed, so `rkl gc` retries with the same config and result.
    steps.throwIfFailed();
    await this.#locked(async () => {
      await this.store.remove(id);
      if (this.#removeIdle) await this.#removeIdleBridges(rec.networks.map((n) => n.config));
    });
  }

  /** Deletes the bridges of `lists` that no remaining attachment uses (call with the lock). */
  async #removeIdleBridges(lists: readonly CniNetworkConfigList[]): Promise<string[]> {
    const removed: string[] = [];
    const remaining = await this.store.list();
    const used = new Set(remaining.flatMap((r) => r.networks.map((n) => n.config.name)));
    for (const list of lists) {
      const bridge = summarizeNetwork(list).bridge;
      if (!bridge || used.has(list.name) || removed.includes(bridge)) continue;
      if (await linkExists(bridge)) {
        await run(["ip", "link", "del", bridge]);
        removed.push(bridge);
      }
      this.#rulesChecked.clear();
      await removeNetworkRules(networkRulesOf(list) ?? []);
    }
    return removed;
  }

  /** Tears the sandbox's networking down. Idempotent; works when the namespace is gone. */
  detach(id: string): Promise<void> {
    if (!ID_RE.test(id)) return Promise.reject(new RkError(`Invalid sandbox id "${id}"`));
    return this.#teardown(id);
  }

  /** Runs CNI CHECK on every network of attachment `id`. */
  async check(id: string): Promise<void> {
    const rec = await this.store.get(id);
    if (!rec) throw new NotFoundError("network attachment", id);
    for (const net of rec.networks) {
      if (!net.result) {
        throw new RkError(`Network attachment "${id}" has no result for "${net.config.name}"`);
      }
      await this.cni.check(
        net.config,
        { containerId: id, netns: rec.netnsPath, ifName: net.ifName, args: rec.cniArgs },
        rec.ports.length > 0 ? { portMappings: rec.ports } : {},
        net.result,
      );
    }
  }

  /** The addresses of attachment `id` (empty when it has none). */
  async ipsOf(id: string): Promise<string[]> {
    const rec = await this.store.get(id);
    return rec ? recordIps(rec) : [];
  }

  /** Every attachment record. */
  attachments(): Promise<AttachmentRecord[]> {
    return this.store.list();
  }

  /** Networks with their attachments. */
  async listNetworks(): Promise<NetworkInfo[]> {
    const lists = await this.networks.list();
    const records = await this.store.list();
    return lists.map((l) => networkInfo(l, records));
  }

  /** One network with its attachments. */
  async inspectNetwork(name: string): Promise<NetworkInfo> {
    const list = await this.networks.get(name);
    return networkInfo(list, await this.store.list());
  }

  /** Creates a named bridge network. */
  createNetwork(req: CreateNetworkRequest): Promise<CniNetworkConfigList> {
    return this.#locked(() => this.networks.create(req));
  }

  /** Removes a network that no attachment uses: its file, IPAM data and bridge. */
  removeNetwork(name: string): Promise<void> {
    return this.#locked(async () => {
      const list = await this.networks.get(name);
      const users = (await this.store.list()).filter((r) =>
        r.networks.some((n) => n.config.name === name)
      );
      if (users.length > 0) {
        throw new ConflictError(
          `Network "${name}" is in use by ${users.map((u) => `"${u.name}"`).join(", ")}`,
        );
      }
      const bridge = summarizeNetwork(list).bridge;
      if (bridge && await linkExists(bridge)) await run(["ip", "link", "del", bridge]);
      this.#rulesChecked.clear();
      await removeNetworkRules(networkRulesOf(list) ?? []);
      await this.networks.remove(name);
    });
  }

  /**
   * Releases everything that belongs to no live sandbox: attachment records (CNI DEL with the
   * cached config and result), stale namespaces, IP allocations without a record (CNI DEL with
   * the network's config), veths on rkl's bridges that no record names, and bridges of rkl
   * networks nobody uses. What to release is decided by `planNetworkGc`
   * (`network_gc_plan.ts`); `cni_network_provider_gc.ts` observes and applies.
   */
  gc(liveIds: ReadonlySet<string>): Promise<NetworkGcReport> {
    return collectNetworkGc({
      store: this.store,
      networks: this.networks,
      netns: this.netns,
      cni: this.cni,
      ipamDir: join(this.#paths.cniDataDir, "ipam"),
      teardown: (id) => this.#teardown(id),
      removeIdleBridges: (lists) => this.#locked(() => this.#removeIdleBridges(lists)),
    }, liveIds);
  }
}

/**
 * The requested static addresses, checked against their networks' subnets before anything is
 * created: a network the sandbox does not join, or an address outside the subnet, is an error.
 */
function staticIpsByNetwork(
  req: NetworkAttachRequest,
  lists: readonly CniNetworkConfigList[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, ip] of Object.entries(req.staticIps ?? {})) {
    const list = lists.find((l) => l.name === name);
    if (!list) {
      throw new RkError(
        `Static address ${ip} is for network "${name}", which ${req.name} does not join`,
      );
    }
    const subnet = summarizeNetwork(list).subnet;
    if (subnet === undefined) {
      throw new RkError(
        `Network "${name}" has no subnet in its configuration: ${ip} cannot be asked for`,
      );
    }
    const problem = staticAddressProblem(ip, parseSubnet(subnet));
    if (problem) {
      throw new RkError(`Static address for ${req.name} on network "${name}": ${problem}`);
    }
    out[name] = ip;
  }
  return out;
}
