/**
 * `deno task bench daemon`: the node daemon (`rkl daemon`, a child process with the `daemon`
 * permission set and its own root):
 * - latency from writing a static pod manifest to all its containers running (the daemon's
 *   `Created` event, recorded once `runPod` returned), p50 and p95 over 20 pods, side by side with
 *   `podman play kube` of the same pod (its own return: containers started);
 * - the daemon's RSS and CPU time per minute while idle with 0 and with 50 supervised pods.
 *
 * @module
 */
import { join } from "node:path";
import { quantile } from "./_harness.ts";
import { closePodmanPeer, openPodmanPeer, podmanRemoveAll, withUndo } from "./_peers.ts";
import { run } from "../core/exec.ts";
import { openDatabase } from "../core/store/db.ts";
import { testBundles } from "../core/testing.ts";
import type { UndoStack } from "../core/undo.ts";
import { testLease } from "../core/test_lease.ts";

const projectDir = new URL("../", import.meta.url).pathname;
// Overridable for a quick check of the section itself (e.g. 2 pods, 3 pods, 2000 ms).
const PODS = Number(Deno.env.get("RKL_BENCH_DAEMON_PODS") ?? 20);
const IDLE_PODS = Number(Deno.env.get("RKL_BENCH_DAEMON_IDLE_PODS") ?? 50);
const WINDOW_MS = Number(Deno.env.get("RKL_BENCH_DAEMON_WINDOW_MS") ?? 60_000);

function podYaml(name: string, image: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: app
      image: ${image}
      command: [sleep, "3600"]
`;
}

/**
 * RSS (KiB) and CPU time (s) of `pid` from `/proc/PID/stat` and `/proc/PID/status`: user and
 * system time of the daemon plus that of the children it waited for (runtime and CNI calls), in
 * clock ticks of 10 ms (Linux's USER_HZ is 100 on x86_64), not `ps`'s whole seconds.
 */
async function usage(pid: number): Promise<{ rssKiB: number; cpuS: number }> {
  // Deno asks for --allow-all to read /proc/PID files itself; `cat` is on the permission list.
  const stat = (await run(["cat", `/proc/${pid}/stat`])).stdout;
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(f[i]), 0); // utime..cstime
  const status = (await run(["cat", `/proc/${pid}/status`])).stdout;
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return { rssKiB: rss, cpuS: ticks / 100 };
}

/** The load average (1, 5, 15 min), as `uptime` prints it. */
async function loadAverage(): Promise<string> {
  return (await run(["cat", "/proc/loadavg"])).stdout.split(" ").slice(0, 3).join(" ");
}

async function idle(pid: number): Promise<{ rssMiB: number; cpuPercent: number }> {
  const a = await usage(pid);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const b = await usage(pid);
  return { rssMiB: b.rssKiB / 1024, cpuPercent: (100 * (b.cpuS - a.cpuS) * 1000) / WINDOW_MS };
}

/** Runs the daemon section; the daemon, its pods and podman's are removed even on failure. */
export function daemonBench(): Promise<void> {
  return withUndo("rk8s-bench-daemon-", daemonSection);
}

async function daemonSection(work: string, undo: UndoStack): Promise<void> {
  const loadBefore = await loadAverage();
  const root = join(work, "root");
  const manifests = join(work, "manifests");
  await Deno.mkdir(manifests, { recursive: true });
  const rkl = (...args: string[]) =>
    new Deno.Command("deno", {
      args: ["run", "-q", "--frozen", "-P=daemon", "cli/main.ts", "--root", root, ...args],
      cwd: projectDir,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    });
  const daemon = rkl("daemon", "--manifests", manifests, "--node-name", "bench").spawn();
  testLease().holdChild(daemon, "rkl daemon");
  testLease().hold({ kind: "root", path: root });
  undo.push("remove the daemon's pods", async () => {
    // Deleting the manifests would have the daemon remove the pods; removing them directly is
    // faster and also works when the daemon failed.
    const names = await new Deno.Command("deno", {
      args: ["run", "-q", "--frozen", "-P=rkl", "cli/main.ts", "--root", root, "pod", "list", "-q"],
      cwd: projectDir,
      stdout: "piped",
      stderr: "null",
    }).output();
    for (const name of new TextDecoder().decode(names.stdout).split("\n").filter(Boolean)) {
      await rkl("pod", "rm", "-f", name).output();
    }
    await rkl("gc").output();
    testLease().release({ kind: "root", path: root });
  });
  undo.push("stop the daemon", async () => {
    try {
      daemon.kill("SIGTERM");
    } catch {
      // already gone
    }
    await daemon.status;
  });

  // Wait for the daemon's database, then poll the events table for each pod's Created event.
  const dbPath = join(root, "lib", "rkl.db");
  for (let i = 0; i < 600; i++) {
    try {
      await Deno.stat(join(root, "run", "daemon.sock"));
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const db = await openDatabase(dbPath);
  undo.push("close the database", () => db.close());
  const idleEmpty = await idle(daemon.pid);

  const created = async (name: string, deadline: number): Promise<number> => {
    for (;;) {
      const row = db.get(
        "SELECT at, type, message FROM events WHERE object = ? AND reason IN ('Created', 'Failed', 'FailedCreatePodSandBox') ORDER BY id LIMIT 1",
        `default/${name}-bench`,
      );
      if (row) {
        if (row.type !== "Normal") throw new Error(`${name}: ${String(row.message)}`);
        return Number(row.at);
      }
      if (Date.now() > deadline) throw new Error(`${name} did not start within 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const rklTimes: number[] = [];
  for (let i = 0; i < PODS; i++) {
    const name = `lat-${i}`;
    const t0 = Date.now();
    await Deno.writeTextFile(join(manifests, `${name}.yaml`), podYaml(name, testBundles.busybox));
    rklTimes.push((await created(name, Date.now() + 60_000)) - t0);
  }

  const peer = await openPodmanPeer(work, "rkdb");
  undo.push("remove podman's pods, images and storage", () => closePodmanPeer(peer));
  const pmTimes: number[] = [];
  if (peer.installed) {
    for (let i = 0; i < PODS; i++) {
      const file = join(work, `pm-${i}.yaml`);
      await Deno.writeTextFile(file, podYaml(`pm-${i}`, "localhost/busybox"));
      const t0 = performance.now();
      await run([...peer.argv, "play", "kube", file], { env: peer.env });
      pmTimes.push(performance.now() - t0);
    }
    await podmanRemoveAll(peer);
  }

  for (let i = PODS; i < IDLE_PODS; i++) {
    const name = `lat-${i}`;
    await Deno.writeTextFile(join(manifests, `${name}.yaml`), podYaml(name, testBundles.busybox));
    await created(name, Date.now() + 120_000);
  }
  const idleFull = await idle(daemon.pid);

  const fmt = (xs: number[]) =>
    xs.length
      ? `p50 ${quantile(xs, 0.5).toFixed(0)} ms, p95 ${quantile(xs, 0.95).toFixed(0)} ms`
      : "skipped";
  console.log(`\n(load average ${loadBefore} before, ${await loadAverage()} after)`);
  console.log(`\n## manifest written → all containers running (${PODS} pods, 1 container each)`);
  console.log(
    `  rkl daemon (static pod):  ${fmt(rklTimes)}   (targets p50 ≤ 400 ms, p95 ≤ 800 ms)`,
  );
  console.log(`  podman play kube:         ${fmt(pmTimes)}`);
  console.log(`\n## daemon at rest over ${WINDOW_MS / 1000} s`);
  console.log(
    `  0 pods:  RSS ${idleEmpty.rssMiB.toFixed(1)} MiB, CPU ${idleEmpty.cpuPercent.toFixed(2)} %`,
  );
  console.log(
    `  ${IDLE_PODS} pods: RSS ${idleFull.rssMiB.toFixed(1)} MiB, CPU ${
      idleFull.cpuPercent.toFixed(2)
    } %   (target < 1 %)`,
  );
}
