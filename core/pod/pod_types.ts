/**
 * The typed Kubernetes `v1 Pod` subset a node runs, in two forms: the input a manifest, compose
 * or the API server produces ({@linkcode PodInput}, where a defaultable field may be absent) and
 * the defaulted pod every later step works on ({@linkcode PodManifest}). `../k8s/defaults.ts`
 * turns one into the other; `pod_manifest.ts` parses YAML into the input form.
 *
 * @module
 */
import type { PortMapping, Protocol } from "../network.ts";
import type { ResourceQuantities } from "../container/fields.ts";

export type { ResourceQuantities } from "../container/fields.ts";

/** Restart policy of a pod's containers. */
export type RestartPolicy = "Always" | "OnFailure" | "Never";

/** `spec.dnsPolicy` values. */
export type DnsPolicy = "ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None";

/** One `spec.dnsConfig.options[]` entry (a resolv.conf option: `ndots:2`, `rotate`). */
export interface PodDnsConfigOption {
  /** Option name (required). */
  name: string;
  /** Option value, written as `name:value`. */
  value?: string;
}

/**
 * `spec.dnsConfig`: name servers, search domains and options merged into (or, with dnsPolicy
 * `None`, making up) the pod's `/etc/resolv.conf`.
 */
export interface PodDnsConfig {
  /** Name server addresses (at most 3). */
  nameservers?: string[];
  /** Search domains (at most 32, 2048 characters in all). */
  searches?: string[];
  /** resolv.conf options. */
  options?: PodDnsConfigOption[];
}

/** `imagePullPolicy` values. */
export type PullPolicy = "Always" | "IfNotPresent" | "Never";

/** `terminationMessagePolicy` values. */
export type TerminationMessagePolicy = "File" | "FallbackToLogsOnError";

/** The pod fields an environment variable may refer to with `valueFrom.fieldRef`. */
export type PodFieldPath =
  | "metadata.name"
  | "metadata.namespace"
  | "metadata.uid"
  | "spec.nodeName"
  | "spec.serviceAccountName"
  | "status.podIP"
  | "status.podIPs";

/** Field paths accepted in `valueFrom.fieldRef.fieldPath`. */
export const podFieldPaths: readonly PodFieldPath[] = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.podIP",
  "status.podIPs",
];

/** An environment variable: a literal value or a reference to a pod field. */
export type PodEnvVar =
  | { name: string; value: string }
  | { name: string; fieldRef: PodFieldPath };

/** A container's `resources`. */
export interface PodResources {
  /** Hard limits. */
  limits: ResourceQuantities;
  /** Requests (CPU shares); defaulting copies each limit without a request into it. */
  requests: ResourceQuantities;
}

/** A `volumeMounts[]` entry. */
export interface PodVolumeMount {
  /** Name of a volume in `spec.volumes`. */
  name: string;
  /** Absolute path inside the container. */
  mountPath: string;
  /** Mount read-only. */
  readOnly: boolean;
  /** Sub-directory of the volume to mount instead of its root. */
  subPath?: string;
  /**
   * Like `subPath`, with `$(VAR_NAME)` expanded from the container's environment when the
   * container is created (`./sub_path_expr.ts`); never set together with `subPath`.
   */
  subPathExpr?: string;
}

/** A container's `securityContext` (the supported subset). */
export interface PodSecurityContext {
  /** Run privileged (all capabilities, no masked paths, all devices allowed). */
  privileged?: boolean;
  /** User id of the process. */
  runAsUser?: number;
  /** Group id of the process. */
  runAsGroup?: number;
  /** Refuse to start the container when its user is root (uid 0). */
  runAsNonRoot?: boolean;
  /** Mount the root filesystem read-only. */
  readOnlyRootFilesystem?: boolean;
  /** Set `no_new_privileges` when false. */
  allowPrivilegeEscalation?: boolean;
  /** Capabilities to add and drop (Linux capability names without `CAP_`, or `ALL`). */
  capabilities?: { add: string[]; drop: string[] };
}

/** A namespaced kernel parameter from `spec.securityContext.sysctls`. */
export interface Sysctl {
  /** Name, e.g. `net.ipv4.ip_unprivileged_port_start`. */
  name: string;
  /** Value as written to `/proc/sys`. */
  value: string;
}

/**
 * The pod-level `securityContext`: defaults for every container (a container's own field wins)
 * plus the pod-only fields.
 */
export interface PodLevelSecurityContext {
  /** Default user id of every container. */
  runAsUser?: number;
  /** Default group id of every container. */
  runAsGroup?: number;
  /** Default for every container's `runAsNonRoot`. */
  runAsNonRoot?: boolean;
  /** Group that owns the pod's volumes; added to every container's groups. */
  fsGroup?: number;
  /** Groups added to every container's process. */
  supplementalGroups?: number[];
  /** Namespaced sysctls set in the pod's namespaces. */
  sysctls?: Sysctl[];
}

/** One `spec.hostAliases[]` entry: names written to every container's `/etc/hosts`. */
export interface HostAlias {
  /** IP address. */
  ip: string;
  /** Host names for it. */
  hostnames: string[];
}

/** An HTTP header of an `httpGet` probe or hook. */
export interface HttpHeader {
  /** Header name. */
  name: string;
  /** Header value. */
  value: string;
}

/**
 * What a probe or lifecycle hook does (`v1 ProbeHandler` / `LifecycleHandler`). `port` is a
 * number or the name of a container port (a number only for `grpc`, which exists only for
 * probes: the standard gRPC health check of `service`); `sleep` exists only for hooks.
 */
export type ProbeHandler =
  | { kind: "exec"; command: string[] }
  | {
    kind: "httpGet";
    host?: string;
    path: string;
    port: number | string;
    scheme: "HTTP" | "HTTPS";
    headers: HttpHeader[];
  }
  | { kind: "tcpSocket"; host?: string; port: number | string }
  | { kind: "grpc"; port: number; service?: string }
  | { kind: "sleep"; seconds: number };

/** Which probe of a container. */
export type ProbeName = "startupProbe" | "livenessProbe" | "readinessProbe";

/**
 * A probe with every timing field defaulted (`SetDefaults_Probe`: period 10 s, timeout 1 s,
 * success threshold 1, failure threshold 3; initial delay 0).
 */
export interface ProbeSpec {
  /** The check. */
  handler: ProbeHandler;
  /** Seconds after start before the first probe (default 0). */
  initialDelaySeconds: number;
  /** Seconds between probes (default 10). */
  periodSeconds: number;
  /** Seconds before one attempt times out (default 1). */
  timeoutSeconds: number;
  /** Consecutive successes to count as healthy after a failure (default 1). */
  successThreshold: number;
  /** Consecutive failures to count as failed (default 3). */
  failureThreshold: number;
  /** Grace period when a failed probe kills the container (default: the pod's). */
  terminationGracePeriodSeconds?: number;
}

/** A probe before defaulting: the timing fields the manifest left unset (or 0) are absent. */
export type ProbeInput =
  & Pick<ProbeSpec, "handler" | "terminationGracePeriodSeconds">
  & Partial<Omit<ProbeSpec, "handler" | "terminationGracePeriodSeconds">>;

/** `lifecycle` hooks of a container. */
export interface LifecycleSpec {
  /** Runs right after the container started; a failure kills the container. */
  postStart?: ProbeHandler;
  /** Runs before the container is stopped, within the grace period. */
  preStop?: ProbeHandler;
}

/** One container of a pod (init or app), defaulted. */
export interface PodContainerSpec {
  /** DNS-1123 label, unique within the pod. */
  name: string;
  /** Absolute path of the image bundle (a directory holding `rootfs/`). */
  image: string;
  /** Entrypoint override. */
  command?: string[];
  /** Arguments. */
  args?: string[];
  /** Environment, in manifest order. */
  env: PodEnvVar[];
  /** Working directory. */
  workingDir?: string;
  /** Declared ports. */
  ports: PortMapping[];
  /** Limits and requests. */
  resources: PodResources;
  /** Volume mounts. */
  volumeMounts: PodVolumeMount[];
  /** Security settings. */
  securityContext: PodSecurityContext;
  /** Allocate a TTY. */
  tty: boolean;
  /**
   * Pull policy, defaulted as the API server does (`Always` for an untagged or `:latest` image,
   * else `IfNotPresent`). Recorded only: bundles are never pulled. Absent in rows written before.
   */
  imagePullPolicy?: PullPolicy;
  /** Default `/dev/termination-log`. Absent in rows written before. */
  terminationMessagePath?: string;
  /** Default `File`. Absent in rows written before. */
  terminationMessagePolicy?: TerminationMessagePolicy;
  /**
   * `lifecycle.stopSignal` (Kubernetes 1.33): the signal sent first when the container is
   * stopped, e.g. `SIGUSR1`; undefined for SIGTERM.
   */
  stopSignal?: string;
  /** Startup probe: liveness and readiness probes wait until it passed. */
  startupProbe?: ProbeSpec;
  /** Liveness probe: failing `failureThreshold` times in a row restarts the container. */
  livenessProbe?: ProbeSpec;
  /** Readiness probe: gates the container's READY. */
  readinessProbe?: ProbeSpec;
  /** postStart / preStop hooks. */
  lifecycle?: LifecycleSpec;
}

/** One file of a projected volume: path inside the volume, content and permission bits. */
export interface ProjectedFile {
  /** Relative path inside the volume (no `..`, no leading `/`), e.g. `app.properties`. */
  path: string;
  /** Content, base64-encoded (a Secret's `data` as the API serves it). */
  data: string;
  /** Permission bits, e.g. `0o644` (the source's `defaultMode` or the item's `mode`). */
  mode: number;
}

/** The Kubernetes volume types whose files come from the API (resolved by a cluster node). */
export type ApiVolumeSource = "configMap" | "secret" | "downwardAPI" | "projected";

/** The API volume types, in the order rkl names them. */
export const apiVolumeSources: readonly ApiVolumeSource[] = [
  "configMap",
  "secret",
  "downwardAPI",
  "projected",
];

/** A pod volume. */
export type PodVolume =
  | { name: string; kind: "emptyDir"; medium: "" | "Memory"; sizeLimit?: string }
  | { name: string; kind: "hostPath"; path: string; type: HostPathType }
  | {
    name: string;
    /**
     * A `configMap`, `secret`, `downwardAPI` or `projected` volume: files a cluster node
     * resolved from the API, written the way the kubelet's atomic writer does and mounted
     * read-only. `medium: "Memory"` keeps them on a tmpfs (secrets, projected, downwardAPI).
     */
    kind: "projected";
    /** The Kubernetes volume type it came from. */
    source: ApiVolumeSource;
    /** `""` (the node's disk) or `"Memory"` (tmpfs). */
    medium: "" | "Memory";
    /** The files; empty until the node resolved them. */
    files: ProjectedFile[];
  };

/** `hostPath.type` values. */
export type HostPathType =
  | ""
  | "DirectoryOrCreate"
  | "Directory"
  | "FileOrCreate"
  | "File"
  | "Socket"
  | "CharDevice"
  | "BlockDevice";

/** Every `hostPath.type` value (`""` means no check). */
export const hostPathTypes: readonly HostPathType[] = [
  "",
  "DirectoryOrCreate",
  "Directory",
  "FileOrCreate",
  "File",
  "Socket",
  "CharDevice",
  "BlockDevice",
];

/** A validated, defaulted pod. */
export interface PodManifest {
  /** Pod name (DNS-1123 subdomain, at most 253 characters). */
  name: string;
  /** Namespace, default `default`. */
  namespace: string;
  /** Labels. */
  labels: Record<string, string>;
  /** Annotations. */
  annotations: Record<string, string>;
  /** Absolute path of the pause bundle from `labels.bundle`; undefined for the built-in one. */
  pauseBundle?: string;
  /** Init containers, run in order. */
  initContainers: PodContainerSpec[];
  /** App containers. */
  containers: PodContainerSpec[];
  /** Volumes. */
  volumes: PodVolume[];
  /** Restart policy, default `Always`. */
  restartPolicy: RestartPolicy;
  /** Use the host's network namespace. */
  hostNetwork: boolean;
  /** Share one PID namespace between the containers (the pause process is PID 1). */
  shareProcessNamespace: boolean;
  /**
   * The pod's hostname as the kubelet computes it: `spec.hostname`, else the pod name truncated
   * to 63 characters without a trailing `-` or `.`.
   */
  hostname: string;
  /** `spec.subdomain`: the FQDN is `hostname.subdomain.namespace.svc.cluster.local`. */
  subdomain?: string;
  /** Make the kernel hostname the FQDN (needs `subdomain`). */
  setHostnameAsFQDN?: boolean;
  /** Extra `/etc/hosts` entries. */
  hostAliases?: HostAlias[];
  /** Seconds between SIGTERM and SIGKILL on stop, default 30. */
  terminationGracePeriodSeconds: number;
  /**
   * `spec.activeDeadlineSeconds`: seconds after the pod's start time (its sandbox's creation,
   * or the API pod's `status.startTime`) after which the node kills it for good: phase
   * `Failed`, reason `DeadlineExceeded` (the kubelet's active deadline handler). Unset: none.
   */
  activeDeadlineSeconds?: number;
  /** DNS policy, default `ClusterFirst` (recorded; the host's resolv.conf is used). */
  dnsPolicy?: DnsPolicy;
  /** `spec.dnsConfig`. */
  dnsConfig?: PodDnsConfig;
  /** `spec.os.name` (only `linux` runs here). */
  os?: "linux";
  /** Pod-level security settings. */
  securityContext?: PodLevelSecurityContext;
  /**
   * Networks to join, from the `k8s.v1.cni.cncf.io/networks` annotation (comma-separated rkl
   * network names); undefined for the default network.
   */
  networks?: string[];
  /** Static IPv4 address by network name (the annotation's JSON form, `ips`). */
  networkIps?: Record<string, string>;
}

/**
 * The annotation that lists a pod's networks (comma-separated network names), as the Kubernetes
 * Network Plumbing Working Group's multi-network specification (Multus) defines it.
 */
export const NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";

/** A port as written: `protocol` may be absent (defaulting makes it TCP). */
export type PortInput = Omit<PortMapping, "protocol"> & { protocol?: Protocol };

/** One container before defaulting: what a manifest, compose or the API server produced. */
export interface ContainerInput {
  /** DNS-1123 label. */
  name: string;
  /** Image (an absolute bundle path here). */
  image: string;
  /** Entrypoint override. */
  command?: string[];
  /** Arguments. */
  args?: string[];
  /** Environment, in order. */
  env?: PodEnvVar[];
  /** Working directory. */
  workingDir?: string;
  /** Declared ports. */
  ports?: PortInput[];
  /** Limits and requests. */
  resources?: { limits?: ResourceQuantities; requests?: ResourceQuantities };
  /** Volume mounts (`readOnly` defaults to false). */
  volumeMounts?: (Omit<PodVolumeMount, "readOnly"> & { readOnly?: boolean })[];
  /** Security settings. */
  securityContext?: PodSecurityContext;
  /** Allocate a TTY. */
  tty?: boolean;
  /** Pull policy. */
  imagePullPolicy?: PullPolicy;
  /** Termination message path. */
  terminationMessagePath?: string;
  /** Termination message policy. */
  terminationMessagePolicy?: TerminationMessagePolicy;
  /** `lifecycle.stopSignal`. */
  stopSignal?: string;
  /** Startup probe. */
  startupProbe?: ProbeInput;
  /** Liveness probe. */
  livenessProbe?: ProbeInput;
  /** Readiness probe. */
  readinessProbe?: ProbeInput;
  /** Lifecycle hooks. */
  lifecycle?: LifecycleSpec;
}

/** A pod before defaulting: every field the API server defaults may be absent. */
export interface PodInput {
  /** Pod name. */
  name: string;
  /** Namespace (default `default`). */
  namespace?: string;
  /** Labels. */
  labels?: Record<string, string>;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Pause bundle path. */
  pauseBundle?: string;
  /** Init containers. */
  initContainers?: ContainerInput[];
  /** App containers. */
  containers: ContainerInput[];
  /** Volumes. */
  volumes?: PodVolume[];
  /** Restart policy. */
  restartPolicy?: RestartPolicy;
  /** Host network. */
  hostNetwork?: boolean;
  /** Shared PID namespace. */
  shareProcessNamespace?: boolean;
  /** `spec.hostname`. */
  hostname?: string;
  /** `spec.subdomain`. */
  subdomain?: string;
  /** `spec.setHostnameAsFQDN`. */
  setHostnameAsFQDN?: boolean;
  /** `spec.hostAliases`. */
  hostAliases?: HostAlias[];
  /** Grace period in seconds. */
  terminationGracePeriodSeconds?: number;
  /** `spec.activeDeadlineSeconds` (seconds, at least 1). */
  activeDeadlineSeconds?: number;
  /** DNS policy. */
  dnsPolicy?: DnsPolicy;
  /** `spec.dnsConfig`. */
  dnsConfig?: PodDnsConfig;
  /** `spec.os.name` (only `linux` runs here). */
  os?: "linux";
  /** Pod-level security settings. */
  securityContext?: PodLevelSecurityContext;
  /** Networks to join (the `k8s.v1.cni.cncf.io/networks` annotation). */
  networks?: string[];
  /** Static IPv4 address by network name. */
  networkIps?: Record<string, string>;
}
