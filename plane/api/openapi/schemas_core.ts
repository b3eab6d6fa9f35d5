/**
 * OpenAPI v3 schemas of the core/v1 kinds besides Pod: Node, Namespace, Service, Endpoints,
 * ConfigMap, Secret, ServiceAccount and Event, with Kubernetes 1.32's fields and patch/list
 * extensions (k8s.io/api/core/v1/types.go).
 *
 * @module
 */
import {
  arr,
  atomic,
  b,
  CORE,
  e,
  i32,
  keyed,
  kindWithList,
  map,
  META,
  microTime,
  opaque,
  quantities,
  r,
  s,
  type Schema,
  stringMap,
  strings,
  struct,
  time,
} from "./_dsl.ts";

const IOS = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

const withList = (
  k: string,
  description: string,
  properties: Record<string, Schema>,
  required: string[] = [],
): Record<string, Schema> => kindWithList(CORE, "", k, description, properties, required);

const conditionFields = (what: string): Record<string, Schema> => ({
  lastTransitionTime: time("Last time the condition transitioned from one status to another."),
  message: s("Human readable message indicating details about last transition."),
  reason: s("(brief) reason for the condition's last transition."),
  status: s("Status of the condition, one of True, False, Unknown."),
  type: s(`Type of ${what} condition.`),
});

/** core/v1 schemas (except the Pod family), by upstream name. */
export const coreSchemas: Readonly<Record<string, Schema>> = {
  ...withList(
    "Node",
    "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).",
    {
      spec: r(
        `${CORE}NodeSpec`,
        "Spec defines the behavior of a node. https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
      status: r(
        `${CORE}NodeStatus`,
        "Most recently observed status of the node. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
    },
  ),
  [`${CORE}NodeSpec`]: struct("NodeSpec describes the attributes that a node is created with.", {
    configSource: opaque(
      "Deprecated: Previously used to specify the source of the node's configuration for the DynamicKubeletConfig feature.",
    ),
    externalID: s("Deprecated. Not all kubelets will set this field. Remove field after 1.13."),
    podCIDR: s("PodCIDR represents the pod IP range assigned to the node."),
    podCIDRs: arr(
      { type: "string" },
      "podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node.",
      {
        listType: "set",
        strategy: "merge",
      },
    ),
    providerID: s(
      "ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>",
    ),
    taints: atomic(`${CORE}Taint`, "If specified, the node's taints."),
    unschedulable: b(
      "Unschedulable controls node schedulability of new pods. By default, node is schedulable. More info: https://kubernetes.io/docs/concepts/nodes/node/#manual-node-administration",
    ),
  }),
  [`${CORE}Taint`]: struct(
    'The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.',
    {
      effect: e(
        "Required. The effect of the taint on pods that do not tolerate the taint. Valid effects are NoSchedule, PreferNoSchedule and NoExecute.",
        ["NoExecute", "NoSchedule", "PreferNoSchedule"],
      ),
      key: s("Required. The taint key to be applied to a node."),
      timeAdded: time("TimeAdded represents the time at which the taint was added."),
      value: s("The taint value corresponding to the taint key."),
    },
    ["key", "effect"],
  ),
  [`${CORE}NodeStatus`]: struct("NodeStatus is information about the current status of a node.", {
    addresses: keyed(
      `${CORE}NodeAddress`,
      "type",
      "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses",
    ),
    allocatable: quantities(
      "Allocatable represents the resources of a node that are available for scheduling. Defaults to Capacity.",
    ),
    capacity: quantities(
      "Capacity represents the total resources of a node. More info: https://kubernetes.io/docs/reference/node/node-status/#capacity",
    ),
    conditions: keyed(
      `${CORE}NodeCondition`,
      "type",
      "Conditions is an array of current observed node conditions. More info: https://kubernetes.io/docs/reference/node/node-status/#condition",
    ),
    config: opaque(
      "Status of the config assigned to the node via the dynamic Kubelet config feature.",
    ),
    daemonEndpoints: opaque("Endpoints of daemons running on the Node."),
    features: opaque(
      "Features describes the set of features implemented by the CRI implementation.",
    ),
    images: arr(opaque("Describe a container image"), "List of container images on this node", {
      listType: "atomic",
    }),
    nodeInfo: r(
      `${CORE}NodeSystemInfo`,
      "Set of ids/uuids to uniquely identify the node. More info: https://kubernetes.io/docs/reference/node/node-status/#info",
    ),
    phase: s(
      "NodePhase is the recently observed lifecycle phase of the node. Deprecated: never populated.",
    ),
    runtimeHandlers: arr(
      opaque("NodeRuntimeHandler is a set of runtime handler information."),
      "The available runtime handlers.",
      {
        listType: "atomic",
      },
    ),
    volumesAttached: arr(
      opaque("AttachedVolume describes a volume attached to a node"),
      "List of volumes that are attached to the node.",
      {
        listType: "atomic",
      },
    ),
    volumesInUse: strings("List of attachable volumes in use (mounted) by the node."),
  }),
  [`${CORE}NodeAddress`]: struct(
    "NodeAddress contains information for the node's address.",
    {
      address: s("The node address."),
      type: s("Node address type, one of Hostname, ExternalIP or InternalIP."),
    },
    ["type", "address"],
  ),
  [`${CORE}NodeCondition`]: struct(
    "NodeCondition contains condition information for a node.",
    {
      lastHeartbeatTime: time("Last time we got an update on a given condition."),
      ...conditionFields("node"),
    },
    ["type", "status"],
  ),
  [`${CORE}NodeSystemInfo`]: struct(
    "NodeSystemInfo is a set of ids/uuids to uniquely identify the node.",
    {
      architecture: s("The Architecture reported by the node"),
      bootID: s("Boot ID reported by the node."),
      containerRuntimeVersion: s(
        "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
      ),
      kernelVersion: s(
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      ),
      kubeProxyVersion: s("Deprecated: KubeProxy Version reported by the node."),
      kubeletVersion: s("Kubelet Version reported by the node."),
      machineID: s(
        "MachineID reported by the node. For unique machine identification in the cluster this field is preferred.",
      ),
      operatingSystem: s("The Operating System reported by the node"),
      osImage: s(
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
      ),
      systemUUID: s(
        "SystemUUID reported by the node. For unique machine identification MachineID is preferred.",
      ),
    },
    [
      "machineID",
      "systemUUID",
      "bootID",
      "kernelVersion",
      "osImage",
      "containerRuntimeVersion",
      "kubeletVersion",
      "kubeProxyVersion",
      "operatingSystem",
      "architecture",
    ],
  ),
  ...withList(
    "Namespace",
    "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
    {
      spec: r(
        `${CORE}NamespaceSpec`,
        "Spec defines the behavior of the Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
      status: r(
        `${CORE}NamespaceStatus`,
        "Status describes the current status of a Namespace. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
    },
  ),
  [`${CORE}NamespaceSpec`]: struct("NamespaceSpec describes the attributes on a Namespace.", {
    finalizers: strings(
      "Finalizers is an opaque list of values that must be empty to permanently remove object from storage. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/",
    ),
  }),
  [`${CORE}NamespaceStatus`]: struct(
    "NamespaceStatus is information about the current status of a Namespace.",
    {
      conditions: keyed(
        `${CORE}NamespaceCondition`,
        "type",
        "Represents the latest available observations of a namespace's current state.",
      ),
      phase: e(
        "Phase is the current lifecycle phase of the namespace. More info: https://kubernetes.io/docs/tasks/administer-cluster/namespaces/",
        ["Active", "Terminating"],
      ),
    },
  ),
  [`${CORE}NamespaceCondition`]: struct(
    "NamespaceCondition contains details about state of namespace.",
    conditionFields("namespace controller"),
    ["type", "status"],
  ),
  ...withList(
    "Service",
    "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.",
    {
      spec: r(
        `${CORE}ServiceSpec`,
        "Spec defines the behavior of a service. https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
      status: r(
        `${CORE}ServiceStatus`,
        "Most recently observed status of the service. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
    },
  ),
  [`${CORE}ServiceSpec`]: struct(
    "ServiceSpec describes the attributes that a user creates on a service.",
    {
      allocateLoadBalancerNodePorts: b(
        'allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer. Default is "true".',
      ),
      clusterIP: s(
        'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range, and is not in use, it will be allocated to the service. "None" can be specified for headless services when proxying is not required. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
      ),
      clusterIPs: strings(
        "ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly. If this field is specified, the first entry must match the clusterIP field.",
      ),
      externalIPs: strings(
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service. These IPs are not managed by Kubernetes.",
      ),
      externalName: s(
        'externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record). Requires `type` to be "ExternalName".',
      ),
      externalTrafficPolicy: e(
        'externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service\'s "externally-facing" addresses (NodePorts, ExternalIPs, and LoadBalancer IPs).',
        ["Cluster", "Local"],
      ),
      healthCheckNodePort: i32(
        "healthCheckNodePort specifies the healthcheck nodePort for the service.",
      ),
      internalTrafficPolicy: e(
        "InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP.",
        ["Cluster", "Local"],
      ),
      ipFamilies: strings(
        "IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.",
      ),
      ipFamilyPolicy: e(
        'IPFamilyPolicy represents the dual-stack-ness requested or required by this Service. Can be "SingleStack", "PreferDualStack" or "RequireDualStack".',
        ["PreferDualStack", "RequireDualStack", "SingleStack"],
      ),
      loadBalancerClass: s(
        "loadBalancerClass is the class of the load balancer implementation this Service belongs to.",
      ),
      loadBalancerIP: s(
        "Only applies to Service Type: LoadBalancer. Deprecated: This field was under-specified and its meaning varies across implementations.",
      ),
      loadBalancerSourceRanges: strings(
        "If specified and supported by the platform, this will restrict traffic through the cloud-provider load-balancer will be restricted to the specified client IPs.",
      ),
      ports: keyed(
        `${CORE}ServicePort`,
        "port",
        "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies",
        ["port", "protocol"],
      ),
      publishNotReadyAddresses: b(
        "publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.",
      ),
      selector: stringMap(
        "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify.",
        { "x-kubernetes-map-type": "atomic" },
      ),
      sessionAffinity: e(
        'Supports "ClientIP" and "None". Used to maintain session affinity. Defaults to None.',
        ["ClientIP", "None"],
      ),
      sessionAffinityConfig: r(
        `${CORE}SessionAffinityConfig`,
        "sessionAffinityConfig contains the configurations of session affinity.",
      ),
      trafficDistribution: s(
        "TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints (PreferClose).",
      ),
      type: e(
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types",
        ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
      ),
    },
  ),
  [`${CORE}ServicePort`]: struct(
    "ServicePort contains information on service's port.",
    {
      appProtocol: s(
        "The application protocol for this port. This is used as a hint for implementations to offer richer behavior for protocols that they understand.",
      ),
      name: s(
        "The name of this port within the service. This must be a DNS_LABEL. All ports within a ServiceSpec must have unique names.",
      ),
      nodePort: i32(
        "The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Usually assigned by the system. More info: https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport",
      ),
      port: i32("The port that will be exposed by this service."),
      protocol: e(
        'The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.',
        ["SCTP", "TCP", "UDP"],
      ),
      targetPort: r(
        IOS,
        "Number or name of the port to access on the pods targeted by the service. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME. If this is not specified, the value of the 'port' field is used (an identity map).",
      ),
    },
    ["port"],
  ),
  [`${CORE}ServiceStatus`]: struct("ServiceStatus represents the current status of a service.", {
    conditions: keyed(`${META}Condition`, "type", "Current service state"),
    loadBalancer: r(
      `${CORE}LoadBalancerStatus`,
      "LoadBalancer contains the current status of the load-balancer, if one is present.",
    ),
  }),
  [`${CORE}LoadBalancerStatus`]: struct(
    "LoadBalancerStatus represents the status of a load-balancer.",
    {
      ingress: atomic(
        `${CORE}LoadBalancerIngress`,
        "Ingress is a list containing ingress points for the load-balancer.",
      ),
    },
  ),
  [`${CORE}LoadBalancerIngress`]: struct(
    "LoadBalancerIngress represents the status of a load-balancer ingress point: traffic intended for the service should be sent to an ingress point.",
    {
      hostname: s(
        "Hostname is set for load-balancer ingress points that are DNS based (typically AWS load-balancers)",
      ),
      ip: s(
        "IP is set for load-balancer ingress points that are IP based (typically GCE or OpenStack load-balancers)",
      ),
      ipMode: s(
        "IPMode specifies how the load-balancer IP behaves, and may only be specified when the ip field is specified.",
      ),
      ports: arr(
        opaque("PortStatus represents the error condition of a service port"),
        "Ports is a list of records of service ports",
        {
          listType: "atomic",
        },
      ),
    },
  ),
  ...withList(
    "Endpoints",
    "Endpoints is a collection of endpoints that implement the actual service.",
    {
      subsets: atomic(
        `${CORE}EndpointSubset`,
        "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share.",
      ),
    },
  ),
  [`${CORE}EndpointSubset`]: struct(
    "EndpointSubset is a group of addresses with a common set of ports.",
    {
      addresses: atomic(
        `${CORE}EndpointAddress`,
        "IP addresses which offer the related ports that are marked as ready.",
      ),
      notReadyAddresses: atomic(
        `${CORE}EndpointAddress`,
        "IP addresses which offer the related ports but are not currently marked as ready because they have not yet finished starting, have recently failed a readiness check, or have recently failed a liveness check.",
      ),
      ports: atomic(`${CORE}EndpointPort`, "Port numbers available on the related IP addresses."),
    },
  ),
  [`${CORE}EndpointAddress`]: struct(
    "EndpointAddress is a tuple that describes single IP address.",
    {
      hostname: s("The Hostname of this endpoint"),
      ip: s(
        "The IP of this endpoint. May not be loopback (127.0.0.0/8 or ::1), link-local (169.254.0.0/16 or fe80::/10), or link-local multicast (224.0.0.0/24 or ff02::/16).",
      ),
      nodeName: s(
        "Optional: Node hosting this endpoint. This can be used to determine endpoints local to a node.",
      ),
      targetRef: r(`${CORE}ObjectReference`, "Reference to object providing the endpoint."),
    },
    ["ip"],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${CORE}EndpointPort`]: struct(
    "EndpointPort is a tuple that describes a single port.",
    {
      appProtocol: s("The application protocol for this port."),
      name: s(
        "The name of this port. This must match the 'name' field in the corresponding ServicePort. Must be a DNS_LABEL. Optional only if one port is defined.",
      ),
      port: i32("The port number of the endpoint."),
      protocol: e("The IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.", [
        "SCTP",
        "TCP",
        "UDP",
      ]),
    },
    ["port"],
    { "x-kubernetes-map-type": "atomic" },
  ),
  ...withList("ConfigMap", "ConfigMap holds configuration data for pods to consume.", {
    binaryData: map(
      { type: "string", format: "byte" },
      "BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'. BinaryData can contain byte sequences that are not in the UTF-8 range.",
    ),
    data: stringMap(
      "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field.",
    ),
    immutable: b(
      "Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified). If not set to true, the field can be modified at any time. Defaulted to nil.",
    ),
  }),
  ...withList(
    "Secret",
    "Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.",
    {
      data: map(
        { type: "string", format: "byte" },
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here.",
      ),
      immutable: b(
        "Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).",
      ),
      stringData: stringMap(
        "stringData allows specifying non-binary secret data in string form. It is provided as a write-only input field for convenience. All keys and values are merged into the data field on write, overwriting any existing values.",
      ),
      type: s(
        "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
      ),
    },
  ),
  ...withList(
    "ServiceAccount",
    "ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets",
    {
      automountServiceAccountToken: b(
        "AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted. Can be overridden at the pod level.",
      ),
      imagePullSecrets: atomic(
        `${CORE}LocalObjectReference`,
        "ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.",
      ),
      secrets: keyed(
        `${CORE}ObjectReference`,
        "name",
        "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
      ),
    },
  ),
  ...withList(
    "Event",
    "Event is a report of an event somewhere in the cluster. Events have a limited retention time and triggers and messages may evolve with time.",
    {
      action: s("What action was taken/failed regarding to the Regarding object."),
      count: i32("The number of times this event has occurred."),
      eventTime: microTime("Time when this Event was first observed."),
      firstTimestamp: time(
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
      ),
      involvedObject: r(`${CORE}ObjectReference`, "The object that this event is about."),
      lastTimestamp: time(
        "The time at which the most recent occurrence of this event was recorded.",
      ),
      message: s("A human-readable description of the status of this operation."),
      reason: s(
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
      ),
      related: r(`${CORE}ObjectReference`, "Optional secondary object for more complex actions."),
      reportingComponent: s(
        "Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.",
      ),
      reportingInstance: s("ID of the controller instance, e.g. `kubelet-xyzf`."),
      series: r(
        `${CORE}EventSeries`,
        "Data about the Event series this event represents or nil if it's a singleton Event.",
      ),
      source: r(
        `${CORE}EventSource`,
        "The component reporting this event. Should be a short machine understandable string.",
      ),
      type: s("Type of this event (Normal, Warning), new types could be added in the future"),
    },
    ["metadata", "involvedObject"],
  ),
  [`${CORE}EventSeries`]: struct(
    "EventSeries contain information on series of events, i.e. thing that was/is happening continuously for some time.",
    {
      count: i32("Number of occurrences in this series up to the last heartbeat time"),
      lastObservedTime: microTime("Time of the last occurrence observed"),
    },
  ),
  [`${CORE}EventSource`]: struct("EventSource contains information for an event.", {
    component: s("Component from which the event is generated."),
    host: s("Node name on which the event is generated."),
  }),
};
