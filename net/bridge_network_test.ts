import assert from "node:assert/strict";
import {
  bridgeNetworkConfig,
  defaultNetworkSettings,
  pickSubnet,
  summarizeNetwork,
  withoutDefaultRoute,
} from "./bridge_network.ts";
import { parseNetworkConfig } from "./cni_config.ts";
import { parseSubnet, subnetsOverlap } from "./subnet.ts";

Deno.test("bridgeNetworkConfig() writes bridge, host-local in rkl's dir, portmap, firewall, loopback", () => {
  const raw = bridgeNetworkConfig({
    name: "rkl",
    bridge: "rkl0",
    subnet: "10.77.0.0/16",
    ipamDataDir: "/var/lib/rkl/cni/ipam",
  });
  const { list } = parseNetworkConfig(JSON.stringify(raw), "rkl.conflist");
  const [bridge, portmap] = list.plugins;
  assert.equal(bridge?.raw.ipMasq, true, "outbound traffic is masqueraded");
  assert.equal(bridge?.raw.isGateway, true);
  assert.deepEqual(bridge?.raw.ipam, {
    type: "host-local",
    ranges: [[{ subnet: "10.77.0.0/16" }]],
    routes: [{ dst: "0.0.0.0/0" }],
    dataDir: "/var/lib/rkl/cni/ipam",
  });
  assert.deepEqual(portmap?.capabilities, { portMappings: true });
  assert.equal(portmap?.raw.snat, true, "needed for 127.0.0.1:hostPort");
  const noFw = bridgeNetworkConfig({
    name: "n",
    bridge: "b",
    subnet: "10.1.0.0/24",
    ipamDataDir: "/d",
    firewall: false,
  });
  assert.deepEqual((noFw.plugins as { type: string }[]).map((p) => p.type), [
    "bridge",
    "portmap",
    "loopback",
  ]);
  assert.throws(
    () => bridgeNetworkConfig({ name: "n", bridge: "b", subnet: "10.1.0.1/24", ipamDataDir: "/d" }),
    /network address/,
  );
});

Deno.test("defaultNetworkSettings() derives distinct bridges and subnets per state root", () => {
  const a = defaultNetworkSettings("/tmp/a");
  const b = defaultNetworkSettings("/tmp/b");
  assert.notEqual(a.bridge, b.bridge);
  assert.ok(a.bridge.length <= 15);
  assert.equal(defaultNetworkSettings("/tmp/a").subnet, a.subnet);
  assert.ok(!subnetsOverlap(parseSubnet(a.subnet), parseSubnet("10.77.0.0/16")));
});

Deno.test("pickSubnet() skips taken ranges", () => {
  const first = pickSubnet("seed", []);
  const taken = [parseSubnet(first)];
  const second = pickSubnet("seed", taken);
  assert.ok(!subnetsOverlap(parseSubnet(second), taken[0]!));
  assert.ok(
    !subnetsOverlap(
      parseSubnet(pickSubnet("seed", [parseSubnet("10.192.0.0/10")].slice(0, 0))),
      parseSubnet("10.0.0.0/16"),
    ),
  );
  assert.throws(() => pickSubnet("seed", [parseSubnet("10.192.0.0/10")]), /No free \/24/);
});

Deno.test("summarizeNetwork() handles foreign configs without a bridge", () => {
  const { list } = parseNetworkConfig(
    '{"cniVersion":"1.0.0","name":"lo","type":"loopback"}',
    "lo.conf",
  );
  assert.deepEqual(summarizeNetwork(list), { name: "lo", plugins: ["loopback"], file: "lo.conf" });
});

Deno.test("withoutDefaultRoute() drops only default routes and keeps other lists as they are", () => {
  const raw = bridgeNetworkConfig({
    name: "n",
    bridge: "b",
    subnet: "10.1.0.0/24",
    ipamDataDir: "/d",
  });
  const plugins = raw.plugins as { ipam?: { routes: unknown[] } }[];
  plugins[0]!.ipam!.routes.push({ dst: "192.168.0.0/16" });
  const { list } = parseNetworkConfig(JSON.stringify(raw), "n.conflist");
  const out = withoutDefaultRoute(list);
  assert.deepEqual((out.plugins[0]?.raw.ipam as { routes: unknown[] }).routes, [{
    dst: "192.168.0.0/16",
  }]);
  assert.deepEqual((out.raw.plugins as { ipam?: { routes: unknown[] } }[])[0]?.ipam?.routes, [{
    dst: "192.168.0.0/16",
  }]);
  assert.equal(
    (list.plugins[0]?.raw.ipam as { routes: unknown[] }).routes.length,
    2,
    "input untouched",
  );
  const lo =
    parseNetworkConfig('{"cniVersion":"1.0.0","name":"lo","type":"loopback"}', "lo.conf").list;
  assert.equal(withoutDefaultRoute(lo), lo);
});
