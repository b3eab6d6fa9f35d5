/**
 * Helpers for the CLI's own tests: running the command tree in-process with captured output,
 * and running the real entry point as a process with exactly the `rkl` task's permissions.
 *
 * @module
 */
import { join } from "node:path";
import type { CliIo } from "./context.ts";
import { main } from "./main.ts";

/** The project directory (relative manifest paths in tests resolve against it by default). */
export const projectDir: string = new URL("../", import.meta.url).pathname;

/** What one `rkl` run produced. */
export interface RklResult {
  /** Exit code. */
  code: number;
  /** Everything written to standard output. */
  out: string;
  /** Everything written to standard error. */
  err: string;
}

/** Environment and directory of an in-process run. */
export interface CaptureIoOptions {
  /** Variables added to (or overriding) `PATH` from the test process. */
  env?: Record<string, string>;
  /** The user's directory; default {@linkcode projectDir}. */
  cwd?: string;
}

/**
 * A {@linkcode CliIo} that collects standard output and error in `out` and `err`. Its
 * environment holds the test process's `PATH` (so the runtime and CNI plugins are found) plus
 * `opts.env`.
 *
 * @example
 * ```ts
 * import { captureIo } from "./testing.ts";
 * import assert from "node:assert/strict";
 * const io = captureIo({ env: { RKL_ROOT: "/tmp/x" }, cwd: "/" });
 * io.stdout("a");
 * io.stderr("b");
 * assert.deepEqual([io.out, io.err, io.env.RKL_ROOT, io.cwd], ["a", "b", "/tmp/x", "/"]);
 * ```
 */
export function captureIo(opts: CaptureIoOptions = {}): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    env: { PATH: Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...opts.env },
    cwd: opts.cwd ?? projectDir,
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}

/**
 * Runs `rkl ARGV` in-process (the command tree of `cli/main.ts`) with {@linkcode captureIo}.
 *
 * @example
 * ```ts
 * import { runRkl } from "./testing.ts";
 * import assert from "node:assert/strict";
 * const r = await runRkl(["--help"]);
 * assert.equal(r.code, 0);
 * assert.match(r.out, /Usage: rkl/);
 * ```
 */
export async function runRkl(argv: string[], opts: CaptureIoOptions = {}): Promise<RklResult> {
  const io = captureIo(opts);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

/**
 * The `rkl` task's argv after `deno` (its permission set and entry point), read from deno.json, so
 * process tests run with exactly the permissions users get.
 *
 * @example
 * ```ts ignore
 * import { rklTaskArgs } from "./testing.ts";
 * const args = await rklTaskArgs(); // ["run", "-q", "--frozen", "-P=rkl", "cli/main.ts"]
 * ```
 */
export async function rklTaskArgs(): Promise<string[]> {
  const config: unknown = JSON.parse(await Deno.readTextFile(join(projectDir, "deno.json")));
  const task = (config as { tasks?: { rkl?: { command?: unknown } } }).tasks?.rkl?.command;
  if (typeof task !== "string") throw new Error("deno.json has no tasks.rkl.command");
  const [deno, ...args] = task.split(/\s+/);
  if (deno !== "deno") throw new Error(`tasks.rkl.command should start with "deno": ${task}`);
  return args;
}

/**
 * Runs the real entry point as a separate process with the `rkl` task's permissions
 * ({@linkcode rklTaskArgs}), from the project directory, without colours.
 *
 * @example
 * ```ts ignore
 * import { runRklProcess } from "./testing.ts";
 * const r = await runRklProcess(["--root", root, "c", "list"]);
 * ```
 */
export async function runRklProcess(args: string[]): Promise<RklResult> {
  const out = await new Deno.Command("deno", {
    args: [...(await rklTaskArgs()), ...args],
    cwd: projectDir,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

/** Names of the entries of `dir`, sorted; `[]` when it does not exist. */
export async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** IP addresses host-local still holds under an rkl state root (files named like an IP). */
export async function allocatedIps(root: string): Promise<string[]> {
  const ipam = join(root, "lib", "cni", "ipam");
  const out: string[] = [];
  for (const net of await filesIn(ipam)) {
    for (const f of await filesIn(join(ipam, net))) if (/^\d+\.\d+\.\d+\.\d+$/.test(f)) out.push(f);
  }
  return out;
}
