/**
 * The Table columns of every kind rks serves, as kube-apiserver 1.32 declares them
 * (`AddHandlers` in kubernetes/pkg/printers/internalversion/printers.go). Columns with
 * `priority: 1` are shown by `kubectl get -o wide` only.
 *
 * @module
 */

/**
 * One `meta.k8s.io/v1` `TableColumnDefinition`.
 *
 * `type` is an OpenAPI type (`"string"`, `"integer"`, `"date"`…), `format` an OpenAPI format
 * (`"name"` marks the column holding the object name, else `""`), `priority` `0` for the default
 * view and `1` for `-o wide`.
 */
export interface TableColumnDefinition {
  /** Column title; kubectl upper-cases it. */
  name: string;
  /** OpenAPI type of the cells. */
  type: string;
  /** OpenAPI format of the cells, `""` when none. */
  format: string;
  /** What the column shows (the field's API documentation). */
  description: string;
  /** 0 = always shown, 1 = `-o wide` only. */
  priority: number;
}

const NAME =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATED =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const NODE_ADDRESSES =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses";
const CONTAINERS = "Names of each container in the template.";
const IMAGES = "Images referenced by each container in the template.";
const SELECTOR =
  "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.";

function col(
  name: string,
  type: string,
  description: string,
  priority = 0,
  format = "",
): TableColumnDefinition {
  return { name, type, format, description, priority };
}

const nameCol = col("Name", "string", NAME, 0, "name");
const ageCol = col("Age", "string", CREATED);

const podColumns = [
  nameCol,
  col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
  col("Status", "string", "The aggregate status of the containers in this pod."),
  col(
    "Restarts",
    "string",
    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
  ),
  ageCol,
  col(
    "IP",
    "string",
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
    1,
  ),
  col(
    "Node",
    "string",
    "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod.",
    1,
  ),
  col(
    "Nominated Node",
    "string",
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node.",
    1,
  ),
  col(
    "Readiness Gates",
    "string",
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    1,
  ),
];

const nodeColumns = [
  nameCol,
  col("Status", "string", "The status of the node"),
  col("Roles", "string", "The roles of the node"),
  ageCol,
  col("Version", "string", "Kubelet Version reported by the node."),
  col("Internal-IP", "string", NODE_ADDRESSES, 1),
  col("External-IP", "string", NODE_ADDRESSES, 1),
  col(
    "OS-Image",
    "string",
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
    1,
  ),
  col(
    "Kernel-Version",
    "string",
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
    1,
  ),
  col(
    "Container-Runtime",
    "string",
    "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
    1,
  ),
];

const eventColumns = [
  col(
    "Last Seen",
    "string",
    "The time at which the most recent occurrence of this event was recorded.",
  ),
  col(
    "Type",
    "string",
    "Type of this event (Normal, Warning), new types could be added in the future",
  ),
  col(
    "Reason",
    "string",
    "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
  ),
  col("Object", "string", "The object that this event is about."),
  col(
    "Subobject",
    "string",
    "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
    1,
  ),
  col(
    "Source",
    "string",
    "The component reporting this event. Should be a short machine understandable string.",
    1,
  ),
  col("Message", "string", "A human-readable description of the status of this operation."),
  col(
    "First Seen",
    "string",
    "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
    1,
  ),
  col("Count", "string", "The number of times this event has occurred.", 1),
  col("Name", "string", NAME, 1, "name"),
];

const workloadWide = (selector: string): TableColumnDefinition[] => [
  col("Containers", "string", CONTAINERS, 1),
  col("Images", "string", IMAGES, 1),
  col("Selector", "string", selector, 1),
];

const columnsByResource: Readonly<Record<string, readonly TableColumnDefinition[]>> = {
  "/pods": podColumns,
  "/nodes": nodeColumns,
  "/namespaces": [nameCol, col("Status", "string", "The status of the namespace"), ageCol],
  "/services": [
    nameCol,
    col(
      "Type",
      "string",
      "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.",
    ),
    col(
      "Cluster-IP",
      "string",
      'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. "None" can be specified for headless services when proxying is not required.',
    ),
    col(
      "External-IP",
      "string",
      "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service. These IPs are not managed by Kubernetes.",
    ),
    col(
      "Port(s)",
      "string",
      "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
    ),
    ageCol,
    col(
      "Selector",
      "string",
      "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify.",
      1,
    ),
  ],
  "/endpoints": [
    nameCol,
    col(
      "Endpoints",
      "string",
      "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports.",
    ),
    ageCol,
  ],
  "/configmaps": [
    nameCol,
    col(
      "Data",
      "string",
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field.",
    ),
    ageCol,
  ],
  "/secrets": [
    nameCol,
    col(
      "Type",
      "string",
      "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
    ),
    col(
      "Data",
      "string",
      "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here.",
    ),
    ageCol,
  ],
  "/serviceaccounts": [
    nameCol,
    col(
      "Secrets",
      "string",
      "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
    ),
    ageCol,
  ],
  "/events": eventColumns,
  "events.k8s.io/events": eventColumns,
  "scheduling.k8s.io/priorityclasses": [
    nameCol,
    col(
      "Value",
      "integer",
      "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.",
    ),
    col(
      "Global-Default",
      "boolean",
      "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.",
    ),
    ageCol,
    col(
      "PreemptionPolicy",
      "string",
      "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
    ),
  ],
  "coordination.k8s.io/leases": [
    nameCol,
    col(
      "Holder",
      "string",
      "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field.",
    ),
    ageCol,
  ],
  "apps/deployments": [
    nameCol,
    col("Ready", "string", "Number of the pod with ready state"),
    col(
      "Up-to-date",
      "string",
      "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
    ),
    col(
      "Available",
      "string",
      "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
    ),
    ageCol,
    ...workloadWide(SELECTOR),
  ],
  "apps/replicasets": [
    nameCol,
    col(
      "Desired",
      "integer",
      "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    col(
      "Current",
      "integer",
      "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    col(
      "Ready",
      "integer",
      "The number of ready replicas for this replica set.",
    ),
    ageCol,
    ...workloadWide(
      "Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
    ),
  ],
  // The `scale` subresource (autoscaling/v1 Scale, `kubectl get deploy web --subresource=scale`);
  // upstream gives its Name column no "name" format.
  "autoscaling/scale": [
    col("Name", "string", NAME),
    col("Desired", "integer", "replicas is the desired number of instances for the scaled object."),
    col(
      "Available",
      "integer",
      "replicas is the actual number of observed instances of the scaled object.",
    ),
    ageCol,
  ],
  "discovery.k8s.io/endpointslices": [
    nameCol,
    col(
      "AddressType",
      "string",
      "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type.",
    ),
    col(
      "Ports",
      "string",
      "ports specifies the list of network ports exposed by each endpoint in this slice.",
    ),
    col(
      "Endpoints",
      "string",
      "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.",
    ),
    ageCol,
  ],
};

/** Columns of a resource without a printer (the API server's default Table). */
export const DEFAULT_COLUMNS: readonly TableColumnDefinition[] = [
  nameCol,
  col("Created At", "date", CREATED),
];

/**
 * The Table columns of a resource, in cell order, or {@linkcode DEFAULT_COLUMNS} (`Name`,
 * `Created At`) for a resource without an upstream printer.
 *
 * @param group the API group (`""` for core).
 * @param resource the plural (`"pods"`).
 *
 * @example
 * ```ts
 * import { tableColumns } from "./columns.ts";
 * import assert from "node:assert/strict";
 * const cols = tableColumns("apps", "deployments");
 * assert.deepEqual(cols.filter((c) => c.priority === 0).map((c) => c.name), [
 *   "Name",
 *   "Ready",
 *   "Up-to-date",
 *   "Available",
 *   "Age",
 * ]);
 * assert.equal(tableColumns("", "widgets")[1]?.name, "Created At");
 * ```
 */
export function tableColumns(
  group: string,
  resource: string,
): readonly TableColumnDefinition[] {
  return columnsByResource[`${group}/${resource}`] ?? DEFAULT_COLUMNS;
}
