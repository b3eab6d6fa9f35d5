/**
 * The error a CNI plugin reported (or the failure to run it).
 *
 * @module
 */
import { RkError } from "../core/errors.ts";

/**
 * A CNI plugin failed. Carries the plugin name, the CNI command, and the error the plugin
 * printed (`code`, `msg`, `details` as in the CNI specification). Code 0 means the plugin did
 * not print a CNI error (it crashed or printed garbage); `msg` then holds its stderr.
 *
 * @example
 * ```ts
 * import { CniPluginError } from "./cni_plugin_error.ts";
 * import assert from "node:assert/strict";
 * const e = new CniPluginError({ plugin: "bridge", command: "ADD", network: "rkl", code: 11, msg: "no IP addresses available" });
 * assert.equal(e.message, 'CNI plugin "bridge" failed on ADD for network "rkl": no IP addresses available (code 11)');
 * ```
 */
export class CniPluginError extends RkError {
  /** Plugin type (binary name). */
  readonly plugin: string;
  /** CNI command that failed. */
  readonly command: string;
  /** Network the plugin ran for. */
  readonly network: string;
  /** CNI error code (0 when the plugin did not print one). */
  readonly code: number;
  /** The plugin's message. */
  readonly msg: string;
  /** The plugin's details, when given. */
  readonly details: string;
  /** Creates the error. */
  constructor(
    info: {
      plugin: string;
      command: string;
      network: string;
      code: number;
      msg: string;
      details?: string;
    },
    options?: ErrorOptions,
  ) {
    const details = info.details ?? "";
    super(
      `CNI plugin "${info.plugin}" failed on ${info.command} for network "${info.network}": ${
        info.msg || "no message"
      }${details ? ` (${details})` : ""}${info.code ? ` (code ${info.code})` : ""}`,
      options,
    );
    this.name = "CniPluginError";
    this.plugin = info.plugin;
    this.command = info.command;
    this.network = info.network;
    this.code = info.code;
    this.msg = info.msg;
    this.details = details;
  }
}
