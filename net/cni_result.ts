/**
 * Parsing what CNI plugins print: results (ADD, CHECK), errors, and version answers. Input is
 * `unknown` (parsed JSON); anything malformed becomes a {@linkcode CniPluginError} naming the plugin.
 *
 * @module
 */
import { isRecord } from "../core/is_record.ts";
import { CniPluginError } from "./cni_plugin_error.ts";
import type { CniDns, CniInterface, CniIpConfig, CniResult, CniRoute } from "./cni_types.ts";

/** Who printed the value, for error messages. */
export interface CniOutputSource {
  /** Plugin type. */
  plugin: string;
  /** CNI command. */
  command: string;
  /** Network name. */
  network: string;
}

function bad(src: CniOutputSource, what: string): CniPluginError {
  return new CniPluginError({ ...src, code: 0, msg: `invalid result: ${what}` });
}

function str(src: CniOutputSource, v: unknown, field: string): string {
  if (typeof v !== "string") throw bad(src, `${field} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function optStr(src: CniOutputSource, v: unknown, field: string): string | undefined {
  return v === undefined || v === null ? undefined : str(src, v, field);
}

function strList(src: CniOutputSource, v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw bad(src, `${field} must be a list`);
  return v.map((x, i) => str(src, x, `${field}[${i}]`));
}

function list(src: CniOutputSource, v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(src, `${field} must be a list`);
  return v;
}

/**
 * Parses a CNI result (spec 1.0; 0.4.0 results parse too). Fields rk8s does not use are kept.
 *
 * @example
 * ```ts
 * import { parseCniResult } from "./cni_result.ts";
 * import assert from "node:assert/strict";
 * const r = parseCniResult(
 *   { cniVersion: "1.0.0", ips: [{ address: "10.88.0.2/16", interface: 1 }] },
 *   { plugin: "bridge", command: "ADD", network: "rkl" },
 * );
 * assert.equal(r.ips[0]?.address, "10.88.0.2/16");
 * ```
 */
export function parseCniResult(value: unknown, src: CniOutputSource): CniResult {
  if (!isRecord(value)) throw bad(src, "expected a JSON object");
  const interfaces = list(src, value.interfaces, "interfaces").map((v, i): CniInterface => {
    if (!isRecord(v)) throw bad(src, `interfaces[${i}] must be an object`);
    const mac = optStr(src, v.mac, `interfaces[${i}].mac`);
    const sandbox = optStr(src, v.sandbox, `interfaces[${i}].sandbox`);
    return {
      ...v,
      name: str(src, v.name, `interfaces[${i}].name`),
      ...(mac ? { mac } : {}),
      ...(sandbox ? { sandbox } : {}),
    };
  });
  const ips = list(src, value.ips, "ips").map((v, i): CniIpConfig => {
    if (!isRecord(v)) throw bad(src, `ips[${i}] must be an object`);
    const address = str(src, v.address, `ips[${i}].address`);
    if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(address)) {
      throw bad(src, `ips[${i}].address must be an address with prefix length, got "${address}"`);
    }
    const gateway = optStr(src, v.gateway, `ips[${i}].gateway`);
    if (v.interface !== undefined && !(Number.isInteger(v.interface) && Number(v.interface) >= 0)) {
      throw bad(src, `ips[${i}].interface must be an index`);
    }
    return {
      ...v,
      address,
      ...(gateway ? { gateway } : {}),
      ...(typeof v.interface === "number" ? { interface: v.interface } : {}),
    };
  });
  const routes = list(src, value.routes, "routes").map((v, i): CniRoute => {
    if (!isRecord(v)) throw bad(src, `routes[${i}] must be an object`);
    const gw = optStr(src, v.gw, `routes[${i}].gw`);
    return { ...v, dst: str(src, v.dst, `routes[${i}].dst`), ...(gw ? { gw } : {}) };
  });
  const dns: CniDns = {};
  if (value.dns !== undefined && value.dns !== null) {
    if (!isRecord(value.dns)) throw bad(src, "dns must be an object");
    const nameservers = strList(src, value.dns.nameservers, "dns.nameservers");
    const domain = optStr(src, value.dns.domain, "dns.domain");
    const search = strList(src, value.dns.search, "dns.search");
    const options = strList(src, value.dns.options, "dns.options");
    if (nameservers) dns.nameservers = nameservers;
    if (domain) dns.domain = domain;
    if (search) dns.search = search;
    if (options) dns.options = options;
  }
  // Unknown fields (e.g. `version` of 0.4.0 addresses) are kept: the result is passed on to the
  // next plugin as its prevResult, which must be what the plugin printed.
  return {
    ...value,
    cniVersion: str(src, value.cniVersion ?? "1.0.0", "cniVersion"),
    interfaces,
    ips,
    routes,
    dns,
  };
}

/**
 * Turns a failed plugin run into a {@linkcode CniPluginError}: the CNI error object the plugin
 * printed on stdout when there is one (`code`, `msg`, `details`), else its stderr.
 *
 * @example
 * ```ts
 * import { pluginFailure } from "./cni_result.ts";
 * import assert from "node:assert/strict";
 * const e = pluginFailure(
 *   '{"cniVersion":"1.0.0","code":7,"msg":"bad config","details":"field x"}', "", 1,
 *   { plugin: "bridge", command: "ADD", network: "rkl" },
 * );
 * assert.equal(e.code, 7);
 * assert.equal(e.msg, "bad config");
 * assert.equal(e.details, "field x");
 * ```
 */
export function pluginFailure(
  stdout: string,
  stderr: string,
  exitCode: number,
  src: CniOutputSource,
): CniPluginError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    parsed = undefined; // not a CNI error object: fall back to stderr below
  }
  if (isRecord(parsed) && (typeof parsed.code === "number" || typeof parsed.msg === "string")) {
    return new CniPluginError({
      ...src,
      code: typeof parsed.code === "number" ? parsed.code : 0,
      msg: typeof parsed.msg === "string" ? parsed.msg : "",
      ...(typeof parsed.details === "string" && parsed.details ? { details: parsed.details } : {}),
    });
  }
  const text = (stderr.trim() || stdout.trim()).split("\n").slice(-5).join("; ");
  return new CniPluginError({
    ...src,
    code: 0,
    msg: text ? `exited with code ${exitCode}: ${text}` : `exited with code ${exitCode}`,
  });
}

/**
 * Parses a plugin's successful stdout as a result.
 *
 * @example
 * ```ts
 * import { parsePluginStdout } from "./cni_result.ts";
 * import assert from "node:assert/strict";
 * const r = parsePluginStdout('{"cniVersion":"1.0.0"}', { plugin: "loopback", command: "ADD", network: "n" });
 * assert.deepEqual(r.ips, []);
 * ```
 */
export function parsePluginStdout(stdout: string, src: CniOutputSource): CniResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (error) {
    throw new CniPluginError({
      ...src,
      code: 0,
      msg: `printed invalid JSON: ${stdout.trim().slice(0, 200) || "(nothing)"}`,
    }, { cause: error });
  }
  return parseCniResult(parsed, src);
}

/**
 * The addresses (without prefix length) of a result that belong to the sandbox's interfaces,
 * in order.
 *
 * @example
 * ```ts
 * import { sandboxIps } from "./cni_result.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   sandboxIps({
 *     cniVersion: "1.0.0", routes: [], dns: {},
 *     interfaces: [{ name: "rkl0" }, { name: "eth0", sandbox: "/run/rkl/netns/a" }],
 *     ips: [{ address: "10.88.0.2/16", interface: 1 }],
 *   }),
 *   ["10.88.0.2"],
 * );
 * ```
 */
export function sandboxIps(result: CniResult): string[] {
  return result.ips
    .filter((ip) =>
      ip.interface === undefined || result.interfaces[ip.interface]?.sandbox !== undefined
    )
    .map((ip) => ip.address.replace(/\/\d+$/, ""));
}
