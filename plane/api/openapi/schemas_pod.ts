/**
 * OpenAPI v3 schemas of the core/v1 Pod and everything its spec and status contain
 * (`Container`, `Volume`, probes, security contexts, …), with the field lists of Kubernetes
 * 1.32 (k8s.io/api/core/v1/types.go) and the patch and list extensions kubectl and server-side
 * apply read. Descriptions are shortened from the upstream API reference. Rarely used nested
 * types (cloud and CSI volume sources, container status details) are described in prose and
 * accept any fields below them. Affinity and projected volume types are in
 * schemas_scheduling.ts.
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
  i64,
  keyed,
  kind,
  list,
  META,
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
import { LINUX_STOP_SIGNALS } from "../../../core/pod/pod_manifest_container.ts";

const IOS = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QTY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const POD = { group: "", version: "v1", kind: "Pod" };

const containerFields = (init: boolean): Record<string, Schema> => ({
  args: strings(
    "Arguments to the entrypoint. The container image's CMD is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container's environment. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell",
  ),
  command: strings(
    "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used if this is not provided. Variable references $(VAR_NAME) are expanded using the container's environment. Cannot be updated. More info: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#running-a-command-in-a-shell",
  ),
  env: keyed(
    `${CORE}EnvVar`,
    "name",
    "List of environment variables to set in the container. Cannot be updated.",
  ),
  envFrom: atomic(
    `${CORE}EnvFromSource`,
    "List of sources to populate environment variables in the container. The keys defined within a source must be a C_IDENTIFIER. When a key exists in multiple sources, the value associated with the last source will take precedence. Values defined by an Env with a duplicate key will take precedence. Cannot be updated.",
  ),
  image: s(
    "Container image name. More info: https://kubernetes.io/docs/concepts/containers/images This field is optional to allow higher level config management to default or override container images in workload controllers like Deployments and StatefulSets.",
  ),
  imagePullPolicy: e(
    "Image pull policy. One of Always, Never, IfNotPresent. Defaults to Always if :latest tag is specified, or IfNotPresent otherwise. Cannot be updated. More info: https://kubernetes.io/docs/concepts/containers/images#updating-images",
    ["Always", "IfNotPresent", "Never"],
  ),
  lifecycle: r(
    `${CORE}Lifecycle`,
    "Actions that the management system should take in response to container lifecycle events. Cannot be updated.",
  ),
  livenessProbe: r(
    `${CORE}Probe`,
    "Periodic probe of container liveness. Container will be restarted if the probe fails. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes",
  ),
  name: s(
    "Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.",
  ),
  ports: keyed(
    `${CORE}ContainerPort`,
    "containerPort",
    `List of ports to expose from the container. Not specifying a port here DOES NOT prevent that port from being exposed. Any port which is listening on the default "0.0.0.0" address inside a container will be accessible from the network. Modifying this array with strategic merge patch may corrupt the data. Cannot be updated.${
      init ? " Ports of init containers are ignored." : ""
    }`,
    ["containerPort", "protocol"],
  ),
  readinessProbe: r(
    `${CORE}Probe`,
    "Periodic probe of container service readiness. Container will be removed from service endpoints if the probe fails. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes",
  ),
  resizePolicy: atomic(
    `${CORE}ContainerResizePolicy`,
    "Resources resize policy for the container.",
  ),
  resources: r(
    `${CORE}ResourceRequirements`,
    "Compute Resources required by this container. Cannot be updated. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
  ),
  restartPolicy: s(
    'RestartPolicy defines the restart behavior of individual containers in a pod. This field may only be set for init containers, and the only allowed value is "Always". Setting it to "Always" makes an init container a sidecar that keeps running during the lifetime of the pod.',
  ),
  securityContext: r(
    `${CORE}SecurityContext`,
    "SecurityContext defines the security options the container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext. More info: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
  ),
  startupProbe: r(
    `${CORE}Probe`,
    "StartupProbe indicates that the Pod has successfully initialized. If specified, no other probes are executed until this completes successfully. Cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes",
  ),
  stdin: b(
    "Whether this container should allocate a buffer for stdin in the container runtime. If this is not set, reads from stdin in the container will always result in EOF. Default is false.",
  ),
  stdinOnce: b(
    "Whether the container runtime should close the stdin channel after it has been opened by a single attach. Default is false.",
  ),
  terminationMessagePath: s(
    "Optional: Path at which the file to which the container's termination message will be written is mounted into the container's filesystem. Defaults to /dev/termination-log. Cannot be updated.",
  ),
  terminationMessagePolicy: e(
    "Indicate how the termination message should be populated. File will use the contents of terminationMessagePath to populate the container status message on both success and failure. FallbackToLogsOnError will use the last chunk of container log output if the termination message file is empty and the container exited with an error. Defaults to File. Cannot be updated.",
    ["FallbackToLogsOnError", "File"],
  ),
  tty: b(
    "Whether this container should allocate a TTY for itself, also requires 'stdin' to be true. Default is false.",
  ),
  volumeDevices: keyed(
    `${CORE}VolumeDevice`,
    "devicePath",
    "volumeDevices is the list of block devices to be used by the container.",
  ),
  volumeMounts: keyed(
    `${CORE}VolumeMount`,
    "mountPath",
    "Pod volumes to mount into the container's filesystem. Cannot be updated.",
  ),
  workingDir: s(
    "Container's working directory. If not specified, the container runtime's default will be used, which might be configured in the container image. Cannot be updated.",
  ),
});

const handlerFields = (): Record<string, Schema> => ({
  exec: r(`${CORE}ExecAction`, "Exec specifies a command to execute in the container."),
  httpGet: r(`${CORE}HTTPGetAction`, "HTTPGet specifies an HTTP GET request to perform."),
  tcpSocket: r(`${CORE}TCPSocketAction`, "TCPSocket specifies a connection to a TCP port."),
});

const securityCommon = (): Record<string, Schema> => ({
  appArmorProfile: r(
    `${CORE}AppArmorProfile`,
    "appArmorProfile is the AppArmor options to use by this container. Note that this field cannot be set when spec.os.name is windows.",
  ),
  runAsGroup: i64(
    "The GID to run the entrypoint of the container process. Uses runtime default if unset. Note that this field cannot be set when spec.os.name is windows.",
  ),
  runAsNonRoot: b(
    "Indicates that the container must run as a non-root user. If true, the Kubelet will validate the image at runtime to ensure that it does not run as UID 0 (root) and fail to start the container if it does.",
  ),
  runAsUser: i64(
    "The UID to run the entrypoint of the container process. Defaults to user specified in image metadata if unspecified. Note that this field cannot be set when spec.os.name is windows.",
  ),
  seLinuxOptions: r(
    `${CORE}SELinuxOptions`,
    "The SELinux context to be applied to the container. If unspecified, the container runtime will allocate a random SELinux context for each container.",
  ),
  seccompProfile: r(
    `${CORE}SeccompProfile`,
    "The seccomp options to use by this container. Note that this field cannot be set when spec.os.name is windows.",
  ),
  windowsOptions: r(
    `${CORE}WindowsSecurityContextOptions`,
    "The Windows specific settings applied to all containers. Note that this field cannot be set when spec.os.name is linux.",
  ),
});

const keySelector = (what: string): Schema =>
  struct(
    `Selects a key from a ${what}.`,
    {
      key: s(`The key of the ${what} to select from. Must be a valid secret key.`),
      name: s(
        "Name of the referent. This field is effectively required, but due to backwards compatibility is allowed to be empty. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
      ),
      optional: b(`Specify whether the ${what} or its key must be defined`),
    },
    ["key"],
    { "x-kubernetes-map-type": "atomic" },
  );

const volumeOpaque = (what: string): Schema =>
  opaque(`${what} (not supported by rk8s; accepted and stored).`);

/** The Pod kind and every type below it, by upstream schema name. */
export const podSchemas: Readonly<Record<string, Schema>> = {
  [`${CORE}Pod`]: kind(
    POD,
    "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.",
    {
      spec: r(
        `${CORE}PodSpec`,
        "Specification of the desired behavior of the pod. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
      status: r(
        `${CORE}PodStatus`,
        "Most recently observed status of the pod. This data may not be up to date. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
    },
  ),
  [`${CORE}PodList`]: list(POD, `${CORE}Pod`, "PodList is a list of Pods."),
  [`${CORE}PodTemplateSpec`]: struct(
    "PodTemplateSpec describes the data a pod should have when created from a template",
    {
      metadata: r(
        `${META}ObjectMeta`,
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      ),
      spec: r(
        `${CORE}PodSpec`,
        "Specification of the desired behavior of the pod. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
      ),
    },
  ),
  [`${CORE}PodSpec`]: struct(
    "PodSpec is a description of a pod.",
    {
      activeDeadlineSeconds: i64(
        "Optional duration in seconds the pod may be active on the node relative to StartTime before the system will actively try to mark it failed and kill associated containers. Value must be a positive integer.",
      ),
      affinity: r(`${CORE}Affinity`, "If specified, the pod's scheduling constraints"),
      automountServiceAccountToken: b(
        "AutomountServiceAccountToken indicates whether a service account token should be automatically mounted.",
      ),
      containers: keyed(
        `${CORE}Container`,
        "name",
        "List of containers belonging to the pod. Containers cannot currently be added or removed. There must be at least one container in a Pod. Cannot be updated.",
      ),
      dnsConfig: r(
        `${CORE}PodDNSConfig`,
        "Specifies the DNS parameters of a pod. Parameters specified here will be merged to the generated DNS configuration based on DNSPolicy.",
      ),
      dnsPolicy: e(
        "Set DNS policy for the pod. Defaults to \"ClusterFirst\". Valid values are 'ClusterFirstWithHostNet', 'ClusterFirst', 'Default' or 'None'. DNS parameters given in DNSConfig will be merged with the policy selected with DNSPolicy.",
        ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
      ),
      enableServiceLinks: b(
        "EnableServiceLinks indicates whether information about services should be injected into pod's environment variables, matching the syntax of Docker links. Optional: Defaults to true.",
      ),
      ephemeralContainers: keyed(
        `${CORE}EphemeralContainer`,
        "name",
        "List of ephemeral containers run in this pod. Ephemeral containers may be run in an existing pod to perform user-initiated actions such as debugging. This list cannot be specified when creating a pod, and it cannot be modified by updating the pod spec.",
      ),
      hostAliases: keyed(
        `${CORE}HostAlias`,
        "ip",
        "HostAliases is an optional list of hosts and IPs that will be injected into the pod's hosts file if specified.",
      ),
      hostIPC: b("Use the host's ipc namespace. Optional: Default to false."),
      hostNetwork: b(
        "Host networking requested for this pod. Use the host's network namespace. If this option is set, the ports that will be used must be specified. Default to false.",
      ),
      hostPID: b("Use the host's pid namespace. Optional: Default to false."),
      hostUsers: b(
        "Use the host's user namespace. Optional: Default to true. If set to true or not present, the pod will be run in the host user namespace.",
      ),
      hostname: s(
        "Specifies the hostname of the Pod If not specified, the pod's hostname will be set to a system-defined value.",
      ),
      imagePullSecrets: keyed(
        `${CORE}LocalObjectReference`,
        "name",
        "ImagePullSecrets is an optional list of references to secrets in the same namespace to use for pulling any of the images used by this PodSpec. More info: https://kubernetes.io/docs/concepts/containers/images#specifying-imagepullsecrets-on-a-pod",
      ),
      initContainers: keyed(
        `${CORE}Container`,
        "name",
        "List of initialization containers belonging to the pod. Init containers are executed in order prior to containers being started. If any init container fails, the pod is considered to have failed and is handled according to its restartPolicy. More info: https://kubernetes.io/docs/concepts/workloads/pods/init-containers/",
      ),
      nodeName: s(
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod.",
      ),
      nodeSelector: stringMap(
        "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
        { "x-kubernetes-map-type": "atomic" },
      ),
      os: r(`${CORE}PodOS`, "Specifies the OS of the containers in the pod."),
      overhead: quantities(
        "Overhead represents the resource overhead associated with running a pod for a given RuntimeClass.",
      ),
      preemptionPolicy: s(
        "PreemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
      ),
      priority: i32(
        "The priority value. Various system components use this field to find the priority of the pod. The higher the value, the higher the priority.",
      ),
      priorityClassName: s(
        'If specified, indicates the pod\'s priority. "system-node-critical" and "system-cluster-critical" are two special keywords which indicate the highest priorities with the former being the highest priority.',
      ),
      readinessGates: atomic(
        `${CORE}PodReadinessGate`,
        'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
      ),
      resourceClaims: keyed(
        `${CORE}PodResourceClaim`,
        "name",
        "ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start.",
        ["name"],
        "merge,retainKeys",
      ),
      resources: r(
        `${CORE}ResourceRequirements`,
        "Resources is the total amount of CPU and Memory resources required by all containers in the pod (alpha, PodLevelResources).",
      ),
      restartPolicy: e(
        "Restart policy for all containers within the pod. One of Always, OnFailure, Never. In some contexts, only a subset of those values may be permitted. Default to Always. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy",
        ["Always", "Never", "OnFailure"],
      ),
      runtimeClassName: s(
        "RuntimeClassName refers to a RuntimeClass object in the node.k8s.io group, which should be used to run this pod.",
      ),
      schedulerName: s(
        "If specified, the pod will be dispatched by specified scheduler. If not specified, the pod will be dispatched by default scheduler.",
      ),
      schedulingGates: keyed(
        `${CORE}PodSchedulingGate`,
        "name",
        "SchedulingGates is an opaque list of values that if specified will block scheduling the pod. If schedulingGates is not empty, the pod will stay in the SchedulingGated state and the scheduler will not attempt to schedule the pod.",
      ),
      securityContext: r(
        `${CORE}PodSecurityContext`,
        "SecurityContext holds pod-level security attributes and common container settings. Optional: Defaults to empty.",
      ),
      serviceAccount: s(
        "DeprecatedServiceAccount is a deprecated alias for ServiceAccountName. Deprecated: Use serviceAccountName instead.",
      ),
      serviceAccountName: s(
        "ServiceAccountName is the name of the ServiceAccount to use to run this pod. More info: https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/",
      ),
      setHostnameAsFQDN: b(
        "If true the pod's hostname will be configured as the pod's FQDN, rather than the leaf name (the default). Default to false.",
      ),
      shareProcessNamespace: b(
        "Share a single process namespace between all of the containers in a pod. When this is set containers will be able to view and signal processes from other containers in the same pod, and the first process in each container will not be assigned PID 1. Optional: Default to false.",
      ),
      subdomain: s(
        'If specified, the fully qualified Pod hostname will be "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>". If not specified, the pod will not have a domainname at all.',
      ),
      terminationGracePeriodSeconds: i64(
        "Optional duration in seconds the pod needs to terminate gracefully. May be decreased in delete request. Value must be non-negative integer. The value zero indicates stop immediately via the kill signal (no opportunity to shut down). If this value is nil, the default grace period will be used instead. Defaults to 30 seconds.",
      ),
      tolerations: atomic(`${CORE}Toleration`, "If specified, the pod's tolerations."),
      topologySpreadConstraints: keyed(
        `${CORE}TopologySpreadConstraint`,
        "topologyKey",
        "TopologySpreadConstraints describes how a group of pods ought to spread across topology domains. Scheduler will schedule pods in a way which abides by the constraints. All topologySpreadConstraints are ANDed.",
        ["topologyKey", "whenUnsatisfiable"],
      ),
      volumes: keyed(
        `${CORE}Volume`,
        "name",
        "List of volumes that can be mounted by containers belonging to the pod. More info: https://kubernetes.io/docs/concepts/storage/volumes",
        ["name"],
        "merge,retainKeys",
      ),
    },
    ["containers"],
  ),
  [`${CORE}Container`]: struct(
    "A single application container that you want to run within a pod.",
    containerFields(false),
    ["name"],
  ),
  [`${CORE}EphemeralContainer`]: struct(
    "An EphemeralContainer is a temporary container that you may add to an existing Pod for user-initiated activities such as debugging. Ephemeral containers have no resource or scheduling guarantees, and they will not be restarted when they exit or when a Pod is removed or restarted.",
    {
      ...containerFields(false),
      targetContainerName: s(
        "If set, the name of the container from PodSpec that this ephemeral container targets. The ephemeral container will be run in the namespaces (IPC, PID, etc) of this container.",
      ),
    },
    ["name"],
  ),
  [`${CORE}ContainerPort`]: struct(
    "ContainerPort represents a network port in a single container.",
    {
      containerPort: i32(
        "Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.",
      ),
      hostIP: s("What host IP to bind the external port to."),
      hostPort: i32(
        "Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536. If HostNetwork is specified, this must match ContainerPort. Most containers do not need this.",
      ),
      name: s(
        "If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name. Name for the port that can be referred to by services.",
      ),
      protocol: e('Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".', [
        "SCTP",
        "TCP",
        "UDP",
      ]),
    },
    ["containerPort"],
  ),
  [`${CORE}EnvVar`]: struct(
    "EnvVar represents an environment variable present in a Container.",
    {
      name: s("Name of the environment variable. Must be a C_IDENTIFIER."),
      value: s(
        'Variable references $(VAR_NAME) are expanded using the previously defined environment variables in the container and any service environment variables. If a variable cannot be resolved, the reference in the input string will be unchanged. Double $$ are reduced to a single $, which allows for escaping the $(VAR_NAME) syntax. Defaults to "".',
      ),
      valueFrom: r(
        `${CORE}EnvVarSource`,
        "Source for the environment variable's value. Cannot be used if value is not empty.",
      ),
    },
    ["name"],
  ),
  [`${CORE}EnvVarSource`]: struct(
    "EnvVarSource represents a source for the value of an EnvVar.",
    {
      configMapKeyRef: r(`${CORE}ConfigMapKeySelector`, "Selects a key of a ConfigMap."),
      fieldRef: r(
        `${CORE}ObjectFieldSelector`,
        "Selects a field of the pod: supports metadata.name, metadata.namespace, `metadata.labels['<KEY>']`, `metadata.annotations['<KEY>']`, spec.nodeName, spec.serviceAccountName, status.hostIP, status.podIP, status.podIPs.",
      ),
      resourceFieldRef: r(
        `${CORE}ResourceFieldSelector`,
        "Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory and requests.ephemeral-storage) are currently supported.",
      ),
      secretKeyRef: r(
        `${CORE}SecretKeySelector`,
        "Selects a key of a secret in the pod's namespace",
      ),
    },
  ),
  [`${CORE}ConfigMapKeySelector`]: keySelector("ConfigMap"),
  [`${CORE}SecretKeySelector`]: keySelector("Secret"),
  [`${CORE}ObjectFieldSelector`]: struct(
    "ObjectFieldSelector selects an APIVersioned field of an object.",
    {
      apiVersion: s(
        'Version of the schema the FieldPath is written in terms of, defaults to "v1".',
      ),
      fieldPath: s("Path of the field to select in the specified API version."),
    },
    ["fieldPath"],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${CORE}ResourceFieldSelector`]: struct(
    "ResourceFieldSelector represents container resources (cpu, memory) and their output format",
    {
      containerName: s("Container name: required for volumes, optional for env vars"),
      divisor: r(QTY, 'Specifies the output format of the exposed resources, defaults to "1"'),
      resource: s("Required: resource to select"),
    },
    ["resource"],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${CORE}EnvFromSource`]: struct(
    "EnvFromSource represents the source of a set of ConfigMaps or Secrets",
    {
      configMapRef: r(`${CORE}ConfigMapEnvSource`, "The ConfigMap to select from"),
      prefix: s(
        "Optional text to prepend to the name of each environment variable. Must be a C_IDENTIFIER.",
      ),
      secretRef: r(`${CORE}SecretEnvSource`, "The Secret to select from"),
    },
  ),
  [`${CORE}ConfigMapEnvSource`]: struct(
    "ConfigMapEnvSource selects a ConfigMap to populate the environment variables with.",
    {
      name: s(
        "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
      ),
      optional: b("Specify whether the ConfigMap must be defined"),
    },
  ),
  [`${CORE}SecretEnvSource`]: struct(
    "SecretEnvSource selects a Secret to populate the environment variables with.",
    {
      name: s(
        "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
      ),
      optional: b("Specify whether the Secret must be defined"),
    },
  ),
  [`${CORE}VolumeMount`]: struct(
    "VolumeMount describes a mounting of a Volume within a container.",
    {
      mountPath: s(
        "Path within the container at which the volume should be mounted. Must not contain ':'.",
      ),
      mountPropagation: s(
        "mountPropagation determines how mounts are propagated from the host to container and the other way around. When not set, MountPropagationNone is used.",
      ),
      name: s("This must match the Name of a Volume."),
      readOnly: b(
        "Mounted read-only if true, read-write otherwise (false or unspecified). Defaults to false.",
      ),
      recursiveReadOnly: s(
        "RecursiveReadOnly specifies whether read-only mounts should be handled recursively. One of Disabled, IfPossible, Enabled.",
      ),
      subPath: s(
        "Path within the volume from which the container's volume should be mounted. Defaults to \"\" (volume's root).",
      ),
      subPathExpr: s(
        "Expanded path within the volume from which the container's volume should be mounted. Behaves similarly to SubPath but environment variable references $(VAR_NAME) are expanded using the container's environment.",
      ),
    },
    ["name", "mountPath"],
  ),
  [`${CORE}VolumeDevice`]: struct(
    "volumeDevice describes a mapping of a raw block device within a container.",
    {
      devicePath: s(
        "devicePath is the path inside of the container that the device will be mapped to.",
      ),
      name: s("name must match the name of a persistentVolumeClaim in the pod"),
    },
    ["name", "devicePath"],
  ),
  [`${CORE}ResourceRequirements`]: struct(
    "ResourceRequirements describes the compute resource requirements.",
    {
      claims: keyed(
        `${CORE}ResourceClaim`,
        "name",
        "Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.",
      ),
      limits: quantities(
        "Limits describes the maximum amount of compute resources allowed. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
      ),
      requests: quantities(
        "Requests describes the minimum amount of compute resources required. If Requests is omitted for a container, it defaults to Limits if that is explicitly specified, otherwise to an implementation-defined value. More info: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/",
      ),
    },
  ),
  [`${CORE}ResourceClaim`]: struct(
    "ResourceClaim references one entry in PodSpec.ResourceClaims.",
    {
      name: s(
        "Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used.",
      ),
      request: s("Request is the name chosen for a request in the referenced claim."),
    },
    ["name"],
  ),
  [`${CORE}ContainerResizePolicy`]: struct(
    "ContainerResizePolicy represents resource resize policy for the container.",
    {
      resourceName: s(
        "Name of the resource to which this resource resize policy applies. Supported values: cpu, memory.",
      ),
      restartPolicy: s(
        "Restart policy to apply when specified resource is resized. If not specified, it defaults to NotRequired.",
      ),
    },
    ["resourceName", "restartPolicy"],
  ),
  [`${CORE}Probe`]: struct(
    "Probe describes a health check to be performed against a container to determine whether it is alive or ready to receive traffic.",
    {
      ...handlerFields(),
      failureThreshold: i32(
        "Minimum consecutive failures for the probe to be considered failed after having succeeded. Defaults to 3. Minimum value is 1.",
      ),
      grpc: r(`${CORE}GRPCAction`, "GRPC specifies a GRPC HealthCheckRequest."),
      initialDelaySeconds: i32(
        "Number of seconds after the container has started before liveness probes are initiated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes",
      ),
      periodSeconds: i32(
        "How often (in seconds) to perform the probe. Default to 10 seconds. Minimum value is 1.",
      ),
      successThreshold: i32(
        "Minimum consecutive successes for the probe to be considered successful after having failed. Defaults to 1. Must be 1 for liveness and startup. Minimum value is 1.",
      ),
      terminationGracePeriodSeconds: i64(
        "Optional duration in seconds the pod needs to terminate gracefully upon probe failure.",
      ),
      timeoutSeconds: i32(
        "Number of seconds after which the probe times out. Defaults to 1 second. Minimum value is 1. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes",
      ),
    },
  ),
  [`${CORE}ExecAction`]: struct(
    'ExecAction describes a "run in container" action.',
    {
      command: strings(
        "Command is the command line to execute inside the container, the working directory for the command is root ('/') in the container's filesystem. The command is simply exec'd, it is not run inside a shell. Exit status of 0 is treated as live/healthy and non-zero is unhealthy.",
      ),
    },
  ),
  [`${CORE}HTTPGetAction`]: struct(
    "HTTPGetAction describes an action based on HTTP Get requests.",
    {
      host: s(
        'Host name to connect to, defaults to the pod IP. You probably want to set "Host" in httpHeaders instead.',
      ),
      httpHeaders: atomic(
        `${CORE}HTTPHeader`,
        "Custom headers to set in the request. HTTP allows repeated headers.",
      ),
      path: s("Path to access on the HTTP server."),
      port: r(
        IOS,
        "Name or number of the port to access on the container. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME.",
      ),
      scheme: e("Scheme to use for connecting to the host. Defaults to HTTP.", ["HTTP", "HTTPS"]),
    },
    ["port"],
  ),
  [`${CORE}HTTPHeader`]: struct(
    "HTTPHeader describes a custom header to be used in HTTP probes",
    {
      name: s(
        "The header field name. This will be canonicalized upon output, so case-variant names will be understood as the same header.",
      ),
      value: s("The header field value"),
    },
    ["name", "value"],
  ),
  [`${CORE}TCPSocketAction`]: struct(
    "TCPSocketAction describes an action based on opening a socket",
    {
      host: s("Optional: Host name to connect to, defaults to the pod IP."),
      port: r(
        IOS,
        "Number or name of the port to access on the container. Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME.",
      ),
    },
    ["port"],
  ),
  [`${CORE}GRPCAction`]: struct(
    "GRPCAction specifies an action involving a GRPC service.",
    {
      port: i32("Port number of the gRPC service. Number must be in the range 1 to 65535."),
      service: s(
        "Service is the name of the service to place in the gRPC HealthCheckRequest. If this is not specified, the default behavior is defined by gRPC.",
      ),
    },
    ["port"],
  ),
  [`${CORE}Lifecycle`]: struct(
    "Lifecycle describes actions that the management system should take in response to container lifecycle events.",
    {
      postStart: r(
        `${CORE}LifecycleHandler`,
        "PostStart is called immediately after a container is created. If the handler fails, the container is terminated and restarted according to its restart policy.",
      ),
      preStop: r(
        `${CORE}LifecycleHandler`,
        "PreStop is called immediately before a container is terminated due to an API request or management event such as liveness/startup probe failure, preemption, resource contention, etc.",
      ),
      stopSignal: e(
        "StopSignal defines which signal will be sent to a container when it is being stopped. If not specified, the default is defined by the container runtime in use. StopSignal can only be set for Pods with a non-empty .spec.os.name (Kubernetes 1.33, served by rks).",
        [...LINUX_STOP_SIGNALS],
      ),
    },
  ),
  [`${CORE}LifecycleHandler`]: struct(
    "LifecycleHandler defines a specific action that should be taken in a lifecycle hook. One and only one of the fields, except TCPSocket must be specified.",
    {
      ...handlerFields(),
      sleep: r(
        `${CORE}SleepAction`,
        "Sleep represents a duration that the container should sleep.",
      ),
    },
  ),
  [`${CORE}SleepAction`]: struct(
    'SleepAction describes a "sleep" action.',
    { seconds: i64("Seconds is the number of seconds to sleep.") },
    ["seconds"],
  ),
  [`${CORE}SecurityContext`]: struct(
    "SecurityContext holds security configuration that will be applied to a container. Some fields are present in both SecurityContext and PodSecurityContext. When both are set, the values in SecurityContext take precedence.",
    {
      allowPrivilegeEscalation: b(
        "AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process. This bool directly controls if the no_new_privs flag will be set on the container process.",
      ),
      ...securityCommon(),
      capabilities: r(
        `${CORE}Capabilities`,
        "The capabilities to add/drop when running containers. Defaults to the default set of capabilities granted by the container runtime.",
      ),
      privileged: b(
        "Run container in privileged mode. Processes in privileged containers are essentially equivalent to root on the host. Defaults to false.",
      ),
      procMount: s(
        "procMount denotes the type of proc mount to use for the containers. The default value is Default which uses the container runtime defaults for readonly paths and masked paths.",
      ),
      readOnlyRootFilesystem: b(
        "Whether this container has a read-only root filesystem. Default is false.",
      ),
    },
  ),
  [`${CORE}PodSecurityContext`]: struct(
    "PodSecurityContext holds pod-level security attributes and common container settings. Some fields are also present in container.securityContext. Field values of container.securityContext take precedence over field values of PodSecurityContext.",
    {
      ...securityCommon(),
      fsGroup: i64(
        "A special supplemental group that applies to all containers in a pod. Some volume types allow the Kubelet to change the ownership of that volume to be owned by the pod.",
      ),
      fsGroupChangePolicy: s(
        'fsGroupChangePolicy defines behavior of changing ownership and permission of the volume before being exposed inside Pod. Valid values are "OnRootMismatch" and "Always". If not specified, "Always" is used.',
      ),
      seLinuxChangePolicy: s(
        'seLinuxChangePolicy defines how the container\'s SELinux label is applied to all volumes used by the Pod. Valid values are "MountOption" and "Recursive".',
      ),
      supplementalGroups: arr(
        { type: "integer", format: "int64" },
        "A list of groups applied to the first process run in each container, in addition to the container's primary GID and fsGroup (if specified).",
        { listType: "atomic" },
      ),
      supplementalGroupsPolicy: s(
        'Defines how supplemental groups of the first container processes are calculated. Valid values are "Merge" and "Strict". If not specified, "Merge" is used.',
      ),
      sysctls: atomic(
        `${CORE}Sysctl`,
        "Sysctls hold a list of namespaced sysctls used for the pod. Pods with unsupported sysctls (by the container runtime) might fail to launch.",
      ),
    },
  ),
  [`${CORE}Capabilities`]: struct("Adds and removes POSIX capabilities from running containers.", {
    add: strings("Added capabilities"),
    drop: strings("Removed capabilities"),
  }),
  [`${CORE}SELinuxOptions`]: struct(
    "SELinuxOptions are the labels to be applied to the container",
    {
      level: s("Level is SELinux level label that applies to the container."),
      role: s("Role is a SELinux role label that applies to the container."),
      type: s("Type is a SELinux type label that applies to the container."),
      user: s("User is a SELinux user label that applies to the container."),
    },
  ),
  [`${CORE}SeccompProfile`]: struct(
    "SeccompProfile defines a pod/container's seccomp profile settings. Only one profile source may be set.",
    {
      localhostProfile: s(
        'localhostProfile indicates a profile defined in a file on the node should be used. Must be set if type is "Localhost". Must NOT be set for any other type.',
      ),
      type: e(
        "type indicates which kind of seccomp profile will be applied. Valid options are: Localhost, RuntimeDefault, Unconfined.",
        ["Localhost", "RuntimeDefault", "Unconfined"],
      ),
    },
    ["type"],
  ),
  [`${CORE}AppArmorProfile`]: struct(
    "AppArmorProfile defines a pod or container's AppArmor settings.",
    {
      localhostProfile: s(
        "localhostProfile indicates a profile loaded on the node that should be used.",
      ),
      type: e(
        "type indicates which kind of AppArmor profile will be applied. Valid options are: Localhost, RuntimeDefault, Unconfined.",
        ["Localhost", "RuntimeDefault", "Unconfined"],
      ),
    },
    ["type"],
  ),
  [`${CORE}WindowsSecurityContextOptions`]: struct(
    "WindowsSecurityContextOptions contain Windows-specific options and credentials.",
    {
      gmsaCredentialSpec: s(
        "GMSACredentialSpec is where the GMSA admission webhook inlines the contents of the GMSA credential spec.",
      ),
      gmsaCredentialSpecName: s(
        "GMSACredentialSpecName is the name of the GMSA credential spec to use.",
      ),
      hostProcess: b(
        "HostProcess determines if a container should be run as a 'Host Process' container.",
      ),
      runAsUserName: s("The UserName in Windows to run the entrypoint of the container process."),
    },
  ),
  [`${CORE}Sysctl`]: struct("Sysctl defines a kernel parameter to be set", {
    name: s("Name of a property to set"),
    value: s("Value of a property to set"),
  }, ["name", "value"]),
  [`${CORE}HostAlias`]: struct(
    "HostAlias holds the mapping between IP and hostnames that will be injected as an entry in the pod's hosts file.",
    {
      hostnames: strings("Hostnames for the above IP address."),
      ip: s("IP address of the host file entry."),
    },
    ["ip"],
  ),
  [`${CORE}PodDNSConfig`]: struct(
    "PodDNSConfig defines the DNS parameters of a pod in addition to those generated from DNSPolicy.",
    {
      nameservers: strings(
        "A list of DNS name server IP addresses. This will be appended to the base nameservers generated from DNSPolicy. Duplicated nameservers will be removed.",
      ),
      options: atomic(
        `${CORE}PodDNSConfigOption`,
        "A list of DNS resolver options. This will be merged with the base options generated from DNSPolicy. Duplicated entries will be removed.",
      ),
      searches: strings(
        "A list of DNS search domains for host-name lookup. This will be appended to the base search paths generated from DNSPolicy. Duplicated search paths will be removed.",
      ),
    },
  ),
  [`${CORE}PodDNSConfigOption`]: struct(
    "PodDNSConfigOption defines DNS resolver options of a pod.",
    {
      name: s("Name is this DNS resolver option's name. Required."),
      value: s("Value is this DNS resolver option's value."),
    },
  ),
  [`${CORE}LocalObjectReference`]: struct(
    "LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.",
    {
      name: s(
        "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
      ),
    },
    [],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${CORE}PodOS`]: struct(
    "PodOS defines the OS parameters of a pod.",
    {
      name: s(
        "Name is the name of the operating system. The currently supported values are linux and windows.",
      ),
    },
    ["name"],
  ),
  [`${CORE}PodReadinessGate`]: struct(
    "PodReadinessGate contains the reference to a pod condition",
    {
      conditionType: s(
        "ConditionType refers to a condition in the pod's condition list with matching type.",
      ),
    },
    ["conditionType"],
  ),
  [`${CORE}PodSchedulingGate`]: struct(
    "PodSchedulingGate is associated to a Pod to guard its scheduling.",
    { name: s("Name of the scheduling gate. Each scheduling gate must have a unique name field.") },
    ["name"],
  ),
  [`${CORE}PodResourceClaim`]: struct(
    "PodResourceClaim references exactly one ResourceClaim, either directly or by naming a ResourceClaimTemplate which is then turned into a ResourceClaim for the pod.",
    {
      name: s(
        "Name uniquely identifies this resource claim inside the pod. This must be a DNS_LABEL.",
      ),
      resourceClaimName: s(
        "ResourceClaimName is the name of a ResourceClaim object in the same namespace as this pod.",
      ),
      resourceClaimTemplateName: s(
        "ResourceClaimTemplateName is the name of a ResourceClaimTemplate object in the same namespace as this pod.",
      ),
    },
    ["name"],
  ),
  [`${CORE}Toleration`]: struct(
    "The pod this Toleration is attached to tolerates any taint that matches the triple <key,value,effect> using the matching operator <operator>.",
    {
      effect: e(
        "Effect indicates the taint effect to match. Empty means match all taint effects. When specified, allowed values are NoSchedule, PreferNoSchedule and NoExecute.",
        ["NoExecute", "NoSchedule", "PreferNoSchedule"],
      ),
      key: s(
        "Key is the taint key that the toleration applies to. Empty means match all taint keys. If the key is empty, operator must be Exists; this combination means to match all values and all keys.",
      ),
      operator: e(
        "Operator represents a key's relationship to the value. Valid operators are Exists and Equal. Defaults to Equal.",
        ["Equal", "Exists"],
      ),
      tolerationSeconds: i64(
        "TolerationSeconds represents the period of time the toleration (which must be of effect NoExecute, otherwise this field is ignored) tolerates the taint.",
      ),
      value: s(
        "Value is the taint value the toleration matches to. If the operator is Exists, the value should be empty, otherwise just a regular string.",
      ),
    },
  ),
  [`${CORE}TopologySpreadConstraint`]: struct(
    "TopologySpreadConstraint specifies how to spread matching pods among the given topology.",
    {
      labelSelector: r(
        `${META}LabelSelector`,
        "LabelSelector is used to find matching pods. Pods that match this label selector are counted to determine the number of pods in their corresponding topology domain.",
      ),
      matchLabelKeys: strings(
        "MatchLabelKeys is a set of pod label keys to select the pods over which spreading will be calculated.",
      ),
      maxSkew: i32(
        "MaxSkew describes the degree to which pods may be unevenly distributed. It's a required field. Default value is 1 and 0 is not allowed.",
      ),
      minDomains: i32("MinDomains indicates a minimum number of eligible domains."),
      nodeAffinityPolicy: s(
        "NodeAffinityPolicy indicates how we will treat Pod's nodeAffinity/nodeSelector when calculating pod topology spread skew. Options are Honor and Ignore.",
      ),
      nodeTaintsPolicy: s(
        "NodeTaintsPolicy indicates how we will treat node taints when calculating pod topology spread skew. Options are Honor and Ignore.",
      ),
      topologyKey: s(
        "TopologyKey is the key of node labels. Nodes that have a label with this key and identical values are considered to be in the same topology.",
      ),
      whenUnsatisfiable: e(
        "WhenUnsatisfiable indicates how to deal with a pod if it doesn't satisfy the spread constraint. DoNotSchedule (default) tells the scheduler not to schedule it; ScheduleAnyway tells the scheduler to schedule the pod in any location.",
        ["DoNotSchedule", "ScheduleAnyway"],
      ),
    },
    ["maxSkew", "topologyKey", "whenUnsatisfiable"],
  ),
  [`${CORE}Volume`]: struct(
    "Volume represents a named volume in a pod that may be accessed by any container in the pod.",
    {
      awsElasticBlockStore: volumeOpaque(
        "awsElasticBlockStore represents an AWS Disk resource that is attached to a kubelet's host machine. Deprecated",
      ),
      azureDisk: volumeOpaque(
        "azureDisk represents an Azure Data Disk mount on the host and bind mount to the pod. Deprecated",
      ),
      azureFile: volumeOpaque(
        "azureFile represents an Azure File Service mount on the host and bind mount to the pod. Deprecated",
      ),
      cephfs: volumeOpaque(
        "cephFS represents a Ceph FS mount on the host that shares a pod's lifetime. Deprecated",
      ),
      cinder: volumeOpaque(
        "cinder represents a cinder volume attached and mounted on kubelets host machine. Deprecated",
      ),
      configMap: r(
        `${CORE}ConfigMapVolumeSource`,
        "configMap represents a configMap that should populate this volume",
      ),
      csi: volumeOpaque(
        "csi (Container Storage Interface) represents ephemeral storage that is handled by certain external CSI drivers",
      ),
      downwardAPI: r(
        `${CORE}DownwardAPIVolumeSource`,
        "downwardAPI represents downward API about the pod that should populate this volume",
      ),
      emptyDir: r(
        `${CORE}EmptyDirVolumeSource`,
        "emptyDir represents a temporary directory that shares a pod's lifetime. More info: https://kubernetes.io/docs/concepts/storage/volumes#emptydir",
      ),
      ephemeral: volumeOpaque(
        "ephemeral represents a volume that is handled by a cluster storage driver",
      ),
      fc: volumeOpaque(
        "fc represents a Fibre Channel resource that is attached to a kubelet's host machine and then exposed to the pod",
      ),
      flexVolume: volumeOpaque(
        "flexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin. Deprecated",
      ),
      flocker: volumeOpaque(
        "flocker represents a Flocker volume attached to a kubelet's host machine. Deprecated",
      ),
      gcePersistentDisk: volumeOpaque(
        "gcePersistentDisk represents a GCE Disk resource that is attached to a kubelet's host machine. Deprecated",
      ),
      gitRepo: volumeOpaque(
        "gitRepo represents a git repository at a particular revision. Deprecated",
      ),
      glusterfs: volumeOpaque(
        "glusterfs represents a Glusterfs mount on the host that shares a pod's lifetime. Deprecated",
      ),
      hostPath: r(
        `${CORE}HostPathVolumeSource`,
        "hostPath represents a pre-existing file or directory on the host machine that is directly exposed to the container. More info: https://kubernetes.io/docs/concepts/storage/volumes#hostpath",
      ),
      image: r(
        `${CORE}ImageVolumeSource`,
        "image represents an OCI object (a container image or artifact) pulled and mounted on the kubelet's host machine.",
      ),
      iscsi: volumeOpaque(
        "iscsi represents an ISCSI Disk resource that is attached to a kubelet's host machine and then exposed to the pod",
      ),
      name: s(
        "name of the volume. Must be a DNS_LABEL and unique within the pod. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
      ),
      nfs: r(
        `${CORE}NFSVolumeSource`,
        "nfs represents an NFS mount on the host that shares a pod's lifetime More info: https://kubernetes.io/docs/concepts/storage/volumes#nfs",
      ),
      persistentVolumeClaim: r(
        `${CORE}PersistentVolumeClaimVolumeSource`,
        "persistentVolumeClaimVolumeSource represents a reference to a PersistentVolumeClaim in the same namespace. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#persistentvolumeclaims",
      ),
      photonPersistentDisk: volumeOpaque(
        "photonPersistentDisk represents a PhotonController persistent disk. Deprecated",
      ),
      portworxVolume: volumeOpaque(
        "portworxVolume represents a portworx volume attached and mounted on kubelets host machine. Deprecated",
      ),
      projected: r(
        `${CORE}ProjectedVolumeSource`,
        "projected items for all in one resources secrets, configmaps, and downward API",
      ),
      quobyte: volumeOpaque(
        "quobyte represents a Quobyte mount on the host that shares a pod's lifetime. Deprecated",
      ),
      rbd: volumeOpaque(
        "rbd represents a Rados Block Device mount on the host that shares a pod's lifetime. Deprecated",
      ),
      scaleIO: volumeOpaque(
        "scaleIO represents a ScaleIO persistent volume attached and mounted on Kubernetes nodes. Deprecated",
      ),
      secret: r(
        `${CORE}SecretVolumeSource`,
        "secret represents a secret that should populate this volume. More info: https://kubernetes.io/docs/concepts/storage/volumes#secret",
      ),
      storageos: volumeOpaque(
        "storageOS represents a StorageOS volume attached and mounted on Kubernetes nodes. Deprecated",
      ),
      vsphereVolume: volumeOpaque(
        "vsphereVolume represents a vSphere volume attached and mounted on kubelets host machine. Deprecated",
      ),
    },
    ["name"],
  ),
  [`${CORE}KeyToPath`]: struct(
    "Maps a string key to a path within a volume.",
    {
      key: s("key is the key to project."),
      mode: i32(
        "mode is Optional: mode bits used to set permissions on this file. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511.",
      ),
      path: s(
        "path is the relative path of the file to map the key to. May not be an absolute path. May not contain the path element '..'. May not start with the string '..'.",
      ),
    },
    ["key", "path"],
  ),
  [`${CORE}ConfigMapVolumeSource`]: struct(
    "Adapts a ConfigMap into a volume. The contents of the target ConfigMap's Data field will be presented in a volume as files using the keys in the Data field as the file names, unless the items element is populated with specific mappings of keys to paths.",
    {
      defaultMode: i32(
        "defaultMode is optional: mode bits used to set permissions on created files by default. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511. Defaults to 0644.",
      ),
      items: atomic(
        `${CORE}KeyToPath`,
        "items if unspecified, each key-value pair in the Data field of the referenced ConfigMap will be projected into the volume as a file whose name is the key and content is the value.",
      ),
      name: s(
        "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
      ),
      optional: b("optional specify whether the ConfigMap or its keys must be defined"),
    },
  ),
  [`${CORE}SecretVolumeSource`]: struct(
    "Adapts a Secret into a volume. The contents of the target Secret's Data field will be presented in a volume as files using the keys in the Data field as the file names.",
    {
      defaultMode: i32(
        "defaultMode is Optional: mode bits used to set permissions on created files by default. Must be an octal value between 0000 and 0777 or a decimal value between 0 and 511. Defaults to 0644.",
      ),
      items: atomic(
        `${CORE}KeyToPath`,
        "items If unspecified, each key-value pair in the Data field of the referenced Secret will be projected into the volume as a file whose name is the key and content is the value.",
      ),
      optional: b("optional field specify whether the Secret or its keys must be defined"),
      secretName: s(
        "secretName is the name of the secret in the pod's namespace to use. More info: https://kubernetes.io/docs/concepts/storage/volumes#secret",
      ),
    },
  ),
  [`${CORE}EmptyDirVolumeSource`]: struct(
    "Represents an empty directory for a pod. Empty directory volumes support ownership management and SELinux relabeling.",
    {
      medium: s(
        'medium represents what type of storage medium should back this directory. The default is "" which means to use the node\'s default medium. Must be an empty string (default) or Memory.',
      ),
      sizeLimit: r(
        QTY,
        "sizeLimit is the total amount of local storage required for this EmptyDir volume. The size limit is also applicable for memory medium.",
      ),
    },
  ),
  [`${CORE}HostPathVolumeSource`]: struct(
    "Represents a host path mapped into a pod. Host path volumes do not support ownership management or SELinux relabeling.",
    {
      path: s(
        "path of the directory on the host. If the path is a symlink, it will follow the link to the real path. More info: https://kubernetes.io/docs/concepts/storage/volumes#hostpath",
      ),
      type: e(
        'type for HostPath Volume Defaults to "" More info: https://kubernetes.io/docs/concepts/storage/volumes#hostpath',
        [
          "",
          "BlockDevice",
          "CharDevice",
          "Directory",
          "DirectoryOrCreate",
          "File",
          "FileOrCreate",
          "Socket",
        ],
      ),
    },
    ["path"],
  ),
  [`${CORE}ImageVolumeSource`]: struct(
    "ImageVolumeSource represents a image volume resource.",
    {
      pullPolicy: e(
        "Policy for pulling OCI objects. Possible values are: Always, Never, IfNotPresent.",
        ["Always", "IfNotPresent", "Never"],
      ),
      reference: s(
        "Required: Image or artifact reference to be used. Behaves in the same way as pod.spec.containers[*].image.",
      ),
    },
  ),
  [`${CORE}NFSVolumeSource`]: struct(
    "Represents an NFS mount that lasts the lifetime of a pod. NFS volumes do not support ownership management or SELinux relabeling.",
    {
      path: s(
        "path that is exported by the NFS server. More info: https://kubernetes.io/docs/concepts/storage/volumes#nfs",
      ),
      readOnly: b(
        "readOnly here will force the NFS export to be mounted with read-only permissions. Defaults to false.",
      ),
      server: s(
        "server is the hostname or IP address of the NFS server. More info: https://kubernetes.io/docs/concepts/storage/volumes#nfs",
      ),
    },
    ["server", "path"],
  ),
  [`${CORE}PersistentVolumeClaimVolumeSource`]: struct(
    "PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace.",
    {
      claimName: s(
        "claimName is the name of a PersistentVolumeClaim in the same namespace as the pod using this volume.",
      ),
      readOnly: b("readOnly Will force the ReadOnly setting in VolumeMounts. Default false."),
    },
    ["claimName"],
  ),
  [`${CORE}ProjectedVolumeSource`]: struct(
    "Represents a projected volume source",
    {
      defaultMode: i32(
        "defaultMode are the mode bits used to set permissions on created files by default.",
      ),
      sources: atomic(
        `${CORE}VolumeProjection`,
        "sources is the list of volume projections. Each entry in this list handles one source.",
      ),
    },
  ),
  [`${CORE}DownwardAPIVolumeSource`]: struct(
    "DownwardAPIVolumeSource represents a volume containing downward API info.",
    {
      defaultMode: i32("Optional: mode bits to use on created files by default. Defaults to 0644."),
      items: atomic(`${CORE}DownwardAPIVolumeFile`, "Items is a list of downward API volume file"),
    },
  ),
  [`${CORE}DownwardAPIVolumeFile`]: struct(
    "DownwardAPIVolumeFile represents information to create the file containing the pod field",
    {
      fieldRef: r(
        `${CORE}ObjectFieldSelector`,
        "Required: Selects a field of the pod: only annotations, labels, name, namespace and uid are supported.",
      ),
      mode: i32("Optional: mode bits used to set permissions on this file."),
      path: s(
        "Required: Path is  the relative path name of the file to be created. Must not be absolute or contain the '..' path.",
      ),
      resourceFieldRef: r(
        `${CORE}ResourceFieldSelector`,
        "Selects a resource of the container: only resources limits and requests (limits.cpu, limits.memory, requests.cpu and requests.memory) are currently supported.",
      ),
    },
    ["path"],
  ),
  [`${CORE}PodStatus`]: struct(
    "PodStatus represents information about the status of a pod. Status may trail the actual state of a system, especially if the node that hosts the pod cannot contact the control plane.",
    {
      conditions: keyed(
        `${CORE}PodCondition`,
        "type",
        "Current service state of pod. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-conditions",
      ),
      containerStatuses: atomic(
        `${CORE}ContainerStatus`,
        "The list has one entry per container in the manifest. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-and-container-status",
      ),
      ephemeralContainerStatuses: atomic(
        `${CORE}ContainerStatus`,
        "Status for any ephemeral containers that have run in this pod.",
      ),
      hostIP: s(
        "hostIP holds the IP address of the host to which the pod is assigned. Empty if the pod has not started yet.",
      ),
      hostIPs: keyed(
        `${CORE}HostIP`,
        "ip",
        "hostIPs holds the IP addresses allocated to the host. If this field is specified, the first entry must match the hostIP field.",
      ),
      initContainerStatuses: atomic(
        `${CORE}ContainerStatus`,
        "The list has one entry per init container in the manifest. The most recent successful init container will have ready = true, the most recently started container will have startTime set.",
      ),
      message: s(
        "A human readable message indicating details about why the pod is in this condition.",
      ),
      nominatedNodeName: s(
        "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.",
      ),
      phase: e(
        "The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle: Pending, Running, Succeeded, Failed or Unknown. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-phase",
        ["Failed", "Pending", "Running", "Succeeded", "Unknown"],
      ),
      podIP: s(
        "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
      ),
      podIPs: keyed(
        `${CORE}PodIP`,
        "ip",
        "podIPs holds the IP addresses allocated to the pod. If this field is specified, the 0th entry must match the podIP field. Pods may be allocated at most 1 value for each of IPv4 and IPv6.",
      ),
      qosClass: e(
        "The Quality of Service (QOS) classification assigned to the pod based on resource requirements. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/#quality-of-service-classes",
        ["BestEffort", "Burstable", "Guaranteed"],
      ),
      reason: s(
        "A brief CamelCase message indicating details about why the pod is in this state. e.g. 'Evicted'",
      ),
      resize: s(
        "Status of resources resize desired for pod's containers. It is empty if no resources resize is pending.",
      ),
      resourceClaimStatuses: arr(
        opaque("ResourceClaimStatus describes the ResourceClaim generated for a PodResourceClaim."),
        "Status of resource claims.",
        { listType: "map", mapKeys: ["name"], mergeKey: "name", strategy: "merge,retainKeys" },
      ),
      startTime: time(
        "RFC 3339 date and time at which the object was acknowledged by the Kubelet. This is before the Kubelet pulled the container image(s) for the pod.",
      ),
    },
  ),
  [`${CORE}HostIP`]: struct("HostIP represents a single IP address allocated to the host.", {
    ip: s("IP is the IP address assigned to the host"),
  }, ["ip"]),
  [`${CORE}PodIP`]: struct("PodIP represents a single IP address allocated to the pod.", {
    ip: s("IP is the IP address assigned to the pod"),
  }, ["ip"]),
  [`${CORE}PodCondition`]: struct(
    "PodCondition contains details for the current condition of this pod.",
    {
      lastProbeTime: time("Last time we probed the condition."),
      lastTransitionTime: time("Last time the condition transitioned from one status to another."),
      message: s("Human-readable message indicating details about last transition."),
      reason: s("Unique, one-word, CamelCase reason for the condition's last transition."),
      status: s("Status is the status of the condition. Can be True, False, Unknown."),
      type: s(
        "Type is the type of the condition. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#pod-conditions",
      ),
    },
    ["type", "status"],
  ),
  [`${CORE}ContainerStatus`]: struct(
    "ContainerStatus contains details for the current status of this container.",
    {
      allocatedResources: quantities(
        "AllocatedResources represents the compute resources allocated for this container by the node.",
      ),
      allocatedResourcesStatus: arr(
        opaque("ResourceStatus represents the status of a single resource allocated to a Pod."),
        "AllocatedResourcesStatus represents the status of various resources allocated for this Pod.",
        { listType: "map", mapKeys: ["name"], mergeKey: "name", strategy: "merge" },
      ),
      containerID: s(
        "ContainerID is the ID of the container in the format '<type>://<container_id>'.",
      ),
      image: s(
        "Image is the name of container image that the container is running. More info: https://kubernetes.io/docs/concepts/containers/images.",
      ),
      imageID: s("ImageID is the image ID of the container's image."),
      lastState: r(
        `${CORE}ContainerState`,
        "LastTerminationState holds the last termination state of the container to help debug container crashes and restarts.",
      ),
      name: s(
        "Name is a DNS_LABEL representing the unique name of the container. Each container in a pod must have a unique name across all container types.",
      ),
      ready: b(
        "Ready specifies whether the container is currently passing its readiness check. The value will change as readiness probes keep executing.",
      ),
      resources: r(
        `${CORE}ResourceRequirements`,
        "Resources represents the compute resource requests and limits that have been successfully enacted on the running container.",
      ),
      restartCount: i32(
        "RestartCount holds the number of times the container has been restarted. Kubelet makes an effort to always increment the value, but there are cases when the state may be lost due to node restarts and then the value may be reset to 0.",
      ),
      started: b(
        "Started indicates whether the container has finished its postStart lifecycle hook and passed its startup probe.",
      ),
      state: r(
        `${CORE}ContainerState`,
        "State holds details about the container's current condition.",
      ),
      user: opaque(
        "User represents user identity information initially attached to the first process of the container",
      ),
      volumeMounts: arr(
        opaque("VolumeMountStatus shows status of volume mounts."),
        "Status of volume mounts.",
        { listType: "map", mapKeys: ["mountPath"], mergeKey: "mountPath", strategy: "merge" },
      ),
    },
    ["name", "ready", "restartCount", "image", "imageID"],
  ),
  [`${CORE}ContainerState`]: struct(
    "ContainerState holds a possible state of container. Only one of its members may be specified. If none of them is specified, the default one is ContainerStateWaiting.",
    {
      running: r(`${CORE}ContainerStateRunning`, "Details about a running container"),
      terminated: r(`${CORE}ContainerStateTerminated`, "Details about a terminated container"),
      waiting: r(`${CORE}ContainerStateWaiting`, "Details about a waiting container"),
    },
  ),
  [`${CORE}ContainerStateRunning`]: struct(
    "ContainerStateRunning is a running state of a container.",
    {
      startedAt: time("Time at which the container was last (re-)started"),
    },
  ),
  [`${CORE}ContainerStateTerminated`]: struct(
    "ContainerStateTerminated is a terminated state of a container.",
    {
      containerID: s("Container's ID in the format '<type>://<container_id>'"),
      exitCode: i32("Exit status from the last termination of the container"),
      finishedAt: time("Time at which the container last terminated"),
      message: s("Message regarding the last termination of the container"),
      reason: s("(brief) reason from the last termination of the container"),
      signal: i32("Signal from the last termination of the container"),
      startedAt: time("Time at which previous execution of the container started"),
    },
    ["exitCode"],
  ),
  [`${CORE}ContainerStateWaiting`]: struct(
    "ContainerStateWaiting is a waiting state of a container.",
    {
      message: s("Message regarding why the container is not yet running."),
      reason: s("(brief) reason the container is not yet running."),
    },
  ),
  [`${CORE}ObjectReference`]: struct(
    "ObjectReference contains enough information to let you inspect or modify the referred object.",
    {
      apiVersion: s("API version of the referent."),
      fieldPath: s(
        'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}".',
      ),
      kind: s(
        "Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
      ),
      name: s(
        "Name of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names",
      ),
      namespace: s(
        "Namespace of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/",
      ),
      resourceVersion: s("Specific resourceVersion to which this reference is made, if any."),
      uid: s(
        "UID of the referent. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#uids",
      ),
    },
    [],
    { "x-kubernetes-map-type": "atomic" },
  ),
  [`${CORE}Binding`]: kind(
    { group: "", version: "v1", kind: "Binding" },
    "Binding ties one object to another; for example, a pod is bound to a node by a scheduler.",
    {
      target: r(
        `${CORE}ObjectReference`,
        "The target object that you want to bind to the standard object.",
      ),
    },
    ["target"],
  ),
};
