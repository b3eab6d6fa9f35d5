/**
 * cgroups in one place (cgroupfs driver; v1, hybrid and v2), like the kubelet's `cm/` and youki's
 * `libcgroups`:
 *
 * - `cgroup_path.ts` — mount root, v1 hierarchies, {@linkcode containerCgroupPath},
 *   {@linkcode cgroupDirCandidates}
 * - `linux_resources.ts` — container limits and requests (quantities) → OCI `linux.resources`
 *   ({@linkcode linuxResources})
 * - `cgroup_files.ts` — the v1/v2 file-name table ({@linkcode CGROUP_LIMIT_FILES}),
 *   {@linkcode cgroupLimitFiles}, {@linkcode cgroupLimitWrites}
 * - `pod_limits.ts` — pod-level limits ({@linkcode podLimits}, {@linkcode podCgroupWrites})
 * - `cgroup_dirs.ts` — {@linkcode cgroupDirs}, {@linkcode removeCgroup}, {@linkcode removeCgroups}
 * - `cgroup_limits.ts` — {@linkcode readCgroupLimits}, {@linkcode applyPodLimits}
 * - `_cgroupfs.ts` — private: `cat`/`tee`/`rmdir` (Deno reaches `/sys` only with
 *   `--allow-all`), the one place their "missing" messages are told apart from failures
 *
 * Quantity parsing (`500m`, `233Mi`) is `../quantity.ts`.
 *
 * @example
 * ```ts
 * import { cgroupLimitFiles, containerCgroupPath, linuxResources } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const path = containerCgroupPath("abc", "/rkl/pod-1");
 * assert.equal(cgroupLimitFiles(path, 2).memory, "/sys/fs/cgroup/rkl/pod-1/abc/memory.max");
 * assert.equal(linuxResources({ limits: { memory: "1Mi" } }).memory?.limit, 1048576);
 * ```
 *
 * @module
 */
export * from "./cgroup_path.ts";
export * from "./linux_resources.ts";
export * from "./cgroup_files.ts";
export * from "./pod_limits.ts";
export * from "./cgroup_dirs.ts";
export * from "./cgroup_limits.ts";
