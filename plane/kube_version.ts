/**
 * The Kubernetes version rk8s speaks: what rks's `/version` reports and what its nodes report as
 * `nodeInfo.kubeletVersion` (kubectl's VERSION column), so the two agree and `kubectl version`
 * sees no skew. kubectl on these machines is a dispatcher that picks its binary by the server's
 * minor version: 1.32.
 *
 * @module
 */

/**
 * The Kubernetes version rks and its nodes report (`+rk8s` is semver build metadata, as
 * distributions mark their builds, e.g. `v1.32.4+k3s1`).
 *
 * @example
 * ```ts
 * import { KUBE_GIT_VERSION } from "./kube_version.ts";
 * import assert from "node:assert/strict";
 * assert.match(KUBE_GIT_VERSION, /^v1\.32\.\d+\+rk8s$/);
 * ```
 */
export const KUBE_GIT_VERSION = "v1.32.4+rk8s";
