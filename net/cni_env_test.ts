import assert from "node:assert/strict";
import { cniEnv, pluginStdin } from "./cni_env.ts";
import type { CniNetworkConfigList, CniResult } from "./cni_types.ts";

const list: CniNetworkConfigList = {
  name: "rkl",
  cniVersion: "1.0.0",
  disableCheck: false,
  file: "/etc/rkl/cni/rkl.conflist",
  raw: {},
  plugins: [],
};

Deno.test("cniEnv() sets exactly the CNI variables and PATH", () => {
  const env = cniEnv(
    "DEL",
    { containerId: "c1", netns: "", ifName: "eth1", args: { K8S_POD_NAMESPACE: "default" } },
    ["/opt/cni/bin", "/usr/lib/cni"],
    "/usr/sbin:/usr/bin",
  );
  assert.deepEqual(env, {
    CNI_COMMAND: "DEL",
    CNI_CONTAINERID: "c1",
    CNI_NETNS: "",
    CNI_IFNAME: "eth1",
    CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default",
    CNI_PATH: "/opt/cni/bin:/usr/lib/cni",
    PATH: "/usr/sbin:/usr/bin",
  });
  assert.throws(
    () => cniEnv("ADD", { containerId: "c", netns: "/n", ifName: "eth0", args: { a: "x;y" } }, []),
    /must not contain/,
  );
});

Deno.test("pluginStdin() injects name, version and prevResult and filters runtimeConfig by capability", () => {
  const prev: CniResult = { cniVersion: "1.0.0", interfaces: [], ips: [], routes: [], dns: {} };
  const bridge = {
    type: "bridge",
    raw: { type: "bridge", bridge: "rkl0", runtimeConfig: { x: 1 } },
  };
  const ports = [{ hostPort: 8080, containerPort: 80, protocol: "tcp" as const }];
  const b = pluginStdin(list, bridge, undefined, { portMappings: ports });
  assert.deepEqual(b, { type: "bridge", bridge: "rkl0", name: "rkl", cniVersion: "1.0.0" });
  const portmap = {
    type: "portmap",
    capabilities: { portMappings: true },
    raw: { type: "portmap", capabilities: { portMappings: true } },
  };
  const p = pluginStdin(list, portmap, prev, { portMappings: ports });
  assert.deepEqual(p.runtimeConfig, { portMappings: ports });
  assert.deepEqual(p.prevResult, prev);
  const off = { ...portmap, capabilities: { portMappings: false } };
  assert.equal(pluginStdin(list, off, prev, { portMappings: ports }).runtimeConfig, undefined);
  assert.equal(pluginStdin(list, portmap, prev, {}).runtimeConfig, undefined);
});
