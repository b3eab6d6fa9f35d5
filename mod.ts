/**
 * rk8s: a lightweight, Kubernetes-compatible container orchestrator for Deno.
 *
 * The library API used by the `rkl` CLI: manifests, the OCI runtime layer, container and pod
 * lifecycle, CNI networking and the cluster store client. Running this module as a program
 * starts the CLI.
 *
 * @example
 * ```ts
 * import { readManifest } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(readManifest("name: web\n", "c.yaml").root.requiredString("name"), "web");
 * ```
 *
 * @module
 */
export * from "./core/errors.ts";
export * from "./core/manifest_reader.ts";
export * from "./core/paths.ts";
export * from "./core/undo.ts";
export * from "./core/step_runner.ts";
export * from "./core/container/mod.ts";
export * from "./core/runtime/oci_runtime.ts";
export * from "./core/runtime/conmon.ts";
export * from "./core/runtime/cri_log.ts";
export * from "./core/oci/spec.ts";
export * from "./core/oci/capabilities.ts";
export * from "./core/quantity.ts";
export * from "./core/rootfs.ts";
export * from "./core/fs.ts";
export * from "./core/cgroup/mod.ts";
export * from "./core/store/db.ts";
export * from "./core/store/containers.ts";
export * from "./core/store/migrations.ts";
export { MalformedRowError } from "./core/store/row_reader.ts";
export { ShapeError } from "./core/store/shape.ts";
export * from "./core/pod/mod.ts";
export * from "./core/compose/mod.ts";
export * from "./core/k8s/mod.ts";
export * from "./core/daemon/mod.ts";
export * from "./plane/store/mod.ts";
export * as client from "./plane/client/mod.ts";
export * as scheduler from "./plane/scheduler/mod.ts";
export * as controllers from "./plane/controllers/mod.ts";
export * from "./plane/node_protocol/mod.ts";
export * from "./plane/node_gateway/mod.ts";
export * from "./plane/node_agent/mod.ts";
export * from "./core/network.ts";
export * from "./core/network_gc.ts";
export * from "./core/owner_process.ts";
export * from "./core/container/init_liveness.ts";
export * from "./core/interrupted_gc.ts";
export * from "./net/mod.ts";
export { main, type MainOptions } from "./cli/main.ts";
export type { CliIo } from "./cli/context.ts";

import { main } from "./cli/main.ts";
if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
