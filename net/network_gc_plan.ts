/**
 * {@linkcode planNetworkGc}: the pure decision of network garbage collection. Given what is on
 * the host (attachment records, IP allocations, namespaces, bridge ports) and which sandboxes
 * are live, it returns what to release, in order; `CniNetworkProvider.gc` observes, plans, and
 * applies the actions (`cni_network_provider_gc.ts`).
 *
 * @module
 */
import { ownerKey } from "../core/owner_process.ts";
import type { AttachmentRecord } from "./attachment_record.ts";
import { recordIps } from "./attachment_record.ts";
import { summarizeNetwork } from "./bridge_network.ts";
import type { CniNetworkConfigList, CniResult } from "./cni_types.ts";

/**
 * How long an attachment in state "adding" without a recorded owner (written by an older rkl)
 * is left alone by gc (ms). One with an owner is left alone exactly while its owner runs.
 */
export const ADDING_GRACE_MS = 5 * 60_000;

/** One host-local IP allocation: a file named by the IP in rkl's IPAM directory. */
export interface IpAllocation {
  /** The network (its host-local directory). */
  network: string;
  /** The allocated address. */
  ip: string;
  /** The container id written in the file. */
  id: string;
  /** The interface name written in the file (default `eth0`). */
  ifName: string;
}

/** An interface enslaved to the bridge of one of rkl's networks. */
export interface BridgePort {
  /** The network whose bridge it is on. */
  network: string;
  /** The bridge. */
  bridge: string;
  /** The interface (host side of a veth). */
  name: string;
}

/** What network gc sees on the host. */
export interface NetworkGcObservation {
  /** Sandbox ids (containers, pod sandboxes) whose network must be kept. */
  liveIds: ReadonlySet<string>;
  /** The current time (ms since the epoch). */
  now: number;
  /** `ownerKey`s of the records' owners that are still running (`core/owner_process.ts`). */
  liveOwners: ReadonlySet<string>;
  /** Every attachment record. */
  records: readonly AttachmentRecord[];
  /** Ids that have an attachment directory (with or without a record in it). */
  recordDirs: readonly string[];
  /** Every network known, from the records and the network store (by name, store wins). */
  networks: readonly CniNetworkConfigList[];
  /** IP allocations in rkl's IPAM directory. */
  allocations: readonly IpAllocation[];
  /** Names of the network namespaces in rkl's netns directory. */
  netns: readonly string[];
  /** Interfaces on the bridges of `networks`. */
  bridgePorts: readonly BridgePort[];
}

/** One thing network gc does, with what it needs to do it. */
export type NetworkGcAction =
  /** An attachment being set up right now (by another rkl process) is not garbage yet. */
  | { kind: "skip-adding"; id: string; name: string }
  /** CNI DEL with the cached config and result, then the namespace and the record. */
  | { kind: "release"; id: string; name: string; ips: string[] }
  /** An attachment directory without a record (a crash before the record was written). */
  | { kind: "remove-dir"; id: string }
  /** CNI DEL for an allocation without a record, telling the plugins the address. */
  | {
    kind: "free-ip";
    list: CniNetworkConfigList;
    id: string;
    ip: string;
    ifName: string;
    result: CniResult;
  }
  /** A namespace without a record. */
  | { kind: "remove-netns"; name: string }
  /** A veth on one of rkl's bridges that no record names (an interrupted plugin). */
  | { kind: "remove-veth"; name: string; bridge: string };

/**
 * Decides what network gc releases: attachments of sandboxes that are not live (except those
 * being set up: by an owner that still runs, or — for a record without owner — for less than
 * {@linkcode ADDING_GRACE_MS}), then what no record accounts for —
 * empty attachment directories, IP allocations, namespaces, and veths on rkl's bridges (a
 * bridge with an attachment being set up is left alone: its veth is not recorded yet). Ids of
 * records are never collected as orphans: releasing the record releases them.
 *
 * @example
 * ```ts
 * import { planNetworkGc } from "./network_gc_plan.ts";
 * import assert from "node:assert/strict";
 * const actions = planNetworkGc({
 *   liveIds: new Set(["live"]), now: 0, liveOwners: new Set(), records: [], recordDirs: [],
 *   networks: [], allocations: [], netns: ["live", "dead"], bridgePorts: [],
 * });
 * assert.deepEqual(actions, [{ kind: "remove-netns", name: "dead" }]);
 * ```
 */
export function planNetworkGc(obs: NetworkGcObservation): NetworkGcAction[] {
  const actions: NetworkGcAction[] = [];
  const recorded = new Set(obs.records.map((r) => r.id));
  const keep = (id: string) => obs.liveIds.has(id) || recorded.has(id);
  // Attachments being set up right now: their veths are not recorded yet.
  const settingUp = new Set<string>();
  for (const rec of obs.records) {
    if (rec.state !== "adding") continue;
    const running = rec.owner
      ? obs.liveOwners.has(ownerKey(rec.owner))
      : obs.now - Date.parse(rec.createdAt) < ADDING_GRACE_MS;
    if (running) settingUp.add(rec.id);
  }
  for (const rec of obs.records) {
    if (obs.liveIds.has(rec.id)) continue;
    if (settingUp.has(rec.id)) {
      actions.push({ kind: "skip-adding", id: rec.id, name: rec.name });
    } else {
      actions.push({ kind: "release", id: rec.id, name: rec.name, ips: recordIps(rec) });
    }
  }
  for (const id of obs.recordDirs) {
    if (!keep(id)) actions.push({ kind: "remove-dir", id });
  }
  const networks = new Map(obs.networks.map((l) => [l.name, l]));
  for (const a of obs.allocations) {
    const list = networks.get(a.network);
    if (!list || keep(a.id)) continue;
    // No cached result: tell the plugins the address at least (the firewall plugin finds its
    // rules by it).
    const prefix = /\/(\d+)$/.exec(summarizeNetwork(list).subnet ?? "")?.[1] ?? "32";
    actions.push({
      kind: "free-ip",
      list,
      id: a.id,
      ip: a.ip,
      ifName: a.ifName,
      result: {
        cniVersion: list.cniVersion,
        interfaces: [{ name: a.ifName }],
        ips: [{ address: `${a.ip}/${prefix}`, interface: 0 }],
        routes: [],
        dns: {},
      },
    });
  }
  for (const name of obs.netns) {
    if (!keep(name)) actions.push({ kind: "remove-netns", name });
  }
  const known = new Set<string>();
  const busy = new Set<string>();
  for (const r of obs.records) {
    for (const n of r.networks) {
      if (r.state === "adding" && (settingUp.has(r.id) || obs.liveIds.has(r.id))) {
        busy.add(n.config.name);
      }
      for (const i of n.result?.interfaces ?? []) if (i.sandbox === undefined) known.add(i.name);
    }
  }
  for (const p of obs.bridgePorts) {
    if (busy.has(p.network) || known.has(p.name)) continue;
    actions.push({ kind: "remove-veth", name: p.name, bridge: p.bridge });
  }
  return actions;
}
