/**
 * Finding CNI plugin binaries on `CNI_PATH` and executing them. The executor is an interface
 * so the runtime's sequencing can be unit-tested with a fake.
 *
 * @module
 */
import { join } from "../core/path.ts";
import { statIfExists } from "../core/fs.ts";
import { CniPluginError } from "./cni_plugin_error.ts";

/** What one plugin run produced. */
export interface PluginOutput {
  /** Exit code. */
  code: number;
  /** Standard output (the result or error JSON). */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Executes a plugin binary with an environment and the configuration on stdin. */
export interface PluginExecutor {
  /** Returns the absolute path of plugin `type`, or undefined when no directory has it. */
  find(type: string, cniPath: readonly string[]): Promise<string | undefined>;
  /** Runs the plugin at `path`. */
  exec(path: string, env: Record<string, string>, stdin: string): Promise<PluginOutput>;
}

/**
 * The real executor: plugins are looked up in each `CNI_PATH` directory in order and run with
 * exactly the CNI environment (no inherited variables).
 *
 * @example
 * ```ts
 * import { hostPluginExecutor } from "./cni_exec.ts";
 * import assert from "node:assert/strict";
 * const path = await hostPluginExecutor().find("bridge", ["/usr/lib/cni", "/opt/cni/bin"]);
 * assert.match(path ?? "", /\/bridge$/); // installed by `deno task setup`
 * assert.equal(await hostPluginExecutor().find("no-such-plugin", ["/usr/lib/cni"]), undefined);
 * ```
 */
export function hostPluginExecutor(timeoutMs = 60_000): PluginExecutor {
  // Where each plugin was found, for this executor's life: a pod runs three plugins, twelve pods
  // thirty-six, each search a `stat` per directory. Only hits are kept (a plugin installed later
  // is still found) and a hit is checked again after a minute.
  const found = new Map<string, { path: string; at: number }>();
  return {
    async find(type, cniPath) {
      const key = `${type}\0${cniPath.join("\0")}`;
      const hit = found.get(key);
      if (hit && Date.now() - hit.at < 60_000) return hit.path;
      for (const dir of cniPath) {
        const path = join(dir, type);
        const st = await statIfExists(path);
        if (st?.isFile && ((st.mode ?? 0o755) & 0o111) !== 0) {
          found.set(key, { path, at: Date.now() });
          return path;
        }
      }
      found.delete(key);
      return undefined;
    },
    async exec(path, env, stdin) {
      const child = new Deno.Command(path, {
        env,
        clearEnv: true,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(timeoutMs),
      }).spawn();
      const writer = child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(stdin));
        await writer.close();
      } catch (error) {
        // A plugin may exit without reading its configuration (e.g. to report an error).
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      }
      const out = await child.output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
  };
}

/**
 * Finds a plugin or throws a {@linkcode CniPluginError} naming it and the directories searched.
 *
 * @example
 * ```ts
 * import { requirePlugin } from "./cni_exec.ts";
 * import assert from "node:assert/strict";
 * const exec = { find: () => Promise.resolve(undefined), exec: () => Promise.reject(new Error()) };
 * await assert.rejects(
 *   requirePlugin(exec, "nope", ["/opt/cni/bin"], { command: "ADD", network: "n" }),
 *   /CNI plugin "nope" failed on ADD for network "n": not found in \/opt\/cni\/bin/,
 * );
 * ```
 */
export async function requirePlugin(
  executor: PluginExecutor,
  type: string,
  cniPath: readonly string[],
  ctx: { command: string; network: string },
): Promise<string> {
  const path = await executor.find(type, cniPath);
  if (path === undefined) {
    throw new CniPluginError({
      plugin: type,
      ...ctx,
      code: 0,
      msg: `not found in ${
        cniPath.join(":")
      } (install containernetworking-plugins or set CNI_PATH)`,
    });
  }
  return path;
}
