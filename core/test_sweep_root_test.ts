/**
 * Root, real parts: a test runner (`testdata/leftover_runner.ts`) starts etcd, a node network
 * namespace on a test bridge and a standalone `rkl daemon` in it running a static busybox pod,
 * and is killed with `kill -9`. Everything it started keeps running; the sweep removes all of
 * it — processes, the pod's container, mounts and cgroups (by rkl), the namespace, the bridge
 * and the directories — while a second runner that is still alive keeps its etcd.
 */
import assert from "node:assert/strict";
import { leftovers, recordIds } from "../cli/_leftovers.ts";
import { LineReader } from "../plane/apiserver/_testing.ts";
import { run } from "./exec.ts";
import { pathExists } from "./fs.ts";
import { processTable } from "./runtime/conmon.ts";
import { parseTestLease, processStartTime, testLeaseDir, type TestResource } from "./test_lease.ts";
import { sweepTestLeftovers } from "./test_sweep.ts";
import { rootTest } from "./testing.ts";

const repo = new URL("..", import.meta.url).pathname;

interface Runner {
  child: Deno.ChildProcess;
  ready: {
    etcd: string;
    dir?: string;
    root?: string;
    netns?: string;
    cliRoot?: string;
    unrecorded?: number;
  };
  stderr: () => string;
}

async function startRunner(mode: "full" | "etcd"): Promise<Runner> {
  const child = new Deno.Command("deno", {
    args: ["run", "-q", "--frozen", "-P=dev", "testdata/leftover_runner.ts", mode],
    cwd: repo,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  (async () => {
    for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) stderr += c;
  })();
  const lines = new LineReader(child.stdout);
  try {
    const got = await lines.until((l) => l.some((x) => x.startsWith("READY ")), 240_000);
    const line = got.find((x) => x.startsWith("READY "))!;
    return { child, ready: JSON.parse(line.slice(6)), stderr: () => stderr };
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch { /* it exited: its status says how */ }
    await child.status;
    throw new Error(`${(e as Error).message}\nrunner stderr:\n${stderr.slice(-4000)}`);
  }
}

/** What the runner's lease files hold. */
async function leaseOf(pid: number): Promise<{ files: string[]; resources: TestResource[] }> {
  const dir = testLeaseDir();
  const files = (await Array.fromAsync(Deno.readDir(dir)))
    .map((e) => `${dir}/${e.name}`)
    .filter((f) => f.startsWith(`${dir}/${pid}-`) && f.endsWith(".json"));
  const resources = [];
  for (const f of files) resources.push(...parseTestLease(await Deno.readTextFile(f)).resources);
  return { files, resources };
}

const alive = (r: TestResource) => r.kind === "process" && processStartTime(r.pid) === r.start;
const linkExists = async (name: string) =>
  (await run(["ip", "link", "show", name], { allowFailure: true })).code === 0;

async function killRunner(r: Runner): Promise<void> {
  r.child.kill("SIGKILL");
  await r.child.status;
}

rootTest(
  "the sweep removes what a kill -9'd test runner left, and spares a live runner",
  async (t) => {
    const dead = await startRunner("full");
    let live: Runner | undefined;
    try {
      const { dir, root, netns, cliRoot, unrecorded } = dead.ready;
      assert.ok(dir && root && netns && cliRoot && unrecorded);
      const unrecordedStart = processStartTime(unrecorded);
      const lease = await leaseOf(dead.child.pid);
      const processes = lease.resources.filter((r) => r.kind === "process");
      const byKind = (k: TestResource["kind"]) => lease.resources.filter((r) => r.kind === k);
      const links = byKind("link").map((r) => r.kind === "link" ? r.name : "");
      const dirs = byKind("dir").map((r) => r.kind === "dir" ? r.path : "");
      const ids = await recordIds(root);
      const cliIds = await recordIds(cliRoot);
      const cliDir = cliRoot.slice(0, cliRoot.lastIndexOf("/"));
      const cliBridges: string[] = [];
      for await (const f of Deno.readDir(`${cliRoot}/etc/cni`)) {
        const text = await Deno.readTextFile(`${cliRoot}/etc/cni/${f.name}`);
        for (const m of text.matchAll(/"bridge"\s*:\s*"([^"]+)"/g)) cliBridges.push(m[1]!);
      }

      await t.step("the runner's lease names what it started", () => {
        assert.deepEqual(
          processes.map((r) => r.kind === "process" && r.what).sort(),
          ["etcd", "rkl daemon node-1"],
        );
        assert.deepEqual(byKind("root"), [{ kind: "root", path: root, netns }]);
        assert.deepEqual(byKind("netns"), [{ kind: "netns", name: netns }]);
        assert.equal(links.length, 1);
        assert.ok(dirs.includes(dir) && dirs.some((d) => /rk8s-etcd-/.test(d)), dirs.join(" "));
        assert.equal(ids.pods.length, 1, "one pod sandbox record");
        assert.ok(ids.containers.length >= 1, "its container record");
        assert.ok(dirs.includes(cliDir), "the tempDir holding the CLI root");
        assert.equal(cliIds.pods.length, 1, "the CLI root's pod");
        assert.equal(cliBridges.length, 1, "the CLI root's bridge on the host");
      });

      live = await startRunner("etcd");
      const liveLease = await leaseOf(live.child.pid);
      await killRunner(dead);

      await t.step("after kill -9 everything it started is still there", async () => {
        for (const p of processes) assert.ok(alive(p), `${JSON.stringify(p)} still runs`);
        assert.ok(await pathExists(`/run/netns/${netns}`));
        assert.ok(await linkExists(links[0]!));
        assert.ok(await linkExists(cliBridges[0]!));
        assert.ok(unrecordedStart !== undefined, "the unrecorded process ran");
        assert.equal(processStartTime(unrecorded), unrecordedStart, "and still runs");
        for (const d of dirs) assert.ok(await pathExists(d), d);
        const monitors = (await processTable()).filter((p) => p.args.includes(root));
        assert.ok(monitors.length > 0, "the container's monitor still runs");
        assert.notDeepEqual(await leftovers(root, [...ids.pods, ...ids.containers]), []);
        assert.notDeepEqual(await leftovers(cliRoot, [...cliIds.pods, ...cliIds.containers]), []);
      });

      await t.step("the sweep undoes it all, by rkl for the pod", async () => {
        const report = await sweepTestLeftovers();
        const mine = report.swept.filter((s) => s.runner.pid === dead.child.pid);
        assert.equal(mine.length, lease.files.length, JSON.stringify(report.swept));
        for (const s of mine) assert.deepEqual(s.errors, [], JSON.stringify(s));
        assert.deepEqual(mine.flatMap((s) => s.roots).sort(), [root, cliRoot].sort());
        for (const p of processes) assert.ok(!alive(p), `${JSON.stringify(p)} was killed`);
        assert.notEqual(processStartTime(unrecorded), unrecordedStart, "the unrecorded one too");
        assert.deepEqual(
          (await processTable()).filter((p) => dirs.some((d) => p.args.includes(d))),
          [],
          "no process names its directories",
        );
        assert.equal(await pathExists(`/run/netns/${netns}`), false, "namespace deleted");
        assert.equal(await linkExists(links[0]!), false, "bridge deleted");
        assert.equal(
          await linkExists(cliBridges[0]!),
          false,
          "the CLI root's bridge deleted by rkl",
        );
        for (const d of dirs) assert.equal(await pathExists(d), false, `${d} removed`);
        assert.deepEqual((await leaseOf(dead.child.pid)).files, [], "its lease is gone");
        // Mounts, cgroups and iptables rules by the pod's ids (runc creates the root's runtime
        // directory again when asked for its list: removed after).
        assert.deepEqual(await leftovers(root, [...ids.pods, ...ids.containers]), []);
        assert.deepEqual(await leftovers(cliRoot, [...cliIds.pods, ...cliIds.containers]), []);
        await Deno.remove(dir, { recursive: true });
        await Deno.remove(cliDir, { recursive: true });
      });

      await t.step("the live runner's lease and etcd were not touched", async () => {
        assert.deepEqual((await leaseOf(live!.child.pid)).files, liveLease.files);
        const etcd = liveLease.resources.filter((r) => r.kind === "process");
        assert.equal(etcd.length, 1);
        assert.ok(alive(etcd[0]!), "its etcd still runs");
        const health = await fetch(`${live!.ready.etcd}/health`);
        assert.match(await health.text(), /"health":\s*"true"/);
      });

      await t.step("once that runner is killed too, the next sweep removes its etcd", async () => {
        await killRunner(live!);
        const report = await sweepTestLeftovers();
        const its = report.swept.filter((s) => s.runner.pid === live!.child.pid);
        assert.equal(its.length, 1);
        assert.deepEqual(its[0]!.errors, []);
        for (const r of liveLease.resources) {
          if (r.kind === "process") assert.ok(!alive(r));
          if (r.kind === "dir") assert.equal(await pathExists(r.path), false);
        }
        live = undefined;
      });
    } finally {
      // Whatever a failed step left: kill the runners and sweep once more.
      for (const r of [dead, live]) {
        if (!r) continue;
        try {
          r.child.kill("SIGKILL");
        } catch { /* exited */ }
        await r.child.status;
      }
      await sweepTestLeftovers();
    }
  },
);
