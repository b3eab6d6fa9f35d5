/**
 * The cluster store client: the etcd v3 API ({@linkcode KvStore}) over etcd's JSON gateway or
 * gRPC (the only transport Xline serves), a typed object layer for Kubernetes-shaped objects
 * under `/registry/...`, an informer cache, and a throwaway etcd for tests.
 *
 * @example
 * ```ts ignore
 * import { connectStore, ObjectStore } from "./mod.ts";
 * await using store = connectStore({ endpoints: ["grpc://127.0.0.1:2379"] });
 * const pods = new ObjectStore(store, "pods");
 * const { items, resourceVersion } = await pods.list();
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
