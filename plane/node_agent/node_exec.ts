/**
 * The node's side of `kubectl exec` (the kubelet's `exec` endpoint behind kube-apiserver): rks
 * opens a stream with `open` (`purpose: "exec"`, the `PodExecOptions`), then sends `data`
 * (channel 0, stdin), `resize` and `close` (end of stdin); the node runs the command with the
 * OCI runtime's `exec` (as `rkl container exec` does) and answers with `data` on channel 1
 * (stdout, or the terminal) and 2 (stderr), then `exit` with the exit code.
 *
 * With `tty`, `runc exec --tty` in the foreground makes the container's terminal and copies it
 * to and from its own stdio, resizing it from its own terminal on `SIGWINCH`. Deno cannot open
 * a pseudo-terminal, so the runtime runs under util-linux `script`, which gives it one;
 * `stty -F` on that terminal is how a `resize` reaches the container (the kernel then signals
 * `SIGWINCH` to the runtime, which resizes the container's terminal the same way).
 *
 * @module
 */
import { run } from "../../core/exec.ts";
import { execArgs, type OciRuntime } from "../../core/runtime/oci_runtime.ts";
import {
  decodeBase64,
  encodeBase64,
  type MessageReader,
  writeMessage,
} from "../node_protocol/mod.ts";

/** `PodExecOptions` as the node reads them from an `open` message. */
export interface ExecRequest {
  /** The command and its arguments (at least one). */
  command: string[];
  /** Attach stdin. */
  stdin: boolean;
  /** Attach stdout. */
  stdout: boolean;
  /** Attach stderr (ignored with a terminal: it shares the terminal). */
  stderr: boolean;
  /** Allocate a terminal. */
  tty: boolean;
  /** The pod's uid, when rks names it. */
  uid?: string;
}

/**
 * Reads the exec options of an `open` message; throws `TypeError` naming the field when they
 * are not `PodExecOptions` (an empty command included, as kube-apiserver refuses it).
 *
 * @example
 * ```ts
 * import { execRequest } from "./node_exec.ts";
 * import assert from "node:assert/strict";
 * const r = execRequest({ command: ["sh", "-c", "exit 3"], stdout: true, tty: false });
 * assert.deepEqual(r.command, ["sh", "-c", "exit 3"]);
 * assert.equal(r.stdin, false);
 * assert.throws(() => execRequest({ command: [] }), /options\.command: at least 1 command/);
 * assert.throws(() => execRequest({ command: ["ls"], tty: "yes" }), /options\.tty: expected a boolean/);
 * ```
 */
export function execRequest(o: Record<string, unknown>): ExecRequest {
  const cmd = o.command;
  if (!Array.isArray(cmd) || !cmd.every((c) => typeof c === "string")) {
    throw new TypeError("Invalid exec options: options.command: expected an array of strings");
  }
  if (cmd.length === 0) {
    throw new TypeError("Invalid exec options: options.command: at least 1 command is required");
  }
  const flag = (k: string): boolean => {
    const v = o[k];
    if (v === undefined) return false;
    if (typeof v !== "boolean") {
      throw new TypeError(`Invalid exec options: options.${k}: expected a boolean`);
    }
    return v;
  };
  const out: ExecRequest = {
    command: cmd as string[],
    stdin: flag("stdin"),
    stdout: flag("stdout"),
    stderr: flag("stderr"),
    tty: flag("tty"),
  };
  if (typeof o.uid === "string" && o.uid !== "") out.uid = o.uid;
  return out;
}

/** Quotes one argument for a POSIX shell (single quotes; `'` as `'\''`). */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The argv that runs `req.command` in container `id`: the runtime's `exec` with its global
 * arguments, and with a terminal wrapped in `script` (see the module doc). `script -c` takes a
 * shell command line, so each argument is single-quoted; `stty` first sets the terminal to
 * `size` (columns, rows) when known.
 *
 * @example
 * ```ts
 * import { execArgv } from "./node_exec.ts";
 * import assert from "node:assert/strict";
 * const rt = { binary: "/usr/sbin/runc", globalArgs: () => ["--root", "/run/r"] };
 * const req = { command: ["sh", "-c", "echo 'hi'"], stdin: true, stdout: true, stderr: true, tty: false };
 * assert.deepEqual(execArgv(rt, "c1", req),
 *   ["/usr/sbin/runc", "--root", "/run/r", "exec", "c1", "sh", "-c", "echo 'hi'"]);
 * const t = execArgv(rt, "c1", { ...req, tty: true }, { width: 80, height: 24 });
 * assert.deepEqual(t.slice(0, 6), ["script", "-q", "-e", "-E", "never", "-c"]);
 * assert.equal(t[6],
 *   "stty cols 80 rows 24; exec '/usr/sbin/runc' '--root' '/run/r' 'exec' '--tty' 'c1' 'sh' '-c' 'echo '\\''hi'\\'''");
 * assert.equal(t[7], "/dev/null");
 * ```
 */
export function execArgv(
  runtime: Pick<OciRuntime, "binary" | "globalArgs">,
  id: string,
  req: ExecRequest,
  size?: { width: number; height: number },
): string[] {
  const argv = [
    runtime.binary,
    ...runtime.globalArgs(),
    ...execArgs(id, { args: req.command, ...(req.tty ? { tty: true } : {}) }),
  ];
  if (!req.tty) return argv;
  const stty = size && size.width > 0 && size.height > 0
    ? `stty cols ${size.width} rows ${size.height}; `
    : "";
  return [
    "script",
    "-q",
    "-e",
    "-E",
    "never",
    "-c",
    `${stty}exec ${argv.map(shellQuote).join(" ")}`,
    "/dev/null",
  ];
}

/** How long a terminal exec waits for the client's first size before it starts, ms. */
const FIRST_SIZE_WAIT_MS = 1000;

/** Kill after this long when the runtime ignores the forwarded SIGTERM, ms. */
const KILL_AFTER_MS = 5000;

/**
 * Runs the exec `req` in container `id` and serves the stream until the process exits:
 * reads `data`/`resize`/`close` from `reader`, writes `data` and a final `exit` on `writer`.
 * The stream ending from rks's side (kubectl went away) stops the process (SIGTERM to the
 * runtime, which forwards it; SIGKILL 5 s later). Throws only when the process cannot be
 * spawned; the caller reports that as an `error`.
 */
export async function serveExec(
  runtime: Pick<OciRuntime, "binary" | "globalArgs">,
  id: string,
  req: ExecRequest,
  reader: MessageReader,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<void> {
  let stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  const pending: Uint8Array[] = [];
  let stdinClosed = false;
  let size: { width: number; height: number } | undefined;
  let gotSize: () => void = () => {};
  const firstSize = new Promise<void>((r) => gotSize = r);
  let onResize: ((w: number, h: number) => void) | undefined;
  let child: Deno.ChildProcess | undefined = undefined;
  let gone = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    gone = true;
    gotSize();
    if (!child) return;
    try {
      child.kill("SIGTERM");
      killTimer = setTimeout(() => {
        try {
          child?.kill("SIGKILL");
        } catch { /* exited */ }
      }, KILL_AFTER_MS);
    } catch { /* exited */ }
  };
  const reading = (async () => {
    try {
      for (let m = await reader.next(); m !== undefined; m = await reader.next()) {
        if (m.type === "data" && m.channel === 0 && req.stdin) {
          const bytes = decodeBase64(m.data);
          if (stdin) await stdin.write(bytes).catch(() => {});
          else pending.push(bytes);
        } else if (m.type === "close" && m.channel === 0) {
          stdinClosed = true;
          await stdin?.close().catch(() => {});
        } else if (m.type === "resize") {
          if (onResize) onResize(m.width, m.height);
          else size = { width: m.width, height: m.height };
          gotSize();
        }
      }
    } catch { /* a malformed frame ends the exec like a closed stream */ }
    stop();
  })();
  if (req.tty && !gone) {
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([firstSize, new Promise((r) => t = setTimeout(r, FIRST_SIZE_WAIT_MS))]);
    clearTimeout(t);
  }
  if (gone) return;
  const [cmd, ...args] = execArgv(runtime, id, req, size);
  child = new Deno.Command(cmd!, {
    args,
    stdin: req.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (req.stdin) {
    stdin = child.stdin.getWriter();
    for (const p of pending) await stdin.write(p).catch(() => {});
    pending.length = 0;
    if (stdinClosed) await stdin.close().catch(() => {});
  }
  // The first size is set by `stty` before the runtime starts (execArgv).
  if (req.tty) onResize = terminalResizer(child.pid);
  const pump = async (s: ReadableStream<Uint8Array>, channel: number, send: boolean) => {
    for await (const chunk of s) {
      if (!send || gone) continue;
      for (let i = 0; i < chunk.length; i += 64 * 1024) {
        await writeMessage(writer, {
          type: "data",
          channel,
          data: encodeBase64(chunk.subarray(i, i + 64 * 1024)),
        }).catch(stop);
      }
    }
  };
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, 1, req.stdout || req.tty),
    pump(child.stderr, 2, req.stderr && !req.tty),
  ]);
  clearTimeout(killTimer);
  if (!gone) await writeMessage(writer, { type: "exit", code: status.code }).catch(() => {});
  void reading;
}

/**
 * Resizes the terminal `script` (pid `scriptPid`) gave the runtime: finds it with `ps` (the
 * terminal of script's child), then `stty -F` sets its size; the kernel signals `SIGWINCH` to
 * the runtime. Sizes are applied in order; a failure is ignored as the kubelet ignores a
 * resize it cannot apply.
 */
function terminalResizer(scriptPid: number): (width: number, height: number) => void {
  let tty: string | undefined;
  let chain = Promise.resolve();
  return (width, height) => {
    chain = chain.then(async () => {
      if (!tty) {
        for (let i = 0; i < 20 && !tty; i++) {
          const r = await run(["ps", "-o", "tty=", "--ppid", String(scriptPid)], {
            allowFailure: true,
          });
          const name = r.stdout.trim().split("\n")[0]?.trim();
          if (name && /^pts\/\d+$/.test(name)) tty = `/dev/${name}`;
          else await new Promise((res) => setTimeout(res, 50));
        }
        if (!tty) return;
      }
      await run(["stty", "-F", tty, "cols", String(width), "rows", String(height)], {
        allowFailure: true,
      });
    }).catch(() => {});
  };
}
