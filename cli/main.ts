/**
 * The `rkl` entry point: builds the command tree, runs it, and maps errors to exit codes
 * (0 ok, 1 failure, 2 usage error). This is the only module that exits the process.
 *
 * Start-up cost is paid only for what a command uses: the command-line parser and each command
 * group are imported when `main` runs, and only the group the arguments name is loaded (the
 * others are listed in `rkl --help` from their {@linkcode CommandGroupEntry}). Inside a group,
 * heavy libraries (YAML, the gRPC store client) are imported where they are used.
 *
 * @module
 */
import type { CommandUnknownOpts } from "./_command.ts";
import { RkError } from "../core/errors.ts";
import { formatError } from "./format_error.ts";
import { lazyImport } from "../core/lazy_import.ts";
import {
  type CliIo,
  type GlobalOptions,
  isStdoutClosed,
  processIo,
  resolveGlobals,
} from "./context.ts";
import { type FastInvocation, fastInvocation } from "./fast_path.ts";
import { formatHelp, type HelpText } from "./help_text.ts";
import denoJson from "../deno.json" with { type: "json" };

/** Imports a module of this directory only when it is needed (see `core/lazy_import.ts`). */
function load<T>(path: string): Promise<T> {
  return lazyImport<T>(new URL(path, import.meta.url));
}

/** rkl's version: the `version` of the project's `deno.json`. */
export const VERSION: string = denoJson.version;

/** A command group: given the I/O and a getter for the global options, returns its command. */
export type CommandGroup = (io: CliIo, globals: () => GlobalOptions) => CommandUnknownOpts;

/**
 * A command group registered under `rkl`. `name`, `aliases` and `description` are what
 * `rkl --help` lists without loading the group; they must equal the loaded command's (a test in
 * `main_test.ts` checks it). `load` imports the group's module (one file per group in `cli/`).
 */
export interface CommandGroupEntry {
  /** The group's command name, e.g. `container`. */
  readonly name: string;
  /** Other names, e.g. `["c"]`. */
  readonly aliases: readonly string[];
  /** One line for `rkl --help`. */
  readonly description: string;
  /** The group has options of its own (`rkl --help` then lists it as `NAME [options]`). */
  readonly hasOptions?: boolean;
  /**
   * The group's own options go before its subcommand and a subcommand may reuse their letters
   * (`rkl compose -f app.yaml logs -f web`: the first `-f` is compose's `--file`, the second
   * `logs --follow`); rkl's options then go before the group's name. Commander needs positional
   * options on the program too, or it hands the subcommand's options to the group.
   */
  readonly positionalOptions?: boolean;
  /** Imports the group's module and returns its builder. */
  load(): Promise<CommandGroup>;
}

/** The groups registered under `rkl`, in the order `rkl --help` lists them. */
export const commandGroups: readonly CommandGroupEntry[] = [
  {
    name: "container",
    aliases: ["c"],
    description: "run single containers (the original project's container YAML)",
    load: async () =>
      (await load<typeof import("./container.ts")>("./container.ts")).containerCommand,
  },
  {
    name: "pod",
    aliases: ["p"],
    description: "run Kubernetes-style pods (v1 Pod manifests) with a pause sandbox",
    load: async () => (await load<typeof import("./pod.ts")>("./pod.ts")).podCommand,
  },
  {
    name: "compose",
    aliases: ["C"],
    description: "run Docker Compose apps as Kubernetes-compatible pods",
    hasOptions: true,
    positionalOptions: true,
    load: async () => (await load<typeof import("./compose.ts")>("./compose.ts")).composeCommand,
  },
  {
    name: "network",
    aliases: ["net"],
    description: "manage rkl's CNI networks (one bridge and subnet each)",
    load: async () => (await load<typeof import("./network.ts")>("./network.ts")).networkCommand,
  },
  {
    name: "gc",
    aliases: [],
    description: "stop finished pods; release IPs, veths, network namespaces and CNI cache " +
      "entries of dead containers and pods; kill monitor and runtime processes, delete runtime " +
      "containers and state dirs that belong to no container or pod",
    load: async () => (await load<typeof import("./gc.ts")>("./gc.ts")).gcCommand,
  },
  {
    name: "daemon",
    aliases: [],
    description: "run the node's reconcile loop in the foreground: static pods, restarts, " +
      "probes (SIGTERM stops supervision; containers keep running)",
    hasOptions: true,
    load: async () => (await load<typeof import("./daemon.ts")>("./daemon.ts")).daemonCommand,
  },
  {
    name: "events",
    aliases: [],
    description: "show the events the daemon recorded (-w: keep following)",
    hasOptions: true,
    load: async () => (await load<typeof import("./events.ts")>("./events.ts")).eventsCommand,
  },
];

/** Global options that take a value (the next argument) before the command word. */
const globalsWithValue: ReadonlySet<string> = new Set(["--root", "--runtime"]);

/** `rkl`'s description (first paragraph of `rkl --help`). */
const DESCRIPTION = "rk8s node tool: run containers and Kubernetes-style pods on an OCI runtime";

/** `rkl`'s own options besides `--version` and `--help`: commander flags and description. */
const GLOBAL_OPTIONS: readonly (readonly [string, string])[] = [
  ["--root <dir>", "state root (default /var/lib/rkl and /run/rkl; env RKL_ROOT)"],
  ["--runtime <name|path>", "OCI runtime: youki, runc or crun (env RKL_RUNTIME)"],
];

/** How `rkl --help` lists a group: `name|alias`, and ` [options]` when it has options. */
function groupTerm(g: CommandGroupEntry): string {
  return `${g.name}${g.aliases[0] ? `|${g.aliases[0]}` : ""}${g.hasOptions ? " [options]" : ""}`;
}

/**
 * The text of `rkl --help`, from the same entries `buildProgram` gives commander, for printing
 * it without loading commander (`main_test.ts` checks that both are equal).
 *
 * @example
 * ```ts
 * import { rklHelp } from "./main.ts";
 * import assert from "node:assert/strict";
 * const help = rklHelp();
 * assert.equal(help.usage, "rkl [options] [command]");
 * assert.ok(help.sections[1]?.items.some(([term]) => term === "container|c"));
 * ```
 */
export function rklHelp(): HelpText {
  const help = "display help for command";
  return {
    usage: "rkl [options] [command]",
    description: DESCRIPTION,
    sections: [
      {
        title: "Options:",
        items: [["-V, --version", "output the version number"], ...GLOBAL_OPTIONS, [
          "-h, --help",
          help,
        ]],
      },
      {
        title: "Commands:",
        items: [...commandGroups.map((g) => [groupTerm(g), g.description] as const), [
          "help [command]",
          help,
        ]],
      },
    ],
  };
}

/** Group names and aliases → group name. */
const groupNames: ReadonlyMap<string, string> = new Map(
  commandGroups.flatMap((g) => [g.name, ...g.aliases].map((n) => [n, g.name] as const)),
);

/** The width commander wraps help to: the terminal's columns, else 80. */
function helpWidth(io: CliIo): number {
  if (!io.terminal) return 80;
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

/** Runs a command the fast path recognized (see `fast_path.ts`) with its group's own action. */
async function runFast(io: CliIo, fast: FastInvocation & { kind: "command" }): Promise<void> {
  const globals = () => resolveGlobals(io, fast.globals as { root?: string; runtime?: string });
  if (fast.group === "pod" && fast.command === "list") {
    const { podList } = await load<typeof import("./pod_list.ts")>("./pod_list.ts");
    await podList(io, globals, fast.flags);
  } else if (fast.group === "pod") {
    const run = await load<typeof import("./pod_run.ts")>("./pod_run.ts");
    if (fast.command === "rm") await run.podRemove(io, globals, fast.arguments!, fast.flags);
    else await run.podFromManifest(io, globals, fast.argument!, fast.command === "run", fast.flags);
  } else if (fast.command === "list") {
    const { containerList } = await load<typeof import("./container_list.ts")>(
      "./container_list.ts",
    );
    await containerList(io, globals, fast.flags);
  } else {
    const { containerFromManifest } = await load<typeof import("./container_run.ts")>(
      "./container_run.ts",
    );
    await containerFromManifest(io, globals, fast.argument!, fast.command === "run");
  }
}

/**
 * The group `argv` runs: the first word that is neither a global option nor its value
 * (`help GROUP` names GROUP). Undefined when there is none (e.g. `rkl --help`) or the word is
 * not a group's name or alias (commander then reports the unknown command).
 *
 * @example
 * ```ts
 * import { invokedGroup } from "./main.ts";
 * import assert from "node:assert/strict";
 * assert.equal(invokedGroup(["--root", "/tmp/r", "c", "list"])?.name, "container");
 * assert.equal(invokedGroup(["help", "pod"])?.name, "pod");
 * assert.equal(invokedGroup(["--help"]), undefined);
 * ```
 */
export function invokedGroup(argv: readonly string[]): CommandGroupEntry | undefined {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith("-")) i += globalsWithValue.has(argv[i]!) ? 2 : 1;
  const word = argv[i] === "help" ? argv[i + 1] : argv[i];
  if (word === undefined) return undefined;
  return commandGroups.find((g) => g.name === word || g.aliases.includes(word));
}

/** Options of {@linkcode buildProgram}. */
export interface BuildProgramOptions {
  /** Load every group instead of only the one `argv` names (default false). */
  loadAll?: boolean;
}

/**
 * Builds the `rkl` command tree for one invocation with `argv` (without the program name): the
 * group `argv` names is loaded, every other group is a stub with its name, aliases and
 * description, enough for `rkl --help` and for commander's "unknown command" suggestions.
 *
 * @example
 * ```ts
 * import { buildProgram } from "./main.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const program = await buildProgram(io, ["pod", "list"]);
 * assert.equal(program.name(), "rkl");
 * const pod = program.commands.find((c) => c.name() === "pod");
 * assert.ok(pod?.commands.some((c) => c.name() === "list")); // loaded
 * const container = program.commands.find((c) => c.name() === "container");
 * assert.equal(container?.commands.length, 0); // a stub
 * ```
 */
export async function buildProgram(
  io: CliIo,
  argv: readonly string[] = [],
  opts: BuildProgramOptions = {},
): Promise<CommandUnknownOpts> {
  const { Command, Help } = await load<typeof import("./_command.ts")>("./_command.ts");
  const program = new Command().name("rkl").description(DESCRIPTION).version(VERSION);
  for (const [flags, description] of GLOBAL_OPTIONS) program.option(flags, description);
  program
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);
  // A stub has no options or subcommands: list it as its loaded command would be listed.
  const stubs = new Map<unknown, CommandGroupEntry>();
  const help = new Help();
  program.configureHelp({
    subcommandTerm: (cmd) => {
      const g = stubs.get(cmd);
      return g ? groupTerm(g) : help.subcommandTerm(cmd);
    },
  });
  const globals = () => resolveGlobals(io, program.opts());
  const invoked = opts.loadAll ? undefined : invokedGroup(argv);
  if (invoked?.positionalOptions) program.enablePositionalOptions();
  const loaded = await Promise.all(
    commandGroups.map((g) => opts.loadAll || g === invoked ? g.load() : undefined),
  );
  commandGroups.forEach((g, i) => {
    const build = loaded[i];
    let command: CommandUnknownOpts;
    if (build) command = build(io, globals);
    else {
      command = new Command(g.name).aliases([...g.aliases]).description(g.description);
      stubs.set(command, g);
    }
    program.addCommand(
      command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }),
    );
  });
  return program;
}

/** Exit status when standard output was closed early: 128 + SIGPIPE, as a shell reports docker's. */
const STDOUT_CLOSED_STATUS = 141;

/** Options of {@linkcode main}. */
export interface MainOptions {
  /**
   * Run `rkl --help` and the list commands without commander (default true; see
   * `fast_path.ts`). Tests turn it off to compare both paths.
   */
  fastPath?: boolean;
}

/**
 * Runs `rkl` with `argv` (without the program name) and returns the exit code. `io` defaults to
 * the real process's (`processIo()` of `context.ts`).
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
export async function main(
  argv: readonly string[],
  io?: CliIo,
  opts: MainOptions = {},
): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    // Answered before the parser and Node compatibility load; commander prints the same.
    if (io) io.stdout(`${VERSION}\n`);
    else console.log(VERSION);
    return 0;
  }
  io ??= processIo();
  const fast = opts.fastPath === false ? undefined : fastInvocation(argv, groupNames);
  if (fast?.kind === "help") {
    io.stdout(formatHelp(rklHelp(), helpWidth(io)));
    return 0;
  }
  // Loaded only when commander parses: the fast path must not pay for it.
  let CommanderError: (typeof import("./_command.ts"))["CommanderError"] | undefined;
  try {
    if (fast) await runFast(io, fast);
    else {
      CommanderError = (await load<typeof import("./_command.ts")>("./_command.ts")).CommanderError;
      const program = await buildProgram(io, argv);
      await program.parseAsync([...argv], { from: "user" });
    }
    return io.exitCode ?? 0;
  } catch (error) {
    // `rkl ... | head`: the reader has all it wanted; end quietly, as SIGPIPE ends docker.
    if (isStdoutClosed(error)) return STDOUT_CLOSED_STATUS;
    if (CommanderError && error instanceof CommanderError) {
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
    if (isStdoutClosed(event.reason)) Deno.exit(STDOUT_CLOSED_STATUS);
    Deno.stderr.writeSync(
      new TextEncoder().encode(formatError(event.reason, Boolean(Deno.env.get("RKL_DEBUG")))),
    );
    Deno.exit(1);
  });
  Deno.exit(await main(Deno.args));
}
