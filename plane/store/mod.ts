/**
 * The cluster store client: the etcd v3 API ({@linkcode KvStore}) over etcd's JSON gateway or
 * gRPC (the only transport Xline serves), a typed object layer for Kubernetes-shaped objects
 * under `/registry/...`, an informer cache, and a throwaway etcd for tests.
 *
 * @example
 * ```ts
 * import { connectStore, ObjectStore } from "./mod.ts";
 * import { startEtcd } from "./etcd_server.ts";
 * import assert from "node:assert/strict";
 * await using etcd = await startEtcd(); // or your cluster's endpoints
 * await using store = connectStore({ endpoints: [etcd.grpcUrl] });
 * const pods = new ObjectStore(store, "pods");
 * const { items, resourceVersion } = await pods.list();
 * assert.deepEqual(items, []);
 * assert.ok(Number(resourceVersion) > 0);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./kv_store.ts";
export * from "./etcd_client.ts";
export * from "./kube_object.ts";
export * from "./object_store.ts";
export * from "./informer.ts";
export * from "./etcd_server.ts";
