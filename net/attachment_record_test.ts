import assert from "node:assert/strict";
import { tempDir } from "../core/testing.ts";
import {
  type AttachmentRecord,
  AttachmentStore,
  parseAttachmentRecord,
  recordIps,
  serializeAttachmentRecord,
} from "./attachment_record.ts";
import { parseNetworkConfig } from "./cni_config.ts";

function sample(): AttachmentRecord {
  const { list } = parseNetworkConfig(
    '{"cniVersion":"1.0.0","name":"rkl","plugins":[{"type":"bridge","bridge":"rkl0"}]}',
    "/etc/rkl/cni/rkl.conflist",
  );
  return {
    id: "c1",
    name: "web",
    hostname: "web",
    netnsPath: "/run/rkl/netns/c1",
    state: "ready",
    ports: [{ hostPort: 8080, containerPort: 80, protocol: "tcp", hostIP: "127.0.0.1" }],
    cniArgs: { K8S_POD_NAMESPACE: "default" },
    networks: [{
      config: list,
      ifName: "eth0",
      result: {
        cniVersion: "1.0.0",
        interfaces: [{ name: "rkl0" }, { name: "eth0", sandbox: "/run/rkl/netns/c1" }],
        ips: [{ address: "10.77.0.9/16", interface: 1 }, { address: "10.77.0.1/16", interface: 0 }],
        routes: [],
        dns: {},
      },
    }],
    createdAt: "2026-01-01T00:00:00.000Z",
  };
}

Deno.test("attachment records round-trip through JSON with the config kept verbatim", () => {
  const rec = sample();
  const back = parseAttachmentRecord(JSON.parse(serializeAttachmentRecord(rec)), "a.json");
  assert.deepEqual(back, rec);
  assert.deepEqual(recordIps(back), ["10.77.0.9"], "host-side addresses are not the sandbox's");
});

Deno.test("parseAttachmentRecord() names the file and the bad field", async (t) => {
  const good = JSON.parse(serializeAttachmentRecord(sample()));
  const cases: [string, unknown, RegExp][] = [
    ["bad state", { ...good, state: "running" }, /state must be adding, ready or deleting/],
    ["bad port", { ...good, ports: [{ hostPort: "80" }] }, /ports\[0\] is malformed/],
    ["bad args", { ...good, cniArgs: { a: 1 } }, /cniArgs\.a must be a string/],
    ["bad network", { ...good, networks: [{ ifName: "eth0" }] }, /networks\[0\] is malformed/],
  ];
  for (const [name, value, re] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => parseAttachmentRecord(value, "/x/attachment.json"),
        (e: unknown) =>
          e instanceof Error && e.message.includes("/x/attachment.json") && re.test(e.message),
      );
    });
  }
});

Deno.test("AttachmentStore puts, lists and removes records", async () => {
  await using dir = await tempDir("rk8s-att-");
  const store = new AttachmentStore(dir.path);
  assert.deepEqual(await store.list(), []);
  await store.put(sample());
  assert.deepEqual((await store.list()).map((r) => r.id), ["c1"]);
  assert.equal((await store.get("c1"))?.name, "web");
  await store.remove("c1");
  await store.remove("c1");
  assert.equal(await store.get("c1"), undefined);
});
