/**
 * Docker Compose apps as Kubernetes-compatible pods. The pure pipeline: load (several `-f`,
 * override file, `.env`) → interpolate → merge → validate/normalize → plan (dependency order,
 * config hashes) → translate each service replica into a `v1 Pod` that goes through the pod
 * layer's own validation.
 *
 * Files:
 * - `load.ts` — {@linkcode loadCompose}, {@linkcode findComposeFiles}, project names
 * - `interpolate.ts` — {@linkcode interpolate} (`${VAR:-default}` and the other forms)
 * - `env_file.ts` — {@linkcode parseEnvFile} (`.env`, `env_file`)
 * - `include.ts` — the top-level `include` (entries, and resources imported with conflict checks)
 * - `merge.ts` — {@linkcode mergeComposeFiles} (the specification's merge rules)
 * - `normalize.ts` — {@linkcode normalizeCompose} (validation, warnings for unsupported keys)
 * - `syntax.ts` — durations, byte sizes, ports, volumes, shell words
 * - `plan.ts` — {@linkcode dependencyLevels}, {@linkcode serviceConfigHash}, pod names
 * - `translate.ts` — {@linkcode servicePod}, {@linkcode convertService}, {@linkcode podManifestOf}
 * - `compose_model.ts` — the normalized model's types
 * - `up_planner.ts` — the pure {@linkcode planUp} (create, recreate, keep, restart, remove, orphans)
 * - `pod_restart.ts` — {@linkcode startPodAgain} (`start`/`restart`, depends_on.restart)
 * - `ps_status.ts` — {@linkcode psStatus} (`ps`'s State and Status as docker prints them)
 * - `compose_document.ts` — {@linkcode composeDocument} (`config`: the model as a compose file again)
 * - `compose_up.ts`, `compose_down.ts` — the executors ({@linkcode composeUp}, {@linkcode composeDown})
 * - `ephemeral_ports.ts` — host ports for `ports: ["80"]` ({@linkcode withEphemeralPorts})
 * - `convert.ts` — {@linkcode convertProject} (`rkl compose convert`: network definitions, Pods or Deployments, Services)
 * - `user_lookup.ts` — `user: name[:group]` from the image's passwd/group ({@linkcode resolveUser})
 * - `project_state.ts`, `hosts_sync.ts`, `wait_conditions.ts` — state read back from the store, /etc/hosts, depends_on conditions
 *
 * @example
 * ```ts
 * import { dependencyLevels, interpolate } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(interpolate("${X:-a}", () => undefined), "a");
 * assert.deepEqual(dependencyLevels({ a: { dependsOn: { b: {} } }, b: { dependsOn: {} } }), [["b"], ["a"]]);
 * ```
 *
 * @module
 */
export * from "./compose_model.ts";
export * from "./env_file.ts";
export * from "./interpolate.ts";
export * from "./load.ts";
export * from "./merge.ts";
export * from "./normalize.ts";
export * from "./plan.ts";
export * from "./syntax.ts";
export * from "./translate.ts";
export * from "./up_planner.ts";
export * from "./project_state.ts";
export * from "./hosts_sync.ts";
export * from "./wait_conditions.ts";
export * from "./compose_up.ts";
export * from "./compose_down.ts";
export * from "./ephemeral_ports.ts";
export * from "./user_lookup.ts";
export * from "./convert.ts";
export * from "./pod_restart.ts";
export * from "./ps_status.ts";
export * from "./compose_document.ts";
