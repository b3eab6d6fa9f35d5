/**
 * Parsing of the Kubernetes container fields that the single-container manifest
 * (`manifest.ts`) and the pod manifest (`../pod/pod_manifest.ts`) have in common: `command` and
 * `args`, environment variable names and values, absolute paths (`workingDir`, `mountPath`),
 * `ports`, `resources` with quantity validation; the `securityContext` fields are in
 * `security_fields.ts`.
 *
 * Each caller keeps its own extras (env `valueFrom`, volume mounts, name rules) and its own
 * wording where the two manifests word an error differently; the helpers take that wording as a
 * parameter so messages, field paths and positions stay what each manifest always reported.
 *
 * @module
 */
import { isAbsolute } from "../path.ts";
import type { ManifestField } from "../manifest_reader.ts";
import type { Protocol } from "../network.ts";
import type { PortInput } from "../pod/pod_types.ts";
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
 * The literal `value` of the environment variable entry `e`: a string (an absent value is
 * `""`). A number or boolean is refused with a hint to quote it, as the API server refuses a
 * non-string `value` (an unquoted `1.10` would otherwise become `1.1`).
 *
 * @example
 * ```ts
 * import { envVarValue } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * assert.equal(envVarValue(readManifest("name: N\nvalue: '3'\n", "c.yaml").root), "3");
 * assert.equal(envVarValue(readManifest("name: N\n", "c.yaml").root), "");
 * assert.throws(
 *   () => envVarValue(readManifest("name: V\nvalue: 1.10\n", "c.yaml").root),
 *   /value: expected a string, got number 1.1 \(write "1.10" in quotes/,
 * );
 * ```
 */
export function envVarValue(e: ManifestField): string {
  const v = e.get("value");
  return v.isNull ? "" : v.string();
}

/**
 * Why `name` is not a valid environment variable name, or undefined when it is. The rule is
 * Kubernetes 1.32's relaxed one (`RelaxedEnvironmentVariableValidation`, on by default): one or
 * more printable ASCII characters other than `=`, so `Logging:LogLevel:Default` is valid.
 *
 * @example
 * ```ts
 * import { envNameProblem } from "./fields.ts";
 * import assert from "node:assert/strict";
 * assert.equal(envNameProblem("Logging:LogLevel:Default"), undefined);
 * assert.match(envNameProblem("A=B")!, /printable ASCII/);
 * assert.match(envNameProblem("")!, /printable ASCII/);
 * ```
 */
export function envNameProblem(name: string): string | undefined {
  if (/^[\x20-\x3c\x3e-\x7e]+$/.test(name)) return undefined;
  return `"${name}" is not a valid environment variable name: ` +
    "expected one or more printable ASCII characters other than '='";
}

/**
 * The string at `key` of the mapping `f`, or undefined when it is absent, null or `""`: the Go
 * types behind Kubernetes manifests treat the zero value of a non-pointer string as "not set".
 *
 * @example
 * ```ts
 * import { optionalText } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("a: ''\nb: x\n", "c.yaml");
 * assert.equal(optionalText(root, "a"), undefined);
 * assert.equal(optionalText(root, "b"), "x");
 * ```
 */
export function optionalText(f: ManifestField, key: string): string | undefined {
  const v = f.get(key);
  if (v.isNull) return undefined;
  const s = v.string();
  return s === "" ? undefined : s;
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
 * Parses one `ports[]` entry: `containerPort` (required, 1–65535), `hostPort`, `protocol`,
 * `hostIP` (an IPv4 address), `name`. Zero values (`hostPort: 0`, `protocol: ""`,
 * `hostIP: ""`, `name: ""`) mean "not set", as in the Kubernetes API; the protocol is left
 * absent for the defaulting step (`../k8s/defaults.ts`) to make it TCP. A `hostIP` without a
 * `hostPort` is ignored with a warning, as the kubelet ignores it.
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
 * const zero = readManifest("containerPort: 80\nprotocol: ''\nhostPort: 0\nhostIP: ''\n", "c.yaml");
 * assert.deepEqual(containerPort(zero.root, { ignoreProtocolCase: true }), { containerPort: 80 });
 * ```
 */
export function containerPort(f: ManifestField, opts: PortOptions): PortInput {
  f.object().known(["containerPort", "hostPort", "protocol", "hostIP", "name"]);
  const cp = f.get("containerPort");
  if (cp.isNull) throw cp.error("required field is missing");
  const port: PortInput = { containerPort: cp.integer(1, 65535) };
  const hostPortField = f.get("hostPort");
  if (!hostPortField.isNull && hostPortField.integer(0, 65535) !== 0) {
    port.hostPort = hostPortField.integer(0, 65535);
  }
  const written = optionalText(f, "protocol");
  if (written !== undefined) {
    const proto = opts.ignoreProtocolCase ? written.toUpperCase() : written;
    if (proto !== "TCP" && proto !== "UDP" && proto !== "SCTP") {
      throw f.get("protocol").error(`expected TCP, UDP or SCTP, got "${written}"`);
    }
    port.protocol = proto satisfies Protocol;
  }
  const hostIP = optionalText(f, "hostIP");
  if (hostIP !== undefined) {
    if (!IPV4.test(hostIP)) {
      throw f.get("hostIP").error(`expected an IPv4 address, got "${hostIP}"`);
    }
    if (port.hostPort === undefined) f.get("hostIP").warn("hostIP without hostPort is ignored");
    else port.hostIP = hostIP;
  }
  const name = optionalText(f, "name");
  if (name !== undefined) port.name = name;
  return port;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

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
 * Why `raw` is not a valid `cpu` or `memory` quantity, or undefined when it is one: one wording
 * for every manifest, `invalid cpu quantity "2x": <reason of the exact quantity parser>`.
 *
 * @example
 * ```ts
 * import { quantityProblem } from "./fields.ts";
 * import assert from "node:assert/strict";
 * assert.equal(quantityProblem("500m", "cpu"), undefined);
 * assert.match(quantityProblem("2x", "cpu")!, /^invalid cpu quantity "2x": expected a number/);
 * assert.match(quantityProblem("1e309", "cpu")!, /exponent 309 is out of range/);
 * ```
 */
export function quantityProblem(raw: string, kind: "cpu" | "memory"): string | undefined {
  try {
    if (kind === "cpu") cpuMillis(raw);
    else memoryBytes(raw);
    return undefined;
  } catch (e) {
    if (e instanceof QuantityError) return `invalid ${kind} quantity "${raw}": ${e.reason}`;
    throw e;
  }
}

/** Options of {@linkcode containerResources}. */
export interface ResourceOptions {
  /** Keys accepted inside `limits` and `requests` (others are "unknown field" warnings). */
  quantityFields: readonly string[];
}

/**
 * Parses `resources` (`limits` and `requests`, each with `cpu` and `memory`), validating every
 * quantity. Returns undefined when `resources` is absent.
 *
 * @example
 * ```ts
 * import { containerResources } from "./fields.ts";
 * import { readManifest } from "../manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const { root } = readManifest("limits: {cpu: 500m}\n", "c.yaml");
 * assert.deepEqual(
 *   containerResources(root, { quantityFields: ["cpu", "memory"] }),
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
      const problem = quantityProblem(raw, kind);
      if (problem) throw field.error(problem);
      q[kind] = raw;
    }
    out[group] = q;
  }
  return out;
}

export { MAX_ID, privilegeFields, runAsIds, SECURITY_CONTEXT_FIELDS } from "./security_fields.ts";
export type { PrivilegeFields } from "./security_fields.ts";
