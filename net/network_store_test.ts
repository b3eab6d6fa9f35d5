import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir } from "../core/testing.ts";
import { run } from "../core/exec.ts";
import { uniqueNet } from "./_test_util.ts";
import { ConflictError, NotFoundError } from "../core/errors.ts";
import { NetworkStore } from "./network_store.ts";
import { summarizeNetwork } from "./bridge_network.ts";
import { hostLinkNames } from "./subnet.ts";

Deno.test("NetworkStore writes the default network once and keeps the user's edits", async () => {
  await using dir = await tempDir("rk8s-netstore-");
  const store = new NetworkStore({
    configDir: join(dir.path, "cni"),
    ipamDataDir: join(dir.path, "ipam"),
    defaultBridge: "rkdef0",
    defaultSubnet: "10.99.0.0/24",
  });
  const first = await store.get("rkl");
  assert.equal(summarizeNetwork(first).bridge, "rkdef0");
  assert.equal(first.file, join(dir.path, "cni", "rkl.conflist"));
  const edited = JSON.parse(await Deno.readTextFile(first.file));
  edited.plugins[0].bridge = "mine0";
  await Deno.writeTextFile(first.file, JSON.stringify(edited));
  assert.equal(summarizeNetwork(await store.ensureDefault()).bridge, "mine0");
  await assert.rejects(store.get("missing"), NotFoundError);
});

Deno.test("NetworkStore.create() refuses clashing names, bridges, subnets and host devices", async () => {
  await using dir = await tempDir("rk8s-netstore-");
  const store = new NetworkStore({
    configDir: join(dir.path, "cni"),
    ipamDataDir: join(dir.path, "ipam"),
    root: dir.path,
  });
  const a = await store.create({ name: "a", subnet: "10.98.1.0/24", bridge: "rkta" });
  assert.equal(summarizeNetwork(a).subnet, "10.98.1.0/24");
  await assert.rejects(store.create({ name: "a" }), ConflictError);
  await assert.rejects(
    store.create({ name: "b", bridge: "rkta" }),
    /Bridge "rkta" is already used by network "a"/,
  );
  await assert.rejects(
    store.create({ name: "b", subnet: "10.98.0.0/16" }),
    /Subnet 10\.98\.0\.0\/16 overlaps 10\.98\.1\.0\/24 of network "a"/,
  );
  const hostDevice = (await hostLinkNames())[0]!; // e.g. "lo"
  await assert.rejects(
    store.create({ name: "b", bridge: hostDevice }),
    new RegExp(`A network device named "${hostDevice}" already exists`),
  );
  const auto = summarizeNetwork(await store.create({ name: "b" }));
  assert.match(auto.subnet ?? "", /^10\.(19[2-9]|2[0-5]\d)\.\d+\.0\/24$/);
  assert.match(auto.bridge ?? "", /^rk-[0-9a-f]{8}$/);
  await store.remove("a");
  await assert.rejects(store.get("a"), NotFoundError);
});

rootTest("NetworkStore refuses a default subnet that overlaps a host route", async () => {
  await using dir = await tempDir("rk8s-netstore-");
  const { bridge: dummy, subnet } = uniqueNet();
  const gw = subnet.replace(/0\/24$/, "1/24");
  await run(["ip", "link", "add", dummy, "type", "bridge"]);
  try {
    await run(["ip", "addr", "add", gw, "dev", dummy]);
    await run(["ip", "link", "set", dummy, "up"]);
    const store = new NetworkStore({
      configDir: join(dir.path, "cni"),
      ipamDataDir: join(dir.path, "ipam"),
      root: dir.path,
      defaultBridge: "rkdefx0",
      defaultSubnet: subnet,
    });
    await assert.rejects(
      store.ensureDefault(),
      new RegExp(`subnet ${subnet.replace(/\./g, "\\.")} overlaps the host route .* on ${dummy}`),
    );
    await assert.rejects(Deno.stat(join(dir.path, "cni", "rkl.conflist")), Deno.errors.NotFound);
  } finally {
    await run(["ip", "link", "del", dummy]);
  }
});
