import assert from "node:assert/strict";
import { CniRuntime } from "./cni_runtime.ts";
import type { PluginExecutor } from "./cni_exec.ts";
import type { CniNetworkConfigList } from "./cni_types.ts";
import { CniPluginError } from "./cni_plugin_error.ts";
import { CleanupError } from "../core/errors.ts";

interface Call {
  command: string;
  plugin: string;
  stdin: Record<string, unknown>;
  env: Record<string, string>;
}

/** A fake executor: each plugin adds an IP or interface to the result; some can fail. */
function fakeExecutor(failOn: Record<string, string> = {}): PluginExecutor & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    find: (type) => Promise.resolve(type === "missing" ? undefined : `/fake/${type}`),
    exec: (path, env, stdin) => {
      const plugin = path.replace("/fake/", "");
      const conf = JSON.parse(stdin) as Record<string, unknown>;
      calls.push({ command: env.CNI_COMMAND!, plugin, stdin: conf, env });
      if (failOn[plugin] === env.CNI_COMMAND) {
        return Promise.resolve({
          code: 1,
          stdout: JSON.stringify({ cniVersion: "1.0.0", code: 7, msg: `${plugin} broke` }),
          stderr: "",
        });
      }
      if (env.CNI_COMMAND !== "ADD") return Promise.resolve({ code: 0, stdout: "", stderr: "" });
      const prev = (conf.prevResult ?? { cniVersion: "1.0.0", interfaces: [], ips: [] }) as {
        interfaces: unknown[];
      };
      const result = { ...prev, interfaces: [...prev.interfaces, { name: plugin }] };
      return Promise.resolve({ code: 0, stdout: JSON.stringify(result), stderr: "" });
    },
  };
}

const list: CniNetworkConfigList = {
  name: "n",
  cniVersion: "1.0.0",
  disableCheck: false,
  file: "n.conflist",
  raw: {},
  plugins: [
    { type: "bridge", raw: { type: "bridge" } },
    {
      type: "portmap",
      capabilities: { portMappings: true },
      raw: { type: "portmap", capabilities: { portMappings: true } },
    },
    { type: "loopback", raw: { type: "loopback" } },
  ],
};
const rt = { containerId: "c1", netns: "/run/rkl/netns/c1", ifName: "eth0" };
const ports = { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" as const }] };

Deno.test("CniRuntime.add() runs plugins in order and chains prevResult", async () => {
  const exec = fakeExecutor();
  const cni = new CniRuntime({ executor: exec, cniPath: ["/fake"] });
  const result = await cni.add(list, rt, ports);
  assert.deepEqual(result.interfaces.map((i) => i.name), ["bridge", "portmap", "loopback"]);
  assert.deepEqual(exec.calls.map((c) => c.plugin), ["bridge", "portmap", "loopback"]);
  assert.equal(exec.calls[0]!.stdin.prevResult, undefined);
  assert.deepEqual(
    (exec.calls[2]!.stdin.prevResult as { interfaces: { name: string }[] }).interfaces.map((i) =>
      i.name
    ),
    ["bridge", "portmap"],
  );
  assert.equal(exec.calls[0]!.stdin.runtimeConfig, undefined, "bridge has no capability");
  assert.deepEqual(exec.calls[1]!.stdin.runtimeConfig, ports);
  assert.equal(exec.calls[1]!.env.CNI_PATH, "/fake");
});

Deno.test("CniRuntime.add() stops at the failing plugin and surfaces its error", async () => {
  const exec = fakeExecutor({ portmap: "ADD" });
  const cni = new CniRuntime({ executor: exec });
  await assert.rejects(cni.add(list, rt, {}), (e: unknown) => {
    assert.ok(e instanceof CniPluginError);
    assert.equal(e.plugin, "portmap");
    assert.equal(e.code, 7);
    assert.equal(e.msg, "portmap broke");
    return true;
  });
  assert.deepEqual(exec.calls.map((c) => c.plugin), ["bridge", "portmap"]);
});

Deno.test("CniRuntime.del() runs every plugin in reverse with the cached result", async () => {
  const exec = fakeExecutor({ portmap: "DEL" });
  const cni = new CniRuntime({ executor: exec });
  const cached = { cniVersion: "1.0.0", interfaces: [{ name: "x" }], ips: [], routes: [], dns: {} };
  await assert.rejects(cni.del(list, { ...rt, netns: "" }, ports, cached), CniPluginError);
  assert.deepEqual(exec.calls.map((c) => `${c.command} ${c.plugin}`), [
    "DEL loopback",
    "DEL portmap",
    "DEL bridge",
  ]);
  for (const c of exec.calls) {
    assert.deepEqual(c.stdin.prevResult, cached);
    assert.equal(c.env.CNI_NETNS, "");
  }
  const two = fakeExecutor({ portmap: "DEL", bridge: "DEL" });
  await assert.rejects(
    new CniRuntime({ executor: two }).del(list, rt, {}, undefined),
    (e: unknown) => e instanceof CleanupError && e.failures.length === 2,
  );
});

Deno.test("CniRuntime.check() passes the cached result and honours disableCheck", async () => {
  const exec = fakeExecutor();
  const cni = new CniRuntime({ executor: exec });
  const cached = { cniVersion: "1.0.0", interfaces: [], ips: [], routes: [], dns: {} };
  assert.equal(await cni.check(list, rt, {}, cached), true);
  assert.deepEqual(exec.calls.map((c) => c.command), ["CHECK", "CHECK", "CHECK"]);
  assert.equal(await cni.check({ ...list, disableCheck: true }, rt, {}, cached), false);
  assert.equal(exec.calls.length, 3);
});

Deno.test("CniRuntime reports a missing plugin with the search path", async () => {
  const cni = new CniRuntime({ executor: fakeExecutor(), cniPath: ["/a", "/b"] });
  const bad = { ...list, plugins: [{ type: "missing", raw: { type: "missing" } }] };
  await assert.rejects(
    cni.add(bad, rt, {}),
    /"missing" failed on ADD for network "n": not found in \/a:\/b/,
  );
});
