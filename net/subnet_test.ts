import assert from "node:assert/strict";
import { fnv1a, formatSubnet, parseIpRoutes, parseSubnet, subnetsOverlap } from "./subnet.ts";

Deno.test("parseSubnet() accepts network addresses and explains bad input", async (t) => {
  assert.deepEqual(parseSubnet("10.77.0.0/16"), { base: 0x0a4d0000, prefix: 16 });
  const bad: [string, RegExp][] = [
    ["10.77.0.0", /expected IPv4 CIDR/],
    ["10.77.0.0/33", /expected IPv4 CIDR/],
    ["10.77.0.1/16", /use 10\.77\.0\.0\/16/],
    ["10.77.0.0/31", /too small/],
    ["fd00::/64", /expected IPv4 CIDR/],
  ];
  for (const [cidr, re] of bad) {
    await t.step(cidr, () => assert.throws(() => parseSubnet(cidr), re));
  }
});

Deno.test("subnetsOverlap() compares on the shorter prefix", () => {
  const s = (c: string) => parseSubnet(c);
  assert.ok(subnetsOverlap(s("10.77.0.0/16"), s("10.77.5.0/24")));
  assert.ok(subnetsOverlap(s("10.77.5.0/24"), s("10.77.0.0/16")));
  assert.ok(!subnetsOverlap(s("10.78.0.0/16"), s("10.77.5.0/24")));
  assert.ok(subnetsOverlap(s("0.0.0.0/0"), s("192.168.0.0/24")));
});

Deno.test("parseIpRoutes() reads subnets and host routes, skipping the default route", () => {
  const text = "default via 192.168.1.1 dev eth0 proto dhcp\n" +
    "10.77.0.0/16 dev rkl0 proto kernel scope link src 10.77.0.1\n" +
    "192.168.1.7 dev eth0 scope link\n" +
    "unreachable 10.9.0.0/24\n";
  assert.deepEqual(parseIpRoutes(text).map((r) => `${r.iface} ${formatSubnet(r.subnet)}`), [
    "rkl0 10.77.0.0/16",
    "eth0 192.168.1.7/32",
    " 10.9.0.0/24",
  ]);
});

Deno.test("fnv1a() is stable", () => {
  assert.equal(fnv1a(""), 0x811c9dc5);
  assert.equal(fnv1a("rkl"), fnv1a("rkl"));
});
