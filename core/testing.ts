/**
 * Helpers for rk8s's own tests: root detection, temporary state roots, engines on them, polling
 * with a deadline.
 *
 * @module
 */
import { type Engine, type EngineOptions, openEngine } from "./container/engine.ts";
import { rklPaths } from "./paths.ts";
import { CliRuntime, resolveRuntime } from "./runtime/oci_runtime.ts";
import { testLease } from "./test_lease.ts";

/**
 * True when the process runs as root (integration tests need it).
 *
 * @example
 * ```ts
 * import { isRoot } from "./testing.ts";
 * import assert from "node:assert/strict";
 * assert.equal(typeof isRoot(), "boolean");
 * ```
 */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}

/**
 * Registers a test that needs root; it is reported as ignored when not root.
 * Resource sanitizers are off because such tests spawn long-lived monitors on purpose.
 *
 * @example
 * ```ts ignore
 * import { rootTest } from "./testing.ts";
 * rootTest("container runs", async () => {});
 * ```
 */
export function rootTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name: `${name} [root]`,
    ignore: !isRoot(),
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}

/**
 * Creates a temporary directory and returns it with an async disposer that removes it. The
 * directory is held by the process's test lease (`./test_lease.ts`) until then, so a killed
 * test run's directory is removed by the next sweep.
 *
 * @example
 * ```ts
 * import { tempDir } from "./testing.ts";
 * import assert from "node:assert/strict";
 * await using dir = await tempDir("rk8s-doc-");
 * assert.ok((await Deno.stat(dir.path)).isDirectory);
 * ```
 */
export function tempDir(prefix = "rk8s-test-"): Promise<AsyncDisposable & { path: string }> {
  const lease = testLease();
  const path = lease.makeTempDir(prefix);
  return Promise.resolve({
    path,
    async [Symbol.asyncDispose]() {
      await lease.removeDir(path); // with a root held there by withTempEngine
    },
  });
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false`, or throws after
 * `timeoutMs` with `what` in the message. Use instead of fixed sleeps.
 *
 * @example
 * ```ts
 * import { waitFor } from "./testing.ts";
 * import assert from "node:assert/strict";
 * let n = 0;
 * assert.equal(await waitFor("n to reach 3", () => ++n >= 3 ? n : undefined), 3);
 * ```
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Absolute path of the test bundles built by `testdata/build_bundles.ts`. */
export const testBundles: { busybox: string; pause: string } = {
  busybox: new URL("../testdata/bundles/busybox", import.meta.url).pathname,
  pause: new URL("../testdata/bundles/pause", import.meta.url).pathname,
};

/** Options of {@linkcode withTempEngine}. */
export interface TempEngineOptions {
  /** Prefix of the temporary state root's name. */
  prefix: string;
  /**
   * Engine parts besides the paths (a fake runtime and monitor, a network provider, …). Default:
   * the OCI runtime found on PATH (runc here) with conmon, as in production.
   */
  parts?: Omit<EngineOptions, "paths">;
  /** Runtime binary to use instead of the one found on PATH (ignored when `parts` is given). */
  runtimeBinary?: string;
  /** Runs after the test, also when it failed (e.g. removes what is left running). */
  cleanup?: (engine: Engine) => Promise<void>;
}

/**
 * Opens an engine on a fresh temporary state root, runs `fn` with it, then runs
 * `opts.cleanup`, closes the engine and removes the state root, also when `fn` throws.
 *
 * @example
 * ```ts ignore
 * import { withTempEngine } from "./testing.ts";
 * await withTempEngine({ prefix: "rkl-it-" }, async (engine, root) => {
 *   // create containers with the real runtime under `root`
 * });
 * ```
 */
export async function withTempEngine(
  opts: TempEngineOptions,
  fn: (engine: Engine, root: string) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir(opts.prefix);
  const paths = rklPaths(dir.path);
  let parts = opts.parts;
  if (parts === undefined) {
    const binary = opts.runtimeBinary ??
      (await resolveRuntime(undefined, { PATH: Deno.env.get("PATH") })).binary;
    parts = { runtime: new CliRuntime({ binary, root: paths.runtimeRoot }) };
  }
  // With the real runtime, a killed run's containers are removed by the next sweep (rkl).
  const root = opts.parts === undefined && opts.runtimeBinary === undefined
    ? { kind: "root" as const, path: dir.path }
    : undefined;
  if (root) testLease().hold(root);
  const engine = await openEngine({ paths, ...parts });
  try {
    await fn(engine, dir.path);
  } finally {
    try {
      await opts.cleanup?.(engine);
    } finally {
      engine.close();
    }
  }
  if (root) testLease().release(root);
}
