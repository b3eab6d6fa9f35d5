/**
 * Builds the test bundles from busybox-static and catatonit (never downloaded images):
 * - `testdata/bundles/busybox/rootfs`: busybox with every applet linked in /bin
 * - `testdata/bundles/pause/rootfs`: catatonit as /catatonit (the pause process)
 *
 * Idempotent: a bundle whose stamp matches the host binary's size and mtime is kept.
 *
 * @module
 */
import { join } from "node:path";
import { run } from "../core/exec.ts";

const bundlesDir = new URL("./bundles", import.meta.url).pathname;

async function stampOf(path: string): Promise<string> {
  const st = await Deno.stat(path);
  return `${path} ${st.size} ${st.mtime?.getTime()}`;
}

async function upToDate(dir: string, stamp: string): Promise<boolean> {
  try {
    return (await Deno.readTextFile(join(dir, ".stamp"))) === stamp;
  } catch {
    return false;
  }
}

async function baseRootfs(rootfs: string): Promise<void> {
  for (const d of ["bin", "dev", "proc", "sys", "tmp", "etc", "root", "var", "run", "usr"]) {
    await Deno.mkdir(join(rootfs, d), { recursive: true });
  }
  await Deno.chmod(join(rootfs, "tmp"), 0o1777);
  await Deno.writeTextFile(
    join(rootfs, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
  );
  await Deno.writeTextFile(join(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  // Mount points the runtime bind-mounts over.
  await Deno.writeTextFile(join(rootfs, "etc/hosts"), "");
  await Deno.writeTextFile(join(rootfs, "etc/resolv.conf"), "");
  await Deno.writeTextFile(join(rootfs, "etc/hostname"), "");
}

/** Builds the busybox bundle. Returns true when it was (re)built. */
export async function buildBusybox(busybox = "/usr/bin/busybox"): Promise<boolean> {
  const dir = join(bundlesDir, "busybox");
  const stamp = await stampOf(busybox);
  if (await upToDate(dir, stamp)) return false;
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  const rootfs = join(dir, "rootfs");
  await baseRootfs(rootfs);
  await Deno.copyFile(busybox, join(rootfs, "bin/busybox"));
  await Deno.chmod(join(rootfs, "bin/busybox"), 0o755);
  const { stdout } = await run([busybox, "--list"]);
  for (const applet of stdout.split("\n").map((s) => s.trim()).filter(Boolean)) {
    if (applet === "busybox") continue;
    await Deno.symlink("busybox", join(rootfs, "bin", applet));
  }
  await Deno.symlink("../bin", join(rootfs, "usr/bin"));
  await Deno.symlink("bin", join(rootfs, "sbin"));
  await Deno.writeTextFile(join(dir, ".stamp"), stamp);
  return true;
}

/** Builds the pause bundle around catatonit. Returns true when it was (re)built. */
export async function buildPause(catatonit = "/usr/bin/catatonit"): Promise<boolean> {
  const dir = join(bundlesDir, "pause");
  const stamp = await stampOf(catatonit);
  if (await upToDate(dir, stamp)) return false;
  await Deno.remove(dir, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  const rootfs = join(dir, "rootfs");
  await baseRootfs(rootfs);
  await Deno.copyFile(catatonit, join(rootfs, "catatonit"));
  await Deno.chmod(join(rootfs, "catatonit"), 0o755);
  await Deno.writeTextFile(join(dir, ".stamp"), stamp);
  return true;
}

if (import.meta.main) {
  console.log(`busybox bundle: ${(await buildBusybox()) ? "built" : "up to date"}`);
  console.log(`pause bundle: ${(await buildPause()) ? "built" : "up to date"}`);
}
