import assert from "node:assert/strict";
import { join } from "node:path";
import { ManifestError, ManifestErrors } from "../errors.ts";
import { formatWarning } from "../manifest_reader.ts";
import { type ComposeLoadOptions, loadCompose } from "./load.ts";

async function project(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "rkl-compose-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    throw e;
  }
  throw new Error("expected an error");
}

function load(dir: string, opts: Partial<ComposeLoadOptions> = {}) {
  return loadCompose({ cwd: dir, env: {}, checkImage: () => undefined, ...opts });
}

Deno.test("loadCompose() finds the file in a parent directory and applies compose.override.yaml", async () => {
  const dir = await project({
    "compose.yaml":
      "services:\n  web:\n    image: ./img\n    command: [a]\n    ports: ['80:80']\n" +
      "    environment: [A=1, B=2]\n    volumes: ['./d:/d', 'v:/v']\nvolumes: {v: {}}\n",
    "compose.override.yaml":
      "services:\n  web:\n    command: b c\n    ports: ['80:80', '443:443']\n" +
      "    environment: {B: '3', C: '4'}\n    volumes: ['./e:/d']\n",
    "sub/dir/.keep": "",
  });
  try {
    const { model } = load(join(dir, "sub", "dir"));
    const web = model.services.web!;
    assert.equal(model.workingDir, dir);
    assert.equal(model.files.length, 2);
    assert.equal(model.name, dir.split("/").pop()!.replace(/[^a-z0-9_-]/g, ""));
    assert.deepEqual(web.command, ["b", "c"]);
    assert.deepEqual(web.ports.map((p) => p.published), [80, 443]);
    assert.deepEqual(web.environment, { A: "1", B: "3", C: "4" });
    assert.deepEqual(web.volumes.map((v) => [v.source, v.target]), [
      [join(dir, "e"), "/d"],
      ["v", "/v"],
    ]);
    assert.equal(web.image, join(dir, "img"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() merges several -f files in order", async () => {
  const dir = await project({
    "a.yaml":
      "name: one\nservices:\n  web:\n    image: ./img\n    entrypoint: [x]\n    cap_add: [NET_ADMIN]\n" +
      "    labels: [a=1]\n    depends_on: [db]\n  db:\n    image: ./img\n",
    "b.yaml":
      "name: two\nservices:\n  web:\n    entrypoint: [y, z]\n    cap_add: [NET_ADMIN, SYS_TIME]\n" +
      "    labels: {b: '2'}\n    depends_on: {cache: {condition: service_healthy}}\n  cache:\n    image: ./img\n" +
      "    healthcheck: {test: [CMD, 'true']}\n",
  });
  try {
    const { model } = load(dir, { files: ["a.yaml", "b.yaml"] });
    const web = model.services.web!;
    assert.equal(model.name, "two");
    assert.deepEqual(web.entrypoint, ["y", "z"]);
    assert.deepEqual(web.capAdd, ["NET_ADMIN", "SYS_TIME"]);
    assert.deepEqual(web.labels, { a: "1", b: "2" });
    assert.deepEqual(Object.keys(web.dependsOn).sort(), ["cache", "db"]);
    assert.equal(web.dependsOn.cache!.condition, "service_healthy");
    assert.equal(web.dependsOn.db!.condition, "service_started");
    assert.equal(load(dir, { files: ["a.yaml", "b.yaml"], projectName: "pp" }).model.name, "pp");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() interpolates from the environment, then .env, then --env-file", async () => {
  const dir = await project({
    "compose.yaml":
      "services:\n  web:\n    image: ./${IMG:-img}\n    environment:\n      TAG: ${TAG}\n" +
      "      PORT: $PORT\n      LIT: $$HOME\n      FROM_ENV:\n    command: echo ${MSG:?message needed}\n",
    ".env": "TAG=from-dotenv\nPORT=80\nMSG='hello world'\n",
    "other.env": "TAG=from-other\nMSG=x\n",
  });
  try {
    const a = load(dir, { env: { PORT: "8080", FROM_ENV: "e" } }).model.services.web!;
    assert.deepEqual(a.environment, {
      FROM_ENV: "e",
      LIT: "$HOME",
      PORT: "8080",
      TAG: "from-dotenv",
    });
    assert.deepEqual(a.command, ["echo", "hello", "world"]);
    const b = load(dir, { envFiles: ["other.env"] }).model.services.web!;
    assert.equal(b.environment.TAG, "from-other");
    assert.equal(b.environment.PORT, "");
    const { warnings } = load(dir, { envFiles: ["other.env"] });
    assert.ok(warnings.some((w) => /"PORT" variable is not set/.test(w.message) && w.line === 6));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() resolves anchors, aliases and << merge keys", async () => {
  const dir = await project({
    "compose.yaml":
      "x-common: &common\n  image: ./img\n  environment: &env {A: '1'}\n  restart: always\n" +
      "services:\n  a:\n    <<: *common\n  b:\n    <<: *common\n    restart: on-failure:3\n    environment:\n      <<: *env\n      B: '2'\n",
  });
  try {
    const { model, warnings } = load(dir);
    assert.equal(model.services.a!.restart, "always");
    assert.equal(model.services.b!.restart, "on-failure");
    assert.equal(model.services.b!.restartMaxRetries, 3);
    assert.deepEqual(model.services.b!.environment, { A: "1", B: "2" });
    assert.deepEqual(warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() warns once per unsupported key with its line, and still loads", async () => {
  const dir = await project({
    "compose.yaml":
      "version: '3.8'\nservices:\n  web:\n    image: ./img\n    build: .\n    logging: {driver: json-file}\n" +
      "    devices: [/dev/x]\n    frobnicate: 1\n    x-mine: ok\n",
  });
  try {
    const { model, warnings } = load(dir);
    assert.ok(model.services.web);
    const texts = warnings.map(formatWarning);
    assert.equal(texts.length, 5, texts.join("\n"));
    assert.match(texts[0]!, /compose\.yaml:1:1: version: the attribute "version" is obsolete/);
    assert.match(texts[1]!, /compose\.yaml:5:5: services\.web\.build: "build" is not supported/);
    assert.match(texts[2]!, /:6:5: services\.web\.logging: "logging" is not supported/);
    assert.match(texts[3]!, /:7:5: services\.web\.devices: "devices" is not supported/);
    assert.match(texts[4]!, /:8:5: services\.web\.frobnicate: unknown service key/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() rejects bad input with file, line, column and field path", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["yaml syntax", "services:\n  web: [\n", /compose\.yaml:\d+:\d+: invalid YAML/],
    [
      "undefined network",
      "services:\n  web:\n    image: ./i\n    networks: [nope]\n",
      /compose\.yaml:4:5: services\.web\.networks: service "web" refers to undefined network "nope"/,
    ],
    [
      "undefined volume",
      "services:\n  web:\n    image: ./i\n    volumes: ['data:/d']\n",
      /compose\.yaml:4:15: services\.web\.volumes\[0\]: service "web" refers to undefined volume "data"/,
    ],
    [
      "undefined service",
      "services:\n  web:\n    image: ./i\n    depends_on: [db]\n",
      /:4:5: services\.web\.depends_on: service "web" depends on undefined service "db"/,
    ],
    [
      "undefined config",
      "services:\n  web:\n    image: ./i\n    configs: [c]\n",
      /:4:5: services\.web\.configs: service "web" refers to undefined config "c"/,
    ],
    [
      "undefined secret",
      "services:\n  web:\n    image: ./i\n    secrets: [s]\n",
      /undefined secret "s"/,
    ],
    [
      "missing config file",
      "services:\n  web:\n    image: ./i\n    configs: [c]\nconfigs:\n  c:\n    file: ./nope.yaml\n",
      /:7:5: configs\.c\.file: config "c" file ".*nope\.yaml" does not exist/,
    ],
    [
      "cycle",
      "services:\n  a:\n    image: ./i\n    depends_on: [b]\n  b:\n    image: ./i\n    depends_on: [a]\n",
      /:4:5: services\.a\.depends_on: dependency cycle between services: a → b → a/,
    ],
    [
      "required variable",
      "services:\n  web:\n    image: ./i\n    environment:\n      DB: ${DB_URL:?set DB_URL}\n",
      /:5:11: services\.web\.environment\.DB: required variable DB_URL is missing a value: set DB_URL/,
    ],
    [
      "bad port",
      "services:\n  web:\n    image: ./i\n    ports: ['80:99999']\n",
      /:4:13: services\.web\.ports\[0\]: invalid port "80:99999"/,
    ],
    [
      "bad duration",
      "services:\n  web:\n    image: ./i\n    stop_grace_period: 10x\n",
      /:4:5: services\.web\.stop_grace_period: invalid duration "10x"/,
    ],
    [
      "bad size",
      "services:\n  web:\n    image: ./i\n    mem_limit: lots\n",
      /services\.web\.mem_limit: invalid byte size "lots"/,
    ],
    [
      "bad service name",
      "services:\n  -web:\n    image: ./i\n",
      /:2:3: services\."-web": "-web" is not a valid service name/,
    ],
    [
      "no image",
      "services:\n  web:\n    build: .\n",
      /:3:5: services\.web\.build: service "web" has no image/,
    ],
    [
      "bad condition",
      "services:\n  a:\n    image: ./i\n    depends_on: {b: {condition: soon}}\n  b:\n    image: ./i\n",
      /services\.a\.depends_on\.b\.condition: expected service_started/,
    ],
    [
      "bad restart",
      "services:\n  a:\n    image: ./i\n    restart: sometimes\n",
      /services\.a\.restart: expected no, always/,
    ],
    ["no services", "name: x\n", /services: no services defined/],
    [
      "bad interpolation",
      "services:\n  a:\n    image: ./i\n    command: echo ${\n",
      /services\.a\.command: invalid interpolation format/,
    ],
    [
      "bad project name",
      "name: Bad\nservices:\n  a:\n    image: ./i\n",
      /"Bad" is not a valid project name/,
    ],
  ];
  for (const [name, text, want] of cases) {
    await t.step(name, async () => {
      const dir = await project({ "compose.yaml": text });
      try {
        assert.throws(() => load(dir), (e: unknown) => {
          assert.ok(e instanceof Error);
          assert.match(e.message, want);
          return true;
        });
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
  await t.step("a ManifestError carries the position", async () => {
    const dir = await project({
      "compose.yaml": "services:\n  web:\n    image: ./i\n    ports: [x]\n",
    });
    try {
      assert.throws(() => load(dir), (e: unknown) => {
        assert.ok(e instanceof ManifestError);
        assert.equal(e.line, 4);
        assert.equal(e.path, "services.web.ports[0]");
        return true;
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
  await t.step("no compose file", async () => {
    const dir = await Deno.makeTempDir();
    try {
      assert.throws(() => load(dir), /no configuration file provided/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("loadCompose() applies profiles and the long syntaxes", async () => {
  const dir = await project({
    "compose.yaml": `services:
  web:
    image: ./img
    ports:
      - target: 80
        published: "8080"
        host_ip: 127.0.0.1
        protocol: udp
    volumes:
      - type: tmpfs
        target: /cache
        tmpfs: {size: 1m}
      - type: bind
        source: ./src
        target: /src
        read_only: true
    tmpfs: /run:size=64k
    healthcheck:
      test: curl -f http://localhost
      interval: 1m30s
      timeout: 500ms
      start_period: 5s
    deploy:
      replicas: 2
      resources:
        limits: {cpus: '0.5', memory: 512m}
        reservations: {memory: 64M}
    user: "1000:1000"
    extra_hosts: ["db.local:10.0.0.5", "x=1.2.3.4"]
  debug:
    image: ./img
    profiles: [debug]
`,
  });
  try {
    const { model } = load(dir);
    assert.deepEqual(Object.keys(model.services), ["web"]);
    const web = model.services.web!;
    assert.deepEqual(web.ports, [{
      target: 80,
      published: 8080,
      hostIp: "127.0.0.1",
      protocol: "udp",
    }]);
    assert.deepEqual(web.volumes, [
      {
        type: "tmpfs",
        target: "/cache",
        readOnly: false,
        createHostPath: false,
        tmpfsSize: 1048576,
      },
      {
        type: "bind",
        source: join(dir, "src"),
        target: "/src",
        readOnly: true,
        createHostPath: true,
      },
      { type: "tmpfs", target: "/run", readOnly: false, createHostPath: false, tmpfsSize: 65536 },
    ]);
    assert.deepEqual(web.healthcheck, {
      test: ["/bin/sh", "-c", "curl -f http://localhost"],
      intervalMs: 90_000,
      timeoutMs: 500,
      retries: 3,
      startPeriodMs: 5000,
      startIntervalMs: 5000,
    });
    assert.equal(web.replicas, 2);
    assert.equal(web.cpus, 0.5);
    assert.equal(web.memLimit, 512 * 1024 ** 2);
    assert.equal(web.memReservation, 64 * 1024 ** 2);
    assert.deepEqual(web.user, { uid: 1000, gid: 1000 });
    assert.deepEqual(web.extraHosts, { "db.local": "10.0.0.5", x: "1.2.3.4" });
    assert.deepEqual(Object.keys(load(dir, { profiles: ["debug"] }).model.services), [
      "web",
      "debug",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("include: other compose files join the project with their own directory and env", async () => {
  const dir = await project({
    "app/compose.yaml": `name: shop
include:
  - ../db/compose.yaml
  - path: [../cache/compose.yaml, ../cache/override.yaml]
    env_file: ../cache/cache.env
services:
  web:
    image: ./img
    depends_on: [db, cache]
    networks: [default, backend]
`,
    "db/compose.yaml": `services:
  db:
    image: ./dbimg
    environment: ["PASSWORD=\${DB_PASSWORD}"]
    volumes: [./data:/var/lib/db, dbdata:/srv]
    networks: [backend]
networks:
  backend: {}
volumes:
  dbdata: {}
`,
    "db/.env": "DB_PASSWORD=from-db-env\n",
    "cache/compose.yaml": 'services:\n  cache:\n    image: ./c\n    command: ["\${CACHE_CMD}"]\n',
    "cache/override.yaml": "services:\n  cache:\n    environment: {LAYER: override}\n",
    "cache/cache.env": "CACHE_CMD=redis-server\n",
  });
  try {
    const { model, warnings } = load(join(dir, "app"));
    assert.deepEqual(warnings, []);
    assert.equal(model.name, "shop");
    assert.deepEqual(Object.keys(model.services).sort(), ["cache", "db", "web"]);
    const db = model.services.db!;
    assert.equal(db.image, join(dir, "db/dbimg"), "relative to the included project's directory");
    assert.equal(db.environment.PASSWORD, "from-db-env", "interpolated from its own .env");
    assert.equal(db.volumes[0]!.source, join(dir, "db/data"));
    assert.equal(model.volumes.dbdata!.name, "shop_dbdata", "named in the including project");
    assert.equal(model.networks.backend!.name, "shop_backend");
    assert.deepEqual(model.services.cache!.command, ["redis-server"]);
    assert.equal(model.services.cache!.environment.LAYER, "override");
    assert.equal(model.services.web!.image, join(dir, "app/img"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("include: conflicts, cycles and missing files are errors with their position", async () => {
  const dir = await project({
    "conflict/compose.yaml":
      "include: [../lib/compose.yaml]\nservices:\n  db:\n    image: ./other\n",
    "same/compose.yaml": "include: [../lib/compose.yaml]\nservices:\n  web:\n    image: ./w\n",
    "lib/compose.yaml": "services:\n  db:\n    image: ./dbimg\n",
    "cycle/compose.yaml": "include: [./b.yaml]\nservices:\n  a:\n    image: ./a\n",
    "cycle/b.yaml": "include: [./compose.yaml]\nservices:\n  b:\n    image: ./b\n",
    "missing/compose.yaml": "services:\n  a:\n    image: ./a\ninclude:\n  - ./nope.yaml\n",
  });
  try {
    assert.throws(
      () => load(join(dir, "conflict")),
      /conflict\/compose\.yaml:3:\d+: services\.db: services\.db conflicts with imported resource/,
    );
    // The implicit default network is the same on both sides: no conflict.
    const { model } = load(join(dir, "same"));
    assert.deepEqual(Object.keys(model.services).sort(), ["db", "web"]);
    assert.equal(model.networks.default!.name, "same_default");
    assert.throws(
      () => load(join(dir, "cycle")),
      /include cycle: .*compose\.yaml -> .*b\.yaml -> .*compose\.yaml/,
    );
    assert.throws(
      () => load(join(dir, "missing")),
      /missing\/compose\.yaml:5:\d+: include\[0\]: open .*nope\.yaml: no such file or directory/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() reads compose, .env and env_file files as manifests: regular files up to 1 MiB, one-line errors", async (t) => {
  const dir = await project({ "compose.yaml": "services:\n  web:\n    image: ./i\n" });
  const oneLine = (file: string, reason: RegExp) => (e: unknown) => {
    assert.ok(e instanceof ManifestError, String(e));
    assert.ok(!e.message.includes("\n"), e.message);
    assert.ok(e.message.startsWith(`${file}: cannot read file: `), e.message);
    assert.match(e.message, reason);
    return true;
  };
  try {
    await t.step("a directory given with -f", () => {
      const sub = join(dir, "sub");
      Deno.mkdirSync(sub);
      assert.throws(
        () => load(dir, { files: [sub] }),
        oneLine(sub, /expected a regular file, got a directory$/),
      );
    });
    await t.step("a FIFO is refused at once instead of blocking", async () => {
      const fifo = join(dir, "fifo.yaml");
      // busybox is on the test permission list; mkfifo itself is not.
      const mk = await new Deno.Command("/usr/bin/busybox", { args: ["mkfifo", fifo] }).output();
      assert.ok(mk.success, "busybox mkfifo");
      assert.throws(() => load(dir, { files: [fifo] }), oneLine(fifo, /got a FIFO$/));
    });
    await t.step("a file over 1 MiB", async () => {
      const big = join(dir, "big.yaml");
      await Deno.writeTextFile(big, `# ${"x".repeat(1024 * 1024)}\nservices: {}\n`);
      assert.throws(
        () => load(dir, { files: [big] }),
        oneLine(big, /larger than the 1 MiB limit$/),
      );
    });
    await t.step("a .env that is not UTF-8", async () => {
      await Deno.writeFile(join(dir, ".env"), new Uint8Array([0x41, 0x3d, 0xff, 0x0a]));
      assert.throws(() => load(dir), oneLine(join(dir, ".env"), /not UTF-8 text$/));
      await Deno.remove(join(dir, ".env"));
    });
    await t.step("a service's env_file that is a directory", async () => {
      await Deno.writeTextFile(
        join(dir, "compose.yaml"),
        "services:\n  web:\n    image: ./i\n    env_file: sub\n",
      );
      assert.throws(() => load(dir), oneLine(join(dir, "sub"), /got a directory$/));
    });
    await t.step("a missing optional .env is still skipped, a missing -f file still named", () => {
      assert.throws(() => load(dir, { files: ["nope.yaml"] }), /open .*nope\.yaml: no such file/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() reports every error of the file in one run, each with file:line:col and field path", async () => {
  const text = [
    "services:", //                                                      1
    "  web:", //                                                         2
    "    image: ./img", //                                               3
    "    ports: ['80:80', 'eighty']", //                                 4
    "    restart: sometimes", //                                         5
    "    stop_grace_period: 5 minutes", //                               6
    "    networks: [front, nowhere]", //                                 7
    "    environment: { A: '${NEED:?set NEED}' }", //                    8
    "  db:", //                                                          9
    "    image: ./img", //                                              10
    "    depends_on: [ghost]", //                                       11
    "    healthcheck: { test: [CMD, 'true'], interval: soon }", //      12
    "    volumes: ['data:/data', 'other:/other']", //                   13
    "  -bad:", //                                                       14
    "    image: ./img", //                                              15
    "  cache:", //                                                      16
    "    image: ./img", //                                              17
    "    depends_on: [db]", //                                          18
    "    mem_limit: lots", //                                           19
    "networks:", //                                                     20
    "  front: { driver: overlay }", //                                  21
    "volumes:", //                                                      22
    "  data: {}", //                                                    23
    "",
  ].join("\n");
  const dir = await project({ "compose.yaml": text });
  try {
    const f = join(dir, "compose.yaml");
    const err = caught(() => load(dir));
    assert.ok(err instanceof ManifestErrors, err.message);
    const want: [number, string][] = [
      [4, "services.web.ports[1]: "],
      [5, "services.web.restart: expected no, always"],
      [6, "services.web.stop_grace_period: "],
      [7, 'services.web.networks: service "web" refers to undefined network "nowhere"'],
      [8, "services.web.environment.A: required variable NEED is missing a value: set NEED"],
      [11, 'services.db.depends_on: service "db" depends on undefined service "ghost"'],
      [12, "services.db.healthcheck.interval: "],
      [13, 'services.db.volumes[1]: service "db" refers to undefined volume "other"'],
      [14, 'services."-bad": "-bad" is not a valid service name'],
      [19, "services.cache.mem_limit: "],
      [21, 'networks.front.driver: network driver "overlay" is not supported'],
    ];
    assert.deepEqual(
      err.errors.map((e) => [e.line, e.path]),
      want.map(([line, m]) => [line, m.slice(0, m.indexOf(":"))]),
      err.message,
    );
    err.errors.forEach((e, i) => {
      const [line, m] = want[i]!;
      assert.ok(e.message.startsWith(`${f}:${line}:${e.column}: ${m}`), e.message);
      assert.ok(e.column > 0, e.message);
    });
    // One line per error in the message, in file order.
    assert.equal(err.message.split("\n").length, want.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() reports a YAML syntax error alone, before any other error", async () => {
  const dir = await project({
    "compose.yaml":
      "services:\n  web:\n    image: ./img\n    restart: sometimes\n    ports: [80:80\n",
  });
  try {
    const err = caught(() => load(dir));
    assert.ok(err instanceof ManifestError, err.message);
    assert.ok(!(err instanceof ManifestErrors));
    assert.equal(err.message.split("\n").length, 1);
    assert.doesNotMatch(err.message, /restart/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCompose() reports one error as itself, not as a list", async () => {
  const dir = await project({
    "compose.yaml": "services:\n  web:\n    image: ./img\n    restart: sometimes\n",
  });
  try {
    const err = caught(() => load(dir));
    assert.ok(err instanceof ManifestError, err.message);
    assert.ok(!(err instanceof ManifestErrors));
    assert.equal(err.path, "services.web.restart");
    assert.equal(err.line, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("up's load (requireCommand) names each service without command or entrypoint, with its line (awesome-compose nextcloud)", () => {
  const file =
    new URL("../../testdata/compose/awesome-nextcloud/docker-compose.yaml", import.meta.url)
      .pathname;
  const dir = file.slice(0, file.lastIndexOf("/"));
  // `config` accepts it: the file is valid compose.
  const { model } = load(dir, { files: [file] });
  assert.deepEqual(Object.keys(model.services), ["nc", "redis", "db"]);
  assert.deepEqual(Object.keys(model.networks).sort(), ["dbnet", "redisnet"]);
  assert.deepEqual(model.services.db!.command, [
    "--transaction-isolation=READ-COMMITTED",
    "--binlog-format=ROW",
  ]);
  // `up` cannot run nc and redis: a bundle has no default command.
  const err = caught(() => load(dir, { files: [file], requireCommand: true }));
  assert.ok(err instanceof ManifestErrors, err.message);
  assert.deepEqual(err.errors.map((e) => [e.line, e.column, e.path]), [
    [5, 3, "services.nc"],
    [21, 3, "services.redis"],
  ]);
  for (const e of err.errors) {
    assert.match(e.reason, /needs command or entrypoint: the image has no default command/);
  }
});
