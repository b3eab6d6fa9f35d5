/**
 * Running external programs with argv arrays (never shell strings).
 *
 * @module
 */
import { CommandError, CommandTimeoutError } from "./errors.ts";
import { traced, tracing } from "./trace.ts";

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
  /**
   * Kill the program (SIGKILL) after this many milliseconds and throw
   * {@linkcode CommandTimeoutError} with what it wrote so far.
   */
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
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  if (!tracing()) return runProgram(argv, opts);
  // `exec iptables -C`: the program and an iptables-style command letter, when there is one.
  const op = argv.find((a) => /^-[A-Z]$/.test(a));
  const name = `exec ${argv[0]?.split("/").pop()}${op ? ` ${op}` : ""}`;
  return traced(name, () => runProgram(argv, opts));
}

/** The `Deno.Command` options of a `run()`: outputs piped, stdin only when there is input. */
function commandOptions(args: string[], opts: RunOptions): Deno.CommandOptions {
  return {
    args,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.clearEnv ? { clearEnv: true } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  };
}

async function runProgram(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new TypeError("run() needs a program name");
  if (opts.stdin === undefined && !opts.timeoutMs) {
    // Nothing to write and no deadline: Deno collects both outputs itself, without setting up
    // JavaScript streams (the first use of those costs a CLI process ≈ 10 ms).
    const out = await new Deno.Command(cmd, commandOptions(args, opts)).output();
    const result = {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
    if (result.code !== 0 && !opts.allowFailure) {
      throw new CommandError(argv, result.code, result.stderr || result.stdout);
    }
    return result;
  }
  const child = new Deno.Command(cmd, commandOptions(args, opts)).spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (opts.timeoutMs) {
    timer = setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* it exited just now */ }
      // A grandchild may keep the pipes open after the child died: stop reading soon.
      setTimeout(() => {
        stdout.cancel();
        stderr.cancel();
      }, 500);
    }, opts.timeoutMs);
  }
  try {
    if (opts.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      try {
        await writer.write(
          typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin,
        );
        await writer.close();
      } catch (e) {
        // The program may exit without reading its input; its exit code tells what happened.
        if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
      }
    }
    const [status, out, err] = await Promise.all([child.status, stdout.text, stderr.text]);
    if (timedOut) throw new CommandTimeoutError(argv, opts.timeoutMs!, err || out);
    const result = { code: status.code, stdout: out, stderr: err };
    if (result.code !== 0 && !opts.allowFailure) {
      throw new CommandError(argv, result.code, result.stderr || result.stdout);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a stream to text; `cancel()` stops early (keeping what was read). */
function collect(stream: ReadableStream<Uint8Array>): { text: Promise<string>; cancel(): void } {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  const text = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } catch { /* cancelled: keep what was read */ }
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return decoder.decode(all);
  })();
  return { text, cancel: () => void reader.cancel().catch(() => {}) };
}
