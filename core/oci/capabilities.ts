/**
 * Linux capability names and the Kubernetes `capabilities.add` / `capabilities.drop` rules
 * (as containerd applies them) turned into the process capability set of an OCI spec.
 *
 * @module
 */
import { RkError } from "../errors.ts";

/** Every Linux capability, in kernel number order (0 … 40, `CAP_CHECKPOINT_RESTORE`). */
export const LINUX_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];

const KNOWN = new Set(LINUX_CAPABILITIES);

/**
 * The canonical Kubernetes form of a capability name written as `NET_ADMIN`, `CAP_NET_ADMIN`
 * or `ALL` (any case): upper case without `CAP_` (`"ALL"` for all), or undefined when it names
 * no Linux capability.
 *
 * @example
 * ```ts
 * import { capabilityName } from "./capabilities.ts";
 * import assert from "node:assert/strict";
 * assert.equal(capabilityName("cap_net_admin"), "NET_ADMIN");
 * assert.equal(capabilityName("ALL"), "ALL");
 * assert.equal(capabilityName("NET_FLY"), undefined);
 * ```
 */
export function capabilityName(raw: string): string | undefined {
  const upper = raw.toUpperCase();
  if (upper === "ALL") return "ALL";
  const bare = upper.startsWith("CAP_") ? upper.slice(4) : upper;
  return KNOWN.has(`CAP_${bare}`) ? bare : undefined;
}

/** Capabilities to add to and drop from a default set (Kubernetes names, `ALL` allowed). */
export interface CapabilityChanges {
  /** Added after the drops of `ALL` (`ALL` adds every capability). */
  add?: readonly string[];
  /** Removed (`ALL` empties the default set before the additions). */
  drop?: readonly string[];
}

/** A capability name that is not a Linux capability. */
export class UnknownCapabilityError extends RkError {
  /** The name as given. */
  readonly capability: string;
  /** Creates the error for `capability`. */
  constructor(capability: string) {
    super(`"${capability}" is not a Linux capability`);
    this.name = "UnknownCapabilityError";
    this.capability = capability;
  }
}

/**
 * The capability set (`CAP_` names) that results from `changes` applied to `base`, the way
 * containerd does for Kubernetes: `drop: [ALL]` empties the set, then `add` appends (`ALL` adds
 * every capability), then every other `drop` entry is removed, so a capability both added and
 * dropped is dropped. Order is kept: base order, then additions in the order given.
 * Throws {@linkcode UnknownCapabilityError} for a name that is no Linux capability.
 *
 * @example
 * ```ts
 * import { applyCapabilityChanges } from "./capabilities.ts";
 * import assert from "node:assert/strict";
 * const base = ["CAP_CHOWN", "CAP_KILL"];
 * assert.deepEqual(
 *   applyCapabilityChanges(base, { add: ["NET_ADMIN"], drop: ["kill"] }),
 *   ["CAP_CHOWN", "CAP_NET_ADMIN"],
 * );
 * assert.deepEqual(
 *   applyCapabilityChanges(base, { drop: ["ALL"], add: ["CAP_NET_BIND_SERVICE"] }),
 *   ["CAP_NET_BIND_SERVICE"],
 * );
 * ```
 */
export function applyCapabilityChanges(
  base: readonly string[],
  changes: CapabilityChanges,
): string[] {
  const canon = (raw: string): string => {
    const n = capabilityName(raw);
    if (n === undefined) throw new UnknownCapabilityError(raw);
    return n === "ALL" ? n : `CAP_${n}`;
  };
  const add = (changes.add ?? []).map(canon);
  const drop = (changes.drop ?? []).map(canon);
  const out: string[] = drop.includes("ALL") ? [] : base.map(canon);
  for (const c of add.includes("ALL") ? LINUX_CAPABILITIES : add) {
    if (!out.includes(c)) out.push(c);
  }
  return out.filter((c) => !drop.includes(c));
}

/**
 * The capability names (`CAP_` form) of a hexadecimal mask as shown in `/proc/<pid>/status`
 * (`CapBnd:` and friends); bits past the last known capability are ignored.
 *
 * @example
 * ```ts
 * import { capabilitiesOfMask } from "./capabilities.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(capabilitiesOfMask("0000000000000401"), ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]);
 * ```
 */
export function capabilitiesOfMask(hex: string): string[] {
  if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) throw new RkError(`"${hex}" is not a capability mask`);
  const mask = BigInt(`0x${hex}`);
  return LINUX_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}
