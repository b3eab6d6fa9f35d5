/**
 * The `/version` answer. kubectl on these machines is a dispatcher that picks its binary by the
 * server's minor version, so rks reports Kubernetes 1.32.
 *
 * @module
 */

import { KUBE_GIT_VERSION } from "../kube_version.ts";

/**
 * The `version.Info` object of `/version`.
 *
 * @example
 * ```ts
 * import { serverVersion } from "./server_version.ts";
 * import assert from "node:assert/strict";
 * assert.equal(serverVersion().minor, "32");
 * assert.match(serverVersion().gitVersion, /^v1\.32\.\d+\+rk8s$/);
 * ```
 */
export function serverVersion(): {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
} {
  return {
    major: "1",
    minor: "32",
    gitVersion: KUBE_GIT_VERSION,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-11-30T00:00:00Z",
    goVersion: `deno${Deno.version.deno}`,
    compiler: "deno",
    platform: `${Deno.build.os === "linux" ? "linux" : Deno.build.os}/${
      Deno.build.arch === "x86_64" ? "amd64" : "arm64"
    }`,
  };
}
