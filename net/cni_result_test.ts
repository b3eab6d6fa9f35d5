import assert from "node:assert/strict";
import { parseCniResult, parsePluginStdout, pluginFailure, sandboxIps } from "./cni_result.ts";
import { CniPluginError } from "./cni_plugin_error.ts";

const src = { plugin: "bridge", command: "ADD", network: "rkl" };

Deno.test("parseCniResult() reads a bridge plugin result", () => {
  const r = parseCniResult({
    cniVersion: "1.0.0",
    interfaces: [
      { name: "rkl0", mac: "b2:86:d9:8f:3e:df" },
      { name: "veth1", mac: "92:93:82:d9:a0:a4" },
      { name: "eth0", mac: "22:b6:a1:ea:76:d7", sandbox: "/run/rkl/netns/c1" },
    ],
    ips: [{ interface: 2, address: "10.77.0.2/16", gateway: "10.77.0.1" }],
    routes: [{ dst: "0.0.0.0/0" }],
    dns: {},
  }, src);
  assert.equal(r.interfaces[2]?.sandbox, "/run/rkl/netns/c1");
  assert.equal(r.ips[0]?.gateway, "10.77.0.1");
  assert.deepEqual(sandboxIps(r), ["10.77.0.2"]);
});

Deno.test("parseCniResult() rejects malformed results naming the plugin and field", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ["not an object", [], /expected a JSON object/],
    ["ips not a list", { ips: {} }, /ips must be a list/],
    ["address without prefix", { ips: [{ address: "10.0.0.2" }] }, /ips\[0\]\.address/],
    ["interface name missing", { interfaces: [{}] }, /interfaces\[0\]\.name must be a string/],
    ["negative interface index", { ips: [{ address: "10.0.0.2/24", interface: -1 }] }, /index/],
    ["dns.nameservers not strings", { dns: { nameservers: [1] } }, /dns\.nameservers\[0\]/],
  ];
  for (const [name, value, re] of cases) {
    await t.step(name, () => {
      assert.throws(() => parseCniResult(value, src), (e: unknown) => {
        assert.ok(e instanceof CniPluginError);
        assert.equal(e.plugin, "bridge");
        assert.match(e.message, re);
        return true;
      });
    });
  }
});

Deno.test("pluginFailure() surfaces the plugin's CNI error code, message and details", () => {
  const e = pluginFailure(
    '{"cniVersion":"1.0.0","code":11,"msg":"failed to allocate for range 0","details":"no IP addresses available in range set: 10.77.0.1-10.77.0.2"}',
    "",
    1,
    src,
  );
  assert.equal(e.code, 11);
  assert.equal(e.msg, "failed to allocate for range 0");
  assert.match(
    e.message,
    /CNI plugin "bridge" failed on ADD for network "rkl": failed to allocate/,
  );
  assert.match(e.message, /no IP addresses available/);
  assert.match(e.message, /\(code 11\)/);
});

Deno.test("pluginFailure() falls back to stderr when stdout holds no CNI error", () => {
  const e = pluginFailure("", "panic: runtime error\n", 2, src);
  assert.equal(e.code, 0);
  assert.match(e.msg, /exited with code 2: panic: runtime error/);
});

Deno.test("parsePluginStdout() reports invalid JSON with the output", () => {
  assert.throws(() => parsePluginStdout("oops", src), /printed invalid JSON: oops/);
});

Deno.test("parseCniResult() keeps fields it does not know, so prevResult is passed on as printed", () => {
  const printed = {
    cniVersion: "0.4.0",
    interfaces: [{ name: "eth0", sandbox: "/ns", mtu: 1500 }],
    ips: [{ version: "4", address: "10.0.0.2/24", interface: 0 }],
    routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }],
    dns: {},
    extra: { vendor: true },
  };
  assert.deepEqual(JSON.parse(JSON.stringify(parseCniResult(printed, src))), printed);
});
