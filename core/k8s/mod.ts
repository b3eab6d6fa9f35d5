/**
 * Kubernetes API semantics shared by every manifest type and, later, the API server: the
 * defaulting step ({@linkcode defaultPod}, {@linkcode defaultContainer}) and the kubelet's
 * `$(VAR)` expansion ({@linkcode expandVars}, {@linkcode expandEnv}, {@linkcode expandCommand}).
 * Pure functions over the typed pod of `../pod/pod_types.ts`.
 *
 * @example
 * ```ts
 * import { defaultPod, expandVars } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(defaultPod({ name: "web", containers: [{ name: "a", image: "/i" }] }).restartPolicy, "Always");
 * assert.equal(expandVars("$(X)!", (n) => n === "X" ? "hi" : undefined), "hi!");
 * ```
 *
 * @module
 */
export * from "./defaults.ts";
export * from "./expansion.ts";
