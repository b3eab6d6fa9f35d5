/**
 * `rkl container run FILE` and `rkl container create FILE`: the actions, apart from the command
 * definitions in `container.ts`, so that `main.ts` can run them without loading the command-line
 * parser (see `fast_path.ts`).
 *
 * @module
 */
import { type CliIo, type GlobalOptions, imageDirOf, userPath } from "./context.ts";
import { withEngine } from "./engine.ts";
import { printWarnings } from "./output.ts";
import { loadContainerManifest } from "../core/container/manifest.ts";
import { createContainer } from "../core/container/create.ts";
import { runContainer } from "../core/container/run.ts";
import { currentOwner } from "../core/owner_process.ts";

/**
 * Loads the container manifest `file` (relative to the user's directory; its warnings go to
 * stderr), creates the container and, when `start` is true, starts it; prints its id. Throws
 * `ManifestError` for a bad manifest (file, line, column, field) and whatever creating or
 * starting throws, after undoing what it acquired.
 *
 * @example
 * ```ts
 * import { containerFromManifest } from "./container_run.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/c.yaml`, "name: x\n");
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: dir };
 * const globals = () => ({ root: `${dir}/root`, runtime: "runc" });
 * await assert.rejects(containerFromManifest(io, globals, "c.yaml", true), /c\.yaml:1:1: image/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function containerFromManifest(
  io: CliIo,
  globals: () => GlobalOptions,
  file: string,
  start: boolean,
): Promise<void> {
  // The record names its creator (this process: one `cat` of /proc, remembered): start that
  // read now, so the child runs while the manifest is read and the state database opened. A
  // failure is reported where the creation awaits it.
  currentOwner().catch(() => {});
  const { config, warnings } = await loadContainerManifest(userPath(io, file), {
    cwd: io.cwd,
    imageDir: imageDirOf(globals()),
  });
  printWarnings(io, warnings);
  const op = start ? runContainer : createContainer;
  const rec = await withEngine(io, globals, (e) => op(e, config));
  io.stdout(`${rec.id}\n`);
}
