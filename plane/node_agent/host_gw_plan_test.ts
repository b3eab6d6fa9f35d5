import assert from "node:assert/strict";
import {
  diffHostGwRoutes,
  hostGwSyncDue,
  nodePodNetwork,
  planHostGwRoutes,
} from "./host_gw_plan.ts";
import { parseRouteJson } from "./host_gw_routes.ts";

function node(name: string, podCIDR?: string, ip?: string) {
  return {
    metadata: { name },
    spec: podCIDR ? { podCIDR } : {},
    status: {
      addresses: ip
        ? [{ type: "Hostname", address: name }, { type: "InternalIP", address: ip }]
        : [],
    },
  };
}

Deno.test("planHostGwRoutes() routes every other node's pod CIDR via its InternalIP", async (t) => {
  const cases: { name: string; nodes: unknown[]; want: string[] }[] = [
    {
      name: "three nodes: two routes on node-1",
      nodes: [
        node("node-1", "10.244.0.0/24", "10.250.0.10"),
        node("node-2", "10.244.1.0/24", "10.250.0.11"),
        node("node-3", "10.244.2.0/24", "10.250.0.12"),
      ],
      want: ["10.244.1.0/24 via 10.250.0.11", "10.244.2.0/24 via 10.250.0.12"],
    },
    {
      name: "a node without podCIDR or address yet gets no route",
      nodes: [
        node("node-1", "10.244.0.0/24", "10.250.0.10"),
        node("node-2", undefined, "10.250.0.11"),
        node("node-3", "10.244.2.0/24"),
      ],
      want: [],
    },
    {
      name: "malformed values are ignored",
      nodes: [
        node("node-1"),
        node("node-2", "10.244.300.0/24", "10.250.0.11"),
        node("node-3", "10.244.2.0/24", "x"),
      ],
      want: [],
    },
    {
      name:
        "the same CIDR claimed twice: the lower name wins; this node's own CIDR is never routed",
      nodes: [
        node("node-1", "10.244.0.0/24", "10.250.0.10"),
        node("node-b", "10.244.5.0/24", "10.250.0.12"),
        node("node-a", "10.244.5.0/24", "10.250.0.11"),
        node("node-c", "10.244.0.0/24", "10.250.0.13"),
      ],
      want: ["10.244.5.0/24 via 10.250.0.11"],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const nets = c.nodes.map(nodePodNetwork).filter((n) => n !== undefined);
      assert.deepEqual(
        planHostGwRoutes("node-1", nets).map((r) => `${r.dst} via ${r.via}`),
        c.want,
      );
    });
  }
});

Deno.test("diffHostGwRoutes() removes gone nodes and replaces moved ones", () => {
  const d = diffHostGwRoutes(
    [
      { dst: "10.244.1.0/24", via: "10.250.0.21", node: "n2" },
      { dst: "10.244.3.0/24", via: "10.250.0.13", node: "n3" },
    ],
    [
      { dst: "10.244.1.0/24", via: "10.250.0.11" },
      { dst: "10.244.2.0/24", via: "10.250.0.12" },
      { dst: "10.244.3.0/24", via: "10.250.0.13" },
    ],
  );
  assert.deepEqual(d.remove, ["10.244.2.0/24"]);
  assert.deepEqual(d.replace.map((r) => r.dst), ["10.244.1.0/24"]);
  assert.deepEqual(parseRouteJson("[]"), []);
});

Deno.test("hostGwSyncDue() reads the routes only for a new plan or the periodic check", () => {
  const r = (dst: string, via: string, node: string) => ({ dst, via, node });
  const plan = [r("10.244.1.0/24", "10.250.0.11", "n1"), r("10.244.2.0/24", "10.250.0.12", "n2")];
  const applied = { routes: plan, at: 100_000 };
  assert.equal(hostGwSyncDue(applied, plan.map((x) => ({ ...x })), 100_500, 30_000), false);
  // A node moved to another address, or got another podCIDR.
  const moved = [plan[0]!, r("10.244.2.0/24", "10.250.0.13", "n2")];
  assert.equal(hostGwSyncDue(applied, moved, 100_500, 30_000), true);
  assert.equal(
    hostGwSyncDue(applied, [plan[0]!, r("10.244.3.0/24", "10.250.0.12", "n2")], 100_500, 30_000),
    true,
  );
  // A node joined.
  assert.equal(
    hostGwSyncDue(applied, [...plan, r("10.244.3.0/24", "10.250.0.13", "n3")], 100_500, 30_000),
    true,
  );
  // Unchanged, but a route may have been deleted by someone: looked at again after the period.
  assert.equal(hostGwSyncDue(applied, plan, 129_999, 30_000), false);
  assert.equal(hostGwSyncDue(applied, plan, 130_000, 30_000), true);
});
