/**
 * A test runner to be killed, for `core/test_sweep_root_test.ts`: starts what the cluster
 * tests start, through the same helpers (so it is all held by this process's test lease),
 * prints `READY {json}` and then waits to be killed.
 *
 * - `full`: etcd, one node network namespace on a test bridge, and in it a standalone
 *   `rkl daemon` whose root runs a static busybox pod (conmon, a container, its cgroups, an IP),
 *   a pod run by `rkl pod run` in a root inside a `tempDir` (as the CLI tests do), and a
 *   process it does not record that names that directory.
 * - `etcd`: just an etcd (a light runner that stays alive while another one is swept).
 *
 * @module
 */
import { tempDir, waitFor } from "../core/testing.ts";
import { testLease } from "../core/test_lease.ts";
import { podYaml } from "../core/daemon/_testing.ts";
import { startTestEtcd } from "../plane/store/_testing.ts";
import {
  createNodeNetwork,
  localPods,
  rkl,
  startNodeDaemon,
} from "../plane/node_agent/_cluster_testing.ts";

const mode = Deno.args[0];
const etcd = await startTestEtcd();
let ready: Record<string, unknown> = { etcd: etcd.httpUrl };
if (mode === "full") {
  const net = await createNodeNetwork(1);
  const netns = net.nodes[0]!.netns;
  const dir = testLease().makeTempDir("rk8s-leftover-");
  const root = `${dir}/node-1`;
  const manifests = `${dir}/node-1-manifests`;
  Deno.mkdirSync(manifests);
  Deno.writeTextFileSync(`${manifests}/web.yaml`, podYaml("web", { args: ["sleep", "1000"] }));
  const daemon = startNodeDaemon({ name: "node-1", root, manifests, args: [], netns });
  await waitFor("the static pod to run", async () => {
    const pods = await localPods(root, netns).catch(() => []);
    return pods.some((p) => p.status === "Running");
  }, { timeoutMs: 180_000, intervalMs: 500 }).catch((e) => {
    throw new Error(`${e.message}\n${daemon.text().slice(-3000)}`);
  });
  // A root as the CLI tests make one: inside a `tempDir`, not held itself.
  const cli = await tempDir("rk8s-leftover-cli-");
  const cliRoot = `${cli.path}/root`;
  const run = await rkl(["--root", cliRoot, "pod", "run", `${manifests}/web.yaml`]);
  if (run.code !== 0) throw new Error(`rkl pod run: ${run.err}`);
  // And a process it does not record that names that directory (as a foreground
  // `rkl compose up` would): `cat` blocked on a FIFO there.
  const fifo = `${cli.path}/fifo`;
  const mk = await new Deno.Command("/usr/bin/busybox", { args: ["mkfifo", fifo] }).output();
  if (mk.code !== 0) throw new Error(`mkfifo: ${new TextDecoder().decode(mk.stderr)}`);
  const unrecorded = new Deno.Command("cat", { args: [fifo], stdout: "null" }).spawn();
  ready = { ...ready, dir, root, netns, cliRoot, unrecorded: unrecorded.pid };
} else if (mode !== "etcd") {
  throw new Error(`usage: leftover_runner.ts full|etcd (got "${mode}")`);
}
console.log(`READY ${JSON.stringify(ready)}`);
// Wait to be killed.
setInterval(() => {}, 60_000);
