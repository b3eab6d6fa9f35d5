/**
 * Stored data across versions: a database written by an earlier schema opens with the current
 * code and every row parses fully; a malformed row is an error naming table, row and field.
 * The DDL and the rows are written out literally, as the earlier code wrote them, so a change
 * to a shipped migration or to a stored shape shows up here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../testing.ts";
import { listSandboxRecords } from "../pod/pod_store.ts";
import { findContainer, listContainerRecords } from "./containers.ts";
import { openDatabase } from "./db.ts";
import { MIGRATIONS } from "./migrations.ts";
import { MalformedRowError } from "./row_reader.ts";

/** Schema version 1 as it shipped (containers only). */
const V1 = {
  version: 1,
  description: "containers",
  up: [
    `CREATE TABLE containers (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      image TEXT NOT NULL,
      spec TEXT NOT NULL,
      labels TEXT NOT NULL DEFAULT '{}',
      owner TEXT,
      runtime TEXT NOT NULL,
      state_dir TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      pid INTEGER,
      monitor_pid INTEGER,
      exit_code INTEGER,
      netns_path TEXT,
      ips TEXT NOT NULL DEFAULT '[]',
      ports TEXT NOT NULL DEFAULT '[]'
    )`,
    "CREATE INDEX containers_owner ON containers(owner)",
  ],
};

/** A single container's spec as rkl wrote it (env as a mapping, limits, ports, user). */
const SINGLE_SPEC = {
  name: "web",
  image: "/images/busybox",
  command: ["sh", "-c"],
  args: ["sleep 100"],
  env: { GREETING: "hi" },
  workingDir: "/srv",
  user: { uid: 1000, gid: 1000 },
  mounts: [{ hostPath: "/tmp/data", containerPath: "/data", readOnly: true }],
  resources: { limits: { cpu: "500m", memory: "233Mi" }, requests: { cpu: 0.25 } },
  capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
  noNewPrivileges: true,
  ports: [{ containerPort: 80, hostPort: 8080, protocol: "TCP", hostIP: "127.0.0.1" }],
  labels: { app: "web" },
};

/** A pod container's spec as the pod layer wrote it (env as a list, joined namespaces). */
const POD_SPEC = {
  name: "web_app",
  image: "/images/busybox",
  args: ["sleep", "100"],
  env: [{ name: "IP", value: "10.88.0.7" }],
  mounts: [],
  resources: { limits: { memory: "64Mi" }, requests: {} },
  namespaces: {
    network: { path: "/run/rkl/netns/abc" },
    ipc: { path: "/proc/42/ns/ipc" },
    uts: { path: "/proc/42/ns/uts" },
    pid: "new",
  },
  cgroupParent: "/rkl/pod-abc",
  hostsFile: "/var/lib/rkl/pods/abc/hosts",
  resolvConfFile: "/var/lib/rkl/pods/abc/resolv.conf",
  privileged: false,
  readOnlyRootFilesystem: false,
  hostname: "web",
  labels: { "io.kubernetes.container.name": "app" },
  owner: "abc",
};

const INSERT_CONTAINER = `INSERT INTO containers (id, name, image, spec, labels, owner, runtime,
  state_dir, created_at, started_at, finished_at, pid, monitor_pid, exit_code, netns_path, ips,
  ports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A pod sandbox's config and manifest as the version-2 code wrote them. */
const SANDBOX_CONFIG =
  '{"metadata":{"name":"web","namespace":"default","uid":"uid-1","attempt":0},"hostname":"web","portMappings":[{"containerPort":80,"protocol":"TCP","hostPort":8080}],"labels":{"app":"web","io.kubernetes.pod.name":"web","io.kubernetes.pod.namespace":"default","io.kubernetes.pod.uid":"uid-1"},"annotations":{},"linux":{"namespaceOptions":{"network":"pod","pid":"container","ipc":"pod"},"resources":{"cpu":"500m","memory":"67108864"}}}';
const SANDBOX_MANIFEST =
  '{"name":"web","namespace":"default","labels":{"app":"web"},"annotations":{},"initContainers":[{"name":"init","image":"/img","env":[],"ports":[],"resources":{"limits":{},"requests":{}},"volumeMounts":[],"securityContext":{},"tty":false,"command":["sh","-c","true"]}],"containers":[{"name":"app","image":"/img","env":[{"name":"A","value":"1"},{"name":"IP","fieldRef":"status.podIP"}],"ports":[{"containerPort":80,"protocol":"TCP","hostPort":8080}],"resources":{"limits":{"cpu":"500m","memory":"64Mi"},"requests":{"cpu":"250m"}},"volumeMounts":[{"name":"data","mountPath":"/data","readOnly":false},{"name":"host","mountPath":"/h","readOnly":true,"subPath":"x"}],"securityContext":{"runAsUser":1000,"allowPrivilegeEscalation":false,"capabilities":{"add":["NET_ADMIN"],"drop":["ALL"]}},"tty":false,"args":["sleep","100"]}],"volumes":[{"name":"data","kind":"emptyDir","medium":"Memory","sizeLimit":"1Mi"},{"name":"host","kind":"hostPath","path":"/tmp","type":"Directory"}],"restartPolicy":"Always","hostNetwork":false,"shareProcessNamespace":false,"hostname":"web","terminationGracePeriodSeconds":30}';

const INSERT_SANDBOX = `INSERT INTO pod_sandboxes (id, name, namespace, uid, config, manifest,
  pause_container, state_dir, cgroup_parent, netns_path, ips, hosts_file, resolv_conf_file,
  stopped, failure, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

Deno.test("a schema-1 database opens with the current code and its rows parse fully", async (t) => {
  await using dir = await tempDir("rkl-migrate-");
  const path = join(dir.path, "rkl.db");
  const old = await openDatabase(path, { migrations: [V1] });
  old.run(
    INSERT_CONTAINER,
    "c1",
    "web",
    "/images/busybox",
    JSON.stringify(SINGLE_SPEC),
    '{"app":"web"}',
    null,
    "/usr/sbin/runc",
    "/var/lib/rkl/containers/c1",
    1000,
    2000,
    3000,
    null,
    77,
    0,
    "/run/rkl/netns/c1",
    '["10.88.0.5"]',
    JSON.stringify(SINGLE_SPEC.ports),
  );
  old.run(
    INSERT_CONTAINER,
    "c2",
    "web_app",
    "/images/busybox",
    JSON.stringify(POD_SPEC),
    JSON.stringify(POD_SPEC.labels),
    "abc",
    "/usr/sbin/runc",
    "/var/lib/rkl/containers/c2",
    1500,
    null,
    null,
    42,
    43,
    null,
    null,
    "[]",
    "[]",
  );
  old.close();

  const db = await openDatabase(path);
  try {
    await t.step("migrated to the latest version", () => {
      assert.equal(db.schemaVersion, Math.max(...MIGRATIONS.map((m) => m.version)));
    });
    await t.step("a single container: every stored field comes back", () => {
      assert.deepEqual(findContainer(db, "web"), {
        id: "c1",
        name: "web",
        image: "/images/busybox",
        config: SINGLE_SPEC,
        labels: { app: "web" },
        runtime: "/usr/sbin/runc",
        stateDir: "/var/lib/rkl/containers/c1",
        createdAt: 1000,
        startedAt: 2000,
        finishedAt: 3000,
        monitorPid: 77,
        exitCode: 0,
        netnsPath: "/run/rkl/netns/c1",
        ips: ["10.88.0.5"],
        ports: SINGLE_SPEC.ports,
      });
    });
    await t.step("a pod container: joined namespaces and owner", () => {
      const [rec] = listContainerRecords(db, { owner: "abc" });
      assert.deepEqual(rec?.config, POD_SPEC);
      assert.equal(rec?.owner, "abc");
      assert.equal(rec?.pid, 42);
      assert.equal(rec?.netnsPath, undefined);
    });
    await t.step("the pod table added by migration 2 holds a sandbox as written", () => {
      db.run(
        INSERT_SANDBOX,
        "abc",
        "web",
        "default",
        "uid-1",
        SANDBOX_CONFIG,
        SANDBOX_MANIFEST,
        "c0",
        "/var/lib/rkl/pods/abc",
        "/rkl/pod-abc",
        "/run/rkl/netns/abc",
        '["10.88.0.7"]',
        "/var/lib/rkl/pods/abc/hosts",
        null,
        0,
        null,
        1200,
      );
      const [rec] = listSandboxRecords(db);
      assert.deepEqual(rec?.config, JSON.parse(SANDBOX_CONFIG));
      assert.deepEqual(rec?.manifest, JSON.parse(SANDBOX_MANIFEST));
      // Key order is kept, so JSON output of a stored value does not reorder.
      assert.equal(JSON.stringify(rec?.manifest), SANDBOX_MANIFEST);
      assert.equal(rec?.pauseContainerId, "c0");
      assert.equal(rec?.resolvConfFile, undefined);
      assert.equal(rec?.stopped, false);
    });
  } finally {
    db.close();
  }
});

Deno.test("a malformed row is an error naming the table, the row and the field", async (t) => {
  const db = await openDatabase(":memory:");
  try {
    const container = (over: Record<string, unknown>) => () => {
      const cols = {
        spec: JSON.stringify(SINGLE_SPEC),
        labels: "{}",
        created_at: 1,
        ips: "[]",
        ports: "[]",
        ...over,
      };
      db.run("DELETE FROM containers");
      db.run(
        INSERT_CONTAINER,
        "bad1",
        "web",
        "/i",
        cols.spec as string,
        cols.labels as string,
        null,
        "runc",
        "/s",
        cols.created_at as number,
        null,
        null,
        null,
        null,
        null,
        null,
        cols.ips as string,
        cols.ports as string,
      );
      return listContainerRecords(db);
    };
    const sandbox = (over: Record<string, unknown>) => () => {
      const cols = { config: SANDBOX_CONFIG, manifest: SANDBOX_MANIFEST, stopped: 0, ...over };
      db.run("DELETE FROM pod_sandboxes");
      db.run(
        INSERT_SANDBOX,
        "bad2",
        "web",
        "default",
        "u",
        cols.config as string,
        cols.manifest as string,
        null,
        "/s",
        "/rkl/pod-bad2",
        "",
        "[]",
        null,
        null,
        cols.stopped as number,
        null,
        1,
      );
      return listSandboxRecords(db);
    };
    const withSpec = (patch: Record<string, unknown>) =>
      JSON.stringify({ ...SINGLE_SPEC, ...patch });
    const withManifest = (f: (m: Record<string, unknown>) => void) => {
      const m = JSON.parse(SANDBOX_MANIFEST);
      f(m);
      return JSON.stringify(m);
    };
    const cases: { name: string; read: () => unknown; table: string; field: RegExp }[] = [
      {
        name: "a label that is not text (was silently dropped)",
        read: container({ labels: '{"app":1}' }),
        table: "containers",
        field: /^labels\.app$/,
      },
      {
        name: "an IP that is not text (was silently dropped)",
        read: container({ ips: '["10.0.0.1",5]' }),
        table: "containers",
        field: /^ips\[1\]$/,
      },
      {
        name: "a port without a number (was silently dropped)",
        read: container({ ports: '[{"containerPort":"80","protocol":"TCP"}]' }),
        table: "containers",
        field: /^ports\[0\]\.containerPort$/,
      },
      {
        name: "a nested spec field (was cast)",
        read: container({ spec: withSpec({ resources: { limits: { cpu: true } } }) }),
        table: "containers",
        field: /^spec\.resources\.limits\.cpu$/,
      },
      {
        name: "an env mapping value",
        read: container({ spec: withSpec({ env: { A: 1 } }) }),
        table: "containers",
        field: /^spec\.env\.A$/,
      },
      {
        name: "a column that is not JSON",
        read: container({ spec: "{" }),
        table: "containers",
        field: /^spec$/,
      },
      {
        name: "an integer column holding text",
        read: container({ created_at: "yesterday" }),
        table: "containers",
        field: /^created_at$/,
      },
      {
        name: "a sandbox config field (was cast)",
        read: sandbox({ config: SANDBOX_CONFIG.replace('"uid":"uid-1",', "") }),
        table: "pod_sandboxes",
        field: /^config\.metadata\.uid$/,
      },
      {
        name: "a manifest volume of an unknown kind (was cast)",
        read: sandbox({
          manifest: withManifest((m) => {
            (m.volumes as Record<string, unknown>[])[1]!.kind = "nfs";
          }),
        }),
        table: "pod_sandboxes",
        field: /^manifest\.volumes\[1\]\.kind$/,
      },
      {
        name: "a manifest container field (was cast)",
        read: sandbox({
          manifest: withManifest((m) => {
            (m.containers as Record<string, unknown>[])[0]!.tty = "yes";
          }),
        }),
        table: "pod_sandboxes",
        field: /^manifest\.containers\[0\]\.tty$/,
      },
      {
        name: "a flag that is neither 0 nor 1",
        read: sandbox({ stopped: 2 }),
        table: "pod_sandboxes",
        field: /^stopped$/,
      },
    ];
    for (const c of cases) {
      await t.step(c.name, () => {
        assert.throws(c.read, (e: unknown) => {
          assert.ok(e instanceof MalformedRowError, String(e));
          assert.equal(e.table, c.table);
          assert.equal(e.id, c.table === "containers" ? "bad1" : "bad2");
          assert.match(e.field, c.field);
          assert.ok(e.message.startsWith(`Malformed row "${e.id}" in table ${c.table}: `));
          return true;
        });
      });
    }
  } finally {
    db.close();
  }
});

Deno.test("configOnUse: a listing reads every column but the config, which is checked on first use", async () => {
  const db = await openDatabase(":memory:");
  try {
    const insert = (id: string, name: string, spec: string) =>
      db.run(
        INSERT_CONTAINER,
        id,
        name,
        "/i",
        spec,
        '{"a":"b"}',
        null,
        "runc",
        "/s",
        1,
        null,
        null,
        null,
        null,
        null,
        null,
        "[]",
        "[]",
      );
    insert("good1", "web", JSON.stringify(SINGLE_SPEC));
    insert("bad1", "db", JSON.stringify({ ...SINGLE_SPEC, env: { A: 1 } }));
    // Without the option the malformed config fails the whole listing.
    assert.throws(() => listContainerRecords(db), MalformedRowError);
    const [bad, good] = listContainerRecords(db, {}, { configOnUse: true }); // by name
    assert.equal(bad?.name, "db");
    assert.deepEqual(bad?.labels, { a: "b" });
    assert.throws(
      () => bad?.config,
      (e: unknown) => e instanceof MalformedRowError && e.id === "bad1" && e.field === "spec.env.A",
    );
    // The good one parses once, keeps its place among the keys, and can be replaced.
    const eager = findContainer(db, "web");
    assert.deepEqual(good?.config, eager.config);
    assert.equal(good?.config, good?.config);
    assert.equal(JSON.stringify(good), JSON.stringify(eager));
    good!.config = { ...eager.config, name: "other" };
    assert.equal(good?.config.name, "other");
  } finally {
    db.close();
  }
});

Deno.test("configOnUse: a sandbox's CRI config is checked on first use, the rest while listing", async () => {
  const db = await openDatabase(":memory:");
  try {
    const bad = SANDBOX_CONFIG.replace('"uid":"uid-1",', "");
    db.run(
      INSERT_SANDBOX,
      "s1",
      "web",
      "default",
      "u",
      bad,
      SANDBOX_MANIFEST,
      null,
      "/s",
      "/rkl/pod-s1",
      "",
      "[]",
      null,
      null,
      0,
      null,
      1,
    );
    assert.throws(() => listSandboxRecords(db), MalformedRowError);
    const [rec] = listSandboxRecords(db, { configOnUse: true });
    assert.equal(JSON.stringify(rec?.manifest), SANDBOX_MANIFEST); // checked at once
    assert.throws(
      () => rec?.config,
      (e: unknown) => e instanceof MalformedRowError && e.field === "config.metadata.uid",
    );
    db.run("UPDATE pod_sandboxes SET config = ?", SANDBOX_CONFIG);
    const [good] = listSandboxRecords(db, { configOnUse: true });
    assert.deepEqual(good?.config, listSandboxRecords(db)[0]?.config);
  } finally {
    db.close();
  }
});
