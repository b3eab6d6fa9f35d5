/**
 * `rkl network` and `rkl gc` run in-process, and single containers on real networks: two
 * containers reach each other by IP, a published port answers on 127.0.0.1, a SIGKILLed
 * container's IP is freed by `rkl gc`, and create/delete cycles leave nothing behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir, testBundles, waitFor } from "../core/testing.ts";
import { parseCreateNetworkOptions } from "./network.ts";
import { type RklResult, runRkl, runRklProcess } from "./testing.ts";
import { defaultNetworkSettings } from "../net/bridge_network.ts";
import { hostLinkNames } from "../net/subnet.ts";
import { UsageError } from "../core/errors.ts";
import { run } from "../core/exec.ts";

function rkl(argv: string[]): Promise<RklResult> {
  return runRkl(argv, { cwd: "/" });
}

async function ok(argv: string[]): Promise<string> {
  const r = await rkl(argv);
  assert.equal(r.code, 0, `rkl ${argv.join(" ")} failed: ${r.err}`);
  return r.out;
}

async function ipFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(e.name)) out.push(e.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}

/** Removes containers a failed test left (each must be removed or already gone). */
async function removeAll(root: string[], names: string[]): Promise<void> {
  const failed: string[] = [];
  for (const name of names) {
    const r = await rkl([...root, "container", "rm", "-f", name]);
    if (r.code !== 0 && !/not found/.test(r.err)) failed.push(r.err);
  }
  assert.deepEqual(failed, [], "test containers removed");
}

function randomSubnet(): string {
  const b = crypto.getRandomValues(new Uint8Array(2));
  return `10.${100 + (b[0]! % 28)}.${b[1]!}.0/24`;
}

Deno.test("parseCreateNetworkOptions() rejects empty values as usage errors", () => {
  assert.deepEqual(parseCreateNetworkOptions("n", {}), { name: "n" });
  assert.throws(() => parseCreateNetworkOptions("n", { subnet: "" }), UsageError);
});

rootTest("rkl network create|ls|inspect|rm manage named networks", async () => {
  await using dir = await tempDir("rkl-net-cli-");
  const root = ["--root", dir.path];
  const subnet = randomSubnet();
  assert.equal(await ok([...root, "network", "create", "front", "--subnet", subnet]), "front\n");
  const auto = await ok([...root, "network", "create", "back"]);
  assert.equal(auto, "back\n");

  const ls = await ok([...root, "network", "ls"]);
  assert.match(ls, new RegExp(`^front\\s+rk-[0-9a-f]{8}\\s+${subnet.replace(/\./g, "\\.")}`, "m"));
  assert.match(ls, /^back\s+rk-[0-9a-f]{8}\s+10\.\d+\.\d+\.0\/24/m);
  assert.match(
    ls,
    /^rkl\s+\S+\s+\S+\s+\S+\s+0\s+yes$/m,
    "the default network is written on first use",
  );
  assert.equal(await ok([...root, "network", "ls", "-q"]), "back\nfront\nrkl\n");

  const info = JSON.parse(await ok([...root, "network", "inspect", "front"]));
  assert.equal(info.subnet, subnet);
  // Network-wide rules instead of the firewall plugin and per-sandbox masquerade.
  assert.deepEqual(info.plugins, ["bridge", "portmap", "loopback"]);
  assert.equal(info.config.plugins[0].ipMasq, false);
  assert.equal(info.config.plugins[0].rklNetworkRules, true);
  assert.equal(info.config.plugins[0].ipam.dataDir, join(dir.path, "lib", "cni", "ipam"));

  const dup = await rkl([...root, "network", "create", "front"]);
  assert.equal(dup.code, 1);
  assert.match(dup.err, /Network "front" already exists/);
  const overlap = await rkl([...root, "network", "create", "other", "--subnet", subnet]);
  assert.equal(overlap.code, 1);
  assert.match(overlap.err, /overlaps .* of network "front"/);
  const badSubnet = await rkl([...root, "network", "create", "x", "--subnet", "10.1.2.3/24"]);
  assert.match(
    badSubnet.err,
    /Invalid subnet "10\.1\.2\.3\/24": 10\.1\.2\.3 is not the network address/,
  );
  const badName = await rkl([...root, "network", "create", "no spaces"]);
  assert.match(badName.err, /Invalid network name "no spaces"/);
  const missing = await rkl([...root, "network", "inspect", "nope"]);
  assert.match(missing.err, /Network "nope" not found/);

  assert.equal(await ok([...root, "network", "rm", "front", "back"]), "front\nback\n");
  assert.equal(await ok([...root, "network", "ls", "-q"]), "rkl\n");
});

rootTest(
  "rkl containers on the default network: IP reachability, published port, gc after SIGKILL, cycles",
  async () => {
    await using dir = await tempDir("rkl-net-e2e-");
    const root = ["--root", dir.path];
    const ipam = join(dir.path, "lib", "cni", "ipam", "rkl");
    const { bridge } = defaultNetworkSettings(dir.path);
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const hostPort = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const manifest = (name: string, args: string[], ports = "") =>
      `name: ${name}\nimage: ${testBundles.busybox}\nargs: ${JSON.stringify(args)}\n${ports}`;
    const write = async (name: string, text: string) => {
      const f = join(dir.path, `${name}.yaml`);
      await Deno.writeTextFile(f, text);
      return f;
    };
    try {
      const web = await write(
        "web",
        manifest(
          "web",
          // Each connection gets the server's /etc/hosts (busybox's static wget crashes here).
          ["/bin/busybox", "nc", "-ll", "-p", "80", "-e", "/bin/busybox", "cat", "/etc/hosts"],
          `ports:\n  - containerPort: 80\n    hostPort: ${hostPort}\n`,
        ),
      );
      const client = await write("client", manifest("client", ["/bin/sleep", "60"]));
      await ok([...root, "container", "run", web]);
      await ok([...root, "container", "run", client]);
      const webIp = JSON.parse(await ok([...root, "container", "state", "web"])).ips[0] as string;
      const clientIp = JSON.parse(await ok([...root, "container", "state", "client"])).ips[0];
      assert.match(webIp, /^10\.\d+\.\d+\.\d+$/);
      assert.notEqual(webIp, clientIp);
      assert.match(
        await ok([...root, "container", "list", "-o", "wide"]),
        new RegExp(webIp.replace(/\./g, "\\.")),
      );

      // Container to container by IP (the server's /etc/hosts names it "web").
      const hosts = await waitFor("web to answer the client by IP", async () => {
        const r = await rkl([
          ...root,
          "container",
          "exec",
          "client",
          "--",
          "/bin/busybox",
          "nc",
          "-w",
          "2",
          webIp,
          "80",
        ]);
        return r.code === 0 && r.out.includes("\tweb") ? r.out : undefined;
      }, { timeoutMs: 15_000, intervalMs: 100 });
      assert.match(hosts, new RegExp(`^${webIp.replace(/\./g, "\\.")}\\tweb$`, "m"));

      // The published port on 127.0.0.1 (the test is the client; bounded polling).
      const body = await waitFor("published port to answer on 127.0.0.1", async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: hostPort });
        try {
          const buf = new Uint8Array(4096);
          let text = "";
          for (let i = 0; i < 50; i++) {
            const n = await conn.read(buf);
            if (n === null) break;
            text += new TextDecoder().decode(buf.subarray(0, n));
          }
          return text.includes("\tweb") ? text : undefined;
        } finally {
          conn.close();
        }
      }, { timeoutMs: 15_000, intervalMs: 100 });
      assert.match(body, /\tweb\n/);

      // A second container asking for the same host port fails before anything is created.
      const clash = await write(
        "clash",
        manifest(
          "clash",
          ["/bin/sleep", "60"],
          `ports:\n  - containerPort: 81\n    hostPort: ${hostPort}\n`,
        ),
      );
      const r = await rkl([...root, "container", "run", clash]);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(`Host port \\*:${hostPort}/tcp is already published by "web"`),
      );
      assert.doesNotMatch(await ok([...root, "container", "list", "-q"]), /clash/);

      // SIGKILL keeps the record; rkl gc frees the IP, rm still works afterwards.
      assert.deepEqual(await ipFiles(ipam), [clientIp, webIp].sort());
      await ok([...root, "container", "kill", "web"]);
      await waitFor(
        "web to stop",
        async () => (await ok([...root, "container", "list"])).match(/^\S+\s+web\s+stopped/m),
      );
      const gc = await ok([...root, "gc"]);
      assert.match(gc, new RegExp(`freed ${webIp.replace(/\./g, "\\.")}`));
      assert.match(gc, /Released 1 attachment/);
      assert.deepEqual(await ipFiles(ipam), [clientIp]);
      assert.match(await ok([...root, "container", "list"]), /^\S+\s+web\s+stopped/m);
      // The kept record no longer claims the freed address.
      assert.doesNotMatch(await ok([...root, "container", "state", "web"]), new RegExp(webIp));
      await ok([...root, "container", "rm", "web"]);
      assert.equal(await ok([...root, "gc"]), "Nothing to collect\n");

      // Full container create/delete cycles on the network leave nothing behind.
      const cyc = await write("cyc", manifest("cyc", ["/bin/sleep", "60"]));
      for (let i = 0; i < 5; i++) {
        await ok([...root, "container", "run", cyc]);
        await ok([...root, "container", "rm", "-f", "cyc"]);
      }
      assert.deepEqual(await ipFiles(ipam), [clientIp]);
      await ok([...root, "container", "rm", "-f", "client"]);
      assert.deepEqual(await ipFiles(ipam), []);
      const netns: string[] = [];
      for await (const e of Deno.readDir(join(dir.path, "run", "netns"))) netns.push(e.name);
      assert.deepEqual(netns, []);
      assert.ok(!(await hostLinkNames()).includes(bridge), "the root's idle bridge was removed");
      const rules = (await run(["iptables", "-w", "-S"])).stdout +
        (await run(["iptables", "-w", "-t", "nat", "-S"])).stdout;
      for (const ip of [webIp, clientIp]) {
        assert.doesNotMatch(rules, new RegExp(`${ip.replace(/\./g, "\\.")}/32`), `rules of ${ip}`);
      }
    } finally {
      await removeAll(root, ["web", "client", "clash", "cyc"]);
    }
  },
);

rootTest(
  "`rkl` process with the task's permissions publishes a port, lists networks, collects",
  async () => {
    await using dir = await tempDir("rkl-net-proc-");
    const root = ["--root", join(dir.path, "state")];
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const hostPort = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const file = join(dir.path, "echo.yaml");
    await Deno.writeTextFile(
      file,
      `name: echo\nimage: ${testBundles.busybox}\n` +
        `args: ["/bin/busybox", "nc", "-ll", "-p", "8080", "-e", "/bin/busybox", "echo", "from-echo"]\n` +
        `ports:\n  - containerPort: 8080\n    hostPort: ${hostPort}\n    protocol: TCP\n`,
    );
    const started = await runRklProcess([...root, "container", "run", file]);
    assert.equal(started.code, 0, started.err);
    try {
      const text = await waitFor("the published port to answer", async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: hostPort });
        try {
          const buf = new Uint8Array(256);
          const n = await conn.read(buf);
          return n ? new TextDecoder().decode(buf.subarray(0, n)) : undefined;
        } finally {
          conn.close();
        }
      }, { timeoutMs: 15_000, intervalMs: 100 });
      assert.match(text, /from-echo/);
      const ls = await runRklProcess([...root, "network", "ls"]);
      assert.equal(ls.code, 0, ls.err);
      assert.match(ls.out, /^rkl\s+\S+\s+\S+\s+\S+\s+1\s+yes$/m);
      const gc = await runRklProcess([...root, "gc"]);
      assert.equal(gc.code, 0, gc.err);
      assert.equal(gc.out, "Nothing to collect\n", "a running container is live");
    } finally {
      const rm = await runRklProcess([...root, "container", "rm", "-f", "echo"]);
      assert.equal(rm.code, 0, rm.err);
    }
  },
);
