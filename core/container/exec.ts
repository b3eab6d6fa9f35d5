/**
 * `execSync`: runs a process in a running container and returns its exit code and output
 * (CRI ExecSync); with inherited stdio it serves `rkl container exec -it`.
 *
 * @module
 */
import type { ExecResult, ExecStdio } from "../runtime/oci_runtime.ts";
import { findContainer } from "../store/containers.ts";
import type { Engine } from "./engine.ts";
import { inspectRecord } from "./inspect.ts";
import { canExec, requireStatus } from "./status.ts";

/** Options of {@linkcode execSync}. */
export interface ExecOptions {
  /** Extra environment. */
  env?: Record<string, string>;
  /** Working directory. */
  workingDir?: string;
  /** `uid[:gid]`. */
  user?: string;
  /** Allocate a terminal (needs inherited stdio). */
  tty?: boolean;
  /** `piped` (collect output) or `inherit` (interactive). */
  stdio?: ExecStdio;
  /** Kill the process after this many ms. */
  timeoutMs?: number;
}

/**
 * Runs `argv` in the container `ref`.
 *
 * @example
 * ```ts ignore
 * import { execSync } from "./exec.ts";
 * const r = await execSync(engine, "web", ["sh", "-c", "echo hi; exit 3"]);
 * console.log(r.exitCode, r.stdout); // 3 "hi\n"
 * ```
 */
export async function execSync(
  engine: Engine,
  ref: string,
  argv: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  const rec = findContainer(engine.db, ref);
  const view = await inspectRecord(engine, rec);
  requireStatus("exec in", rec.name, view.status, canExec);
  return await engine.runtime.exec(rec.id, {
    args: argv,
    env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(opts.workingDir !== undefined ? { cwd: opts.workingDir } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
    ...(opts.tty ? { tty: true } : {}),
  }, {
    ...(opts.stdio ? { stdio: opts.stdio } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
}
