/**
 * Where rkl keeps its state. `--root DIR` / `RKL_ROOT` moves everything under one directory.
 *
 * @module
 */
import { join } from "./path.ts";

/** The directories and files rkl uses. */
export interface RklPaths {
  /** Persistent data: database, per-container dirs, logs (`/var/lib/rkl`). */
  dataDir: string;
  /** Volatile runtime state: runtime root, exit files, sockets, netns (`/run/rkl`). */
  runDir: string;
  /** Configuration written by rkl, e.g. CNI network configs (`/etc/rkl`). */
  configDir: string;
  /** The SQLite database file. */
  database: string;
  /** Per-container directories (generated bundle, overlay upper/work, logs). */
  containersDir: string;
  /** `--root` for the OCI runtime. */
  runtimeRoot: string;
  /** Directory where conmon writes exit files. */
  exitDir: string;
  /** Directory for conmon's attach sockets. */
  socketDir: string;
  /** Bind-mounted network namespaces. */
  netnsDir: string;
  /** CNI network configuration files. */
  cniConfigDir: string;
  /** CNI result cache and host-local IPAM data. */
  cniDataDir: string;
}

/**
 * Computes every path from an optional root. Without a root the system locations are used.
 *
 * @example
 * ```ts
 * import { rklPaths } from "./paths.ts";
 * import assert from "node:assert/strict";
 * assert.equal(rklPaths().database, "/var/lib/rkl/rkl.db");
 * assert.equal(rklPaths("/tmp/x").runtimeRoot, "/tmp/x/run/runtime");
 * ```
 */
export function rklPaths(root?: string): RklPaths {
  const dataDir = root ? join(root, "lib") : "/var/lib/rkl";
  const runDir = root ? join(root, "run") : "/run/rkl";
  const configDir = root ? join(root, "etc") : "/etc/rkl";
  return {
    dataDir,
    runDir,
    configDir,
    database: join(dataDir, "rkl.db"),
    containersDir: join(dataDir, "containers"),
    runtimeRoot: join(runDir, "runtime"),
    exitDir: join(runDir, "exits"),
    socketDir: join(runDir, "sockets"),
    netnsDir: join(runDir, "netns"),
    cniConfigDir: join(configDir, "cni"),
    cniDataDir: join(dataDir, "cni"),
  };
}
