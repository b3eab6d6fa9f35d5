/**
 * The contract between the container/pod layer (core/) and networking (net/). core/ never
 * imports net/: the CLI (or the daemon) passes a {@linkcode NetworkProvider} implemented in net/.
 *
 * @module
 */
import type { UndoStack } from "./undo.ts";

/** Transport protocol of a port, as in Kubernetes. */
export type Protocol = "TCP" | "UDP" | "SCTP";

/** A container port, optionally published on the host (`hostPort`). */
export interface PortMapping {
  /** Port inside the container or pod. */
  containerPort: number;
  /** Port on the host; undefined when not published. */
  hostPort?: number;
  /** Protocol, default TCP. */
  protocol: Protocol;
  /** Host address to publish on; undefined for all addresses. */
  hostIP?: string;
  /** Optional port name. */
  name?: string;
}

/** What a sandbox (single container or pod) asks of the network. */
export interface NetworkAttachRequest {
  /** Unique id of the sandbox (container id or pod sandbox id); the CNI container id. */
  id: string;
  /** Human name (container or pod name); written to /etc/hosts. */
  name: string;
  /** Hostname inside the sandbox; defaults to `name`. */
  hostname?: string;
  /** Kubernetes namespace, for pods (passed to plugins as K8S_POD_NAMESPACE). */
  namespace?: string;
  /** Network names to join; empty or undefined means the default network. */
  networks?: readonly string[];
  /** Ports to publish. */
  ports: readonly PortMapping[];
  /** Extra host entries, e.g. compose service names: `ip → names`. */
  extraHosts?: readonly { ip: string; names: readonly string[] }[];
  /**
   * DNS domain of a pod with `spec.subdomain` (`subdomain.namespace.svc.cluster.local`): its
   * hosts file maps the address to `hostname.domain` first, as the kubelet's does.
   */
  domain?: string;
  /**
   * Static IPv4 addresses by network name (compose `ipv4_address`, the multi-network
   * annotation's `ips`), asked of host-local through `CNI_ARGS` `IP=`; each must lie in its
   * network's subnet.
   */
  staticIps?: Readonly<Record<string, string>>;
  /**
   * Other namespaces of the sandbox for {@linkcode NetworkProvider.attachInBackground} to
   * create in the same process as the network namespace (one `unshare` for a pod's network,
   * IPC and UTS namespaces), each bind-mounted at its file, which exists and is empty; the
   * caller registered their release. A provider that did so says `pinned` in its answer; one
   * that ignores this leaves them to the caller.
   */
  alsoPin?: { ipc?: string; uts?: string };
}

/** The result of attaching a sandbox to its networks. */
export interface NetworkAttachment {
  /** Path of the bind-mounted network namespace to put in the OCI spec. */
  netnsPath: string;
  /** IP addresses assigned, first is the primary (e.g. `10.88.0.5`), without prefix length. */
  ips: string[];
  /** File to bind-mount at /etc/hosts. */
  hostsFile: string;
  /** File to bind-mount at /etc/resolv.conf. */
  resolvConfFile: string;
}

/**
 * An attachment whose namespace and files exist while its networks are still being set up
 * (see {@linkcode NetworkProvider.attachInBackground}).
 */
export interface PendingNetworkAttachment {
  /** Path of the bind-mounted network namespace to put in the OCI spec. */
  netnsPath: string;
  /** File to bind-mount at /etc/hosts (its content is final once `ready` resolved). */
  hostsFile: string;
  /** File to bind-mount at /etc/resolv.conf. */
  resolvConfFile: string;
  /**
   * Resolves with the attachment once every network is set up; rejects with the plugin's
   * error after everything was released.
   */
  ready: Promise<NetworkAttachment>;
  /** True when the request's `alsoPin` namespaces were created with the network namespace. */
  pinned?: boolean;
}

/** What garbage collection released. */
export interface NetworkGcReport {
  /** Sandbox ids whose attachments were torn down. */
  released: string[];
  /** Human-readable details (freed IPs, removed namespaces). */
  details: string[];
}

/**
 * Networking as seen by the container and pod layers.
 */
export interface NetworkProvider {
  /**
   * Creates a network namespace for the sandbox, runs CNI ADD on its networks and writes its
   * hosts/resolv.conf files. Registers its own undo steps on `undo` (CNI DEL is registered
   * before ADD runs), so a later failure of the caller releases everything.
   */
  attach(req: NetworkAttachRequest, undo: UndoStack): Promise<NetworkAttachment>;
  /**
   * Optional: like `attach`, but resolves once the namespace and the files exist, with CNI ADD
   * still running (`ready`), so the caller can create containers meanwhile; nothing may start
   * in the namespace before `ready` resolved. The undo step (detach once `ready` settled) is on
   * `undo` when this resolves.
   */
  attachInBackground?(
    req: NetworkAttachRequest,
    undo: UndoStack,
  ): Promise<PendingNetworkAttachment>;
  /** Runs CNI DEL (also when the namespace is gone), removes the namespace, frees IPs. Idempotent. */
  detach(id: string): Promise<void>;
  /** Releases every attachment whose id is not in `liveIds`. */
  gc(liveIds: ReadonlySet<string>): Promise<NetworkGcReport>;
}
