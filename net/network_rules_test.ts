import assert from "node:assert/strict";
import { bridgeNetworkConfig } from "./bridge_network.ts";
import { parseNetworkConfig } from "./cni_config.ts";
import { networkRulesOf } from "./network_rules.ts";

function list(spec: Partial<Parameters<typeof bridgeNetworkConfig>[0]>) {
  const raw = bridgeNetworkConfig({
    name: "app_net",
    bridge: "rk-0000abcd",
    subnet: "10.42.7.0/24",
    ipamDataDir: "/x",
    ...spec,
  });
  return parseNetworkConfig(JSON.stringify(raw), "app_net.conflist").list;
}

Deno.test("networkRulesOf(): one masquerade and two forward accepts, only for networkRules networks", () => {
  const own = list({ networkRules: true });
  assert.deepEqual(own.plugins.map((p) => p.type), ["bridge", "portmap", "loopback"]);
  assert.equal(own.plugins[0]!.raw.ipMasq, false, "no per-container masquerade chain");
  const comment = ["-m", "comment", "--comment", "rkl network app_net"];
  assert.deepEqual(networkRulesOf(own), [
    {
      table: "nat",
      chain: "POSTROUTING",
      position: "append",
      args: ["-s", "10.42.7.0/24", "!", "-o", "rk-0000abcd", ...comment, "-j", "MASQUERADE"],
    },
    {
      table: "filter",
      chain: "FORWARD",
      position: "insert",
      args: ["-i", "rk-0000abcd", ...comment, "-j", "ACCEPT"],
    },
    {
      table: "filter",
      chain: "FORWARD",
      position: "insert",
      args: [
        "-o",
        "rk-0000abcd",
        "-m",
        "conntrack",
        "--ctstate",
        "RELATED,ESTABLISHED",
        ...comment,
        "-j",
        "ACCEPT",
      ],
    },
  ]);
  // An internal network has no gateway: nothing to masquerade or forward.
  assert.deepEqual(networkRulesOf(list({ networkRules: true, internal: true })), []);
  // Networks written without it keep the plugins' own rules.
  const plain = list({});
  assert.equal(networkRulesOf(plain), undefined);
  assert.deepEqual(plain.plugins.map((p) => p.type), ["bridge", "portmap", "firewall", "loopback"]);
  assert.equal(plain.plugins[0]!.raw.ipMasq, true);
});
