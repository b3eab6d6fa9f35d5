/**
 * Running external programs with argv arrays (never shell strings).
 *
 * @module
 */
import { CommandError } from "./errors.ts";

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Replace the whole environment with `env` instead of extending it. */
  clearEnv?: boolean;
  /** Bytes for stdin. */
  stdin?: string | Uint8Array;
  /** Working directory. */
  cwd?: string;
  /** Do not throw on a non-zero exit code. */
  allowFailure?: boolean;
  /** Kill the program after this many milliseconds. */
  timeoutMs?: number;
}

/** Result of {@linkcode run}. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Standard output, decoded as UTF-8. */
  stdout: string;
  /** Standard error, decoded as UTF-8. */
  stderr: string;
}

const decoder = new TextDecoder();

/**
 * Runs `argv[0]` with the remaining arguments and collects its output. Throws
 * {@linkcode CommandError} on a non-zero exit unless `allowFailure` is set.
 *
 * @example
 * ```ts
 * import { run } from "./exec.ts";
 * import assert from "node:assert/strict";
 * const r = await run(["sleep", "0"]);
 * assert.equal(r.code, 0);
 * ```
 */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new TypeError("run() needs a program name");
  const signal = opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined;
  const command = new Deno.Command(cmd, {
    args,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.clearEnv ? { clearEnv: true } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(signal ? { signal } : {}),
  });
  let output: Deno.CommandOutput;
  if (opts.stdin === undefined) {
    output = await command.output();
  } else {
    const child = command.spawn();
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
    );
    await writer.close();
    output = await child.output();
  }
  const result = {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
  if (result.code !== 0 && !opts.allowFailure) {
    throw new CommandError(argv, result.code, result.stderr || result.stdout);
  }
  return result;
}
