import assert from "node:assert/strict";
import type { AttachmentRecord } from "./attachment_record.ts";
import type { CniNetworkConfigList } from "./cni_types.ts";
import {
  ADDING_GRACE_MS,
  type NetworkGcAction,
  type NetworkGcObservation,
  planNetworkGc,
} from "./network_gc_plan.ts";

const NOW = Date.parse("2026-11-30T05:00:00Z");

function net(name: string, bridge: string, subnet: string): CniNetworkConfigList {
  return {
    name,
    cniVersion: "1.0.0",
    disableCheck: false,
    file: `/etc/rkl/cni/${name}.conflist`,
    raw: {},
    plugins: [{
      type: "bridge",
      raw: { type: "bridge", bridge, ipam: { type: "host-local", ranges: [[{ subnet }]] } },
    }],
  };
}

const RKL = net("rkl", "rkl0", "10.77.0.0/16");
const BACK = net("back", "rk-back", "10.88.1.0/24");

function record(
  id: string,
  opts: {
    state?: AttachmentRecord["state"];
    ageMs?: number;
    veth?: string;
    ip?: string;
    owner?: AttachmentRecord["owner"];
  } = {},
): AttachmentRecord {
  return {
    id,
    name: `n-${id}`,
    hostname: id,
    netnsPath: `/run/rkl/netns/${id}`,
    state: opts.state ?? "ready",
    ports: [],
    cniArgs: {},
    networks: [{
      config: RKL,
      ifName: "eth0",
      ...(opts.veth || opts.ip
        ? {
          result: {
            cniVersion: "1.0.0",
            interfaces: [
              ...(opts.veth ? [{ name: opts.veth }] : []),
              { name: "eth0", sandbox: `/run/rkl/netns/${id}` },
            ],
            ips: opts.ip ? [{ address: `${opts.ip}/16`, interface: opts.veth ? 1 : 0 }] : [],
            routes: [],
            dns: {},
          },
        }
        : {}),
    }],
    createdAt: new Date(NOW - (opts.ageMs ?? 60 * 60_000)).toISOString(),
    ...(opts.owner ? { owner: opts.owner } : {}),
  };
}

/** The owner of an attachment being set up by a process that runs, and one that died. */
const RUNNING = { pid: 100, startedAt: NOW - 1_000 };
const DEAD = { pid: 200, startedAt: NOW - 1_000 };

function observe(o: Partial<NetworkGcObservation>): NetworkGcObservation {
  return {
    liveIds: new Set(),
    now: NOW,
    liveOwners: new Set([`${RUNNING.pid}@${RUNNING.startedAt}`]),
    records: [],
    recordDirs: o.records?.map((r) => r.id) ?? [],
    networks: [RKL, BACK],
    allocations: [],
    netns: [],
    bridgePorts: [],
    ...o,
  };
}

/** A compact view of an action for the table. */
function brief(a: NetworkGcAction): string {
  switch (a.kind) {
    case "skip-adding":
    case "release":
    case "remove-dir":
      return `${a.kind} ${a.id}`;
    case "free-ip":
      return `free-ip ${a.id} ${a.ip} on ${a.list.name} as ${a.result.ips[0]?.address}`;
    case "remove-netns":
      return `remove-netns ${a.name}`;
    case "remove-veth":
      return `remove-veth ${a.name} on ${a.bridge}`;
  }
}

Deno.test("planNetworkGc() decides what network gc releases", async (t) => {
  const cases: { name: string; obs: NetworkGcObservation; want: string[] }[] = [
    {
      name: "nothing on the host: nothing to do",
      obs: observe({}),
      want: [],
    },
    {
      name: "a live sandbox keeps its record, namespace and address",
      obs: observe({
        liveIds: new Set(["a"]),
        records: [record("a", { ip: "10.77.0.2", veth: "veth1" })],
        netns: ["a"],
        allocations: [{ network: "rkl", ip: "10.77.0.2", id: "a", ifName: "eth0" }],
        bridgePorts: [{ network: "rkl", bridge: "rkl0", name: "veth1" }],
      }),
      want: [],
    },
    {
      name: "a dead sandbox's record is released; what it owns is left to the release",
      obs: observe({
        records: [record("d", { ip: "10.77.0.3", veth: "veth2" })],
        netns: ["d"],
        allocations: [{ network: "rkl", ip: "10.77.0.3", id: "d", ifName: "eth0" }],
        bridgePorts: [{ network: "rkl", bridge: "rkl0", name: "veth2" }],
      }),
      want: ["release d"],
    },
    {
      name: "an attachment being set up is skipped during the grace period only",
      obs: observe({
        records: [
          record("new", { state: "adding", ageMs: ADDING_GRACE_MS - 1 }),
          record("old", { state: "adding", ageMs: ADDING_GRACE_MS + 1 }),
        ],
      }),
      want: ["skip-adding new", "release old"],
    },
    {
      name:
        "an attachment being set up by a process that died is released at once, whatever its age",
      obs: observe({
        records: [
          record("busy", { state: "adding", ageMs: 1_000, owner: RUNNING, veth: "veth7" }),
          record("cut", { state: "adding", ageMs: 1_000, owner: DEAD, ip: "10.77.0.9" }),
          record("slow", { state: "adding", ageMs: ADDING_GRACE_MS + 1, owner: RUNNING }),
        ],
        bridgePorts: [{ network: "rkl", bridge: "rkl0", name: "veth-unrecorded" }],
      }),
      // The bridge stays busy while "busy" and "slow" are set up: no veth on it is removed.
      want: ["skip-adding busy", "release cut", "skip-adding slow"],
    },
    {
      name: "once no live process sets an attachment up, unrecorded veths on its bridge go",
      obs: observe({
        records: [record("cut", { state: "adding", ageMs: 1_000, owner: DEAD })],
        bridgePorts: [{ network: "rkl", bridge: "rkl0", name: "veth-unrecorded" }],
      }),
      want: ["release cut", "remove-veth veth-unrecorded on rkl0"],
    },
    {
      name: "a directory without a record is removed unless its sandbox is live",
      obs: observe({ recordDirs: ["empty", "live"], liveIds: new Set(["live"]) }),
      want: ["remove-dir empty"],
    },
    {
      name: "an allocation without a record is freed with the network's prefix",
      obs: observe({
        allocations: [
          { network: "rkl", ip: "10.77.0.9", id: "gone", ifName: "eth0" },
          { network: "back", ip: "10.88.1.5", id: "gone", ifName: "eth1" },
          { network: "unknown-net", ip: "10.99.0.5", id: "gone", ifName: "eth0" },
          { network: "rkl", ip: "10.77.0.10", id: "live", ifName: "eth0" },
        ],
        liveIds: new Set(["live"]),
      }),
      want: [
        "free-ip gone 10.77.0.9 on rkl as 10.77.0.9/16",
        "free-ip gone 10.88.1.5 on back as 10.88.1.5/24",
      ],
    },
    {
      name: "a namespace without a record or live sandbox is removed",
      obs: observe({
        netns: ["stale", "kept"],
        records: [record("kept")],
        liveIds: new Set(["kept"]),
      }),
      want: ["remove-netns stale"],
    },
    {
      name: "a veth no record names is removed, except on a bridge with an attachment being set up",
      obs: observe({
        liveIds: new Set(["a", "b"]),
        records: [
          record("a", { veth: "vetha" }),
          { ...record("b", { state: "adding" }), networks: [{ config: BACK, ifName: "eth0" }] },
        ],
        bridgePorts: [
          { network: "rkl", bridge: "rkl0", name: "vetha" },
          { network: "rkl", bridge: "rkl0", name: "vethorphan" },
          { network: "back", bridge: "rk-back", name: "vethmaybe" },
        ],
      }),
      want: ["remove-veth vethorphan on rkl0"],
    },
    {
      name: "actions come in order: records, directories, addresses, namespaces, veths",
      obs: observe({
        records: [record("r")],
        recordDirs: ["r", "e"],
        allocations: [{ network: "rkl", ip: "10.77.0.7", id: "x", ifName: "eth0" }],
        netns: ["x"],
        bridgePorts: [{ network: "rkl", bridge: "rkl0", name: "vx" }],
      }),
      want: [
        "release r",
        "remove-dir e",
        "free-ip x 10.77.0.7 on rkl as 10.77.0.7/16",
        "remove-netns x",
        "remove-veth vx on rkl0",
      ],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      assert.deepEqual(planNetworkGc(c.obs).map(brief), c.want);
    });
  }
});

Deno.test("planNetworkGc() passes a released record's addresses on for the report", () => {
  const [a] = planNetworkGc(observe({ records: [record("d", { ip: "10.77.0.3" })] }));
  assert.deepEqual(a, { kind: "release", id: "d", name: "n-d", ips: ["10.77.0.3"] });
});
