import assert from "node:assert/strict";
import { join } from "node:path";
import { loadCompose } from "./load.ts";
import { dependencyLevels, serviceConfigHash } from "./plan.ts";
import { convertService, podManifestOf, servicePod } from "./translate.ts";
import { withEphemeralPorts } from "./ephemeral_ports.ts";
import { composeUp } from "./compose_up.ts";

async function loadText(text: string) {
  const dir = await Deno.makeTempDir({ prefix: "rkl-compose-" });
  await Deno.writeTextFile(join(dir, "compose.yaml"), text);
  await Deno.writeTextFile(join(dir, "app.conf"), "x=1\n");
  try {
    const loaded = loadCompose({
      cwd: dir,
      env: {},
      projectName: "app",
      checkImage: () => undefined,
    });
    return { ...loaded, dir };
  } finally {
    // Also when loading throws (the tests of bad input): no temp dir left behind.
    await Deno.remove(dir, { recursive: true });
  }
}

const ORIGINAL = `services:
  backend:
    container_name: back
    image: ./testdata/bundles/busybox
    command: ["sleep", "300"]
    ports:
      - "8080:8080"
    networks:
      - libra-net
    volumes:
      - ./tmp/mount/dir:/app/data
  frontend:
    container_name: front
    command: ["sleep", "300"]
    image: ./testdata/bundles/busybox
    ports:
      - "80:80"
networks:
  libra-net:
    driver: bridge
configs:
  backend-config:
    file: ./config.yaml
`;

const ctx = { volumesDir: "/var/lib/rkl/compose/volumes", filesDir: "/f", configHash: "h" };

Deno.test("servicePod() translates the original example into pods the pod layer accepts", async () => {
  const { model, dir } = await loadText(ORIGINAL);
  const back = servicePod(model, model.services.backend!, 1, ctx);
  const { pod, warnings } = podManifestOf(back, "compose.yaml#backend", () => undefined);
  assert.deepEqual(warnings, []);
  assert.equal(pod.name, "back");
  assert.deepEqual(pod.networks, ["app_libra-net"]);
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(pod.terminationGracePeriodSeconds, 10);
  const c = pod.containers[0]!;
  assert.equal(c.name, "backend");
  assert.equal(c.image, join(dir, "testdata/bundles/busybox"));
  assert.deepEqual(c.args, ["sleep", "300"]);
  assert.deepEqual(c.ports, [{ containerPort: 8080, hostPort: 8080, protocol: "TCP" }]);
  assert.deepEqual(pod.volumes, [{
    name: "bind-0",
    kind: "hostPath",
    path: join(dir, "tmp/mount/dir"),
    type: "DirectoryOrCreate",
  }]);
  assert.deepEqual(c.volumeMounts, [{ name: "bind-0", mountPath: "/app/data", readOnly: false }]);
  assert.equal(pod.labels["io.rk8s.compose.project"], "app");
  assert.equal(pod.labels["io.rk8s.compose.service"], "backend");
  assert.equal(pod.labels["io.rk8s.compose.replica"], "1");
  const front = podManifestOf(
    servicePod(model, model.services.frontend!, 1, ctx),
    "f",
    () => undefined,
  );
  assert.deepEqual(front.pod.networks, ["app_default"]);
  assert.equal(front.pod.name, "front");
});

Deno.test("servicePod() maps service fields to Pod fields", async (t) => {
  const { model } = await loadText(`services:
  web:
    image: /img
    entrypoint: /bin/sh -c
    command: ["echo hi"]
    environment: {B: '2', A: '1'}
    working_dir: /srv
    user: "1000:2000"
    read_only: true
    privileged: false
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    cpus: 0.25
    mem_limit: 64m
    mem_reservation: 32m
    restart: unless-stopped
    stop_grace_period: 1m30s
    init: true
    hostname: webhost
    extra_hosts: ["a:10.1.1.1", "b:10.1.1.1"]
    expose: ["9000"]
    ports: ["127.0.0.1:8080:80/udp"]
    volumes: ["data:/data:ro", "/anon"]
    tmpfs: ["/run"]
    configs: [{source: c, target: /etc/app.conf}]
    secrets: [s]
    networks:
      front: {aliases: [www]}
      back:
    labels: {tier: web}
networks: {front: {}, back: {}}
volumes: {data: {}}
configs: {c: {file: ./app.conf}}
secrets: {s: {environment: SECRET}}
`);
  const obj = servicePod(model, model.services.web!, 1, ctx);
  const { pod } = podManifestOf(obj, "web", () => undefined);
  const c = pod.containers[0]!;
  await t.step("process", () => {
    assert.deepEqual(c.command, ["/bin/sh", "-c"]);
    assert.deepEqual(c.args, ["echo hi"]);
    assert.deepEqual(c.env, [{ name: "A", value: "1" }, { name: "B", value: "2" }]);
    assert.equal(c.workingDir, "/srv");
    assert.equal(pod.hostname, "webhost");
    assert.equal(pod.shareProcessNamespace, true);
  });
  await t.step("security and resources", () => {
    assert.deepEqual(c.securityContext, {
      runAsUser: 1000,
      runAsGroup: 2000,
      readOnlyRootFilesystem: true,
      capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
    });
    assert.deepEqual(c.resources, {
      limits: { cpu: "250m", memory: String(64 * 1024 ** 2) },
      // The shared defaulting step copies a limit without a request into the requests.
      requests: { cpu: "250m", memory: String(32 * 1024 ** 2) },
    });
  });
  await t.step("lifecycle", () => {
    assert.equal(pod.restartPolicy, "Always");
    assert.equal(pod.terminationGracePeriodSeconds, 90);
  });
  await t.step("network", () => {
    assert.deepEqual(pod.networks, ["app_front", "app_back"]);
    assert.deepEqual(pod.hostAliases, [{ ip: "10.1.1.1", hostnames: ["a", "b"] }]);
    assert.deepEqual(c.ports, [
      { containerPort: 80, hostPort: 8080, protocol: "UDP", hostIP: "127.0.0.1" },
      { containerPort: 9000, protocol: "TCP" },
    ]);
    const names = JSON.parse(pod.annotations["io.rk8s.compose.dns-names"]!);
    assert.deepEqual(names, {
      app_front: ["web", "app-web-1", "webhost", "www"],
      app_back: ["web", "app-web-1", "webhost"],
    });
  });
  await t.step("volumes, configs, secrets", () => {
    const byMount = Object.fromEntries(c.volumeMounts.map((m) => [m.mountPath, m]));
    const vol = (name: string) => pod.volumes.find((v) => v.name === name);
    assert.deepEqual(vol(byMount["/data"]!.name), {
      name: "data-0",
      kind: "hostPath",
      path: "/var/lib/rkl/compose/volumes/app_data",
      type: "DirectoryOrCreate",
    });
    assert.equal(byMount["/data"]!.readOnly, true);
    assert.deepEqual(vol(byMount["/anon"]!.name), { name: "anon-1", kind: "emptyDir", medium: "" });
    assert.deepEqual(vol(byMount["/run"]!.name), {
      name: "tmpfs-2",
      kind: "emptyDir",
      medium: "Memory",
    });
    assert.equal(vol(byMount["/etc/app.conf"]!.name)?.kind, "hostPath");
    assert.deepEqual(vol(byMount["/run/secrets/s"]!.name), {
      name: "secret-0",
      kind: "hostPath",
      path: "/f/secrets/s",
      type: "File",
    });
    assert.equal(byMount["/run/secrets/s"]!.readOnly, true);
  });
  await t.step("labels go to annotations", () => {
    assert.equal(pod.annotations.tier, "web");
  });
});

Deno.test("convertService() prints a Deployment for deploy.replicas and a Service for published ports", async () => {
  const { model } = await loadText(
    "services:\n  web:\n    image: /i\n    deploy: {replicas: 3}\n    ports: ['8080:80']\n  job:\n    image: /i\n    scale: 2\n",
  );
  const web = convertService(model, model.services.web!, ctx);
  assert.deepEqual(web.map((o) => o.kind), ["Deployment", "Service"]);
  assert.equal((web[0]!.spec as { replicas: number }).replicas, 3);
  assert.deepEqual((web[1]!.spec as { ports: unknown[] }).ports, [
    { name: "tcp-8080", port: 8080, targetPort: 80, protocol: "TCP" },
  ]);
  const job = convertService(model, model.services.job!, ctx);
  assert.deepEqual(job.map((o) => (o.metadata as { name: string }).name), [
    "app-job-1",
    "app-job-2",
  ]);
});

Deno.test("dependencyLevels() orders services and finds cycles", async (t) => {
  const s = (...deps: string[]) => ({ dependsOn: Object.fromEntries(deps.map((d) => [d, {}])) });
  const cases: [string, Record<string, ReturnType<typeof s>>, string[][] | RegExp][] = [
    ["independent", { b: s(), a: s() }, [["a", "b"]]],
    ["chain", { web: s("api"), api: s("db"), db: s() }, [["db"], ["api"], ["web"]]],
    ["diamond", { top: s("l", "r"), l: s("base"), r: s("base"), base: s() }, [
      ["base"],
      ["l", "r"],
      ["top"],
    ]],
    ["unknown deps ignored", { a: s("zzz") }, [["a"]]],
    ["self", { a: s("a") }, /a → a/],
    ["three", { a: s("b"), b: s("c"), c: s("a") }, /a → b → c → a/],
    ["cycle below", { top: s("x"), x: s("y"), y: s("x") }, /x → y → x/],
  ];
  for (const [name, services, want] of cases) {
    await t.step(name, () => {
      if (want instanceof RegExp) assert.throws(() => dependencyLevels(services), want);
      else assert.deepEqual(dependencyLevels(services), want);
    });
  }
});

Deno.test("serviceConfigHash() changes only for the service whose config changed", async () => {
  const base =
    "services:\n  a:\n    image: /i\n    environment: {X: '1'}\n  b:\n    image: /i\n    volumes: [v:/v]\nvolumes: {v: {}}\n";
  const one = (await loadText(base)).model;
  const two = (await loadText(base.replace("X: '1'", "X: '2'"))).model;
  const three =
    (await loadText(base.replace("volumes: {v: {}}", "volumes: {v: {name: other}}"))).model;
  const scaled =
    (await loadText(base.replace("image: /i\n    volumes", "image: /i\n    scale: 3\n    volumes")))
      .model;
  const h = (m: typeof one, s: string) => serviceConfigHash(m, m.services[s]!);
  assert.equal(await h(one, "a"), await h(one, "a"));
  assert.notEqual(await h(one, "a"), await h(two, "a"));
  assert.equal(await h(one, "b"), await h(two, "b"));
  assert.notEqual(
    await h(one, "b"),
    await h(three, "b"),
    "a changed volume definition changes the hash",
  );
  assert.equal(await h(one, "a"), await h(three, "a"));
  assert.equal(await h(one, "b"), await h(scaled, "b"), "scale is not part of the hash");
  assert.match(await h(one, "a"), /^[0-9a-f]{64}$/);
});

Deno.test("dns, dns_search, dns_opt and stop_signal become dnsConfig and lifecycle.stopSignal", async () => {
  const { model, warnings } = await loadText(`services:
  a:
    image: ./img
    dns: [192.0.2.53, 192.0.2.54]
    dns_search: example.org
    dns_opt: [ndots:2, rotate]
    stop_signal: usr1
    stop_grace_period: 1m30s
  b:
    image: ./img
    dns_search: [svc.example]
    stop_signal: "15"
  c:
    image: ./img
`);
  assert.deepEqual(warnings, []);
  const a = podManifestOf(servicePod(model, model.services.a!, 1, ctx), "a", () => undefined).pod;
  assert.equal(a.dnsPolicy, "None");
  assert.deepEqual(a.dnsConfig, {
    nameservers: ["192.0.2.53", "192.0.2.54"],
    searches: ["example.org"],
    options: [{ name: "ndots", value: "2" }, { name: "rotate" }],
  });
  assert.equal(a.os, "linux");
  assert.equal(a.containers[0]!.stopSignal, "SIGUSR1");
  assert.equal(a.terminationGracePeriodSeconds, 90);
  const b = podManifestOf(servicePod(model, model.services.b!, 1, ctx), "b", () => undefined).pod;
  assert.equal(b.dnsPolicy, "Default", "only dns_search: the node's resolvers are kept");
  assert.deepEqual(b.dnsConfig, { searches: ["svc.example"] });
  assert.equal(b.containers[0]!.stopSignal, "SIGTERM");
  const c = podManifestOf(servicePod(model, model.services.c!, 1, ctx), "c", () => undefined).pod;
  assert.equal(c.dnsConfig, undefined);
  assert.equal(c.containers[0]!.stopSignal, undefined);
  assert.equal(c.os, undefined);
  const bad: [string, RegExp][] = [
    [
      `dns: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4]`,
      /compose\.yaml:4:\d+: services\.a\.dns: at most 3 dns servers/,
    ],
    [`dns: dns.example`, /services\.a\.dns: dns server "dns\.example" is not an IP address/],
    [`dns_search: [Bad_Domain]`, /services\.a\.dns_search: dns_search domain "Bad_Domain"/],
    [`dns_opt: ["nd ots"]`, /services\.a\.dns_opt: dns_opt "nd ots" is not a resolv\.conf option/],
    [
      `stop_signal: SIGNOPE`,
      /compose\.yaml:4:\d+: services\.a\.stop_signal: invalid stop_signal "SIGNOPE"/,
    ],
    [`stop_signal: "99"`, /invalid stop_signal "99"/],
  ];
  for (const [line, re] of bad) {
    await assert.rejects(loadText(`services:\n  a:\n    image: ./img\n    ${line}\n`), re, line);
  }
});

Deno.test("user: names resolve from the image's /etc/passwd and /etc/group as docker does", async () => {
  await using dir = await (async () => {
    const path = await Deno.makeTempDir({ prefix: "rkl-compose-user-" });
    return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
  })();
  await Deno.mkdir(join(dir.path, "img/rootfs/etc"), { recursive: true });
  await Deno.writeTextFile(
    join(dir.path, "img/rootfs/etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
  );
  await Deno.writeTextFile(
    join(dir.path, "img/rootfs/etc/group"),
    "root:x:0:\napp:x:1001:\nstaff:x:50:app,other\naudio:x:63:app\n",
  );
  const load = (user: string) => {
    Deno.writeTextFileSync(
      join(dir.path, "compose.yaml"),
      `services:\n  a:\n    image: ./img\n    user: "${user}"\n`,
    );
    return loadCompose({ cwd: dir.path, env: {}, projectName: "u", checkImage: () => undefined });
  };
  const table: [string, { uid: number; gid: number; groups?: number[] }, number[] | undefined][] = [
    ["app", { uid: 1000, gid: 1001, groups: [50, 63] }, [50, 63]],
    ["app:staff", { uid: 1000, gid: 50, groups: [63] }, [63]],
    ["app:7", { uid: 1000, gid: 7, groups: [50, 63] }, [50, 63]],
    ["1000", { uid: 1000, gid: 1001, groups: [50, 63] }, [50, 63]],
    ["4242", { uid: 4242, gid: 0 }, undefined],
    ["4242:audio", { uid: 4242, gid: 63 }, undefined],
    ["root", { uid: 0, gid: 0 }, undefined],
  ];
  for (const [user, want, groups] of table) {
    const { model } = load(user);
    assert.deepEqual(model.services.a!.user, want, user);
    const { pod } = podManifestOf(
      servicePod(model, model.services.a!, 1, ctx),
      "a",
      () => undefined,
    );
    assert.equal(pod.containers[0]!.securityContext.runAsUser, want.uid, user);
    assert.equal(pod.containers[0]!.securityContext.runAsGroup, want.gid, user);
    assert.deepEqual(pod.securityContext?.supplementalGroups, groups, user);
  }
  assert.throws(
    () => load("ghost"),
    /compose\.yaml:4:\d+: services\.a\.user: unable to find user ghost: no matching entries in the image's \/etc\/passwd/,
  );
  assert.throws(() => load("app:nogroup"), /unable to find group nogroup/);
  assert.throws(() => load("app:"), /user "app:" is not USER\[:GROUP\]/);
});

Deno.test("ipv4_address, internal networks and ports without a host port", async () => {
  const { model, warnings } = await loadText(`services:
  a:
    image: ./img
    ports: ["80", "9000-9001:90-91", "53/udp"]
    networks:
      private: {}
      front: { ipv4_address: 172.28.5.9 }
  b:
    image: ./img
    networks: [front]
networks:
  front:
    ipam: { config: [{ subnet: 172.28.0.0/16 }] }
  private: { internal: true }
`);
  assert.deepEqual(warnings, []);
  assert.equal(model.networks.private!.internal, true);
  assert.deepEqual(model.services.a!.ports.map((p) => p.published), [
    undefined,
    9000,
    9001,
    undefined,
  ]);
  let next = 41000;
  const a = await withEphemeralPorts(model.services.a!, () => next++);
  const pa = podManifestOf(servicePod(model, a, 1, ctx), "a", () => undefined).pod;
  // The internal network comes last (no default route through it); the address is kept.
  assert.deepEqual(pa.networks, ["app_front", "app_private"]);
  assert.deepEqual(pa.networkIps, { app_front: "172.28.5.9" });
  assert.deepEqual(
    pa.containers[0]!.ports.map((p) => `${p.hostPort}:${p.containerPort}/${p.protocol}`),
    ["41000:80/TCP", "9000:90/TCP", "9001:91/TCP", "41001:53/UDP"],
  );
  const pb = podManifestOf(servicePod(model, model.services.b!, 1, ctx), "b", () => undefined).pod;
  assert.deepEqual(pb.networks, ["app_front"]);
  assert.equal(pb.networkIps, undefined);
  // The hash is the model's: the picked port does not make a kept pod look changed.
  assert.equal(
    await serviceConfigHash(model, model.services.a!),
    await serviceConfigHash(model, { ...model.services.a! }),
  );

  const net = (svc: string, nets: string) =>
    `services:\n  a:\n    image: ./img\n${svc}    networks:\n      n: { ipv4_address: 10.5.0.7 }\nnetworks:\n  n: ${nets}\n`;
  const bad: [string, RegExp][] = [
    [
      net("", "{}"),
      /compose\.yaml:5:\d+: services\.a\.networks\.n\.ipv4_address: user specified IP address is supported only when connecting to networks with user configured subnets/,
    ],
    [
      net("", "{ ipam: { config: [{ subnet: 10.6.0.0/16 }] } }"),
      /ipv4_address 10\.5\.0\.7 is not in the subnet 10\.6\.0\.0\/16/,
    ],
    [
      net("", "{ ipam: { config: [{ subnet: 10.5.0.0/24 }] } }").replace("10.5.0.7", "10.5.0.1"),
      /10\.5\.0\.1 is the gateway/,
    ],
    [
      net("    scale: 2\n", "{ ipam: { config: [{ subnet: 10.5.0.0/24 }] } }"),
      /has ipv4_address and 2 replicas/,
    ],
    [net("", "{}").replace("10.5.0.7", "10.5.0"), /"10\.5\.0" is not an IPv4 address/],
  ];
  for (const [text, re] of bad) await assert.rejects(loadText(text), re, text);
  const ext = await loadText(net("", "{ external: true }"));
  assert.equal(ext.model.services.a!.networks.n!.ipv4Address, "10.5.0.7", "checked when joining");
});

Deno.test("--scale refuses a service with container_name or ipv4_address before anything starts", async () => {
  const { model } = await loadText(`services:
  a:
    image: ./img
    networks: { n: { ipv4_address: 10.5.0.7 } }
  b:
    image: ./img
    container_name: bee
networks:
  n: { ipam: { config: [{ subnet: 10.5.0.0/24 }] } }
`);
  // The engine and host are never reached: the check comes first.
  const engine = {} as Parameters<typeof composeUp>[0];
  const host = {} as Parameters<typeof composeUp>[1];
  await assert.rejects(
    composeUp(engine, host, model, { scale: { a: 2 } }),
    /service "a" has an ipv4_address: it cannot be scaled to 2/,
  );
  await assert.rejects(
    composeUp(engine, host, model, { scale: { b: 3 } }),
    /service "b" has container_name: it cannot be scaled to 3/,
  );
});
