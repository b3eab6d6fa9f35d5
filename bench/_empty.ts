/**
 * An empty program: `deno task bench startup` runs it with the `rkl` task's flags and permission
 * set to measure the floor that Deno itself costs (process, runtime, config, lockfile).
 *
 * @module
 */
export {};
