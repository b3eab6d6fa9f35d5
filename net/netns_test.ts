import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir } from "../core/testing.ts";
import { ConflictError } from "../core/errors.ts";
import { NetnsManager } from "./netns.ts";
import { inNetns } from "./_test_util.ts";

Deno.test("NetnsManager.path() rejects names that are not plain file names", () => {
  const ns = new NetnsManager("/run/rkl/netns");
  assert.equal(ns.path("c1"), "/run/rkl/netns/c1");
  assert.throws(() => ns.path("../etc"), /Invalid network namespace name/);
  assert.throws(() => ns.path(""), /Invalid network namespace name/);
});

rootTest("NetnsManager creates, enters, lists and removes namespaces", async () => {
  await using dir = await tempDir("rk8s-netns-");
  const ns = new NetnsManager(join(dir.path, "netns"));
  assert.deepEqual(await ns.list(), []);
  const path = await ns.create("n1");
  assert.equal(await ns.exists("n1"), true);
  const links = await inNetns(path, ["ip", "-o", "link", "show"]);
  assert.match(links.stdout, /^1: lo:/m);
  assert.doesNotMatch(links.stdout, /eth0/, "a fresh namespace has only loopback");
  await assert.rejects(ns.create("n1"), ConflictError);
  assert.deepEqual(await ns.list(), ["n1"]);
  await ns.remove("n1");
  await ns.remove("n1");
  assert.equal(await ns.exists("n1"), false);
  assert.deepEqual(await ns.list(), []);
  // A stale file (namespace unmounted behind rkl's back) is reused by create.
  await Deno.writeTextFile(join(dir.path, "netns", "n2"), "");
  assert.equal(await ns.exists("n2"), false);
  await ns.create("n2");
  assert.equal(await ns.exists("n2"), true);
  await ns.remove("n2");
});

rootTest(
  "NetnsManager.create() makes a pod's IPC and UTS namespaces in the same unshare",
  async () => {
    await using dir = await tempDir("rk8s-netns-");
    const ns = new NetnsManager(join(dir.path, "netns"));
    const ipc = join(dir.path, "ipc");
    const uts = join(dir.path, "uts");
    for (const f of [ipc, uts]) await Deno.writeFile(f, new Uint8Array());
    const net = await ns.create("p1", { ipc, uts });
    const inode = async (path: string) => (await Deno.stat(path)).ino;
    const dev = async (path: string) => (await Deno.stat(path)).dev;
    // Each file is a namespace of its own now (nsfs, not the directory's file system).
    for (const f of [net, ipc, uts]) assert.notEqual(await dev(f), await dev(dir.path), f);
    assert.equal(new Set([await inode(net), await inode(ipc), await inode(uts)]).size, 3);
    for (const f of [ipc, uts]) {
      const r = await new Deno.Command("umount", { args: [f] }).output();
      assert.equal(r.code, 0, `umount ${f}`);
    }
    await ns.remove("p1");
    assert.equal(await ns.exists("p1"), false);
  },
);
