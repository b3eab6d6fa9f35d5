import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir, waitFor } from "../core/testing.ts";
import { UndoStack } from "../core/undo.ts";
import { ConflictError, ManifestError } from "../core/errors.ts";
import { run } from "../core/exec.ts";
import { currentOwner } from "../core/owner_process.ts";
import { CniPluginError } from "./cni_plugin_error.ts";
import {
  bridgePorts,
  deleteLink,
  failingPluginDir,
  filesIn,
  filterRulesMentioning,
  freePort,
  freeUdpPort,
  hostLinks,
  inNetns,
  natRulesMentioning,
  stopChild,
  testProvider,
  udpRoundTrip,
  uid,
  uniqueNet,
} from "./_test_util.ts";

/** Sandbox ids, unique per run: iptables chain names derive from them. */
const ID = {
  a1: uid("a1"),
  b1: uid("b1"),
  web1: uid("web1"),
  web2: uid("web2"),
  web3: uid("web3"),
  f1: uid("f1"),
  m1: uid("m1"),
  g1: uid("g1"),
  live1: uid("live1"),
  dead1: uid("dead1"),
  orph1: uid("orph1"),
  udp1: uid("udp1"),
  full1: uid("full1"),
  full2: uid("full2"),
  multi1: uid("multi1"),
  dns1: uid("dns1"),
  bad1: uid("bad1"),
  cut1: uid("cut1"),
  cut2: uid("cut2"),
  busy1: uid("busy1"),
  race1: uid("race1"),
};

function ipFiles(files: string[]): string[] {
  return files.filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
}

async function readAll(conn: Deno.Conn): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(1024);
  for (let i = 0; i < 100; i++) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

rootTest("CniNetworkProvider: two sandboxes on the default network reach each other", async () => {
  await using dir = await tempDir("rk8s-net-");
  const net = testProvider(dir.path);
  const undo = new UndoStack();
  try {
    const a = await net.attach({ id: ID.a1, name: "alpha", ports: [] }, undo);
    const b = await net.attach({ id: ID.b1, name: "beta", ports: [] }, undo);
    assert.equal(a.ips.length, 1);
    assert.notEqual(a.ips[0], b.ips[0]);
    assert.match(await Deno.readTextFile(a.hostsFile), new RegExp(`^${a.ips[0]}\\talpha$`, "m"));
    // ICMP from a to b, then TCP from b to a (server in a's namespace, bounded).
    await inNetns(a.netnsPath, ["/usr/bin/busybox", "ping", "-c", "1", "-W", "3", b.ips[0]!]);
    const server = new Deno.Command("nsenter", {
      args: [
        `--net=${a.netnsPath}`,
        "/usr/bin/busybox",
        "nc",
        "-l",
        "-p",
        "7000",
        "-e",
        "/usr/bin/busybox",
        "echo",
        "hello-from-a",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const reply = await waitFor("TCP reply from a", async () => {
        const r = await inNetns(b.netnsPath, [
          "/usr/bin/busybox",
          "nc",
          "-w",
          "2",
          a.ips[0]!,
          "7000",
        ], {
          allowFailure: true,
          timeoutMs: 5000,
        });
        return r.stdout.includes("hello-from-a") ? r.stdout : undefined;
      }, { timeoutMs: 10_000, intervalMs: 100 });
      assert.match(reply, /hello-from-a/);
    } finally {
      await stopChild(server);
    }
    assert.deepEqual((await net.attachments()).map((r) => r.id).sort(), [ID.a1, ID.b1]);
    // No published port: the chain ADD ran (and DEL runs, from the record) skips portmap.
    for (const r of await net.attachments()) {
      const types = r.networks[0]!.config.plugins.map((p) => p.type);
      assert.ok(types.includes("bridge") && !types.includes("portmap"), types.join(","));
    }
    await net.check(ID.a1);
    // Network-wide rules, not per sandbox: one masquerade for the subnet, two forward accepts
    // for the bridge, however many sandboxes; nothing names a sandbox or its address.
    assert.deepEqual(
      (await natRulesMentioning(net.bridge)).map((r) => r.split(" -m ")[0]),
      [`-A POSTROUTING -s ${net.subnet} ! -o ${net.bridge}`],
    );
    assert.equal((await filterRulesMentioning(net.bridge)).length, 2);
    for (const id of [ID.a1, ID.b1]) {
      assert.deepEqual(await natRulesMentioning(`id: \\"${id}\\"`), [], `masquerade of ${id}`);
    }
    for (const ip of [a.ips[0], b.ips[0]]) {
      assert.deepEqual(await filterRulesMentioning(`${ip}/32`), [], `firewall rules of ${ip}`);
    }
  } finally {
    await undo.rollback();
  }
  assert.deepEqual(await net.attachments(), []);
  assert.ok(!(await hostLinks()).includes(net.bridge), "idle bridge removed");
  assert.deepEqual(await natRulesMentioning(net.bridge), [], "the network's rules went with it");
  assert.deepEqual(await filterRulesMentioning(net.bridge), []);
});

rootTest("CniNetworkProvider: a published port answers on 127.0.0.1:hostPort", async () => {
  await using dir = await tempDir("rk8s-net-");
  const net = testProvider(dir.path);
  const undo = new UndoStack();
  const hostPort = freePort();
  const localPort = freePort();
  try {
    const a = await net.attach({
      id: ID.web1,
      name: "web",
      ports: [
        { containerPort: 80, hostPort, protocol: "TCP" },
        { containerPort: 80, hostPort: localPort, protocol: "TCP", hostIP: "127.0.0.1" },
      ],
    }, undo);
    const types = (await net.attachments())[0]!.networks[0]!.config.plugins.map((p) => p.type);
    assert.ok(types.includes("portmap"), `published ports need portmap: ${types.join(",")}`);
    const server = new Deno.Command("nsenter", {
      args: [
        `--net=${a.netnsPath}`,
        "/usr/bin/busybox",
        "nc",
        "-ll",
        "-p",
        "80",
        "-e",
        "/usr/bin/busybox",
        "echo",
        "published",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      for (const port of [hostPort, localPort]) {
        const text = await waitFor(`published port ${port} to answer`, async () => {
          const conn = await Deno.connect({ hostname: "127.0.0.1", port });
          try {
            const t = await readAll(conn);
            return t.includes("published") ? t : undefined;
          } finally {
            conn.close();
          }
        }, { timeoutMs: 10_000, intervalMs: 100 });
        assert.match(text, /published/);
      }
      // The hostIP mapping is bound to 127.0.0.1 only.
      assert.ok(
        (await natRulesMentioning(`--dport ${localPort} `)).some((r) =>
          r.includes("-d 127.0.0.1/32") && r.includes("DNAT")
        ),
      );
    } finally {
      await stopChild(server);
    }

    await assertConflictsCreateNothing(net, hostPort, undo, dir.path);
  } finally {
    await undo.rollback();
  }
  assert.deepEqual(await natRulesMentioning(`--dports ${hostPort} `), []);
  assert.deepEqual(await natRulesMentioning(`--dports ${localPort} `), []);
});

/** A loopback TCP listener on an ephemeral port other than `port` (bounded: 10 tries). */
function listenAvoiding(port: number): Deno.TcpListener {
  for (let i = 0; i < 10; i++) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    if ((listener.addr as Deno.NetAddr).port !== port) return listener;
    listener.close();
  }
  throw new Error(`the kernel kept handing out port ${port}`);
}

async function assertConflictsCreateNothing(
  net: ReturnType<typeof testProvider>,
  hostPort: number,
  undo: UndoStack,
  root: string,
): Promise<void> {
  const portsBefore = await bridgePorts(net.bridge);
  assert.equal(portsBefore.length, 1, "web1's veth is on the bridge");
  const ipam = join(root, "lib", "cni", "ipam", "rkl");
  // Same port held by another attachment: error before anything is created.
  await assert.rejects(
    net.attach({
      id: ID.web2,
      name: "web2",
      ports: [{ containerPort: 80, hostPort, protocol: "TCP" }],
    }, undo),
    (e: unknown) =>
      e instanceof ConflictError && e.message.includes(`*:${hostPort}/tcp`) &&
      e.message.includes('"web"'),
  );
  // A port bound by a host socket. The kernel may hand out hostPort again (a published port
  // is an iptables rule, not a socket), and that port would report the other conflict.
  const listener = listenAvoiding(hostPort);
  try {
    const busy = (listener.addr as Deno.NetAddr).port;
    await assert.rejects(
      net.attach({
        id: ID.web3,
        name: "web3",
        ports: [{ containerPort: 80, hostPort: busy, protocol: "TCP" }],
      }, undo),
      (e: unknown) =>
        e instanceof ConflictError && e.message.includes(`already in use on the host`),
    );
  } finally {
    listener.close();
  }
  assert.deepEqual(await bridgePorts(net.bridge), portsBefore, "no new veth");
  assert.deepEqual((await net.attachments()).map((r) => r.id), [ID.web1]);
  assert.deepEqual(await net.netns.list(), [ID.web1]);
  assert.equal(ipFiles(await filesIn(ipam)).length, 1, "only web1 holds an address");
}

rootTest("CniNetworkProvider: a failing plugin in the chain leaves nothing behind", async () => {
  await using dir = await tempDir("rk8s-net-");
  const net = testProvider(dir.path, {
    cniPath: [failingPluginDir, "/usr/lib/cni", "/opt/cni/bin"],
    removeIdleBridges: false, // keep it to look for leftover veths on it
  });
  const conf = {
    cniVersion: "1.0.0",
    name: "failnet",
    plugins: [
      {
        type: "bridge",
        bridge: net.bridge,
        isGateway: true,
        ipMasq: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: net.subnet }]],
          dataDir: join(dir.path, "lib", "cni", "ipam"),
        },
      },
      { type: "firewall", backend: "iptables" },
      { type: "rkl-fail" },
      { type: "loopback" },
    ],
  };
  await Deno.mkdir(join(dir.path, "etc", "cni"), { recursive: true });
  await Deno.writeTextFile(join(dir.path, "etc", "cni", "failnet.conflist"), JSON.stringify(conf));
  try {
    const undo = new UndoStack();
    await assert.rejects(
      net.attach({ id: ID.f1, name: "failing", ports: [], networks: ["failnet"] }, undo),
      (e: unknown) =>
        e instanceof CniPluginError && e.plugin === "rkl-fail" && e.code === 7 &&
        e.msg === "rkl-fail refuses ADD" && e.details === "injected failure" &&
        e.network === "failnet",
    );
    assert.equal(undo.size, 0, "nothing registered for the caller to undo");
    assert.deepEqual(ipFiles(await filesIn(join(dir.path, "lib", "cni", "ipam", "failnet"))), []);
    assert.deepEqual(await net.netns.list(), []);
    assert.deepEqual(await net.attachments(), []);
    assert.ok((await hostLinks()).includes(net.bridge), "the bridge plugin did run");
    assert.deepEqual(await bridgePorts(net.bridge), [], "no veth left on the bridge");
    assert.deepEqual(await natRulesMentioning(`id: \\"${ID.f1}\\"`), []);
    const subnetPrefix = net.subnet.replace(/0\/24$/, "");
    assert.deepEqual(
      await filterRulesMentioning(subnetPrefix),
      [],
      "the firewall plugin's rules were removed (DEL got the partial result)",
    );

    // A missing plugin names the plugin and the search path.
    const missing = { ...conf, name: "missnet", plugins: [{ type: "rkl-no-such-plugin" }] };
    await Deno.writeTextFile(
      join(dir.path, "etc", "cni", "missnet.conflist"),
      JSON.stringify(missing),
    );
    await assert.rejects(
      net.attach({ id: ID.m1, name: "missing", ports: [], networks: ["missnet"] }, undo),
      /CNI plugin "rkl-no-such-plugin" failed on ADD for network "missnet": not found in \/.*testdata\/cni:/,
    );
    assert.deepEqual(await net.netns.list(), []);
  } finally {
    await deleteLink(net.bridge);
  }
});

rootTest("CniNetworkProvider: detach works when the namespace is already gone", async () => {
  await using dir = await tempDir("rk8s-net-");
  const net = testProvider(dir.path);
  const undo = new UndoStack();
  const a = await net.attach({ id: ID.g1, name: "gone", ports: [] }, undo);
  await run(["umount", a.netnsPath]);
  await net.detach(ID.g1);
  await net.detach(ID.g1); // idempotent
  assert.deepEqual(ipFiles(await filesIn(join(dir.path, "lib", "cni", "ipam", "rkl"))), []);
  assert.deepEqual(await net.netns.list(), []);
  assert.deepEqual(await natRulesMentioning(`id: \\"${ID.g1}\\"`), []);
  assert.deepEqual(await filterRulesMentioning(`${a.ips[0]}/32`), []);
  assert.ok(!(await hostLinks()).includes(net.bridge));
});

rootTest("CniNetworkProvider: concurrent detach and gc of one attachment take turns", async () => {
  await using dir = await tempDir("rk8s-net-");
  // Two providers on one root stand for two rkl processes (`rm -f` and `gc`).
  const [one, two] = [testProvider(dir.path), testProvider(dir.path)];
  const a = await one.attach({ id: ID.race1, name: "race", ports: [] }, new UndoStack());
  const results = await Promise.allSettled([
    one.detach(ID.race1),
    two.detach(ID.race1),
    two.gc(new Set()),
    one.gc(new Set()),
  ]);
  assert.deepEqual(results.map((r) => r.status === "rejected" ? String(r.reason) : "ok"), [
    "ok",
    "ok",
    "ok",
    "ok",
  ]);
  assert.equal(await one.store.get(ID.race1), undefined);
  assert.deepEqual(await filesIn(join(dir.path, "lib", "cni", "locks")), [], "lock files");
  assert.deepEqual(ipFiles(await filesIn(join(dir.path, "lib", "cni", "ipam", "rkl"))), []);
  assert.deepEqual(await one.netns.list(), []);
  assert.deepEqual(await natRulesMentioning(`id: \\"${ID.race1}\\"`), []);
  assert.deepEqual(await filterRulesMentioning(`${a.ips[0]}/32`), []);
});

rootTest("CniNetworkProvider: gc frees attachments and allocations of dead sandboxes", async () => {
  await using dir = await tempDir("rk8s-net-");
  const net = testProvider(dir.path);
  const ipam = join(dir.path, "lib", "cni", "ipam", "rkl");
  const undo = new UndoStack();
  const live = await net.attach({ id: ID.live1, name: "live", ports: [] }, undo);
  const dead = await net.attach({ id: ID.dead1, name: "dead", ports: [] }, new UndoStack());
  const orphan = await net.attach({ id: ID.orph1, name: "orphan", ports: [] }, new UndoStack());
  // The orphan loses its record (as after a crash between ADD and recording).
  await Deno.remove(join(dir.path, "lib", "cni", "attachments", ID.orph1), { recursive: true });
  assert.equal(ipFiles(await filesIn(ipam)).length, 3);
  // A veth on the bridge that no attachment knows (left by an interrupted plugin).
  const stray = `vs${ID.live1.slice(-8)}`;
  await run(["ip", "link", "add", stray, "type", "veth", "peer", "name", `${stray}p`]);
  await run(["ip", "link", "set", stray, "master", net.bridge]);
  const report = await net.gc(new Set([ID.live1]));
  assert.ok(report.details.includes(`removed veth ${stray} from bridge ${net.bridge}`));
  const liveVeth = (await net.store.get(ID.live1))?.networks[0]?.result?.interfaces
    .find((i) => i.sandbox === undefined && i.name !== net.bridge)?.name;
  assert.deepEqual(await bridgePorts(net.bridge), [liveVeth], "only the live sandbox's veth");
  assert.ok(!(await hostLinks()).includes(stray));
  assert.deepEqual(report.released.sort(), [ID.dead1, ID.orph1]);
  assert.ok(report.details.some((d) => d.includes(dead.ips[0]!)));
  assert.ok(report.details.some((d) => d.includes(orphan.ips[0]!)));
  assert.deepEqual(ipFiles(await filesIn(ipam)), [live.ips[0]!]);
  assert.deepEqual(await net.netns.list(), [ID.live1]);
  assert.deepEqual(await natRulesMentioning(`id: \\"${ID.dead1}\\"`), []);
  assert.deepEqual(await natRulesMentioning(`id: \\"${ID.orph1}\\"`), []);
  for (const ip of [dead.ips[0], orphan.ips[0]]) {
    assert.deepEqual(await filterRulesMentioning(`${ip}/32`), [], `firewall rules of ${ip}`);
  }
  await undo.rollback();
  assert.deepEqual(ipFiles(await filesIn(ipam)), []);
  assert.deepEqual(await net.netns.list(), []);
});

rootTest("CniNetworkProvider: a published UDP port answers on 127.0.0.1:hostPort", async () => {
  await using dir = await tempDir("rk8s-net-");
  const net = testProvider(dir.path);
  const undo = new UndoStack();
  const hostPort = freeUdpPort();
  // busybox nc has no UDP mode here, so a small Deno program serves UDP inside the namespace.
  const script = join(dir.path, "udp_echo.ts");
  await Deno.writeTextFile(
    script,
    `const s = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 5353 });
for (let i = 0; i < 50; i++) {
  const [data, peer] = await s.receive();
  await s.send(new TextEncoder().encode("pong:" + new TextDecoder().decode(data)), peer);
}
`,
  );
  try {
    const a = await net.attach({
      id: ID.udp1,
      name: "udp",
      ports: [{ containerPort: 5353, hostPort, protocol: "UDP" }],
    }, undo);
    const server = new Deno.Command("nsenter", {
      args: [
        `--net=${a.netnsPath}`,
        Deno.execPath(),
        "run",
        "--unstable-net",
        "--allow-net",
        script,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const reply = await waitFor(
        "UDP reply through the published port",
        () => udpRoundTrip(hostPort, "ping", 300),
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      assert.equal(reply, "pong:ping");
    } finally {
      await stopChild(server);
    }
  } finally {
    await undo.rollback();
  }
  assert.deepEqual(await natRulesMentioning(`--dports ${hostPort} `), []);
});

rootTest(
  "CniNetworkProvider: an exhausted subnet names the plugin and leaves nothing behind",
  async () => {
    await using dir = await tempDir("rk8s-net-");
    // A /30 has one address for sandboxes (the first is the gateway).
    const b = crypto.getRandomValues(new Uint8Array(2));
    const subnet = `10.${100 + (b[0]! % 28)}.${b[1]!}.252/30`;
    const net = testProvider(dir.path, { defaultSubnet: subnet });
    const undo = new UndoStack();
    try {
      await net.attach({ id: ID.full1, name: "first", ports: [] }, undo);
      await assert.rejects(
        net.attach({ id: ID.full2, name: "second", ports: [] }, undo),
        (e: unknown) =>
          e instanceof CniPluginError && e.plugin === "bridge" &&
          /no IP addresses available/.test(e.message),
      );
      assert.deepEqual((await net.attachments()).map((r) => r.id), [ID.full1]);
      assert.deepEqual(await net.netns.list(), [ID.full1]);
    } finally {
      await undo.rollback();
    }
  },
);

rootTest(
  "CniNetworkProvider: a sandbox on two networks gets eth0 and eth1, one default route",
  async () => {
    await using dir = await tempDir("rk8s-net-");
    const net = testProvider(dir.path);
    const second = uniqueNet();
    await net.createNetwork({ name: "second", subnet: second.subnet, bridge: second.bridge });
    const undo = new UndoStack();
    try {
      const a = await net.attach(
        { id: ID.multi1, name: "multi", ports: [], networks: ["rkl", "second"] },
        undo,
      );
      assert.equal(a.ips.length, 2);
      const routes = (await inNetns(a.netnsPath, ["ip", "-4", "route"])).stdout;
      assert.match(routes, /^default via \S+ dev eth0/m);
      assert.doesNotMatch(routes, /^default .* dev eth1/m);
      assert.match(routes, new RegExp(`^${second.subnet.replace(/\./g, "\\.")} dev eth1`, "m"));
      const info = await net.inspectNetwork("second");
      assert.deepEqual(info.attachments.map((x) => x.ips), [[a.ips[1]]]);
      await assert.rejects(net.removeNetwork("second"), /Network "second" is in use by "multi"/);
    } finally {
      await undo.rollback();
    }
    assert.ok(
      !(await hostLinks()).includes(second.bridge),
      "idle bridge of the named network removed",
    );
    await net.removeNetwork("second");
    await assert.rejects(net.networks.get("second"), /Network "second" not found/);
  },
);

rootTest(
  "CniNetworkProvider: resolv.conf skips a loopback stub resolver for its upstream file",
  async () => {
    await using dir = await tempDir("rk8s-net-");
    const stub = join(dir.path, "resolv.conf");
    const upstream = join(dir.path, "upstream.conf");
    await Deno.writeTextFile(stub, "nameserver 127.0.0.53\noptions edns0\nsearch example.org\n");
    await Deno.writeTextFile(upstream, "nameserver 192.0.2.53\nsearch example.org\n");
    const net = testProvider(dir.path, { hostResolvConf: stub, upstreamResolvConf: upstream });
    const undo = new UndoStack();
    try {
      const a = await net.attach(
        { id: ID.dns1, name: "dns", hostname: "dns-host", ports: [] },
        undo,
      );
      assert.equal(
        await Deno.readTextFile(a.resolvConfFile),
        "nameserver 192.0.2.53\nsearch example.org\n",
      );
      assert.match(
        await Deno.readTextFile(a.hostsFile),
        new RegExp(`^${a.ips[0]}\\tdns-host dns$`, "m"),
      );
    } finally {
      await undo.rollback();
    }
  },
);

rootTest(
  "CniNetworkProvider: a bad network config names file, line and field; nothing is created",
  async () => {
    await using dir = await tempDir("rk8s-net-");
    const net = testProvider(dir.path);
    const file = join(dir.path, "etc", "cni", "broken.conflist");
    await Deno.mkdir(join(dir.path, "etc", "cni"), { recursive: true });
    await Deno.writeTextFile(
      file,
      '{\n  "cniVersion": "1.0.0",\n  "name": "broken",\n  "plugins": [\n    {"type": 42}\n  ]\n}\n',
    );
    const undo = new UndoStack();
    await assert.rejects(
      net.attach({ id: ID.bad1, name: "bad", ports: [], networks: ["broken"] }, undo),
      (e: unknown) =>
        e instanceof ManifestError && e.file === file && e.line === 5 &&
        e.path === "plugins[0].type" && /expected a string, got number 42/.test(e.message),
    );
    assert.equal(undo.size, 0);
    assert.deepEqual(await net.netns.list(), []);
    assert.deepEqual(await net.attachments(), []);
  },
);

rootTest(
  "CniNetworkProvider: gc releases at once an attachment left adding by a dead process; its host port is free again",
  async () => {
    await using dir = await tempDir("rk8s-net-");
    const net = testProvider(dir.path);
    const hostPort = freePort();
    const ports = [{ containerPort: 80, hostPort, protocol: "TCP" as const }];
    const undo = new UndoStack();
    try {
      const first = await net.attach({ id: ID.cut1, name: "cut", ports }, new UndoStack());
      // As if `rkl pod run` was killed during CNI ADD: the record still says "adding", written
      // a moment ago, by a process that is gone (this pid, but started an hour earlier).
      const me = await currentOwner();
      const rec = (await net.store.get(ID.cut1))!;
      await net.store.put({
        ...rec,
        state: "adding",
        createdAt: new Date().toISOString(),
        owner: { pid: me.pid, startedAt: me.startedAt - 3_600_000 },
      });
      // While its owner runs, an attachment being set up is left alone.
      await net.store.put({ ...rec, id: ID.busy1, state: "adding", owner: me, networks: [] });
      const report = await net.gc(new Set());
      assert.ok(report.details.includes(`skipped attachment ${ID.busy1} (cut): being set up`));
      assert.deepEqual(report.released, [ID.cut1], report.details.join("\n"));
      assert.deepEqual(await natRulesMentioning(`--dports ${hostPort} `), []);
      assert.deepEqual(await net.netns.list(), []);
      assert.ok(
        !ipFiles(await filesIn(join(dir.path, "lib", "cni", "ipam", "rkl"))).includes(
          first.ips[0]!,
        ),
      );
      await net.store.remove(ID.busy1);
      // The same host port can be published again at once.
      const again = await net.attach({ id: ID.cut2, name: "cut", ports }, undo);
      assert.equal(again.ips.length, 1);
      assert.notDeepEqual(await natRulesMentioning(`--dports ${hostPort} `), []);
    } finally {
      await undo.rollback();
    }
    assert.deepEqual(await natRulesMentioning(`--dports ${hostPort} `), []);
  },
);
