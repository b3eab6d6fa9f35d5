/**
 * End to end, as an operator runs it: `rks start --node-listen` on a real etcd, `rks token
 * create`, a real `rkl daemon --cluster … --token … --ca-cert-hash …` process joining over QUIC
 * from a network namespace of its own (a test bridge; its cluster network — `RK8S-*` chains,
 * podCIDR bridge, the 10.96.0.1 rules — stays out of the host's, where a real node may run);
 * kubectl sees the Node Ready and its Lease renewing; garbage frames do not hurt rks; a wrong
 * CA pin and a revoked credential are refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../../core/testing.ts";
import { NODE_ALPN } from "../node_gateway/node_gateway.ts";
import { MessageReader } from "../node_protocol/mod.ts";
import {
  denoRun,
  type Proc,
  startNodeDaemon,
  startRksWithNodeNetwork,
} from "./_cluster_testing.ts";

const dec = new TextDecoder();
const deno = (permissionSet: string, args: string[]) => denoRun(permissionSet, args);

Deno.test({
  name:
    "rkl daemon --cluster joins rks over QUIC, is Ready, renews its Lease; pins and revocation hold",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    // Disposed last: stops rks and etcd, removes the node roots, the namespace and the directory.
    await using c = await startRksWithNodeNetwork(1, { prefix: "rk8s-join-", timeoutMs: 60_000 });
    const { rks, dir } = c;
    const { netns, address: nodeAddress } = c.nodes[0]!;
    const children: Proc[] = [];
    const { kubectl, dataDir, nodePort } = rks;
    const rksLog = { text: () => rks.proc.text() };
    const daemon = (name: string, extra: string[]) => {
      const p = startNodeDaemon({
        name,
        root: join(dir, name),
        manifests: join(dir, `${name}-manifests`),
        args: ["--node-lease-interval", "300", ...extra],
        netns,
      });
      children.push(p);
      return p;
    };
    try {
      const join_ = rks.joinCommand;
      const m =
        /^deno task daemon --cluster (\S+) --token (\S+) --ca-cert-hash (sha256:[0-9a-f]{64})$/
          .exec(join_);
      assert.ok(m, join_);
      const [, address, token, pin] = m;
      // The advertised address: the bridge's, where the node's namespace reaches rks.
      assert.equal(address, `${c.net.gateway}:${nodePort}`);
      const secret = await kubectl([
        "get",
        "secret",
        "-n",
        "kube-system",
        `bootstrap-token-${token!.split(".")[0]}`,
        "-o",
        "jsonpath={.type} {.data.expiration}",
      ]);
      assert.match(secret.stdout, /^bootstrap\.kubernetes\.io\/token \S+$/);

      const node1 = daemon("node-1", [
        "--cluster",
        address!,
        "--token",
        token!,
        "--ca-cert-hash",
        pin!,
        "--node-labels",
        "zone=a",
        "--register-with-taints",
        "dedicated=infra:NoSchedule",
        "--system-reserved",
        "cpu=500m,memory=64Mi",
        "--kube-reserved",
        "memory=64Mi",
      ]);

      let node1Exited = false;
      node1.done.then(() => node1Exited = true);
      await t.step("the node appears Ready in kubectl get nodes", async () => {
        await waitFor("node-1 Ready", async () => {
          if (node1Exited) throw new Error("the node daemon exited");
          const r = await kubectl(["get", "nodes", "--no-headers"]);
          return /^node-1\s+Ready\s/m.test(r.stdout) ? r.stdout : false;
        }, { timeoutMs: 60_000, intervalMs: 300 }).catch((e) => {
          throw new Error(`${e.message}\nnode-1:\n${node1.text()}\nrks:\n${rksLog.text()}`);
        });
        const n = JSON.parse((await kubectl(["get", "node", "node-1", "-o", "json"])).stdout);
        assert.equal(n.metadata.labels["kubernetes.io/hostname"], "node-1");
        assert.equal(n.metadata.labels["kubernetes.io/os"], "linux");
        assert.equal(n.metadata.labels.zone, "a");
        assert.deepEqual(n.spec.taints, [{
          key: "dedicated",
          value: "infra",
          effect: "NoSchedule",
        }]);
        assert.equal(n.status.capacity.pods, "110");
        assert.equal(Number(n.status.capacity.cpu), navigator.hardwareConcurrency);
        assert.match(n.status.capacity.memory, /^\d+Ki$/);
        // Allocatable: capacity less --system-reserved and --kube-reserved (kubelet's rule).
        assert.equal(
          n.status.allocatable.cpu,
          `${navigator.hardwareConcurrency * 1000 - 500}m`,
        );
        assert.equal(
          Number(n.status.allocatable.memory.slice(0, -2)),
          Number(n.status.capacity.memory.slice(0, -2)) - 128 * 1024,
        );
        assert.equal(n.status.nodeInfo.kernelVersion, Deno.osRelease());
        assert.match(n.status.nodeInfo.containerRuntimeVersion, /^\w+:\/\//);
        assert.deepEqual(n.status.addresses[0], { type: "InternalIP", address: nodeAddress });
        const cred = await Deno.stat(join(dir, "node-1", "lib", "node", "credential.json"));
        assert.equal(cred.mode! & 0o777, 0o600);
      });

      await t.step("its Lease in kube-node-lease renews", async () => {
        const renew = async () =>
          (await kubectl([
            "get",
            "lease",
            "-n",
            "kube-node-lease",
            "node-1",
            "-o",
            "jsonpath={.spec.renewTime}",
          ])).stdout;
        const first = await waitFor("the Lease", async () => (await renew()) || false, {
          timeoutMs: 30_000,
          intervalMs: 200,
        });
        await waitFor("a later renewTime", async () => (await renew()) > first, {
          timeoutMs: 30_000,
          intervalMs: 200,
        });
      });

      await t.step("garbage on the QUIC and discovery ports does not hurt rks", async () => {
        const ca = await Deno.readTextFile(join(dataDir, "pki", "ca.crt"));
        for (
          const bytes of [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1), Uint8Array.of(0, 0, 0, 2, 7, 7)]
        ) {
          const conn = await Deno.connectQuic({
            hostname: "127.0.0.1",
            port: nodePort,
            caCerts: [ca],
            alpnProtocols: [NODE_ALPN],
          });
          const s = await conn.createBidirectionalStream();
          const w = s.writable.getWriter();
          await w.write(bytes);
          const reply = await new MessageReader(s.readable).next().catch((e) => e);
          assert.equal(reply?.type, "error", String(reply));
          conn.close();
        }
        const tcp = await Deno.connect({ hostname: "127.0.0.1", port: nodePort });
        await tcp.write(new Uint8Array(64 * 1024).fill(0x41)).catch(() => {});
        tcp.close();
        assert.match(rksLog.text(), /refused .*exceeds the limit/);
        const before = (await kubectl([
          "get",
          "lease",
          "-n",
          "kube-node-lease",
          "node-1",
          "-o",
          "jsonpath={.spec.renewTime}",
        ])).stdout;
        await waitFor(
          "the Lease to renew after the garbage",
          async () =>
            (await kubectl([
              "get",
              "lease",
              "-n",
              "kube-node-lease",
              "node-1",
              "-o",
              "jsonpath={.spec.renewTime}",
            ])).stdout > before,
          { timeoutMs: 30_000, intervalMs: 200 },
        );
      });

      await t.step(
        "a wrong CA hash is refused: the daemon exits 1 naming both hashes",
        async () => {
          const bad = daemon("node-bad", [
            "--cluster",
            address!,
            "--token",
            token!,
            "--ca-cert-hash",
            "sha256:" + "ab".repeat(32),
          ]);
          assert.equal(await bad.done, 1);
          assert.match(
            bad.text(),
            /has the public key hash sha256:[0-9a-f]{64}, not the expected sha256:(ab){32}/,
          );
          const nodes = await kubectl(["get", "nodes", "-o", "name"]);
          assert.doesNotMatch(nodes.stdout, /node-bad/);
        },
      );

      await t.step("after an rks restart the node reconnects and keeps renewing", async () => {
        const before = (await Deno.readTextFile(join(dataDir, "node-address"))).trim();
        await rks.restart();
        await waitFor(
          "node-1 to reconnect",
          () => rksLog.text().includes('node "node-1" connected'),
          {
            timeoutMs: 90_000,
            intervalMs: 200,
          },
        ).catch((e) => {
          throw new Error(`${e.message}\nnode-1:\n${node1.text()}\nrks:\n${rksLog.text()}`);
        });
        assert.equal(before, address);
        assert.match(node1.text(), /retrying in \d+ ms|closed; reconnecting/);
        await waitFor(
          "node-1 to find its Node registered",
          () => /node "node-1" already registered; status updated/.test(node1.text()),
          { timeoutMs: 30_000, intervalMs: 100 },
        );
        const nodes = await kubectl(["get", "nodes", "-o", "name"]);
        assert.equal(nodes.stdout.trim(), "node/node-1");
        const renewTime = async () =>
          (await kubectl(
            ["get", "lease", "-n", "kube-node-lease", "node-1", "-o", "jsonpath={.spec.renewTime}"],
          )).stdout;
        const after = await renewTime();
        await waitFor(
          "a renewal through the restarted rks",
          async () => (await renewTime()) > after,
          {
            timeoutMs: 30_000,
            intervalMs: 200,
          },
        );
      });

      await t.step("rks node revoke refuses the node at once and on its next start", async () => {
        const out = await deno("rks", [
          "cli/rks.ts",
          "node",
          "revoke",
          "node-1",
          "--data-dir",
          dataDir,
        ]).output();
        assert.equal(out.code, 0, dec.decode(out.stderr));
        assert.equal(await node1.done, 1);
        assert.match(node1.text(), /revoked at/);
        const again = daemon("node-1", ["--cluster", address!, "--ca-cert-hash", pin!]);
        assert.equal(await again.done, 1);
        assert.match(again.text(), /credential of node "node-1" was revoked/);
        assert.match(rksLog.text(), /refused .*node-1.*was revoked/);
      });
    } finally {
      for (const p of children) {
        try {
          p.p.kill("SIGTERM");
        } catch { /* exited */ }
      }
      for (const p of children) await p.done;
    }
  },
});
