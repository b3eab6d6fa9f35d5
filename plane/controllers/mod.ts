/**
 * Workload controllers of the rks control plane, as kube-controller-manager's: each a pure
 * `reconcile(desired, observed, now) → actions` ({@linkcode reconcileReplicaSet},
 * {@linkcode reconcileDeployment}) and a thin informer loop that applies the actions through
 * the API.
 *
 * @module
 */
export * from "./replica_set_reconcile.ts";
export * from "./deployment_reconcile.ts";
export * from "./pod_deletion_order.ts";
export * from "./pod_availability.ts";
export * from "./pod_template_hash.ts";
export * from "./rolling_update_bounds.ts";
export * from "./controller_expectations.ts";
export * from "./work_queue.ts";
export * from "./keyed_controller.ts";
export * from "./replica_set_controller.ts";
export * from "./deployment_controller.ts";
export * from "./controller_manager.ts";
export * from "./node_lifecycle_reconcile.ts";
export * from "./node_ipam_reconcile.ts";
export * from "./node_lifecycle_controller.ts";
export * from "./endpoints_reconcile.ts";
export * from "./endpoints_controller.ts";
export * from "./pod_gc_reconcile.ts";
export * from "./pod_gc_controller.ts";
export * from "./root_ca_publisher_reconcile.ts";
export * from "./root_ca_publisher.ts";
export * from "./service_accounts_controller.ts";
export * from "./run_controllers.ts";
export type {
  Condition,
  Deployment,
  DeploymentStatus,
  OwnerReference,
  Pod,
  PodTemplate,
  ReplicaSet,
  ReplicaSetStatus,
  WorkloadMeta,
} from "./_objects.ts";
