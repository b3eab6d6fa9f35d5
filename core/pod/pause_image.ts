/**
 * The built-in pause image: a minimal rootfs holding catatonit (run as `catatonit -P`, the pause
 * process Podman uses for its infra containers), built on first use under rkl's data dir from the
 * host's catatonit, so rkl needs no test data at run time. A pod's `labels.bundle` overrides it.
 *
 * @module
 */
import { join } from "../path.ts";
import { RkError } from "../errors.ts";
import { pathExists, readTextIfExists, removeIfExists } from "../fs.ts";

/** Where the host's catatonit is looked for, in order. */
export const CATATONIT_PATHS: readonly string[] = [
  "/usr/bin/catatonit",
  "/usr/libexec/catatonit/catatonit",
  "/usr/libexec/podman/catatonit",
  "/usr/local/bin/catatonit",
];

async function stampOf(path: string): Promise<string> {
  const st = await Deno.stat(path);
  return `${path} ${st.size} ${st.mtime?.getTime() ?? 0}\n`;
}

/**
 * Returns the built-in pause bundle directory under `dataDir`, building it first when missing or
 * when the host's catatonit changed. The build goes to a temporary directory that is renamed
 * into place, so concurrent `rkl` processes never see half a bundle.
 *
 * @example
 * ```ts ignore
 * import { ensurePauseBundle } from "./pause_image.ts";
 * const bundle = await ensurePauseBundle("/var/lib/rkl");
 * // bundle === "/var/lib/rkl/images/pause", holding rootfs/catatonit
 * ```
 */
export function ensurePauseBundle(
  dataDir: string,
  catatonitCandidates: readonly string[] = CATATONIT_PATHS,
): Promise<string> {
  // Pods started in parallel by one process (compose up) share one build: a second build
  // would swap the directory away under a pod whose pause container is being created.
  const key = `${dataDir}\0${catatonitCandidates.join("\0")}`;
  const pending = building.get(key);
  if (pending) return pending;
  const p = buildPauseBundle(dataDir, catatonitCandidates).finally(() => building.delete(key));
  building.set(key, p);
  return p;
}

const building = new Map<string, Promise<string>>();

async function buildPauseBundle(
  dataDir: string,
  catatonitCandidates: readonly string[],
): Promise<string> {
  let catatonit: string | undefined;
  for (const p of catatonitCandidates) {
    if (await pathExists(p)) {
      catatonit = p;
      break;
    }
  }
  if (catatonit === undefined) {
    throw new RkError(
      `No pause image: catatonit not found (looked in ${catatonitCandidates.join(", ")}); ` +
        "install the Debian package catatonit, or set the pod label bundle: PATH",
    );
  }
  const imagesDir = join(dataDir, "images");
  const dir = join(imagesDir, "pause");
  const stamp = await stampOf(catatonit);
  if ((await readTextIfExists(join(dir, ".stamp"))) === stamp) return dir;

  await Deno.mkdir(imagesDir, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: imagesDir, prefix: ".pause-" });
  try {
    const rootfs = join(tmp, "rootfs");
    for (const d of ["dev", "proc", "sys", "etc", "tmp", "run"]) {
      await Deno.mkdir(join(rootfs, d), { recursive: true });
    }
    for (const f of ["etc/hosts", "etc/resolv.conf", "etc/hostname"]) {
      await Deno.writeTextFile(join(rootfs, f), "");
    }
    await Deno.copyFile(catatonit, join(rootfs, "catatonit"));
    await Deno.chmod(join(rootfs, "catatonit"), 0o755);
    await Deno.writeTextFile(join(tmp, ".stamp"), stamp);
    // Another process may have finished meanwhile: keep its bundle (pods may be using it).
    if ((await readTextIfExists(join(dir, ".stamp"))) === stamp) {
      await removeIfExists(tmp);
      return dir;
    }
    const old = `${dir}.old-${crypto.randomUUID().slice(0, 8)}`;
    let moved = false;
    if (await pathExists(dir)) {
      await Deno.rename(dir, old);
      moved = true;
    }
    await Deno.rename(tmp, dir);
    if (moved) await Deno.remove(old, { recursive: true });
  } catch (e) {
    await removeIfExists(tmp);
    // Another process may have won the race; its bundle is as good as ours.
    if ((await readTextIfExists(join(dir, ".stamp"))) === stamp) return dir;
    throw e;
  }
  return dir;
}

/**
 * The pause process's argv for a bundle: `process.args` of the bundle's own `config.json` when it
 * has one, else `/catatonit -P` or `/pause` depending on what the rootfs holds.
 *
 * @example
 * ```ts
 * import { pauseArgs } from "./pause_image.ts";
 * import assert from "node:assert/strict";
 * const bundle = await Deno.makeTempDir(); // like rkl's built-in pause image: no config.json
 * await Deno.mkdir(`${bundle}/rootfs`);
 * await Deno.writeFile(`${bundle}/rootfs/catatonit`, new Uint8Array());
 * assert.deepEqual(await pauseArgs(bundle), ["/catatonit", "-P"]);
 * await Deno.writeTextFile(`${bundle}/config.json`, JSON.stringify({ process: { args: ["/p"] } }));
 * assert.deepEqual(await pauseArgs(bundle), ["/p"]);
 * await Deno.remove(bundle, { recursive: true });
 * ```
 */
export async function pauseArgs(bundle: string): Promise<string[]> {
  const config = await readTextIfExists(join(bundle, "config.json"));
  if (config !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(config);
    } catch (e) {
      throw new RkError(`Pause bundle "${bundle}": config.json is not valid JSON`, { cause: e });
    }
    const args = typeof parsed === "object" && parsed !== null && "process" in parsed &&
        typeof parsed.process === "object" && parsed.process !== null &&
        "args" in parsed.process
      ? parsed.process.args
      : undefined;
    if (Array.isArray(args) && args.length > 0 && args.every((a) => typeof a === "string")) {
      return args;
    }
  }
  if (await pathExists(join(bundle, "rootfs", "catatonit"))) return ["/catatonit", "-P"];
  if (await pathExists(join(bundle, "rootfs", "pause"))) return ["/pause"];
  throw new RkError(
    `Pause bundle "${bundle}" has no pause program: expected rootfs/catatonit, rootfs/pause ` +
      "or process.args in config.json",
  );
}
