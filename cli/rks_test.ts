/**
 * `deno task rks` end to end: the real entry point with the `rks` permission set, an embedded
 * etcd under the data directory, kubectl against it, a restart that keeps everything, and a
 * config file with the original project's keys pointing at an external etcd.
 */
import {
  runKubectl as kubectl,
  startRksProcess,
  stopRksProcess as stopRks,
  waitRksServing,
} from "../plane/apiserver/_testing.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { freePort } from "../plane/store/etcd_server.ts";
import { startTestEtcd } from "../plane/store/_testing.ts";
import { testLease } from "../core/test_lease.ts";

const root = new URL("..", import.meta.url).pathname;

async function portOpen(port: number): Promise<boolean> {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.close();
    return true;
  } catch {
    return false;
  }
}

const pod = `apiVersion: v1
kind: Pod
metadata: {name: keep, labels: {app: keep}}
spec:
  containers: [{name: c, image: busybox:1.36}]
`;

Deno.test({
  name: "rks start with the embedded etcd; a restart keeps objects and credentials",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = testLease().makeTempDir("rks-cli-");
    const dataDir = join(dir, "data");
    const home = join(dir, "home");
    await Deno.mkdir(home);
    const out = join(dir, "out.kubeconfig");
    const port = freePort();
    const args = [
      "start",
      "--data-dir",
      dataDir,
      "--listen",
      `127.0.0.1:${port}`,
      "--kubeconfig-out",
      out,
    ];
    let p = startRksProcess(args);
    try {
      await waitRksServing(home, out, p);
      const created = await kubectl(home, out, ["create", "-f", "-"], pod);
      assert.equal(created.stdout.trim(), "pod/keep created", created.stderr);
      const first = await Deno.readTextFile(out);
      const etcdPort = JSON.parse(await Deno.readTextFile(join(dataDir, "etcd-ports.json"))).port;
      assert.ok(await portOpen(etcdPort));
      const stopped = await stopRks(p);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(await portOpen(etcdPort), false, "the embedded etcd stops with rks");

      await Deno.remove(join(home, ".kube"), { recursive: true });
      p = startRksProcess(args);
      await waitRksServing(home, out, p);
      assert.equal(await Deno.readTextFile(out), first, "same CA, token and address");
      const got = await kubectl(home, out, [
        "get",
        "pod",
        "keep",
        "-o",
        "jsonpath={.metadata.labels.app}",
      ]);
      assert.equal(got.stdout, "keep", got.stderr);
      const ns = await kubectl(home, out, ["get", "ns", "-o", "name"]);
      assert.equal(ns.stdout.trim().split("\n").length, 4);

      const printed = new Deno.Command("deno", {
        args: [
          "run",
          "-q",
          "--frozen",
          "-P=rks",
          "cli/rks.ts",
          "kubeconfig",
          "--data-dir",
          dataDir,
        ],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
      assert.equal(new TextDecoder().decode(printed.stdout), first);
      const mode = (await Deno.stat(join(dataDir, "pki", "admin.token"))).mode! & 0o777;
      assert.equal(mode, 0o600);
    } finally {
      const s = await stopRks(p).catch(() => ({ code: -1, stderr: "" }));
      void s;
      await testLease().removeDir(dir);
    }
  },
});

Deno.test({
  name: "rks start --config accepts the original project's keys (xline_config endpoints over gRPC)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using etcd = await startTestEtcd();
    const dir = testLease().makeTempDir("rks-cli-");
    const home = join(dir, "home");
    await Deno.mkdir(home);
    const port = freePort();
    const config = join(dir, "rks.yaml");
    await Deno.writeTextFile(
      config,
      `addr: "127.0.0.1:${port}"
xline_config:
  endpoints:
    - "http://127.0.0.1:${etcd.port}"
  prefix: "/coreos.com/network"
  subnet_lease_renew_margin: 60
  username: null
  password: null
network_config:
  Network: "10.1.0.0/16"
  SubnetMin: "10.1.1.0"
  SubnetMax: "10.1.254.0"
  SubnetLen: 24
`,
    );
    const p = startRksProcess(["start", "--config", config, "--data-dir", join(dir, "data")]);
    try {
      const kc = join(dir, "data", "admin.kubeconfig");
      await waitRksServing(home, kc, p);
      const r = await kubectl(home, kc, ["get", "ns", "default", "-o", "name"]);
      assert.equal(r.stdout.trim(), "namespace/default");
      // The objects are in the external etcd.
      const res = await fetch(`${etcd.httpUrl}/v3/kv/range`, {
        method: "POST",
        body: JSON.stringify({ key: btoa("/registry/namespaces/default") }),
      });
      assert.equal(((await res.json()) as { count?: string }).count, "1");
    } finally {
      const s = await stopRks(p);
      assert.equal(s.code, 0, s.stderr);
      await testLease().removeDir(dir);
    }
  },
});

Deno.test("rks reports bad flags and config keys in one line with exit code 2", async () => {
  const { rksMain } = await import("./rks.ts");
  const dir = await Deno.makeTempDir();
  try {
    const cfg = join(dir, "rks.yaml");
    await Deno.writeTextFile(cfg, "xline_config:\n  endpoints: 5\n");
    for (
      const [args, re] of [
        [["start", "--listen", "nope"], /--listen: expected HOST:PORT, got "nope"/],
        [["start", "--store", "ftp://x"], /--store: expected http\(s\):\/\/HOST:PORT/],
        [
          ["start", "--config", cfg],
          /rks\.yaml: xline_config\.endpoints: expected a list of strings/,
        ],
        [["stop"], /unknown command 'stop'/],
      ] as const
    ) {
      let err = "";
      const code = await rksMain(args, { stdout() {}, stderr: (t) => void (err += t) });
      assert.equal(code, 2, err);
      assert.match(err, re);
      assert.equal(err.trim().split("\n").length, 1);
    }
  } finally {
    await testLease().removeDir(dir);
  }
});
