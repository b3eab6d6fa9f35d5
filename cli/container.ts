/**
 * `rkl container` (alias `rkl c`): run|create|start|stop|kill|rm|list|state|exec|logs for
 * single containers. Flags become typed options through the pure functions of
 * `container_options.ts`; output is formatted by `container_format.ts`; the work is done by
 * `core/container`.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import { withEngine, withEngineEach } from "./engine.ts";
import { formatData, parseDataFormat, printExecResult } from "./output.ts";
import { containerInfo, printLogs } from "./container_format.ts";
import { containerList } from "./container_list.ts";
import { containerFromManifest } from "./container_run.ts";
import {
  parseExecOptions,
  parseGraceSeconds,
  parseLogsOptions,
  parseSignal,
} from "./container_options.ts";
import { startContainer } from "../core/container/start.ts";
import { stopContainer } from "../core/container/stop.ts";
import { killContainer } from "../core/container/kill.ts";
import { removeContainer } from "../core/container/remove.ts";
import { containerStatus } from "../core/container/inspect.ts";
import { execSync } from "../core/container/exec.ts";

export * from "./container_options.ts";
export * from "./container_format.ts";

/**
 * Builds the `container` command group.
 *
 * @example
 * ```ts
 * import { containerCommand } from "./container.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const cmd = containerCommand(io, () => ({ root: undefined, runtime: undefined }));
 * assert.deepEqual(cmd.aliases(), ["c"]);
 * ```
 */
export function containerCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  // Subcommands inherit these settings when created: set them first.
  const group = new Command("container")
    .alias("c")
    .description("run single containers (the original project's container YAML)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  group.command("run")
    .description("create and start a container from a YAML file; prints its id")
    .argument("<file>", "container manifest")
    .action((file) => containerFromManifest(io, globals, file, true));

  group.command("create")
    .description("create a container from a YAML file without starting it; prints its id")
    .argument("<file>", "container manifest")
    .action((file) => containerFromManifest(io, globals, file, false));

  group.command("start")
    .description("start created containers")
    .argument("<container...>", "names or ids")
    .action(async (refs) => {
      await withEngineEach(
        io,
        globals,
        refs,
        async (e, ref) => (await startContainer(e, ref)).name,
      );
    });

  group.command("stop")
    .description("stop containers: SIGTERM, then SIGKILL after the grace period")
    .option("-t, --time <seconds>", "grace period before SIGKILL (default 10)")
    .argument("<container...>", "names or ids")
    .action(async (refs, opts) => {
      const grace = parseGraceSeconds(opts.time);
      await withEngineEach(
        io,
        globals,
        refs,
        async (e, ref) => (await stopContainer(e, ref, grace)).record.name,
      );
    });

  group.command("kill")
    .description("send a signal to a container")
    .option("-s, --signal <signal>", "signal name or number (default SIGKILL)")
    .argument("<container>", "name or id")
    .action(async (ref, opts) => {
      const signal = parseSignal(opts.signal);
      await withEngine(io, globals, (e) => killContainer(e, ref, signal));
    });

  group.command("rm")
    .alias("delete")
    .description("remove containers (-f kills running ones first)")
    .option("-f, --force", "kill and remove running containers")
    .argument("<container...>", "names or ids")
    .action(async (refs, opts) => {
      const force = opts.force ?? false;
      await withEngineEach(
        io,
        globals,
        refs,
        async (e, ref) => (await removeContainer(e, ref, { force })).name,
      );
    });

  group.command("list")
    .alias("ls")
    .alias("ps")
    .description("list containers with status, pid, exit code and times")
    .option("-o, --output <format>", "table, wide, json or yaml")
    .option("-q, --quiet", "print ids only")
    .action((opts) => containerList(io, globals, opts));

  group.command("state")
    .alias("inspect")
    .description("show a container's state (JSON by default)")
    .option("-o, --output <format>", "json or yaml")
    .argument("<container>", "name or id")
    .action(async (ref, opts) => {
      const format = parseDataFormat(opts.output);
      const view = await withEngine(io, globals, (e) => containerStatus(e, ref));
      io.stdout(formatData(containerInfo(view), format));
    });

  group.command("exec")
    .description("run a command in a running container; exits with its exit code")
    .option("-i, --interactive", "keep stdin open (inherits the terminal)")
    .option("-t, --tty", "allocate a terminal")
    .option(
      "-e, --env <KEY=VALUE>",
      "set an environment variable (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("-w, --workdir <dir>", "working directory inside the container")
    .option("-u, --user <uid[:gid]>", "user to run as")
    .argument("<container>", "name or id")
    .argument("[command...]", "command and arguments (after --)")
    .action(async (ref, argv, raw) => {
      const o = parseExecOptions(ref, argv, raw);
      const result = await withEngine(io, globals, (e) =>
        execSync(e, o.container, o.argv, {
          env: o.env,
          ...(o.workingDir !== undefined ? { workingDir: o.workingDir } : {}),
          ...(o.user !== undefined ? { user: o.user } : {}),
          tty: o.tty,
          stdio: o.interactive || o.tty ? "inherit" : "piped",
        }));
      printExecResult(io, result);
    });

  group.command("logs")
    .description("print a container's logs")
    .option("-f, --follow", "keep printing new lines until the container stops")
    .option("--tail <n>", "only the last N lines")
    .option("--timestamps", "prefix lines with their timestamp")
    .argument("<container>", "name or id")
    .action(async (ref, raw) => {
      const o = parseLogsOptions(ref, raw);
      await withEngine(io, globals, (e) => printLogs(io, e, o.container, o));
    });

  return group;
}
