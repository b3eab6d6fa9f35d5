/**
 * `rkl compose` end to end as root with runc, conmon and the CNI plugins: the original project's
 * example, name resolution by service name and alias, a published port on 127.0.0.1, dependency
 * conditions, named volumes across down / down -v, reconcile on a second up, and down after a
 * SIGKILLed up.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { rootTest, tempDir, testBundles, waitFor } from "../core/testing.ts";
import { composeLoadOptions, formatEvent, parseScale } from "./compose.ts";
import { buildProgram } from "./main.ts";
import { projectDir, type RklResult, rklTaskArgs, runRkl } from "./testing.ts";
import { run } from "../core/exec.ts";

Deno.test("compose CLI flags become typed options", () => {
  const io = { stdout() {}, stderr() {}, env: {}, cwd: "/w" };
  assert.deepEqual(
    composeLoadOptions(io, { file: ["a.yaml"], envFile: ["x.env"], profile: ["p"] }),
    {
      cwd: "/w",
      env: {},
      files: ["a.yaml"],
      envFiles: ["x.env"],
      profiles: ["p"],
    },
  );
  assert.deepEqual(parseScale(["a=2"]), { a: 2 });
  assert.throws(() => parseScale(["a=x"]), /--scale/);
  assert.equal(
    formatEvent({ kind: "Container", name: "web", status: "Error", detail: "boom" }, true),
    " ✘ Container web  Error boom\n",
  );
});

Deno.test("a subcommand's -f is its own: compose -f FILE logs -f SERVICE", async () => {
  const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
  const cases: [string[], unknown][] = [
    [["compose", "logs", "-f", "web"], { file: undefined, follow: true, services: ["web"] }],
    [
      ["--root", "/tmp/r", "compose", "-f", "a.yaml", "logs", "--tail", "1", "-f"],
      { file: ["a.yaml"], follow: true, services: [] },
    ],
    [["compose", "--file", "b.yaml", "logs", "db"], { file: ["b.yaml"], services: ["db"] }],
  ];
  for (const [argv, want] of cases) {
    const program = await buildProgram(io, argv);
    const compose = program.commands.find((c) => c.name() === "compose")!;
    const logs = compose.commands.find((c) => c.name() === "logs")!;
    let seen: unknown;
    logs.action((...args: unknown[]) => {
      const [services, o] = args as [string[], { follow?: boolean }];
      const file = (compose.opts() as { file?: string[] }).file;
      seen = { file, services, ...(o.follow ? { follow: true } : {}) };
    });
    await program.parseAsync(argv, { from: "user" });
    assert.deepEqual(seen, want, argv.join(" "));
  }
});

async function rkl(root: string, cwd: string, argv: string[]): Promise<RklResult> {
  return await runRkl(["--root", root, ...argv], { cwd });
}

async function ok(root: string, cwd: string, argv: string[]): Promise<RklResult> {
  const r = await rkl(root, cwd, argv);
  assert.equal(r.code, 0, `rkl ${argv.join(" ")} failed (${r.code}): ${r.err}`);
  return r;
}

interface PodRow {
  name: string;
  uid: string;
  status: string;
}

/** `ps --format json` output: one JSON object per line, as docker compose prints it. */
function jsonLines(text: string): unknown[] {
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

async function pods(root: string): Promise<PodRow[]> {
  const r = await ok(root, "/", ["pod", "list", "-o", "json"]);
  return JSON.parse(r.out) as PodRow[];
}

function randomSubnet(): string {
  const b = crypto.getRandomValues(new Uint8Array(2));
  return `10.${140 + (b[0]! % 20)}.${b[1]!}.0/24`;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** What the project left on the host: pods, networks, namespaces, IP files, rules. */
async function leftovers(root: string, subnets: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of await pods(root)) out.push(`pod ${p.name}`);
  const nets = (await ok(root, "/", ["network", "ls"])).out.split("\n").slice(1)
    .map((l) => l.split(/\s+/)[0]).filter((n) => n && n !== "rkl");
  for (const n of nets) out.push(`network ${n}`);
  try {
    for await (const e of Deno.readDir(join(root, "run", "netns"))) out.push(`netns ${e.name}`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const ipam = join(root, "lib", "cni", "ipam");
  try {
    for await (const net of Deno.readDir(ipam)) {
      for await (const f of Deno.readDir(join(ipam, net.name))) {
        if (/^\d+\.\d+\.\d+\.\d+$/.test(f.name)) out.push(`ip ${net.name}/${f.name}`);
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const rules = (await run(["iptables", "-w", "-t", "nat", "-S"])).stdout +
    (await run(["iptables", "-w", "-S"])).stdout;
  for (const s of subnets) {
    const prefix = s.split(".").slice(0, 3).join(".") + ".";
    for (const line of rules.split("\n")) if (line.includes(prefix)) out.push(`rule ${line}`);
  }
  return out;
}

rootTest("the original example runs verbatim: up -d, ps, pod list, down", async () => {
  await using dir = await tempDir("rkl-compose-orig-");
  const root = dir.path;
  const cwd = join(projectDir, "testdata", "compose", "original");
  // The example publishes 80 and 8080 on every address: another test run on this machine may
  // hold them for a while, so wait (bounded) until they are free.
  const up = await waitFor(
    "host ports 80 and 8080 to be free for the original example",
    async () => {
      // Any other failure is returned (waitFor would retry a thrown assertion).
      const r = await rkl(root, cwd, ["compose", "up", "-d"]);
      if (r.code === 0 || !/already published|already in use/.test(r.err)) return r;
      await ok(root, cwd, ["compose", "down", "-t", "0"]);
      await new Promise((res) => setTimeout(res, 1000));
      return false;
    },
    { timeoutMs: 300_000, intervalMs: 100 },
  );
  assert.equal(up.code, 0, `rkl compose up -d failed (${up.code}): ${up.err}`);
  assert.match(up.err, /Container back {2}Started/);
  assert.match(up.err, /Container front {2}Started/);
  try {
    const ps = await ok(root, cwd, ["compose", "ps"]);
    // docker compose ps's columns, State/Status spelled as docker prints them.
    assert.match(ps.out, /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/m);
    assert.match(
      ps.out,
      /^back\s+\S+busybox\s+"sleep 300"\s+backend\s+.+ ago\s+Up (Less than a second|\d+ seconds?|About a minute)\s+0\.0\.0\.0:8080->8080\/tcp$/m,
    );
    assert.match(ps.out, /^front\s+.*\s+frontend\s+.+ ago\s+Up .+\s+0\.0\.0\.0:80->80\/tcp$/m);
    const json = (await ok(root, cwd, ["compose", "ps", "--format", "json"])).out;
    const rows = jsonLines(json) as Record<string, unknown>[];
    assert.deepEqual(rows.map((r) => [r.Name, r.Service, r.State, r.ExitCode]), [
      ["back", "backend", "running", 0],
      ["front", "frontend", "running", 0],
    ]);
    assert.match(String(rows[0]?.Status), /^Up /);
    assert.deepEqual(rows[0]?.Publishers, [
      { URL: "0.0.0.0", TargetPort: 8080, PublishedPort: 8080, Protocol: "tcp" },
    ]);
    assert.deepEqual((await pods(root)).map((p) => p.name).sort(), ["back", "front"]);
    // The bind source was created as a directory and is mounted.
    const stat = await Deno.stat(join(cwd, "tmp", "mount", "dir"));
    assert.ok(stat.isDirectory);
    const marker = `m-${crypto.randomUUID()}`;
    await ok(root, cwd, ["compose", "exec", "backend", "touch", `/app/data/${marker}`]);
    await Deno.stat(join(cwd, "tmp", "mount", "dir", marker));
    await Deno.remove(join(cwd, "tmp", "mount", "dir", marker));
    // backend is on libra-net only, frontend on the default network only.
    const nets = (await ok(root, "/", ["network", "ls"])).out;
    assert.match(nets, /^original_libra-net\s/m);
    assert.match(nets, /^original_default\s/m);
    const ls = await ok(root, cwd, ["compose", "ls"]);
    assert.match(ls.out, /^original\s+running\(2\)\s+.*compose\.yaml$/m);
    const top = await ok(root, cwd, ["compose", "top", "backend"]);
    assert.match(top.out, /^back\n/);
    assert.match(top.out, /root\s+\S+\s+sleep 300$/m);
  } finally {
    await ok(root, cwd, ["compose", "down", "-t", "0"]);
  }
  assert.deepEqual(await leftovers(root, []), []);

  // convert prints the networks too, so its Pods run unchanged with `rkl pod run` once
  // `rkl network create -f` has created the networks from the same output.
  const convert = await ok(root, cwd, ["compose", "convert"]);
  const docs = convert.out.split(/^---\n/m);
  const kinds = docs.map((d) => /^kind: (\w+)$/m.exec(d)?.[1]);
  assert.deepEqual(kinds, [
    "NetworkAttachmentDefinition",
    "NetworkAttachmentDefinition",
    "Pod",
    "Service",
    "Pod",
    "Service",
  ]);
  assert.match(convert.out, /k8s\.v1\.cni\.cncf\.io\/networks: original-libra-net$/m);
  const all = join(dir.path, "app.yaml");
  await Deno.writeTextFile(all, convert.out);
  const created = await ok(root, "/", ["network", "create", "-f", all]);
  assert.deepEqual(created.out.split("\n").filter(Boolean).sort(), [
    "original-default",
    "original-libra-net",
  ]);
  try {
    for (const [i, doc] of docs.entries()) {
      if (kinds[i] !== "Pod") continue;
      const file = join(dir.path, `pod-${i}.yaml`);
      await Deno.writeTextFile(file, doc);
      await waitFor("host ports 80 and 8080 to be free for the converted pods", async () => {
        const r = await rkl(root, "/", ["pod", "run", file]);
        if (r.code === 0 || !/already published|already in use/.test(r.err)) return r;
        await new Promise((res) => setTimeout(res, 1000));
        return false;
      }, { timeoutMs: 300_000, intervalMs: 100 }).then((r) =>
        assert.equal(r.code, 0, `rkl pod run ${file}: ${r.err}`)
      );
    }
    const running = await pods(root);
    assert.deepEqual(running.map((p) => [p.name, p.status]).sort(), [
      ["back", "Running"],
      ["front", "Running"],
    ]);
  } finally {
    await rkl(root, "/", ["pod", "rm", "-f", "back", "front"]);
    await rkl(root, "/", ["network", "rm", "original-default", "original-libra-net"]);
  }
  assert.deepEqual(await leftovers(root, []), []);
});

function app(port: number, subnet: string, marker: string): string {
  const image = testBundles.busybox;
  return `name: app
services:
  prepare:
    image: ${image}
    command: ["sh", "-c", "sleep 0.3; echo ${marker} > /www/index.html"]
    volumes: [data:/www]
  web:
    image: ${image}
    command: ["httpd", "-f", "-p", "8000", "-h", "/www"]
    ports: ["127.0.0.1:${port}:8000"]
    volumes: [data:/www]
    networks:
      front:
        aliases: [www-alias]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/"]
      interval: 200ms
      retries: 100
    depends_on:
      prepare: {condition: service_completed_successfully}
  client:
    image: ${image}
    command: ["sleep", "300"]
    stop_grace_period: 0s
    networks: [front]
    environment: {VERSION: "1"}
    depends_on:
      web: {condition: service_healthy}
networks:
  front:
    ipam:
      config: [{subnet: ${subnet}}]
volumes:
  data: {}
`;
}

rootTest(
  "two services reach each other by name and alias; port, dependencies, volumes, reconcile",
  async (t) => {
    await using dir = await tempDir("rkl-compose-app-");
    const root = join(dir.path, "root");
    const cwd = join(dir.path, "app");
    await Deno.mkdir(cwd, { recursive: true });
    const port = freePort();
    const subnet = randomSubnet();
    const marker = `hello-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.writeTextFile(join(cwd, "compose.yaml"), app(port, subnet, marker));
    try {
      await t.step("dependency conditions are observed in order", async () => {
        const up = await ok(root, cwd, ["compose", "up", "-d"]);
        const lines = up.err.split("\n");
        const at = (re: RegExp) => {
          const i = lines.findIndex((l) => re.test(l));
          assert.ok(i >= 0, `${re} in:\n${up.err}`);
          return i;
        };
        assert.ok(at(/Container app-prepare-1 {2}Exited/) < at(/Container app-web-1 {2}Creating/));
        assert.ok(at(/Container app-web-1 {2}Healthy/) < at(/Container app-client-1 {2}Creating/));
      });
      await t.step("by service name and by alias, from another service", async () => {
        for (const host of ["web", "www-alias", "app-web-1"]) {
          const r = await ok(root, cwd, [
            "compose",
            "exec",
            "client",
            "wget",
            "-q",
            "-O",
            "-",
            `http://${host}:8000/`,
          ]);
          assert.equal(r.out.trim(), marker, host);
        }
      });
      await t.step("the published port answers on 127.0.0.1", async () => {
        const body = await waitFor("published port", async () => {
          const res = await fetch(`http://127.0.0.1:${port}/`);
          return res.ok ? await res.text() : (await res.body?.cancel(), false);
        });
        assert.equal(body.trim(), marker);
      });
      await t.step("a second up is a no-op", async () => {
        const before = await pods(root);
        const up = await ok(root, cwd, ["compose", "up", "-d"]);
        // The one-shot prepare runs again (docker compose starts exited containers); the
        // running services are left alone.
        assert.doesNotMatch(up.err, /app-(web|client)-1 {2}(Recreate|Creating)/);
        assert.match(up.err, /app-web-1 {2}Running/);
        const after = await pods(root);
        const uid = (rows: PodRow[], n: string) => rows.find((p) => p.name === n)?.uid;
        assert.equal(uid(after, "app-web-1"), uid(before, "app-web-1"));
        assert.equal(uid(after, "app-client-1"), uid(before, "app-client-1"));
      });
      await t.step("only the changed service is recreated", async () => {
        const before = await pods(root);
        await Deno.writeTextFile(
          join(cwd, "compose.yaml"),
          app(port, subnet, marker).replace('VERSION: "1"', 'VERSION: "2"'),
        );
        const up = await ok(root, cwd, ["compose", "up", "-d"]);
        assert.match(up.err, /Container app-client-1 {2}Recreated/);
        assert.doesNotMatch(up.err, /app-web-1 {2}Recreate/);
        const after = await pods(root);
        const uid = (rows: PodRow[], n: string) => rows.find((p) => p.name === n)?.uid;
        assert.equal(uid(after, "app-web-1"), uid(before, "app-web-1"));
        assert.notEqual(uid(after, "app-client-1"), uid(before, "app-client-1"));
        const env = await ok(root, cwd, ["compose", "exec", "client", "env"]);
        assert.match(env.out, /^VERSION=2$/m);
        // The recreated client still resolves web.
        const r = await ok(root, cwd, [
          "compose",
          "exec",
          "client",
          "wget",
          "-q",
          "-O",
          "-",
          "http://web:8000/",
        ]);
        assert.equal(r.out.trim(), marker);
      });
      await t.step("a named volume is kept across down and removed by down -v", async () => {
        await ok(root, cwd, ["compose", "down", "-t", "0"]);
        const vol = join(root, "lib", "compose", "volumes", "app_data");
        assert.equal((await Deno.readTextFile(join(vol, "index.html"))).trim(), marker);
        assert.deepEqual(await leftovers(root, [subnet]), []);
        await ok(root, cwd, ["compose", "down", "-v"]);
        await assert.rejects(() => Deno.stat(vol), Deno.errors.NotFound);
      });
    } finally {
      await rkl(root, cwd, ["compose", "down", "-v", "-t", "0"]);
    }
    assert.deepEqual(await leftovers(root, [subnet]), []);
  },
);

rootTest("down from a fresh process after kill -9 of up half way leaves nothing", async () => {
  await using dir = await tempDir("rkl-compose-kill-");
  const root = join(dir.path, "root");
  const cwd = join(dir.path, "app");
  await Deno.mkdir(cwd, { recursive: true });
  const subnets = [randomSubnet(), randomSubnet()];
  const services = Array.from(
    { length: 8 },
    (_, i) =>
      `  s${i}:\n    image: ${testBundles.busybox}\n    command: ["sleep", "300"]\n` +
      `    networks: [${i % 2 === 0 ? "a" : "a, b"}]\n` +
      (i > 0 ? `    depends_on: [s${i - 1}]\n` : ""),
  ).join("");
  await Deno.writeTextFile(
    join(cwd, "compose.yaml"),
    `name: crash\nservices:\n${services}networks:\n  a: {ipam: {config: [{subnet: ${
      subnets[0]
    }}]}}\n` +
      `  b: {ipam: {config: [{subnet: ${subnets[1]}}]}}\n`,
  );
  const child = new Deno.Command("deno", {
    args: [...await rklTaskArgs(), "--root", root, "compose", "up", "-d"],
    cwd: projectDir,
    env: { INIT_CWD: cwd, NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    // Wait until the chain is part way through, then SIGKILL the up process.
    await waitFor("some pods of the project", async () => (await pods(root)).length >= 3, {
      timeoutMs: 120_000,
      intervalMs: 50,
    });
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  assert.ok((await pods(root)).length < 8, "up was killed before it finished");
  await ok(root, cwd, ["compose", "down", "-t", "0"]);
  assert.deepEqual(await leftovers(root, subnets), []);
});

function composeNetApp(subnets: { outer: string; inner: string; plain: string }): string {
  const outerIp = subnets.outer.replace(/0\/24$/, "10");
  const www = "mkdir -p /tmp/www && echo web-$$(id -u) > /tmp/www/index.html && " +
    "exec httpd -f -p 8080 -h /tmp/www";
  return `services:
  web:
    image: ${testBundles.busybox}
    user: nobody
    command: ["sh", "-c", "${www}"]
    ports: ["8080"]
    networks:
      inner: {}
      outer: { ipv4_address: ${outerIp} }
  iso:
    image: ${testBundles.busybox}
    command: ["sleep", "3600"]
    dns: [192.0.2.53]
    dns_search: example.org
    networks: [inner]
  ctl:
    image: ${testBundles.busybox}
    command: ["sleep", "3600"]
    networks: [plain]
networks:
  outer:
    ipam: { config: [{ subnet: ${subnets.outer} }] }
  inner:
    internal: true
    ipam: { config: [{ subnet: ${subnets.inner} }] }
  plain:
    ipam: { config: [{ subnet: ${subnets.plain} }] }
`;
}

rootTest(
  "internal network, ipv4_address, an ephemeral host port, user by name, dns",
  async (t) => {
    await using dir = await tempDir("rkl-compose-net-");
    const root = join(dir.path, "root");
    const cwd = join(dir.path, "app");
    await Deno.mkdir(cwd, { recursive: true });
    const subnets = { outer: randomSubnet(), inner: randomSubnet(), plain: randomSubnet() };
    const outerIp = subnets.outer.replace(/0\/24$/, "10");
    await Deno.writeTextFile(join(cwd, "compose.yaml"), composeNetApp(subnets));
    const exec = (svc: string, script: string) =>
      rkl(root, cwd, ["compose", "exec", "-T", svc, "sh", "-c", script]);
    const bridges: string[] = [];
    try {
      const up = await ok(root, cwd, ["compose", "up", "-d"]);
      assert.doesNotMatch(up.err, /not applied|not supported|not published/);

      await t.step("ipv4_address is the address on that network", async () => {
        const ps = jsonLines((await ok(root, cwd, ["compose", "ps", "--format", "json"])).out) as {
          Service: string;
          IP: string;
          Ports: string;
        }[];
        assert.equal(ps.find((r) => r.Service === "web")?.IP, outerIp);
      });

      await t.step("a port without a host port is published on an ephemeral one", async () => {
        const port = await ok(root, cwd, ["compose", "port", "web", "8080"]);
        const m = /^0\.0\.0\.0:(\d+)\n$/.exec(port.out);
        assert.ok(m, port.out);
        const hostPort = Number(m[1]);
        assert.ok(hostPort > 1024 && hostPort !== 8080);
        const ps = await ok(root, cwd, ["compose", "ps"]);
        assert.match(ps.out, new RegExp(`0\\.0\\.0\\.0:${hostPort}->8080/tcp`));
        const body = await waitFor("the ephemeral port to answer", async () => {
          try {
            const res = await fetch(`http://127.0.0.1:${hostPort}/`);
            return res.ok ? await res.text() : (await res.body?.cancel(), false);
          } catch {
            return false;
          }
        });
        // user: nobody resolved from the image's /etc/passwd (uid 65534).
        assert.equal(body.trim(), "web-65534");
        const none = await rkl(root, cwd, ["compose", "port", "web", "80"]);
        assert.equal(none.code, 1);
        assert.match(none.err, /no port 80\/tcp for container web/);
      });

      await t.step("an internal network reaches its peers only", async () => {
        // busybox nc, not wget: the static busybox's wget crashes (SIGSEGV) in a namespace
        // without a default route.
        const get = (svc: string, host: string) =>
          exec(svc, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} 8080`);
        // Same internal network: web answers by name.
        const peer = await get("iso", "web");
        assert.equal(peer.code, 0, peer.err);
        assert.match(peer.out, /^web-65534$/m);
        // No default route, so web's address on another network is unreachable...
        const routes = await exec("iso", "cat /proc/net/route");
        assert.doesNotMatch(routes.out, /^\S+\t00000000\t/m, routes.out);
        const out = await get("iso", outerIp);
        assert.notEqual(out.code, 0, "the internal network forwards nothing outward");
        assert.doesNotMatch(out.out, /web-65534/);
        // ...while a service on an ordinary network reaches it through its gateway.
        const ctl = await get("ctl", outerIp);
        assert.equal(ctl.code, 0, ctl.err);
        assert.match(ctl.out, /^web-65534$/m);
      });

      await t.step("the network's rules are network-wide, not per pod", async () => {
        const info = JSON.parse((await ok(root, cwd, ["network", "inspect", "app_outer"])).out);
        assert.deepEqual(info.plugins, ["bridge", "portmap", "loopback"]);
        const bridge = String(info.bridge);
        bridges.push(bridge);
        const nat = (await run(["iptables", "-w", "-t", "nat", "-S", "POSTROUTING"])).stdout;
        const masq = nat.split("\n").filter((l) => l.includes(`! -o ${bridge} `));
        assert.equal(masq.length, 1, nat);
        assert.match(
          masq[0]!,
          new RegExp(`-s ${subnets.outer.replace(/\./g, "\\.")} .*MASQUERADE`),
        );
        const fwd = (await run(["iptables", "-w", "-S", "FORWARD"])).stdout;
        assert.equal(fwd.split("\n").filter((l) => l.includes(` ${bridge} `)).length, 2, fwd);
        // No per-pod masquerade chain for web's address.
        assert.doesNotMatch(nat, new RegExp(`-s ${outerIp.replace(/\./g, "\\.")}(/32)? -j CNI-`));
      });

      await t.step("dns and dns_search make the resolv.conf", async () => {
        const r = await exec("iso", "cat /etc/resolv.conf");
        assert.equal(r.out, "nameserver 192.0.2.53\nsearch example.org\n");
      });

      await t.step("start publishes an ephemeral port anew, as docker does", async () => {
        const portOf = async () => {
          const out = (await ok(root, cwd, ["compose", "port", "web", "8080"])).out;
          const m = /^0\.0\.0\.0:(\d+)\n$/.exec(out);
          assert.ok(m, out);
          return Number(m[1]);
        };
        const before = await portOf();
        await ok(root, cwd, ["compose", "stop", "-t", "0", "web"]);
        // Another program takes the old port while web is stopped: start must pick another.
        const hold = Deno.listen({ hostname: "0.0.0.0", port: before });
        try {
          await ok(root, cwd, ["compose", "start", "web"]);
        } finally {
          hold.close();
        }
        const after = await portOf();
        assert.notEqual(after, before);
        const body = await waitFor("the new ephemeral port to answer", async () => {
          try {
            const res = await fetch(`http://127.0.0.1:${after}/`);
            return res.ok ? await res.text() : (await res.body?.cancel(), false);
          } catch {
            return false;
          }
        });
        assert.equal(body.trim(), "web-65534");
      });

      await t.step("a network whose internal changed is recreated with its pods", async () => {
        await Deno.writeTextFile(
          join(cwd, "compose.yaml"),
          composeNetApp(subnets).replace(
            "  plain:\n",
            "  plain:\n    internal: true\n",
          ),
        );
        // Only iso is named: ctl, removed with the network it is on, comes back all the same.
        const up = await ok(root, cwd, ["compose", "up", "-d", "iso"]);
        assert.match(up.err, /Network app_plain {2}Recreated/);
        assert.match(up.err, /Container app-ctl-1 {2}Started/);
        // Pods on the unchanged networks stay.
        assert.doesNotMatch(up.err, /app-(web|iso)-1 {2}(Started|Recreated|Removed)/);
        const info = JSON.parse((await ok(root, cwd, ["network", "inspect", "app_plain"])).out);
        assert.equal(info.config.plugins[0].isGateway, false);
        assert.equal(info.subnet, subnets.plain);
        const routes = await exec("ctl", "cat /proc/net/route");
        assert.equal(routes.code, 0, routes.err);
        assert.doesNotMatch(routes.out, /^\S+\t00000000\t/m, routes.out);
        // A second up leaves the recreated network alone.
        const again = await ok(root, cwd, ["compose", "up", "-d"]);
        assert.doesNotMatch(again.err, /Recreate/);
      });
    } finally {
      await rkl(root, cwd, ["compose", "down", "-v", "-t", "0"]);
    }
    assert.deepEqual(await leftovers(root, Object.values(subnets)), []);
    const rules = (await run(["iptables", "-w", "-S"])).stdout +
      (await run(["iptables", "-w", "-t", "nat", "-S"])).stdout;
    for (const b of bridges) {
      assert.deepEqual(rules.split("\n").filter((l) => l.includes(` ${b} `)), [], `rules of ${b}`);
    }
  },
);

rootTest("foreground up streams prefixed logs and stops the app on SIGTERM", async () => {
  await using dir = await tempDir("rkl-compose-fg-");
  const root = join(dir.path, "root");
  const cwd = join(dir.path, "app");
  await Deno.mkdir(cwd, { recursive: true });
  await Deno.writeTextFile(
    join(cwd, "compose.yaml"),
    `name: fg\nservices:\n  talker:\n    image: ${testBundles.busybox}\n` +
      `    command: ["sh", "-c", "echo hello-fg; exec sleep 300"]\n    stop_grace_period: 1s\n` +
      `  quiet:\n    image: ${testBundles.busybox}\n    command: ["sleep", "300"]\n` +
      `    stop_grace_period: 1s\n`,
  );
  const child = new Deno.Command("deno", {
    args: [...await rklTaskArgs(), "--root", root, "compose", "up"],
    cwd: projectDir,
    env: { INIT_CWD: cwd, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const pump = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) out += chunk;
  })();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  try {
    // The prefix is the pod name padded to the longest one, as docker compose aligns them.
    await waitFor(
      "the talker's line on up's stdout",
      () => /^fg-talker-1 \| hello-fg$/m.test(out),
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    const ps = await ok(root, cwd, ["compose", "ps"]);
    assert.match(ps.out, /^fg-talker-1\s.*\stalker\s.*\sUp /m);
    assert.match(ps.out, /^fg-quiet-1\s.*\squiet\s.*\sUp /m);
    child.kill("SIGTERM");
    const status = await child.status;
    exited = true;
    // docker compose: containers stopped by Ctrl-C / SIGTERM, exit code 0.
    assert.equal(status.code, 0, await stderr);
    assert.match(await stderr, /Gracefully stopping/);
    const after = await ok(root, cwd, ["compose", "ps", "-a", "--format", "json"]);
    const rows = jsonLines(after.out) as { Name: string; State: string }[];
    assert.deepEqual(rows.map((r) => r.Name).sort(), ["fg-quiet-1", "fg-talker-1"]);
    for (const r of rows) assert.notEqual(r.State, "running", `${r.Name} still runs`);
  } finally {
    if (!exited) {
      child.kill("SIGKILL");
      await child.status;
    }
    await pump.catch(() => {});
    await stderr.catch(() => "");
    await ok(root, cwd, ["compose", "down", "-t", "0"]);
  }
  assert.deepEqual(await leftovers(root, []), []);
});

rootTest("ps says restart policies need the daemon only when no daemon runs", async () => {
  await using dir = await tempDir("rkl-compose-note-");
  const root = join(dir.path, "root");
  const cwd = join(dir.path, "app");
  await Deno.mkdir(cwd, { recursive: true });
  await Deno.writeTextFile(
    join(cwd, "compose.yaml"),
    `services:\n  web:\n    image: ${testBundles.busybox}\n    restart: always\n`,
  );
  const note = /restart policies \(web: always\) are applied only while "rkl daemon" runs/;
  assert.match((await ok(root, cwd, ["compose", "ps"])).err, note);
  // A lock file naming a live process is a running daemon (this test process stands in).
  await Deno.mkdir(join(root, "run"), { recursive: true });
  await Deno.writeTextFile(join(root, "run", "daemon.pid"), `${Deno.pid}\n`);
  assert.doesNotMatch((await ok(root, cwd, ["compose", "ps"])).err, note);
  // One left by a daemon that died is not.
  await Deno.writeTextFile(join(root, "run", "daemon.pid"), "999999999\n");
  assert.match((await ok(root, cwd, ["compose", "ps"])).err, note);
});

rootTest(
  "depends_on.restart: a recreated or restarted dependency restarts its dependents (not the others)",
  async () => {
    await using dir = await tempDir("rkl-compose-deprestart-");
    const root = join(dir.path, "root");
    const cwd = join(dir.path, "app");
    await Deno.mkdir(cwd, { recursive: true });
    const subnet = randomSubnet();
    const file = (marker: string) =>
      `name: deprestart
services:
  db:
    image: ${testBundles.busybox}
    command: ["sleep", "300"]
    environment: { MARKER: "${marker}" }
  web:
    image: ${testBundles.busybox}
    command: ["sleep", "300"]
    depends_on:
      db: { condition: service_started, restart: true }
  job:
    image: ${testBundles.busybox}
    command: ["sleep", "300"]
    depends_on: [db]
networks:
  default:
    ipam: { config: [{ subnet: "${subnet}" }] }
`;
    const ids = async () => {
      const out = (await ok(root, cwd, ["compose", "ps", "--format", "json"])).out;
      const rows = jsonLines(out) as { Service: string; ID: string; State: string }[];
      for (const r of rows) assert.equal(r.State, "running", `${r.Service} is ${r.State}`);
      return Object.fromEntries(rows.map((r) => [r.Service, r.ID]));
    };
    await Deno.writeTextFile(join(cwd, "compose.yaml"), file("one"));
    try {
      await ok(root, cwd, ["compose", "up", "-d"]);
      const first = await ids();
      assert.equal(Object.keys(first).length, 3);

      // db's configuration changes: db is recreated, web (restart: true) restarted, job kept.
      await Deno.writeTextFile(join(cwd, "compose.yaml"), file("two"));
      const up = await ok(root, cwd, ["compose", "up", "-d"]);
      assert.match(up.err, /Container deprestart-db-1 {2}Recreated/);
      assert.match(
        up.err,
        /Container deprestart-web-1 {2}Stopped[\s\S]*Container deprestart-web-1 {2}Started/,
      );
      assert.match(up.err, /Container deprestart-job-1 {2}Running/);
      const second = await ids();
      assert.notEqual(second.db, first.db);
      assert.notEqual(second.web, first.web);
      assert.equal(second.job, first.job);

      // `restart db` restarts web too (docker compose's restart.go), job not; --no-deps only db.
      const restart = await ok(root, cwd, ["compose", "restart", "db"]);
      assert.match(restart.err, /deprestart-db-1 {2}Started[\s\S]*deprestart-web-1 {2}Started/);
      const third = await ids();
      assert.notEqual(third.db, second.db);
      assert.notEqual(third.web, second.web);
      assert.equal(third.job, first.job);
      await ok(root, cwd, ["compose", "restart", "--no-deps", "db"]);
      const fourth = await ids();
      assert.notEqual(fourth.db, third.db);
      assert.equal(fourth.web, third.web);
      assert.equal(fourth.job, first.job);
    } finally {
      await ok(root, cwd, ["compose", "down", "-t", "0"]);
    }
    assert.deepEqual(await leftovers(root, [subnet]), []);
  },
);

rootTest(
  "awesome-compose ELK: a service whose command is missing fails alone, named by its container; down removes all",
  async () => {
    await using dir = await tempDir("rkl-compose-elk-");
    const root = join(dir.path, "root");
    const cwd = join(dir.path, "app");
    await Deno.mkdir(cwd, { recursive: true });
    const text = await Deno.readTextFile(
      join(projectDir, "testdata", "compose", "awesome-elk", "compose.yaml"),
    );
    const subnet = randomSubnet();
    await Deno.writeTextFile(
      join(cwd, "compose.yaml"),
      text.replaceAll("image: ../../bundles/busybox", `image: ${testBundles.busybox}`)
        .replace(
          "    driver: bridge\n",
          `    driver: bridge\n    ipam: { config: [{ subnet: "${subnet}" }] }\n`,
        ),
    );
    try {
      const up = await waitFor(
        "host ports 9200, 5000, 5601 to be free for the ELK example",
        async () => {
          const r = await rkl(root, cwd, ["compose", "up", "-d"]);
          if (!/already published|already in use/.test(r.err)) return r;
          await ok(root, cwd, ["compose", "down", "-t", "0"]);
          await new Promise((res) => setTimeout(res, 1000));
          return false;
        },
        { timeoutMs: 300_000, intervalMs: 100 },
      );
      assert.equal(up.code, 1, up.err);
      // docker compose names the container: `Container log  Error ...`.
      assert.match(up.err, /Container log {2}Error .*"logstash": executable file not found/);
      assert.match(up.err, /Container es {2}Started/);
      assert.match(up.err, /Container kib {2}Started/);
      assert.match(up.err, /^Error: service "logstash" failed: /m);
      const rows = jsonLines(
        (await ok(root, cwd, ["compose", "ps", "-a", "--format", "json"])).out,
      ) as {
        Name: string;
        State: string;
      }[];
      assert.deepEqual(rows.map((r) => [r.Name, r.State]), [["es", "running"], ["kib", "running"]]);
      // Names resolve on the shared network; the missing bind sources were made directories.
      await ok(root, cwd, ["compose", "exec", "kibana", "ping", "-c1", "-W2", "es"]);
      assert.ok((await Deno.stat(join(cwd, "logstash", "nginx.log"))).isDirectory);
    } finally {
      await ok(root, cwd, ["compose", "down", "-t", "0"]);
    }
    assert.deepEqual(await leftovers(root, [subnet]), []);
  },
);
