import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir } from "../core/testing.ts";
import { UndoStack } from "../core/undo.ts";
import {
  bridgePorts,
  deleteLink,
  filesIn,
  hostLinks,
  natRulesMentioning,
  testProvider,
  uid,
} from "./_test_util.ts";

const CYCLES = 200;

rootTest(
  `CniNetworkProvider: ${CYCLES} attach/detach cycles leave no IPs, links, namespaces or rules`,
  async () => {
    await using dir = await tempDir("rk8s-net-cycles-");
    // The firewall plugin is left out to keep 200 cycles quick; the other tests run it.
    const net = testProvider(dir.path, { removeIdleBridges: false, firewall: false });
    const prefix = uid("cyc");
    const hostVeths = new Set<string>();
    const ipam = join(dir.path, "lib", "cni", "ipam", "rkl");
    const seen = new Set<string>();
    // Four workers at once: concurrent attach/detach on one network must not leak either.
    const WORKERS = 4;
    const cycle = async (i: number) => {
      const undo = new UndoStack();
      const id = `${prefix}-${i}`;
      // Every fourth cycle publishes a port, so portmap's rules are exercised too.
      const ports = i % 4 === 0
        ? [{
          containerPort: 80,
          hostPort: 20000 + (Math.random() * 20000 | 0),
          protocol: "TCP" as const,
        }]
        : [];
      const att = await net.attach({ id, name: `c${i}`, ports }, undo);
      assert.equal(att.ips.length, 1);
      seen.add(att.ips[0]!);
      const rec = await net.store.get(id);
      for (const n of rec?.networks ?? []) {
        for (const iface of n.result?.interfaces ?? []) {
          if (iface.sandbox === undefined && iface.name !== net.bridge) hostVeths.add(iface.name);
        }
      }
      await net.detach(id);
    };
    const worker = async (w: number) => {
      for (let i = w; i < CYCLES; i += WORKERS) await cycle(i);
    };
    try {
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      assert.ok(seen.size >= 2, "concurrent workers held different addresses");
      assert.deepEqual((await filesIn(ipam)).filter((f) => /^\d/.test(f)), [], "no IP allocations");
      assert.deepEqual(await net.netns.list(), [], "no network namespaces");
      assert.deepEqual(
        await filesIn(join(dir.path, "lib", "cni", "attachments")),
        [],
        "no records",
      );
      assert.equal(hostVeths.size, CYCLES, "each cycle had its own host-side veth");
      assert.deepEqual(await bridgePorts(net.bridge), [], "no veth left on the bridge");
      const links = new Set(await hostLinks());
      assert.deepEqual([...hostVeths].filter((v) => links.has(v)), [], "every veth was deleted");
      assert.deepEqual(await net.gc(new Set()), {
        released: [],
        details: [`removed idle bridge ${net.bridge}`],
      });
      assert.ok(!(await hostLinks()).includes(net.bridge), "gc removed the idle bridge");
    } finally {
      await deleteLink(net.bridge); // only when an assertion failed before gc
    }
    assert.deepEqual(await natRulesMentioning(prefix), [], "no iptables rules");
  },
);
