/**
 * The `rkl` entry point: builds the command tree, runs it, and maps errors to exit codes
 * (0 ok, 1 failure, 2 usage error). This is the only module that exits the process.
 *
 * @module
 */
import { Command, CommanderError, type CommandUnknownOpts } from "./_command.ts";
import { type CliIo, type GlobalOptions, processIo, resolveGlobals } from "./context.ts";
import { RkError } from "../core/errors.ts";
import { formatError } from "./format_error.ts";
import { containerCommand } from "./container.ts";
import { podCommand } from "./pod.ts";
import { networkCommand } from "./network.ts";
import { gcCommand } from "./gc.ts";
import { composeCommand } from "./compose.ts";

/** A command group: given the I/O and a getter for the global options, returns its command. */
export type CommandGroup = (io: CliIo, globals: () => GlobalOptions) => CommandUnknownOpts;

/** The groups registered under `rkl`. Each lives in its own file in `cli/`. */
const groups: CommandGroup[] = [
  containerCommand,
  podCommand,
  composeCommand,
  networkCommand,
  gcCommand,
];

/**
 * Builds the `rkl` command tree for one invocation.
 *
 * @example
 * ```ts
 * import { buildProgram } from "./main.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * assert.equal(buildProgram(io).name(), "rkl");
 * ```
 */
export function buildProgram(io: CliIo): CommandUnknownOpts {
  const program = new Command()
    .name("rkl")
    .description("rk8s node tool: run containers and Kubernetes-style pods on an OCI runtime")
    .option("--root <dir>", "state root (default /var/lib/rkl and /run/rkl; env RKL_ROOT)")
    .option("--runtime <name|path>", "OCI runtime: youki, runc or crun (env RKL_RUNTIME)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);
  const globals = () => resolveGlobals(io, program.opts());
  for (const group of groups) {
    program.addCommand(
      group(io, globals).exitOverride().configureOutput({
        writeOut: io.stdout,
        writeErr: io.stderr,
      }),
    );
  }
  return program;
}

/**
 * Runs `rkl` with `argv` (without the program name) and returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * import assert from "node:assert/strict";
 * let out = "";
 * const io = { stdout: (t: string) => void (out += t), stderr() {}, env: {}, cwd: "/" };
 * assert.equal(await main(["--help"], io), 0);
 * assert.match(out, /Usage: rkl/);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return io.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === "commander.helpDisplayed" || error.code === "commander.version" ||
        error.code === "commander.help"
      ) return 0;
      return 2;
    }
    io.stderr(formatError(error, Boolean(io.env.RKL_DEBUG)));
    return error instanceof RkError ? error.exitCode : 1;
  }
}

if (import.meta.main) {
  // A rejection nobody awaited (e.g. a stream closed under a dying child) must not end the
  // process with a stack trace either.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    Deno.stderr.writeSync(
      new TextEncoder().encode(formatError(event.reason, Boolean(Deno.env.get("RKL_DEBUG")))),
    );
    Deno.exit(1);
  });
  Deno.exit(await main(Deno.args));
}
