/**
 * Network gc on the host, for `CniNetworkProvider.gc`: {@linkcode observeNetworkGc} reads what
 * is there (records, rkl's host-local allocations, namespaces, bridge ports),
 * {@linkcode planNetworkGc} decides, and {@linkcode applyNetworkGc} carries the actions out one
 * step each, every step even when an earlier one fails, and reports what it did.
 *
 * @module
 */
import { join } from "../core/path.ts";
import type { NetworkGcReport } from "../core/network.ts";
import { run } from "../core/exec.ts";
import { StepRunner } from "../core/step_runner.ts";
import type { AttachmentStore } from "./attachment_record.ts";
import { summarizeNetwork } from "./bridge_network.ts";
import type { CniRuntime } from "./cni_runtime.ts";
import type { CniNetworkConfigList } from "./cni_types.ts";
import { removeMasqRules } from "./masq_rules.ts";
import type { NetnsManager } from "./netns.ts";
import type { NetworkStore } from "./network_store.ts";
import {
  type BridgePort,
  type IpAllocation,
  type NetworkGcAction,
  type NetworkGcObservation,
  planNetworkGc,
} from "./network_gc_plan.ts";
import { linkExists } from "./subnet.ts";
import { liveOwners } from "../core/owner_process.ts";

/** What network gc works on: the provider's parts and its locked operations. */
export interface NetworkGcTarget {
  /** The per-attachment records. */
  store: AttachmentStore;
  /** The network definitions. */
  networks: NetworkStore;
  /** The namespaces. */
  netns: NetnsManager;
  /** The CNI runtime. */
  cni: CniRuntime;
  /** rkl's host-local IPAM directory (only allocations there are collected). */
  ipamDir: string;
  /** Full detach of attachment `id` (CNI DEL, namespace, record). */
  teardown(id: string): Promise<void>;
  /** Deletes the bridges of `lists` that no attachment uses (under the lock); returns them. */
  removeIdleBridges(lists: readonly CniNetworkConfigList[]): Promise<string[]>;
}

/** host-local allocations of `list` in `ipamDir`: files named by IP holding `id` and `ifname`. */
async function allocations(list: CniNetworkConfigList, ipamDir: string): Promise<IpAllocation[]> {
  const out: IpAllocation[] = [];
  for (const p of list.plugins) {
    const ipam = p.raw.ipam;
    if (typeof ipam !== "object" || ipam === null) continue;
    const dataDir = (ipam as Record<string, unknown>).dataDir;
    // Only rkl's own IPAM directory is collected; other tools' allocations are not ours.
    if (dataDir !== ipamDir) continue;
    const dir = join(ipamDir, list.name);
    try {
      for await (const e of Deno.readDir(dir)) {
        if (!e.isFile || !/^[0-9a-fA-F.:]+$/.test(e.name)) continue;
        const [id, ifName] = (await Deno.readTextFile(join(dir, e.name))).split(/\r?\n/);
        if (id) {
          out.push({
            network: list.name,
            ip: e.name,
            id: id.trim(),
            ifName: ifName?.trim() || "eth0",
          });
        }
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return out;
}

/** Interfaces enslaved to the bridges of `lists` (bridges that do not exist have none). */
async function bridgePorts(lists: readonly CniNetworkConfigList[]): Promise<BridgePort[]> {
  const out: BridgePort[] = [];
  for (const list of lists) {
    const bridge = summarizeNetwork(list).bridge;
    if (!bridge || !(await linkExists(bridge))) continue;
    const ports = await run(["ip", "-o", "link", "show", "master", bridge]);
    for (const line of ports.stdout.split("\n")) {
      const name = /^\d+: ([^:@\s]+)/.exec(line)?.[1];
      if (name) out.push({ network: list.name, bridge, name });
    }
  }
  return out;
}

/** Reads what network gc decides on. */
export async function observeNetworkGc(
  target: NetworkGcTarget,
  liveIds: ReadonlySet<string>,
  now: number = Date.now(),
): Promise<NetworkGcObservation> {
  const records = await target.store.list();
  const networks = new Map<string, CniNetworkConfigList>();
  for (const r of records) for (const n of r.networks) networks.set(n.config.name, n.config);
  for (const l of await target.networks.list()) networks.set(l.name, l);
  const lists = [...networks.values()];
  const allocs: IpAllocation[] = [];
  for (const l of lists) allocs.push(...await allocations(l, target.ipamDir));
  return {
    liveIds,
    now,
    liveOwners: await liveOwners(records.flatMap((r) => r.owner ? [r.owner] : [])),
    records,
    recordDirs: await target.store.ids(),
    networks: lists,
    allocations: allocs,
    netns: await target.netns.list(),
    bridgePorts: await bridgePorts(lists),
  };
}

/** Carries out one action; returns the report line (none when nothing was left to do). */
async function apply(target: NetworkGcTarget, a: NetworkGcAction): Promise<string | undefined> {
  switch (a.kind) {
    case "skip-adding":
      return `skipped attachment ${a.id} (${a.name}): being set up`;
    case "release":
      await target.teardown(a.id);
      return `released attachment ${a.id} (${a.name})${
        a.ips.length ? `, freed ${a.ips.join(", ")}` : ""
      }`;
    case "remove-dir":
      await target.store.remove(a.id);
      return `removed empty attachment directory ${a.id}`;
    case "free-ip": {
      // A namespace left without a record (crash between steps) is used while it exists.
      const mounted = await target.netns.exists(a.id).catch((e) => {
        if (e instanceof TypeError) return false; // id is not a valid namespace name
        throw e;
      });
      await target.cni.del(
        a.list,
        { containerId: a.id, netns: mounted ? target.netns.path(a.id) : "", ifName: a.ifName },
        {},
        a.result,
      );
      if (!mounted) await removeMasqRules(a.list.name, a.id);
      return `freed ${a.ip} on network "${a.list.name}" (container ${a.id})`;
    }
    case "remove-netns":
      await target.netns.remove(a.name);
      return `removed network namespace ${target.netns.path(a.name)}`;
    case "remove-veth":
      // Freeing an orphan's address (CNI DEL in its namespace) may have taken its veth already.
      if (!(await linkExists(a.name))) return undefined;
      await run(["ip", "link", "del", a.name]);
      return `removed veth ${a.name} from bridge ${a.bridge}`;
  }
}

function stepName(a: NetworkGcAction): string {
  switch (a.kind) {
    case "skip-adding":
      return `skip attachment ${a.id}`;
    case "release":
      return `release attachment ${a.id} (${a.name})`;
    case "remove-dir":
      return `remove attachment directory ${a.id}`;
    case "free-ip":
      return `free ${a.ip} on network "${a.list.name}"`;
    case "remove-netns":
      return `remove network namespace ${a.name}`;
    case "remove-veth":
      return `remove veth ${a.name}`;
  }
}

/**
 * Applies `actions` in order, then deletes bridges of `networks` that nobody uses. Every action
 * runs even when an earlier one fails; the failures are thrown together as a `CleanupError`
 * after the rest is done.
 */
export async function applyNetworkGc(
  target: NetworkGcTarget,
  actions: readonly NetworkGcAction[],
  networks: readonly CniNetworkConfigList[],
): Promise<NetworkGcReport> {
  const report: NetworkGcReport = { released: [], details: [] };
  const steps = new StepRunner();
  for (const a of actions) {
    await steps.run(stepName(a), async () => {
      const detail = await apply(target, a);
      if (detail === undefined) return;
      report.details.push(detail);
      if ((a.kind === "release" || a.kind === "free-ip") && !report.released.includes(a.id)) {
        report.released.push(a.id);
      }
    });
  }
  await steps.run("remove idle bridges", async () => {
    for (const b of await target.removeIdleBridges(networks)) {
      report.details.push(`removed idle bridge ${b}`);
    }
  });
  steps.throwIfFailed();
  return report;
}

/**
 * Observes, plans ({@linkcode planNetworkGc}) and applies network gc for `liveIds`.
 *
 * @example
 * ```ts ignore
 * import { collectNetworkGc } from "./cni_network_provider_gc.ts";
 * const report = await collectNetworkGc(target, new Set(["c1"]));
 * console.log(report.details.join("\n"));
 * ```
 */
export async function collectNetworkGc(
  target: NetworkGcTarget,
  liveIds: ReadonlySet<string>,
): Promise<NetworkGcReport> {
  const obs = await observeNetworkGc(target, liveIds);
  return await applyNetworkGc(target, planNetworkGc(obs), obs.networks);
}
