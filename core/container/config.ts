/**
 * What a caller asks the engine to create: a CRI-like container config, independent of the
 * single-container YAML (pods and the daemon build it too).
 *
 * @module
 */
import type { PortMapping } from "../network.ts";
import type { NamespaceChoice } from "../oci/spec.ts";
import type { ResourceRequirements } from "../cgroup/linux_resources.ts";
import { RkError } from "../errors.ts";
import { containerConfigShape } from "./config_shape.ts";

/** An environment variable. */
export interface EnvVar {
  /** Name. */
  name: string;
  /** Value. */
  value: string;
}

/** A host path bind-mounted into the container. */
export interface VolumeMount {
  /** Host path (absolute). */
  hostPath: string;
  /** Path inside the container (absolute). */
  containerPath: string;
  /** Mount read-only. */
  readOnly?: boolean;
}

/**
 * Namespaces of a container. Omitted means a new one, except `network`: omitted means "let the
 * engine decide" (a network attachment from the engine's provider, else a new loopback-only
 * namespace). `{ path }` joins an existing namespace (a pod sandbox's); `"host"` shares the host's.
 */
export interface ContainerNamespaces {
  /** Network namespace. */
  network?: NamespaceChoice;
  /** IPC namespace. */
  ipc?: NamespaceChoice;
  /** UTS namespace. */
  uts?: NamespaceChoice;
  /** PID namespace. */
  pid?: NamespaceChoice;
}

/** Everything needed to create one container. */
export interface ContainerConfig {
  /** Unique name (DNS-1123 label). Pods should pass a node-unique name like `pod_container`. */
  name: string;
  /** Absolute path of the image: a bundle directory holding `rootfs/`. */
  image: string;
  /** Entrypoint; when absent `args` is the whole command line. */
  command?: string[];
  /** Arguments (or the whole command line when `command` is absent). */
  args?: string[];
  /** Environment, as a list (order kept) or a mapping. */
  env?: EnvVar[] | Record<string, string>;
  /** Working directory inside the container. */
  workingDir?: string;
  /** User and group ids; `additionalGids` are supplementary groups (pod `fsGroup`, ...). */
  user?: { uid: number; gid: number; additionalGids?: number[] };
  /** Namespaced kernel parameters to set (pod `securityContext.sysctls`). */
  sysctls?: Record<string, string>;
  /** Host binds. */
  mounts?: VolumeMount[];
  /** Mount the root filesystem read-only. */
  readOnlyRootFilesystem?: boolean;
  /** Limits and requests. */
  resources?: ResourceRequirements;
  /**
   * Kubernetes `securityContext.capabilities`: names (`NET_ADMIN` or `CAP_NET_ADMIN`, `ALL`)
   * added to and dropped from the default set (`DEFAULT_CAPABILITIES` of `../oci/spec.ts`):
   * `drop: [ALL]` empties it, then `add` appends, then the other drops are removed. Applied to
   * the bounding, effective and permitted sets. Ignored when `privileged`.
   */
  capabilities?: { add?: string[]; drop?: string[] };
  /**
   * Set no_new_privs on the process (Kubernetes `allowPrivilegeEscalation: false`): setuid
   * binaries and file capabilities no longer raise privileges. Default false.
   */
  noNewPrivileges?: boolean;
  /** Signal sent first on stop (`SIGUSR1`, ...); default SIGTERM (pod `lifecycle.stopSignal`). */
  stopSignal?: string;
  /**
   * Privileged (Kubernetes `securityContext.privileged`): every Linux capability, no masked or
   * read-only `/proc` paths, `/sys` and `/sys/fs/cgroup` read-write, all devices allowed by the
   * devices cgroup. `/dev` is still the container's own tmpfs (no host device nodes).
   */
  privileged?: boolean;
  /** Hostname (default: the name, when the UTS namespace is new). */
  hostname?: string;
  /** Use the host's network namespace (single containers). */
  hostNetwork?: boolean;
  /** Namespace choices (pods join the sandbox's by path). */
  namespaces?: ContainerNamespaces;
  /** cgroup parent (cgroupfs path, e.g. `/rkl/pod-abc`); default `/rkl`. */
  cgroupParent?: string;
  /** File bind-mounted at /etc/hosts. */
  hostsFile?: string;
  /** File bind-mounted at /etc/resolv.conf. */
  resolvConfFile?: string;
  /** Ports (recorded; published by the network provider). */
  ports?: PortMapping[];
  /** Networks to join when the engine attaches the container itself. */
  networks?: string[];
  /** Labels. */
  labels?: Record<string, string>;
  /** Owner, e.g. the pod sandbox id; undefined for single containers. */
  owner?: string;
}

/**
 * The argv of the container's init process: `command` + `args`, or `args` alone.
 *
 * @example
 * ```ts
 * import { processArgs } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(processArgs({ name: "a", image: "/i", args: ["sleep", "1"] }), ["sleep", "1"]);
 * assert.deepEqual(
 *   processArgs({ name: "a", image: "/i", command: ["sh", "-c"], args: ["echo hi"] }),
 *   ["sh", "-c", "echo hi"],
 * );
 * ```
 */
export function processArgs(config: ContainerConfig): string[] {
  const argv = [...(config.command ?? []), ...(config.args ?? [])];
  if (argv.length === 0) {
    throw new RkError(`Container "${config.name}" has neither command nor args`);
  }
  return argv;
}

/**
 * The environment as `[name, value]` pairs in order.
 *
 * @example
 * ```ts
 * import { envPairs } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(envPairs({ A: "1" }), [["A", "1"]]);
 * assert.deepEqual(envPairs([{ name: "B", value: "2" }]), [["B", "2"]]);
 * ```
 */
export function envPairs(env: ContainerConfig["env"]): [string, string][] {
  if (env === undefined) return [];
  if (Array.isArray(env)) return env.map((e) => [e.name, e.value]);
  return Object.entries(env);
}

/** DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, ≤ 63. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Why `name` is not a valid container name, or undefined when it is. Container names are
 * DNS-1123 labels; `_` and `.` are also accepted so pods can compose `pod_container` names.
 *
 * @example
 * ```ts
 * import { containerNameProblem } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(containerNameProblem("web-1"), undefined);
 * assert.match(containerNameProblem("Web")!, /DNS-1123/);
 * ```
 */
export function containerNameProblem(name: string, allowSeparators = false): string | undefined {
  const parts = allowSeparators ? name.split(/[_.]/) : [name];
  if (name.length > (allowSeparators ? 253 : 63)) return `"${name}" is longer than 63 characters`;
  for (const p of parts) {
    if (!DNS1123_LABEL.test(p) || p.length > 63) {
      return `"${name}" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`;
    }
  }
  return undefined;
}

/**
 * Parses a stored config (JSON from the database) back into a {@linkcode ContainerConfig},
 * checking every field.
 *
 * @example
 * ```ts
 * import { parseContainerConfig } from "./config.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseContainerConfig({ name: "a", image: "/i", args: ["sh"] }).name, "a");
 * assert.throws(() => parseContainerConfig({ name: 1 }), /name: expected text, got number 1/);
 * assert.throws(
 *   () => parseContainerConfig({ name: "a", image: "/i", resources: { limits: { cpu: [] } } }),
 *   /resources\.limits\.cpu: expected text or a number/,
 * );
 * ```
 *
 * @throws {import("../store/shape.ts").ShapeError} Naming the field that does not have its
 * type.
 */
export function parseContainerConfig(value: unknown): ContainerConfig {
  return containerConfigShape(value, "");
}
