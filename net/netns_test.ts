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
