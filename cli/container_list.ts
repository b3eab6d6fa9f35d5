/**
 * `rkl container list`: the action, apart from the command definition in `container.ts`, so that
 * `main.ts` can run it without loading the command-line parser (see `fast_path.ts`).
 *
 * @module
 */
import type { CliIo, GlobalOptions } from "./context.ts";
import { withEngine } from "./engine.ts";
import { lazyImport } from "../core/lazy_import.ts";
import { parseOutputFormat } from "./table.ts";
import { formatContainerTable } from "./container_table.ts";
import { listContainers } from "../core/container/list.ts";

/** The options of `rkl container list`, as typed on the command line. */
export interface ContainerListFlags {
  /** `-o, --output <format>`: table, wide, json or yaml. */
  output?: string | undefined;
  /** `-q, --quiet`: ids only. */
  quiet?: boolean | undefined;
}

/**
 * Prints the single containers (not pods' containers) of the state root `globals` names.
 * Throws `UsageError` for an unknown `--output` format.
 *
 * @example
 * ```ts
 * import { containerList } from "./container_list.ts";
 * import assert from "node:assert/strict";
 * const root = await Deno.makeTempDir();
 * let out = "";
 * const io = { stdout: (t: string) => void (out += t), stderr() {}, env: {}, cwd: "/" };
 * await containerList(io, () => ({ root, runtime: "runc" }), { quiet: true });
 * assert.equal(out, ""); // an empty root
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function containerList(
  io: CliIo,
  globals: () => GlobalOptions,
  flags: ContainerListFlags,
): Promise<void> {
  const format = parseOutputFormat(flags.output);
  const views = await withEngine(io, globals, (e) => listContainers(e, { owner: null }));
  if (flags.quiet) io.stdout(views.map((v) => `${v.record.id}\n`).join(""));
  else if (format === "json" || format === "yaml") {
    // Data output loads the YAML library; the table does not.
    const { formatContainerList } = await lazyImport<typeof import("./container_format.ts")>(
      new URL("./container_format.ts", import.meta.url),
    );
    io.stdout(formatContainerList(views, format));
  } else io.stdout(formatContainerTable(views, format));
}
