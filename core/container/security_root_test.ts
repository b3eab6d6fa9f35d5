/**
 * Integration test of the securityContext fields on the real runtime (runc) and conmon: the
 * capability sets and no_new_privs the container's process really gets, read from its own
 * `/proc/self/status` (printed by the container's init process into its log).
 */
import assert from "node:assert/strict";
import { run } from "../exec.ts";
import { rootTest, testBundles, waitFor, withTempEngine } from "../testing.ts";
import {
  type ContainerConfig,
  containerLogs,
  containerStatus,
  listContainers,
  removeContainer,
  runContainer,
} from "./mod.ts";

/** Runs `cat /proc/self/status` in a container and returns its fields. */
async function statusOf(
  engine: Parameters<typeof runContainer>[0],
  config: Omit<ContainerConfig, "image" | "args">,
): Promise<Map<string, string>> {
  await runContainer(engine, {
    ...config,
    image: testBundles.busybox,
    args: ["cat", "/proc/self/status"],
  });
  // The runtime reports the process stopped a moment before conmon writes its exit file: wait
  // for the exit code too (on a loaded host the two were seen apart).
  const v = await waitFor(`container ${config.name} to exit`, async () => {
    const s = await containerStatus(engine, config.name);
    return s.status === "stopped" && s.exitCode !== undefined ? s : undefined;
  });
  assert.equal(v.exitCode, 0);
  const fields = new Map<string, string>();
  for (const l of await containerLogs(engine, config.name)) {
    const m = /^(\w+):\s*(.*)$/.exec(l.text);
    if (m) fields.set(m[1]!, m[2]!);
  }
  assert.ok(fields.has("CapEff"), `no CapEff in the output of ${config.name}`);
  return fields;
}

rootTest("securityContext on runc: capabilities, no_new_privs, privileged", async () => {
  await withTempEngine({
    prefix: "rkl-sec-",
    cleanup: async (engine) => {
      for (const v of await listContainers(engine)) {
        await removeContainer(engine, v.record.id, { force: true });
      }
    },
  }, async (engine) => {
    // Kubernetes' (containerd's, Docker's) default set: CHOWN … SETFCAP.
    const def = await statusOf(engine, { name: "sec-default" });
    assert.equal(def.get("CapEff"), "00000000a80425fb");
    assert.equal(def.get("CapBnd"), "00000000a80425fb");
    assert.equal(def.get("NoNewPrivs"), "0");

    const narrow = await statusOf(engine, {
      name: "sec-narrow",
      capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
      noNewPrivileges: true,
    });
    assert.equal(narrow.get("CapEff"), "0000000000000400", "only CAP_NET_BIND_SERVICE (bit 10)");
    assert.equal(narrow.get("CapPrm"), "0000000000000400");
    assert.equal(narrow.get("CapBnd"), "0000000000000400");
    assert.equal(narrow.get("NoNewPrivs"), "1");

    const added = await statusOf(engine, {
      name: "sec-added",
      capabilities: { add: ["CAP_NET_ADMIN"], drop: ["NET_RAW"] },
    });
    // Default set + NET_ADMIN (bit 12) − NET_RAW (bit 13).
    assert.equal(added.get("CapEff"), "00000000a80415fb");

    // Privileged: everything in the bounding set of this (root) test process.
    // (Deno's permissions do not let the test read /proc/self/status itself; cat's is the same.)
    const own = /^CapBnd:\s*(\w+)$/m.exec((await run(["cat", "/proc/self/status"])).stdout)![1];
    const priv = await statusOf(engine, { name: "sec-priv", privileged: true });
    assert.equal(priv.get("CapEff"), own, "every capability the host has");
    assert.equal(priv.get("NoNewPrivs"), "0");
  });
});
