/**
 * Helpers shared by benchmark sections that run rkl as a process and podman as the peer: the
 * `rkl` task's command line, podman's config for this machine and the busybox import.
 *
 * @module
 */
import { join } from "node:path";
import { run } from "../core/exec.ts";
import { testBundles } from "../core/testing.ts";

const projectDir = new URL("../", import.meta.url).pathname;

/** The `containers.conf` podman 4.3 needs here (see the environment notes). */
export const PODMAN_CONF: string = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
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
