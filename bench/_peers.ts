/**
 * Helpers shared by benchmark sections that run rkl as a process and podman as the peer: the
 * `rkl` task's command line, a podman with its own storage, run root, libpod tmp dir and config
 * for this machine, the busybox import, and the removal of everything that podman created.
 *
 * @module
 */
import { join } from "node:path";
import { run } from "../core/exec.ts";
import { pathExists } from "../core/fs.ts";
import { isMountPoint } from "../core/rootfs.ts";
import { testBundles } from "../core/testing.ts";
import { testLease } from "../core/test_lease.ts";
import { sweepTestLeftovers } from "../core/test_sweep.ts";
import { UndoStack } from "../core/undo.ts";
import type { Engine } from "../core/container/engine.ts";
import { listContainers } from "../core/container/list.ts";
import { removeContainer } from "../core/container/remove.ts";

const projectDir = new URL("../", import.meta.url).pathname;

/** Where the peer podman is expected (installed by `deno task bench` when missing). */
export const PODMAN_BIN: string = "/usr/bin/podman";

/** The `containers.conf` podman 4.3 needs here (see the environment notes). */
export const PODMAN_CONF: string = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

/**
 * A podman isolated from every other podman user on the host: own `--root`, `--runroot` and
 * `--tmpdir` (libpod's tmp dir, /run/libpod by default, holds exit files and locks) under one
 * private directory, and own `containers.conf`. Only the CNI network config in /etc/cni/net.d
 * is shared.
 */
export interface PodmanPeer {
  /** The podman command with the private locations; append the subcommand. */
  argv: string[];
  /** Environment for every podman call (`CONTAINERS_CONF`). */
  env: Record<string, string>;
  /** The private directory under /tmp holding root, run and tmp. */
  dir: string;
  /** Whether podman is installed; when not, contenders are skipped. */
  installed: boolean;
  /** Spread into a podman `Contender`: carries the skip reason when podman is missing. */
  skip: { skip?: string };
}

/**
 * Prepares the peer podman: writes its config into `work`, creates its private directory
 * (`/tmp/<prefix>…`: podman limits the run root to 50 characters) and imports busybox.
 * Pair with {@linkcode closePodmanPeer} in a `finally`.
 */
export async function openPodmanPeer(work: string, prefix: string): Promise<PodmanPeer> {
  const installed = await pathExists(PODMAN_BIN);
  const confFile = join(work, "containers.conf");
  await Deno.writeTextFile(confFile, PODMAN_CONF);
  const dir = testLease().makeTempDir(prefix);
  const peer: PodmanPeer = {
    argv: [
      PODMAN_BIN,
      "--root",
      join(dir, "root"),
      "--runroot",
      join(dir, "run"),
      "--tmpdir",
      join(dir, "tmp"),
    ],
    env: { CONTAINERS_CONF: confFile },
    dir,
    installed,
    skip: installed ? {} : { skip: "podman not installed (deno task bench installs it)" },
  };
  if (installed) await podmanImport(peer.argv, peer.env);
  return peer;
}

/**
 * Removes every pod and container of the peer podman. Pods are stopped with `-t 0` first:
 * podman 4.3's `pod rm -f -t 0` still waits ~3 s per pod, `pod stop -t 0` does not. podman
 * 4.3 sometimes fails to unmount a container's shm on the first try ("device or resource
 * busy"): retried a few times, then what is left is reported.
 */
export async function podmanRemoveAll(peer: PodmanPeer): Promise<void> {
  if (!peer.installed) return;
  const { argv, env } = peer;
  let last = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const stop = await run([...argv, "pod", "stop", "-a", "-t", "0"], { env, allowFailure: true });
    const rmPods = await run([...argv, "pod", "rm", "-a", "-f"], { env, allowFailure: true });
    const rm = await run([...argv, "rm", "-a", "-f", "-t", "0"], { env, allowFailure: true });
    const pods = await run([...argv, "pod", "ps", "-q"], { env });
    const ctrs = await run([...argv, "ps", "-a", "-q"], { env });
    if (pods.stdout.trim() === "" && ctrs.stdout.trim() === "") return;
    last = [stop.stderr, rmPods.stderr, rm.stderr].join("").trim();
  }
  throw new Error(`podman could not remove every pod and container: ${last}`);
}

/**
 * Removes everything the peer podman created and its private directory: pods and containers
 * (which releases their CNI networks and netns), images, the overlay mount podman keeps on its
 * storage dir. Never `podman system reset`: it also removes podman networks from the host's
 * shared CNI config dir, and with a default `--tmpdir` it wipes the shared /run/libpod.
 */
export async function closePodmanPeer(peer: PodmanPeer): Promise<void> {
  if (peer.installed) {
    await podmanRemoveAll(peer);
    await removeIdlePodmanBridges(peer);
    await run([...peer.argv, "rmi", "-a", "-f"], { env: peer.env });
    const overlayDir = join(peer.dir, "root", "overlay");
    if (await isMountPoint(overlayDir)) await run(["umount", overlayDir]);
  }
  await testLease().removeDir(peer.dir);
}

/**
 * Deletes the bridges of podman's networks (cni-podman0 for `podman run`, cni-podman1 for
 * `play kube`) once no interface is attached to them: podman leaves them behind, and CNI
 * re-creates them on the next ADD. A bridge still in use by other podman users is left alone.
 */
async function removeIdlePodmanBridges(peer: PodmanPeer): Promise<void> {
  const nets = await run([...peer.argv, "network", "ls", "--format", "{{.NetworkInterface}}"], {
    env: peer.env,
  });
  for (const bridge of new Set(nets.stdout.split("\n").map((l) => l.trim()).filter(Boolean))) {
    const present = await run(["ip", "-o", "link", "show", "dev", bridge], { allowFailure: true });
    if (present.code !== 0) continue;
    const ports = await run(["ip", "-o", "link", "show", "master", bridge]);
    if (ports.stdout.trim() === "") await run(["ip", "link", "del", bridge]);
  }
}

/** Spawns `deno run` with the `rkl` task's permissions and `args`; throws with its stderr. */
export async function runRklCli(
  taskArgs: readonly string[],
  args: readonly string[],
): Promise<void> {
  const out = await new Deno.Command("deno", {
    args: [...taskArgs, ...args],
    cwd: projectDir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

/**
 * Runs a benchmark section in a fresh work dir (`/tmp/PREFIX<random>`, held by the test lease
 * of `core/test_lease.ts` after the leftovers of killed runs were swept) with an
 * {@linkcode UndoStack}: the section registers a clean-up for everything it acquires
 * (engines, networks, podman storage) as it goes; all of them run in reverse order when it
 * returns or fails, and the work dir is removed last.
 */
export async function withUndo(
  prefix: string,
  section: (work: string, undo: UndoStack) => Promise<void>,
): Promise<void> {
  await sweepTestLeftovers();
  const undo = new UndoStack();
  try {
    const work = testLease().makeTempDir(prefix);
    undo.push("remove the work dir", () => testLease().removeDir(work));
    await section(work, undo);
  } finally {
    await undo.rollback();
  }
}

/** Force-removes every container of `engine`, then closes it. */
export async function closeContainerEngine(engine: Engine): Promise<void> {
  for (const v of await listContainers(engine)) {
    await removeContainer(engine, v.record.id, { force: true });
  }
  engine.close();
}

/** The `rkl` task's `deno run` arguments (permissions and entry point), from deno.json. */
export async function rklTaskArgs(): Promise<string[]> {
  const config: unknown = JSON.parse(await Deno.readTextFile(join(projectDir, "deno.json")));
  const task = (config as { tasks?: { rkl?: { command?: unknown } } }).tasks?.rkl?.command;
  if (typeof task !== "string") throw new Error("deno.json has no tasks.rkl.command");
  return task.split(/\s+/).slice(1);
}

/** Imports the busybox rootfs into podman's (isolated) storage as localhost/busybox. */
export async function podmanImport(podman: string[], env: Record<string, string>): Promise<void> {
  const present = await run([...podman, "image", "exists", "localhost/busybox"], {
    env,
    allowFailure: true,
  });
  if (present.code === 0) return;
  const tar = new Deno.Command("tar", {
    args: ["-C", join(testBundles.busybox, "rootfs"), "-c", "."],
    stdout: "piped",
  }).spawn();
  const [cmd, ...args] = [
    ...podman,
    "import",
    "--change",
    "ENV=PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "--change",
    'CMD=["sh"]',
    "-",
    "localhost/busybox",
  ];
  const imp = new Deno.Command(cmd!, { args, env, stdin: "piped", stdout: "null" }).spawn();
  await tar.stdout.pipeTo(imp.stdin);
  const [t, i] = await Promise.all([tar.status, imp.status]);
  if (!t.success || !i.success) throw new Error("podman import of the busybox rootfs failed");
}
