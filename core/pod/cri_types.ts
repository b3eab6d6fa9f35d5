/**
 * The CRI RuntimeService shape in TypeScript: sandbox and container configs, statuses and the
 * {@linkcode RuntimeService} interface the daemon, compose and the node agent drive pods with.
 * Field names follow the CRI protobuf (camelCase), so a gRPC endpoint can be added on top.
 *
 * @module
 */
import type { PortMapping } from "../network.ts";
import type { PodContainerState, SandboxState } from "./pod_status.ts";
import type { SandboxDnsConfig } from "./pod_dns.ts";

/** Identity of a sandbox. */
export interface PodSandboxMetadata {
  /** Pod name. */
  name: string;
  /** Pod namespace. */
  namespace: string;
  /** Pod uid. */
  uid: string;
  /** How often this pod's sandbox was recreated. */
  attempt: number;
}

/** Which namespaces a pod shares with the node or among its containers (CRI NamespaceOption). */
export interface NamespaceOptions {
  /** `pod`: own network namespace; `node`: the host's. */
  network: "pod" | "node";
  /** `pod`: one PID namespace for every container; `container`: one each; `node`: the host's. */
  pid: "pod" | "container" | "node";
  /** `pod`: own IPC namespace; `node`: the host's. */
  ipc: "pod" | "node";
}

/** Configuration of a pod sandbox (CRI PodSandboxConfig subset, plus rk8s's pause bundle). */
export interface PodSandboxConfig {
  /** Identity. */
  metadata: PodSandboxMetadata;
  /** Hostname of the pod. */
  hostname: string;
  /** Ports of every container, published on the pod's IP (and host ports when set). */
  portMappings: PortMapping[];
  /** Labels. */
  labels: Record<string, string>;
  /** Annotations. */
  annotations: Record<string, string>;
  /** Linux options. */
  linux: {
    /** Namespace sharing. */
    namespaceOptions: NamespaceOptions;
    /** Pod-level resource limits applied to the pod cgroup (sum of container limits). */
    resources?: { cpu?: string; memory?: string };
    /** Namespaced sysctls of the pod (`securityContext.sysctls`). */
    sysctls?: Record<string, string>;
  };
  /** Pause bundle directory; undefined for the built-in pause image. */
  pauseBundle?: string;
  /** Networks to join (compose); undefined for the default network. */
  networks?: string[];
  /** Extra /etc/hosts entries (compose service names). */
  extraHosts?: { ip: string; names: string[] }[];
  /**
   * The pod's DNS domain when it has `spec.subdomain` (`subdomain.namespace.svc.cluster.local`,
   * the kubelet's `hostDomainName`): /etc/hosts maps the pod IP to `hostname.domain hostname`.
   */
  domain?: string;
  /** Static IPv4 address by network name. */
  staticIps?: Record<string, string>;
  /** DNS settings from dnsPolicy/dnsConfig; undefined to use the node's resolv.conf as it is. */
  dns?: SandboxDnsConfig;
}

/** A host path mounted into a container (CRI Mount subset). */
export interface CriMount {
  /** Path inside the container. */
  containerPath: string;
  /** Path on the host. */
  hostPath: string;
  /** Read-only. */
  readonly: boolean;
  /**
   * The directory inside the volume that `hostPath` names (`subPath`, or `subPathExpr`
   * expanded), resolved safely right before the container is created.
   */
  subPath?: string;
}

/** Security settings of a container. */
export interface CriSecurityContext {
  /** Privileged. */
  privileged?: boolean;
  /** User id. */
  runAsUser?: number;
  /** Group id. */
  runAsGroup?: number;
  /** Read-only root filesystem. */
  readonlyRootfs?: boolean;
  /** Set `no_new_privileges`. */
  noNewPrivs?: boolean;
  /** Capabilities to add and drop. */
  capabilities?: { addCapabilities: string[]; dropCapabilities: string[] };
  /** Extra groups of the process (pod `supplementalGroups` and `fsGroup`). */
  supplementalGroups?: number[];
}

/** Configuration of one container in a sandbox (CRI ContainerConfig subset). */
export interface CriContainerConfig {
  /** Name within the pod and restart attempt. */
  metadata: { name: string; attempt: number };
  /** Image bundle directory. */
  image: string;
  /** Entrypoint override. */
  command?: string[];
  /** Arguments. */
  args?: string[];
  /** Working directory. */
  workingDir?: string;
  /** Environment, resolved (field references already substituted). */
  envs: { key: string; value: string }[];
  /** Mounts. */
  mounts: CriMount[];
  /** Labels (rk8s keeps `io.kubernetes.*` identity labels here). */
  labels: Record<string, string>;
  /** Annotations. */
  annotations: Record<string, string>;
  /** Allocate a TTY. */
  tty: boolean;
  /** Signal sent first on stop (`lifecycle.stopSignal`); undefined for SIGTERM. */
  stopSignal?: string;
  /** Linux options. */
  linux: {
    /** Limits and requests as Kubernetes quantities. */
    resources: {
      limits: { cpu?: string; memory?: string };
      requests: { cpu?: string; memory?: string };
    };
    /** Security settings. */
    securityContext: CriSecurityContext;
  };
}

/** Status of a sandbox (CRI PodSandboxStatus subset). */
export interface PodSandboxStatus {
  /** Sandbox id. */
  id: string;
  /** Identity. */
  metadata: PodSandboxMetadata;
  /** Ready while the pause process runs. */
  state: SandboxState;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** Pod IPs, primary first; empty with host networking. */
  ips: string[];
  /** Network namespace path (empty with host networking). */
  netnsPath: string;
  /** PID of the pause process, when running. */
  pausePid?: number;
  /** The pod cgroup parent. */
  cgroupParent: string;
  /** Labels. */
  labels: Record<string, string>;
  /** Annotations. */
  annotations: Record<string, string>;
  /** The config it was created with. */
  config: PodSandboxConfig;
}

/** A sandbox in a list (CRI PodSandbox). */
export interface PodSandbox {
  /** Sandbox id. */
  id: string;
  /** Identity. */
  metadata: PodSandboxMetadata;
  /** State. */
  state: SandboxState;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** Labels. */
  labels: Record<string, string>;
}

/** Status of a container (CRI ContainerStatus subset). */
export interface CriContainerStatus {
  /** Container id. */
  id: string;
  /** Sandbox id. */
  podSandboxId: string;
  /** Name within the pod and attempt. */
  metadata: { name: string; attempt: number };
  /** State. */
  state: PodContainerState;
  /** Times, ms since the epoch (0 when not yet). */
  createdAt: number;
  /** Start time (0 when not started). */
  startedAt: number;
  /** Exit time (0 when running). */
  finishedAt: number;
  /** Exit code when exited. */
  exitCode?: number;
  /** `Completed`, `Error`, `OOMKilled`, ... */
  reason: string;
  /** Human-readable detail. */
  message: string;
  /** Image bundle. */
  image: string;
  /** PID of the container's init process while running. */
  pid?: number;
  /** The CRI-format log file. */
  logPath: string;
  /** Labels. */
  labels: Record<string, string>;
}

/** A container in a list (CRI Container). */
export interface CriContainer {
  /** Container id. */
  id: string;
  /** Sandbox id. */
  podSandboxId: string;
  /** Name within the pod and attempt. */
  metadata: { name: string; attempt: number };
  /** Image bundle. */
  image: string;
  /** State. */
  state: PodContainerState;
  /** Creation time. */
  createdAt: number;
  /** Labels. */
  labels: Record<string, string>;
}

/** Filter of {@linkcode RuntimeService.listPodSandbox}. */
export interface PodSandboxFilter {
  /** Only this id (or unique id prefix). */
  id?: string;
  /** Only this state. */
  state?: SandboxState;
  /** Only sandboxes with every one of these labels. */
  labelSelector?: Record<string, string>;
}

/** Filter of {@linkcode RuntimeService.listContainers}. */
export interface ContainerFilter {
  /** Only this id. */
  id?: string;
  /** Only containers of this sandbox. */
  podSandboxId?: string;
  /** Only this state. */
  state?: PodContainerState;
  /** Only containers with every one of these labels. */
  labelSelector?: Record<string, string>;
}

/** Result of {@linkcode RuntimeService.execSync}. */
export interface ExecSyncResult {
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** Exit code of the command. */
  exitCode: number;
}

/**
 * The CRI RuntimeService, as rk8s implements it on one host. Every mutating call undoes what it
 * acquired when it fails.
 */
export interface RuntimeService {
  /** Creates and starts a sandbox: pod cgroup, network, pause process. Returns its id. */
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container of the sandbox and the pause process; releases the network. */
  stopPodSandbox(id: string): Promise<void>;
  /** Removes a sandbox and its containers (stopping them first). Idempotent. */
  removePodSandbox(id: string): Promise<void>;
  /** Status of one sandbox. */
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  /** Lists sandboxes. */
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;
  /** Creates a container in a ready sandbox, joining its namespaces. Returns its id. */
  createContainer(
    podSandboxId: string,
    config: CriContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string>;
  /** Starts a created container. */
  startContainer(id: string): Promise<void>;
  /** Stops a container: SIGTERM, then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container (stopping it first). Idempotent. */
  removeContainer(id: string): Promise<void>;
  /** Lists containers. */
  listContainers(filter?: ContainerFilter): Promise<CriContainer[]>;
  /** Status of one container. */
  containerStatus(id: string): Promise<CriContainerStatus>;
  /** Runs a command in a running container and collects its output. */
  execSync(id: string, cmd: string[], timeoutSeconds?: number): Promise<ExecSyncResult>;
}
