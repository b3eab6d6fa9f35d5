/**
 * The normalized Compose model rk8s runs: every short syntax expanded, paths absolute, variables
 * interpolated, defaults applied. Produced by `normalizeCompose`, printed by `rkl compose config`.
 *
 * @module
 */
import type { ManifestWarning } from "../manifest_reader.ts";
import type { ServicePort, ServiceVolume } from "./syntax.ts";

export type { ServicePort, ServiceVolume } from "./syntax.ts";

/** `depends_on` conditions. */
export type DependencyCondition =
  | "service_started"
  | "service_healthy"
  | "service_completed_successfully";

/** One `depends_on` entry. */
export interface ServiceDependency {
  /** What to wait for. */
  condition: DependencyCondition;
  /** Restart this service when the dependency is updated (recorded; not acted on yet). */
  restart: boolean;
  /** When false, a missing or failed dependency only warns. */
  required: boolean;
}

/** A healthcheck; durations in milliseconds. */
export interface ServiceHealthcheck {
  /** The command run in the container: an argv (`CMD`) or `["/bin/sh", "-c", CMD]` (`CMD-SHELL`). */
  test: string[];
  /** Time between checks (default 30 s). */
  intervalMs: number;
  /** Time after which a check fails (default 30 s). */
  timeoutMs: number;
  /** Consecutive failures before unhealthy (default 3). */
  retries: number;
  /** Grace period during which failures do not count (default 0). */
  startPeriodMs: number;
  /** Time between checks during the start period (default 5 s). */
  startIntervalMs: number;
}

/** A `configs` or `secrets` reference of a service. */
export interface ServiceFileRef {
  /** Name in the top-level `configs`/`secrets`. */
  source: string;
  /** Absolute path in the container (`/NAME` for configs, `/run/secrets/NAME` for secrets). */
  target: string;
}

/** A service's attachment to a network. */
export interface ServiceNetwork {
  /** Extra names other services on this network resolve to this service. */
  aliases: string[];
  /** Fixed IPv4 address (recorded; rk8s allocates addresses with host-local). */
  ipv4Address?: string;
}

/** `restart` policies. */
export type ComposeRestart = "no" | "always" | "on-failure" | "unless-stopped";

/** One normalized service. */
export interface ComposeService {
  /** Service name (key under `services`). */
  name: string;
  /** Absolute path of the image bundle. */
  image: string;
  /** `entrypoint` as an argv. */
  entrypoint?: string[];
  /** `command` as an argv. */
  command?: string[];
  /** Environment (env_file values, then `environment`), sorted by key. */
  environment: Record<string, string>;
  /** Ports (published or not), ranges expanded. */
  ports: ServicePort[];
  /** Exposed container ports (`80`, `8000-8001/udp` expanded). */
  expose: ServicePort[];
  /** Mounts: binds (absolute sources), named and anonymous volumes, tmpfs. */
  volumes: ServiceVolume[];
  /** Networks by compose network name. */
  networks: Record<string, ServiceNetwork>;
  /** Dependencies by service name. */
  dependsOn: Record<string, ServiceDependency>;
  /** Healthcheck, undefined when none or disabled. */
  healthcheck?: ServiceHealthcheck;
  /** Restart policy (default `no`). */
  restart: ComposeRestart;
  /** `on-failure:N`. */
  restartMaxRetries?: number;
  /** `container_name`. */
  containerName?: string;
  /** `hostname`. */
  hostname?: string;
  /** `working_dir`. */
  workingDir?: string;
  /**
   * `user` resolved to ids against the image's /etc/passwd and /etc/group (docker's rules):
   * uid, primary gid, and the supplementary groups that list the user.
   */
  user?: { uid: number; gid?: number; groups?: number[] };
  /** `labels`. */
  labels: Record<string, string>;
  /** `configs`. */
  configs: ServiceFileRef[];
  /** `secrets`. */
  secrets: ServiceFileRef[];
  /** CPU limit in cores (`cpus`, `deploy.resources.limits.cpus`). */
  cpus?: number;
  /** Memory limit in bytes. */
  memLimit?: number;
  /** CPU reservation in cores. */
  cpuReservation?: number;
  /** Memory reservation in bytes. */
  memReservation?: number;
  /** Replicas (`deploy.replicas`, `scale`; default 1). */
  replicas: number;
  /** True when `deploy.replicas` was set (convert prints a Deployment). */
  deployReplicas: boolean;
  /** `stop_signal`, as a signal name (`SIGUSR1`). */
  stopSignal?: string;
  /** `stop_grace_period` in ms (default 10 s). */
  stopGracePeriodMs: number;
  /** `init`. */
  init: boolean;
  /** `read_only`. */
  readOnly: boolean;
  /** `cap_add`. */
  capAdd: string[];
  /** `cap_drop`. */
  capDrop: string[];
  /** `privileged`. */
  privileged: boolean;
  /** `extra_hosts`: host name → address. */
  extraHosts: Record<string, string>;
  /** `dns` servers. */
  dns: string[];
  /** `dns_search` domains. */
  dnsSearch?: string[];
  /** `dns_opt` resolv.conf options (`ndots:2`, `rotate`). */
  dnsOptions?: string[];
  /** `profiles`. */
  profiles: string[];
}

/** A top-level network. */
export interface ComposeNetwork {
  /** The CNI network name (`PROJECT_NAME`, or `name:`, or the external name). */
  name: string;
  /** Managed elsewhere: never created or removed. */
  external: boolean;
  /** `ipam.config[0].subnet`. */
  subnet?: string;
  /** `internal: true`. */
  internal: boolean;
}

/** A top-level volume. */
export interface ComposeVolume {
  /** The volume's name on the host (`PROJECT_NAME`, or `name:`, or the external name). */
  name: string;
  /** Managed elsewhere: never created or removed. */
  external: boolean;
}

/** A top-level config or secret: where its content comes from. */
export type ComposeFileSource =
  | { kind: "file"; file: string }
  | { kind: "environment"; variable: string }
  | { kind: "content"; content: string }
  | { kind: "external" };

/** The normalized project. */
export interface ComposeModel {
  /** Project name. */
  name: string;
  /** Project directory (relative paths resolve against it). */
  workingDir: string;
  /** The files read, in order. */
  files: string[];
  /** Active services, by name (profiles applied). */
  services: Record<string, ComposeService>;
  /** Networks used by the active services, by compose name. */
  networks: Record<string, ComposeNetwork>;
  /** Named volumes, by compose name. */
  volumes: Record<string, ComposeVolume>;
  /** Configs, by name. */
  configs: Record<string, ComposeFileSource>;
  /** Secrets, by name. */
  secrets: Record<string, ComposeFileSource>;
}

/** A loaded project and what was noticed while loading it. */
export interface LoadedCompose {
  /** The model. */
  model: ComposeModel;
  /** Unsupported keys, unset variables and similar. */
  warnings: ManifestWarning[];
}
