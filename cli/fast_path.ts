/**
 * The invocations `main.ts` runs without loading commander, to keep the start-up of the commands
 * users type most at the floor of a Deno process (commander is CommonJS that requires `node:fs`,
 * `node:child_process`, `node:events`…, and setting up Deno's Node compatibility for it costs more
 * than the rest of these commands): `rkl --help`, `rkl container|pod list` with their list
 * options, `rkl container|pod run|create FILE` and `rkl pod rm|delete POD...`.
 *
 * The recognizer is deliberately narrower than commander: it accepts only well-formed argument
 * lists (`--opt value`, `--opt=value`, `-o value`, `-ovalue`, boolean flags, each option at most
 * once, global options before the group, the one argument a command takes or, for `pod rm`, one
 * or more) and returns undefined
 * for anything else — help of a
 * subcommand, an unknown or repeated option, a missing value, `--`, combined short flags, extra
 * arguments — so that commander handles it, errors and their messages included. `main_test.ts`
 * checks that the options here are commander's (same flags, value or not, attribute name) and
 * that both paths print the same.
 *
 * @module
 */

/** An option the fast path knows: as declared to commander (e.g. `-o, --output <format>`). */
export interface FastOption {
  /** The short flag, e.g. `-o`, if any. */
  readonly short?: string;
  /** The long flag, e.g. `--output`. */
  readonly long: string;
  /** Commander's attribute name, e.g. `output`, `allNamespaces`. */
  readonly key: string;
  /** True when the option takes a value (`<format>`), false for a boolean flag. */
  readonly value: boolean;
}

/** A command the fast path runs, e.g. a group's `list` (or one of its aliases). */
export interface FastCommand {
  /** The group's name, as in `commandGroups` (`container`, `pod`). */
  readonly group: string;
  /** The subcommand's name and aliases; the first is its name. */
  readonly names: readonly string[];
  /** True when it takes an argument (`<file>`, `<pod...>`), false when none. */
  readonly argument: boolean;
  /** True when the argument is variadic (`<pod...>`: one or more). */
  readonly variadic?: boolean;
  /** Its options (commander's, see `main_test.ts`). */
  readonly options: readonly FastOption[];
}

/** The global options `rkl` takes before the group word (`--root`, `--runtime`). */
export const FAST_GLOBAL_OPTIONS: readonly FastOption[] = [
  { long: "--root", key: "root", value: true },
  { long: "--runtime", key: "runtime", value: true },
];

const output: FastOption = { short: "-o", long: "--output", key: "output", value: true };
const quiet: FastOption = { short: "-q", long: "--quiet", key: "quiet", value: false };
const namespace: FastOption = { short: "-n", long: "--namespace", key: "namespace", value: true };
const cluster: FastOption = { long: "--cluster", key: "cluster", value: true };
const kubeconfig: FastOption = { long: "--kubeconfig", key: "kubeconfig", value: true };

/** The commands the fast path runs. */
export const FAST_COMMANDS: readonly FastCommand[] = [
  { group: "container", names: ["list", "ls", "ps"], argument: false, options: [output, quiet] },
  { group: "container", names: ["run"], argument: true, options: [] },
  { group: "container", names: ["create"], argument: true, options: [] },
  {
    group: "pod",
    names: ["list", "ls", "ps"],
    argument: false,
    options: [
      output,
      namespace,
      { short: "-A", long: "--all-namespaces", key: "allNamespaces", value: false },
      quiet,
      cluster,
      kubeconfig,
    ],
  },
  { group: "pod", names: ["run"], argument: true, options: [] },
  { group: "pod", names: ["create"], argument: true, options: [cluster, kubeconfig] },
  {
    group: "pod",
    names: ["rm", "delete"],
    argument: true,
    variadic: true,
    options: [
      { short: "-f", long: "--force", key: "force", value: false },
      namespace,
      cluster,
      kubeconfig,
    ],
  },
];

/** Option values by attribute name: a string for options with a value, `true` for flags. */
export type FastFlags = Record<string, string | true>;

/** What the fast path runs. */
export type FastInvocation =
  | { readonly kind: "help" }
  | {
    readonly kind: "command";
    /** The group's name (`container`, `pod`). */
    readonly group: string;
    /** The subcommand's name (`list`, `run`, `create`, `rm`), not an alias. */
    readonly command: string;
    /** The command's argument, if it takes one (the first, for a variadic argument). */
    readonly argument?: string;
    /** Every argument, for a command whose argument is variadic (`pod rm a b`). */
    readonly arguments?: readonly string[];
    /** `--root`, `--runtime`. */
    readonly globals: FastFlags;
    /** The command's options. */
    readonly flags: FastFlags;
  };

/**
 * Reads the option at `argv[i]` into `into`; returns the index after it, or undefined when the
 * token is not one of `options` in a form the fast path accepts.
 */
function takeOption(
  argv: readonly string[],
  i: number,
  options: readonly FastOption[],
  into: FastFlags,
): number | undefined {
  const token = argv[i]!;
  let option: FastOption | undefined;
  let inline: string | undefined;
  if (token.startsWith("--")) {
    const eq = token.indexOf("=");
    const name = eq === -1 ? token : token.slice(0, eq);
    if (eq !== -1) inline = token.slice(eq + 1);
    option = options.find((o) => o.long === name);
  } else if (token.startsWith("-") && token.length >= 2) {
    option = options.find((o) => o.short === token.slice(0, 2));
    if (token.length > 2) inline = token.slice(2);
  }
  if (!option || option.key in into) return undefined;
  if (!option.value) {
    if (inline !== undefined) return undefined; // `--quiet=x`, `-qA`: commander's to judge
    into[option.key] = true;
    return i + 1;
  }
  if (inline !== undefined) {
    into[option.key] = inline;
    return i + 1;
  }
  const next = argv[i + 1];
  if (next === undefined || next.startsWith("-")) return undefined;
  into[option.key] = next;
  return i + 2;
}

/**
 * The fast-path invocation `argv` (without the program name) asks for, or undefined when
 * commander must parse it. `groups` maps each group name and alias to the group's name.
 *
 * @example
 * ```ts
 * import { fastInvocation } from "./fast_path.ts";
 * import assert from "node:assert/strict";
 * const groups = new Map([["container", "container"], ["c", "container"], ["pod", "pod"]]);
 * assert.deepEqual(fastInvocation(["--root=/r", "c", "ls", "-ojson"], groups), {
 *   kind: "command",
 *   group: "container",
 *   command: "list",
 *   globals: { root: "/r" },
 *   flags: { output: "json" },
 * });
 * assert.equal(fastInvocation(["c", "run", "web.yaml"], groups)?.kind, "command");
 * assert.deepEqual(fastInvocation(["--help"], groups), { kind: "help" });
 * assert.equal(fastInvocation(["c", "list", "--help"], groups), undefined);
 * assert.equal(fastInvocation(["c", "list", "-q", "-q"], groups), undefined);
 * ```
 */
export function fastInvocation(
  argv: readonly string[],
  groups: ReadonlyMap<string, string>,
): FastInvocation | undefined {
  if (argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help")) {
    return { kind: "help" };
  }
  const globals: FastFlags = {};
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith("-")) {
    const next = takeOption(argv, i, FAST_GLOBAL_OPTIONS, globals);
    if (next === undefined) return undefined;
    i = next;
  }
  const group = groups.get(argv[i] ?? "");
  const command = FAST_COMMANDS.find((c) => c.group === group && c.names.includes(argv[i + 1]!));
  if (!group || !command) return undefined;
  const flags: FastFlags = {};
  const args: string[] = [];
  for (i += 2; i < argv.length;) {
    if (!argv[i]!.startsWith("-")) {
      args.push(argv[i++]!);
      continue;
    }
    const next = takeOption(argv, i, command.options, flags);
    if (next === undefined) return undefined;
    i = next;
  }
  if (command.variadic ? args.length === 0 : args.length !== (command.argument ? 1 : 0)) {
    return undefined;
  }
  return {
    kind: "command",
    group,
    command: command.names[0]!,
    ...(command.argument ? { argument: args[0]! } : {}),
    ...(command.variadic ? { arguments: args } : {}),
    globals,
    flags,
  };
}
