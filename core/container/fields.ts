/**
 * Parsing of the Kubernetes container fields that the single-container manifest
 * (`manifest.ts`) and the pod manifest (`../pod/pod_manifest.ts`) have in common: `command` and
 * `args`, environment variable names and values, absolute paths (`workingDir`, `mountPath`),
 * `ports`, `resources` with quantity validation and the basic `securityContext` fields.
 *
 * Each caller keeps its own extras (env `valueFrom`, volume mounts, name rules) and its own
 * wording where the two manifests word an error differently; the helpers take that wording as a
 * parameter so messages, field paths and positions stay what each manifest always reported.
 *
 * @module
 */
import { isAbsolute } from "node:path";
import type { ManifestField } from "../manifest_reader.ts";
import type { PortMapping, Protocol } from "../network.ts";
import { capabilityName } from "../oci/capabilities.ts";
import { cpuMillis, memoryBytes, QuantityError } from "../quantity.ts";

/**
 * The fields of a Kubernetes container that both manifests understand. Callers add their own
 * extras when they call `known()`.
 *
 * @example
 * ```ts
 * import { CONTAINER_FIELDS } from "./fields.ts";
 * import assert from "node:assert/strict";
 * assert.ok(CONTAINER_FIELDS.includes("securityContext"));
 * ```
 */
export const CONTAINER_FIELDS: readonly string[] = [
  "name",
  "image",
  "command",
  "args",
  "env",
  "workingDir",
  "ports",
  "resources",
  "volumeMounts",
  "securityContext",
];

/**
 * The `securityContext` fields both manifests apply: `readOnlyRootFilesystem`, `runAsUser`,
 * `runAsGroup`, `privileged`, `allowPrivilegeEscalation`, `capabilities`.
 *
 * @example
 * ```ts
 * import { SECURITY_CONTEXT_FIELDS } from "./fields.ts";
 * import assert from "node:assert/strict";
 * assert.ok(SECURITY_CONTEXT_FIELDS.includes("runAsUser"));
 * ```
 */
export const SECURITY_CONTEXT_FIELDS: readonly string[] = [
  "readOnlyRootFilesystem",
  "runAsUser",
  "runAsGroup",
  "privileged",
  "allowPrivilegeEscalation",
  "capabilities",
];

/** `command` and `args` of a container; a key is absent when the manifest does not set it. */
export interface CommandArgs {
  /** Entrypoint override. */
  command?: string[];
  /** Arguments. */
  args?: string[];
}

/**
 * Reads `command` and `args` (lists of strings) of the container mapping `f`.
 *
 * @example
 * ```ts
 * import { commandAndArgs } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("args: [sleep, '1']\n", "c.yaml");
 * assert.deepEqual(commandAndArgs(root), { args: ["sleep", "1"] });
 * ```
 */
export function commandAndArgs(f: ManifestField): CommandArgs {
  const out: CommandArgs = {};
  const command = f.stringArray("command");
  if (command !== undefined) out.command = command;
  const args = f.stringArray("args");
  if (args !== undefined) out.args = args;
  return out;
}

/**
 * Checks the environment variable entry `e` (a mapping with the keys in `fields`) and returns
 * its `name`; `problem` says why a name is not acceptable (each manifest has its own rule).
 *
 * @example
 * ```ts
 * import { envVarName } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("name: A=B\n", "c.yaml");
 * assert.throws(
 *   () => envVarName(root, ["name", "value"], (n) => n.includes("=") ? `bad "${n}"` : undefined),
 *   /c.yaml:1:\d+: name: bad "A=B"/,
 * );
 * ```
 */
export function envVarName(
  e: ManifestField,
  fields: readonly string[],
  problem: (name: string) => string | undefined,
): string {
  e.object().known(fields);
  const name = e.requiredString("name");
  const reason = problem(name);
  if (reason) throw e.get("name").error(reason);
  return name;
}

/**
 * The literal `value` of the environment variable entry `e` (numbers become strings, an absent
 * value is `""`).
 *
 * @example
 * ```ts
 * import { envVarValue } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * assert.equal(envVarValue(readManifest("name: N\nvalue: 3\n", "c.yaml").root), "3");
 * assert.equal(envVarValue(readManifest("name: N\n", "c.yaml").root), "");
 * ```
 */
export function envVarValue(e: ManifestField): string {
  const v = e.get("value");
  return v.isNull ? "" : v.stringOrNumber();
}

/**
 * The string at `f`, which must be an absolute path. The error reads
 * `<label> must be an absolute path, got "p"` with a label, `expected an absolute path, got "p"`
 * without.
 *
 * @example
 * ```ts
 * import { absolutePath } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("workingDir: tmp\n", "c.yaml");
 * assert.throws(
 *   () => absolutePath(root.get("workingDir"), "workingDir"),
 *   /workingDir: workingDir must be an absolute path, got "tmp"/,
 * );
 * ```
 */
export function absolutePath(f: ManifestField, label?: string): string {
  const p = f.string();
  if (!isAbsolute(p)) {
    throw f.error(
      label === undefined
        ? `expected an absolute path, got "${p}"`
        : `${label} must be an absolute path, got "${p}"`,
    );
  }
  return p;
}

/** Options of {@linkcode containerPort}. */
export interface PortOptions {
  /** Accept `tcp`, `udp` and `sctp` in any case (the single-container manifest does). */
  ignoreProtocolCase: boolean;
}

/**
 * Parses one `ports[]` entry: `containerPort` (required), `hostPort`, `protocol` (default TCP),
 * `hostIP`, `name`.
 *
 * @example
 * ```ts
 * import { containerPort } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("containerPort: 80\nprotocol: udp\n", "c.yaml");
 * assert.deepEqual(containerPort(root, { ignoreProtocolCase: true }), {
 *   containerPort: 80,
 *   protocol: "UDP",
 * });
 * assert.throws(() => containerPort(root, { ignoreProtocolCase: false }), /got "udp"/);
 * ```
 */
export function containerPort(f: ManifestField, opts: PortOptions): PortMapping {
  f.object().known(["containerPort", "hostPort", "protocol", "hostIP", "name"]);
  const cp = f.get("containerPort");
  if (cp.isNull) throw cp.error("required field is missing");
  const port: PortMapping = { containerPort: cp.integer(1, 65535), protocol: "TCP" };
  const hostPort = f.optionalInteger("hostPort", 1, 65535);
  if (hostPort !== undefined) port.hostPort = hostPort;
  const protoField = f.get("protocol");
  if (!protoField.isNull) {
    const written = protoField.string();
    const proto = opts.ignoreProtocolCase ? written.toUpperCase() : written;
    if (proto !== "TCP" && proto !== "UDP" && proto !== "SCTP") {
      throw protoField.error(`expected TCP, UDP or SCTP, got "${written}"`);
    }
    port.protocol = proto satisfies Protocol;
  }
  const hostIP = f.optionalString("hostIP");
  if (hostIP !== undefined) port.hostIP = hostIP;
  const name = f.optionalString("name");
  if (name !== undefined) port.name = name;
  return port;
}

/** Resource quantities as written in the manifest (`cpu: 500m`, `memory: 512Mi`). */
export interface ResourceQuantities {
  /** CPU quantity. */
  cpu?: string;
  /** Memory quantity. */
  memory?: string;
}

/** `resources` as written; a group is absent when the manifest does not set it. */
export interface ResourceGroups {
  /** Hard limits. */
  limits?: ResourceQuantities;
  /** Requests. */
  requests?: ResourceQuantities;
}

/**
 * Why `raw` is not a valid `cpu` or `memory` quantity (the reason of the parser that turns
 * quantities into cgroup limits), or undefined when it is one.
 *
 * @example
 * ```ts
 * import { quantityReason } from "./fields.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quantityReason("500m", "cpu"), undefined);
 * assert.equal(typeof quantityReason("2x", "cpu"), "string");
 * ```
 */
export function quantityReason(raw: string, kind: "cpu" | "memory"): string | undefined {
  try {
    if (kind === "cpu") cpuMillis(raw);
    else memoryBytes(raw);
    return undefined;
  } catch (e) {
    if (e instanceof QuantityError) return e.reason;
    throw e;
  }
}

/** Options of {@linkcode containerResources}. */
export interface ResourceOptions {
  /** Keys accepted inside `limits` and `requests` (others are "unknown field" warnings). */
  quantityFields: readonly string[];
  /** The error message for an invalid quantity, or undefined when `raw` is valid. */
  problem: (raw: string, kind: "cpu" | "memory") => string | undefined;
}

/**
 * Parses `resources` (`limits` and `requests`, each with `cpu` and `memory`), validating every
 * quantity. Returns undefined when `resources` is absent.
 *
 * @example
 * ```ts
 * import { containerResources, quantityReason } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("limits: {cpu: 500m}\n", "c.yaml");
 * const problem = (raw: string, kind: "cpu" | "memory") =>
 *   quantityReason(raw, kind) === undefined ? undefined : `bad ${kind}`;
 * assert.deepEqual(
 *   containerResources(root, { quantityFields: ["cpu", "memory"], problem }),
 *   { limits: { cpu: "500m" } },
 * );
 * ```
 */
export function containerResources(
  f: ManifestField,
  opts: ResourceOptions,
): ResourceGroups | undefined {
  if (f.isNull) return undefined;
  f.object().known(["limits", "requests"]);
  const out: ResourceGroups = {};
  for (const group of ["limits", "requests"] as const) {
    const g = f.get(group);
    if (g.isNull) continue;
    g.object().known(opts.quantityFields);
    const q: ResourceQuantities = {};
    for (const kind of ["cpu", "memory"] as const) {
      const field = g.get(kind);
      if (field.isNull) continue;
      const raw = field.stringOrNumber();
      const problem = opts.problem(raw, kind);
      if (problem) throw field.error(problem);
      q[kind] = raw;
    }
    out[group] = q;
  }
  return out;
}

/** Highest valid user or group id: 2³²−1 is `(uid_t)-1`, which Linux reads as "no id". */
export const MAX_ID: number = 2 ** 32 - 2;

/**
 * Reads `runAsUser` and `runAsGroup` of the `securityContext` mapping `sc`, each an integer from
 * 0 to {@linkcode MAX_ID}.
 *
 * @example
 * ```ts
 * import { runAsIds } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("runAsUser: 1000\n", "c.yaml");
 * assert.deepEqual(runAsIds(root), { runAsUser: 1000 });
 * ```
 */
export function runAsIds(sc: ManifestField): { runAsUser?: number; runAsGroup?: number } {
  const out: { runAsUser?: number; runAsGroup?: number } = {};
  const user = sc.optionalInteger("runAsUser", 0, MAX_ID);
  if (user !== undefined) out.runAsUser = user;
  const group = sc.optionalInteger("runAsGroup", 0, MAX_ID);
  if (group !== undefined) out.runAsGroup = group;
  return out;
}

/** The privilege fields of a `securityContext`; a key is absent when the manifest omits it. */
export interface PrivilegeFields {
  /** `privileged`. */
  privileged?: boolean;
  /** `allowPrivilegeEscalation`. */
  allowPrivilegeEscalation?: boolean;
  /** `capabilities`, names in canonical form (upper case, no `CAP_`, or `ALL`). */
  capabilities?: { add: string[]; drop: string[] };
}

/**
 * Reads `privileged`, `allowPrivilegeEscalation` and `capabilities` (`add` and `drop`, lists of
 * Linux capability names written `NET_ADMIN` or `CAP_NET_ADMIN`, any case, or `ALL`) of the
 * `securityContext` mapping `sc`. An unknown capability name is an error at its list item;
 * `privileged: true` with `allowPrivilegeEscalation: false` is an error, as in Kubernetes.
 *
 * @example
 * ```ts
 * import { privilegeFields } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("capabilities: {drop: [ALL], add: [cap_net_raw]}\n", "c.yaml");
 * assert.deepEqual(privilegeFields(root), { capabilities: { add: ["NET_RAW"], drop: ["ALL"] } });
 * const bad = readManifest("capabilities:\n  add: [NET_FLY]\n", "c.yaml").root;
 * assert.throws(() => privilegeFields(bad), /c.yaml:2:\d+: capabilities.add\[0\]: "NET_FLY"/);
 * ```
 */
export function privilegeFields(sc: ManifestField): PrivilegeFields {
  const out: PrivilegeFields = {};
  const privileged = sc.optionalBoolean("privileged");
  if (privileged !== undefined) out.privileged = privileged;
  const ape = sc.optionalBoolean("allowPrivilegeEscalation");
  if (ape !== undefined) out.allowPrivilegeEscalation = ape;
  if (privileged === true && ape === false) {
    throw sc.get("allowPrivilegeEscalation").error(
      "allowPrivilegeEscalation cannot be false when privileged is true",
    );
  }
  const caps = sc.get("capabilities");
  if (!caps.isNull) {
    caps.object().known(["add", "drop"]);
    const names = (key: "add" | "drop"): string[] => {
      const list = caps.get(key);
      if (list.isNull) return [];
      return list.items().map((item) => {
        const raw = item.string();
        const n = capabilityName(raw);
        if (n === undefined) {
          throw item.error(
            `"${raw}" is not a Linux capability (expected a name like NET_ADMIN or CAP_NET_ADMIN, or ALL)`,
          );
        }
        return n;
      });
    };
    out.capabilities = { add: names("add"), drop: names("drop") };
  }
  return out;
}
