/**
 * Typed OCI runtime spec (the subset rk8s writes) and a builder that starts from defaults like
 * `runc spec` and applies typed overrides. Never a string template.
 *
 * @module
 */
import {
  applyCapabilityChanges,
  type CapabilityChanges,
  LINUX_CAPABILITIES,
} from "./capabilities.ts";

/** A mount in the container. */
export interface Mount {
  /** Absolute path inside the container. */
  destination: string;
  /** Filesystem type (`proc`, `tmpfs`, `bind`, ...). */
  type?: string;
  /** Source path or device. */
  source?: string;
  /** Mount options. */
  options?: string[];
}

/** A process resource limit. */
export interface Rlimit {
  /** `RLIMIT_NOFILE`, ... */
  type: string;
  /** Hard limit. */
  hard: number;
  /** Soft limit. */
  soft: number;
}

/** Capability sets of the process. */
export interface Capabilities {
  /** Bounding set. */
  bounding: string[];
  /** Effective set. */
  effective: string[];
  /** Permitted set. */
  permitted: string[];
}

/** The container's init process. */
export interface Process {
  /** Attach a terminal. Always false: conmon keeps pipes. */
  terminal: boolean;
  /** User and group ids. */
  user: { uid: number; gid: number; additionalGids?: number[] };
  /** argv. */
  args: string[];
  /** `KEY=value` entries. */
  env: string[];
  /** Working directory (absolute). */
  cwd: string;
  /** Capabilities. */
  capabilities: Capabilities;
  /** Resource limits. */
  rlimits: Rlimit[];
  /** Set no_new_privs. */
  noNewPrivileges: boolean;
}

/** A namespace type in `linux.namespaces`. */
export type NamespaceType = "pid" | "network" | "ipc" | "uts" | "mount" | "cgroup" | "user";

/** A namespace to create (no path) or join (path). */
export interface Namespace {
  /** Namespace type. */
  type: NamespaceType;
  /** Join the namespace at this path instead of creating one. */
  path?: string;
}

/** CPU controls. */
export interface LinuxCpu {
  /** Relative weight (cgroup v1 `cpu.shares`). */
  shares?: number;
  /** CFS quota in microseconds per period. */
  quota?: number;
  /** CFS period in microseconds. */
  period?: number;
}

/** Memory controls. */
export interface LinuxMemory {
  /** Hard limit in bytes. */
  limit?: number;
  /** Soft limit (reservation) in bytes. */
  reservation?: number;
}

/** A device cgroup rule. */
export interface DeviceRule {
  /** Allow or deny. */
  allow: boolean;
  /** `rwm` subset. */
  access?: string;
  /** `c`, `b` or `a`. */
  type?: string;
  /** Major number. */
  major?: number;
  /** Minor number. */
  minor?: number;
}

/** `linux.resources`. */
export interface LinuxResources {
  /** Device rules. */
  devices?: DeviceRule[];
  /** CPU. */
  cpu?: LinuxCpu;
  /** Memory. */
  memory?: LinuxMemory;
  /** Pids limit. */
  pids?: { limit: number };
}

/** The `linux` section. */
export interface Linux {
  /** Namespaces; a type that is absent means the host's namespace. */
  namespaces: Namespace[];
  /** Cgroup path (cgroupfs driver: `/parent/id`). */
  cgroupsPath?: string;
  /** Resource limits. */
  resources: LinuxResources;
  /** Paths masked from the container. */
  maskedPaths: string[];
  /** Paths mounted read-only. */
  readonlyPaths: string[];
  /** Kernel parameters set in the container's namespaces (`net.*`, `kernel.shm*`, ...). */
  sysctl?: Record<string, string>;
}

/** An OCI runtime spec (`config.json`). */
export interface OciSpec {
  /** Spec version. */
  ociVersion: string;
  /** Init process. */
  process: Process;
  /** Root filesystem. */
  root: { path: string; readonly: boolean };
  /** Hostname (needs a UTS namespace). */
  hostname?: string;
  /** Mounts, in order. */
  mounts: Mount[];
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Linux specifics. */
  linux: Linux;
}

/** The default PATH of a container process. */
export const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * Default capabilities: the set containerd and CRI-O give Kubernetes containers (a superset of
 * `runc spec`'s three, so `chown`, `setuid` and raw sockets work as users expect).
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Paths masked as in `runc spec`. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/sys/firmware",
  "/proc/scsi",
];

/** Read-only paths as in `runc spec`. */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

/** How a namespace is provided: a new one, the host's, or joining one at a path. */
export type NamespaceChoice = "new" | "host" | { path: string };

/** A bind mount from the host. */
export interface BindMount {
  /** Host path. */
  hostPath: string;
  /** Path in the container. */
  containerPath: string;
  /** Mount read-only. */
  readOnly?: boolean;
}

/** Typed inputs of {@linkcode buildSpec}. Everything but `args` and `rootfs` has a default. */
export interface SpecOptions {
  /** argv of the init process. */
  args: string[];
  /** Absolute path of the root filesystem (the overlay's merged dir). */
  rootfs: string;
  /** Extra environment (`PATH` is added when missing). */
  env?: readonly (readonly [string, string])[];
  /** Working directory, default `/`. */
  cwd?: string;
  /** User, default root; `additionalGids` are the process's supplementary groups. */
  user?: { uid: number; gid: number; additionalGids?: readonly number[] };
  /** Namespaced kernel parameters to set (`linux.sysctl`). */
  sysctls?: Readonly<Record<string, string>>;
  /** Mount the root read-only. */
  readonlyRootfs?: boolean;
  /** Hostname; set only when the UTS namespace is new. */
  hostname?: string;
  /** Host binds, applied after the default mounts. */
  binds?: readonly BindMount[];
  /** Namespace choices; mount is always new. Defaults: all new. */
  namespaces?: Partial<Record<"pid" | "network" | "ipc" | "uts" | "cgroup", NamespaceChoice>>;
  /** cgroup path for the cgroupfs driver. */
  cgroupsPath?: string;
  /** Resource limits (from {@linkcode import("../cgroup/linux_resources.ts").linuxResources}). */
  resources?: LinuxResources;
  /**
   * Hard limit of RLIMIT_NOFILE the caller has; the generated limit never exceeds it. When
   * undefined no rlimits are set, so the container inherits the caller's (always allowed).
   */
  nofileHardLimit?: number;
  /** Annotations. */
  annotations?: Record<string, string>;
  /** Base capabilities (`CAP_` names); default {@linkcode DEFAULT_CAPABILITIES}. */
  capabilities?: readonly string[];
  /** Kubernetes `capabilities.add` / `drop`, applied to the base set (see `capabilities.ts`). */
  capabilityChanges?: CapabilityChanges;
  /** Set the process's no_new_privs flag (Kubernetes `allowPrivilegeEscalation: false`). */
  noNewPrivileges?: boolean;
  /**
   * Privileged container: every capability the caller holds (`availableCapabilities`;
   * capability changes ignored), no masked or
   * read-only `/proc` paths, `/sys` and `/sys/fs/cgroup` mounted read-write and a devices
   * cgroup that allows every device. `/dev` stays the private tmpfs (host device nodes are not
   * copied in; `mknod` works since the devices cgroup allows it).
   */
  privileged?: boolean;
  /**
   * The capabilities the caller holds (its bounding set): a privileged container gets these
   * (a runtime cannot grant more). Default: every Linux capability.
   */
  availableCapabilities?: readonly string[];
}

/** RLIMIT_NOFILE wanted by default (as Docker and containerd), capped by the caller's limit. */
export const DEFAULT_NOFILE = 1_048_576;

/** The default mounts of `runc spec`. */
function defaultMounts(): Mount[] {
  return [
    { destination: "/proc", type: "proc", source: "proc" },
    {
      destination: "/dev",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    {
      destination: "/dev/shm",
      type: "tmpfs",
      source: "shm",
      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
    },
    {
      destination: "/dev/mqueue",
      type: "mqueue",
      source: "mqueue",
      options: ["nosuid", "noexec", "nodev"],
    },
    {
      destination: "/sys",
      type: "sysfs",
      source: "sysfs",
      options: ["nosuid", "noexec", "nodev", "ro"],
    },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
    },
  ];
}

/**
 * Builds a complete OCI spec from typed options. Defaults follow `runc spec` (mounts, masked
 * and read-only paths, all namespaces new, devices denied) with `terminal: false` for conmon,
 * the Kubernetes default capabilities (changed by `capabilityChanges`), no_new_privs off (as
 * Kubernetes' default `allowPrivilegeEscalation: true`) and RLIMIT_NOFILE capped at the
 * caller's hard limit (or inherited when that limit is unknown). `privileged` lifts the
 * restrictions (see {@linkcode SpecOptions.privileged}).
 * A namespace that is the host's (`"host"`) is left out of `linux.namespaces`.
 *
 * @example
 * ```ts
 * import { buildSpec } from "./spec.ts";
 * import assert from "node:assert/strict";
 * const s = buildSpec({
 *   args: ["sleep", "1"], rootfs: "/r",
 *   namespaces: { network: { path: "/run/netns/x" } }, nofileHardLimit: 20000,
 * });
 * assert.deepEqual(s.linux.namespaces.find((n) => n.type === "network"), {
 *   type: "network", path: "/run/netns/x",
 * });
 * assert.equal(s.process.rlimits[0]?.hard, 20000);
 * assert.equal(s.process.terminal, false);
 * ```
 */
export function buildSpec(opts: SpecOptions): OciSpec {
  const env = new Map<string, string>();
  env.set("PATH", DEFAULT_PATH.slice("PATH=".length));
  for (const [k, v] of opts.env ?? []) env.set(k, v);
  if (opts.hostname !== undefined && !env.has("HOSTNAME")) env.set("HOSTNAME", opts.hostname);
  const nofile = opts.nofileHardLimit === undefined
    ? undefined
    : Math.min(DEFAULT_NOFILE, opts.nofileHardLimit);
  const privileged = opts.privileged ?? false;
  const caps = privileged
    ? LINUX_CAPABILITIES.filter((c) => opts.availableCapabilities?.includes(c) ?? true)
    : applyCapabilityChanges(
      opts.capabilities ?? DEFAULT_CAPABILITIES,
      opts.capabilityChanges ?? {},
    );

  const choices: Record<"pid" | "network" | "ipc" | "uts", NamespaceChoice> = {
    pid: opts.namespaces?.pid ?? "new",
    network: opts.namespaces?.network ?? "new",
    ipc: opts.namespaces?.ipc ?? "new",
    uts: opts.namespaces?.uts ?? "new",
  };
  const namespaces: Namespace[] = [];
  for (const type of ["pid", "network", "ipc", "uts"] as const) {
    const c = choices[type];
    if (c === "host") continue;
    namespaces.push(c === "new" ? { type } : { type, path: c.path });
  }
  namespaces.push({ type: "mount" });
  const cg = opts.namespaces?.cgroup;
  if (cg !== undefined && cg !== "host") {
    namespaces.push(cg === "new" ? { type: "cgroup" } : { type: "cgroup", path: cg.path });
  }

  const mounts = defaultMounts();
  if (privileged) {
    for (const m of mounts) {
      if ((m.type === "sysfs" || m.type === "cgroup") && m.options) {
        m.options = m.options.map((o) => o === "ro" ? "rw" : o);
      }
    }
  }
  for (const b of opts.binds ?? []) {
    mounts.push({
      destination: b.containerPath,
      type: "bind",
      source: b.hostPath,
      options: ["rbind", "rprivate", b.readOnly ? "ro" : "rw"],
    });
  }

  const spec: OciSpec = {
    ociVersion: "1.0.2-dev",
    process: {
      terminal: false,
      user: { uid: opts.user?.uid ?? 0, gid: opts.user?.gid ?? 0 },
      args: [...opts.args],
      env: [...env].map(([k, v]) => `${k}=${v}`),
      cwd: opts.cwd ?? "/",
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      rlimits: nofile === undefined ? [] : [{ type: "RLIMIT_NOFILE", hard: nofile, soft: nofile }],
      noNewPrivileges: opts.noNewPrivileges ?? false,
    },
    root: { path: opts.rootfs, readonly: opts.readonlyRootfs ?? false },
    mounts,
    linux: {
      namespaces,
      resources: {
        devices: [{ allow: privileged, access: "rwm" }],
        ...opts.resources,
      },
      maskedPaths: privileged ? [] : [...DEFAULT_MASKED_PATHS],
      readonlyPaths: privileged ? [] : [...DEFAULT_READONLY_PATHS],
    },
  };
  // A UTS namespace of its own or one it joins by path (a pod's pinned one): the runtime sets
  // the hostname there; never in the host's.
  if (opts.hostname !== undefined && choices.uts !== "host") spec.hostname = opts.hostname;
  if (opts.cgroupsPath !== undefined) spec.linux.cgroupsPath = opts.cgroupsPath;
  if (opts.user?.additionalGids?.length) {
    spec.process.user.additionalGids = [...opts.user.additionalGids];
  }
  if (opts.sysctls && Object.keys(opts.sysctls).length > 0) {
    spec.linux.sysctl = { ...opts.sysctls };
  }
  if (opts.annotations) spec.annotations = { ...opts.annotations };
  return spec;
}

// In its own module so that opening an engine does not load the spec builder.
export { parseNofileHardLimit } from "./nofile_limit.ts";
