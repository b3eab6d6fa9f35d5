/**
 * {@linkcode NetworkInfo}: a network with the attachments that use it, for
 * `rkl network ls|inspect`.
 *
 * @module
 */
import { type AttachmentRecord, recordIps } from "./attachment_record.ts";
import { DEFAULT_NETWORK, summarizeNetwork } from "./bridge_network.ts";
import type { CniNetworkConfigList } from "./cni_types.ts";

/** A network with the attachments that use it, for `rkl network ls|inspect`. */
export interface NetworkInfo {
  /** Network name. */
  name: string;
  /** Bridge device. */
  bridge?: string;
  /** Subnet. */
  subnet?: string;
  /** Gateway address. */
  gateway?: string;
  /** Plugins in order. */
  plugins: string[];
  /** Configuration file. */
  file: string;
  /** True for the default network. */
  isDefault: boolean;
  /** Attachments on this network. */
  attachments: { id: string; name: string; ips: string[] }[];
}

/**
 * Summarizes `list` with the attachments among `records` that use it.
 *
 * @example
 * ```ts
 * import { networkInfo } from "./network_info.ts";
 * import assert from "node:assert/strict";
 * const list = { name: "rkl", cniVersion: "1.0.0", disableCheck: false, file: "/n.conflist",
 *   raw: {}, plugins: [{ type: "bridge", raw: { type: "bridge", bridge: "rkl0" } }] };
 * const info = networkInfo(list, []);
 * assert.equal(info.bridge, "rkl0");
 * assert.ok(info.isDefault);
 * assert.deepEqual(info.attachments, []);
 * ```
 */
export function networkInfo(
  list: CniNetworkConfigList,
  records: readonly AttachmentRecord[],
): NetworkInfo {
  const s = summarizeNetwork(list);
  return {
    ...s,
    isDefault: list.name === DEFAULT_NETWORK,
    attachments: records
      .filter((r) => r.networks.some((n) => n.config.name === list.name))
      .map((r) => ({
        id: r.id,
        name: r.name,
        ips: recordIps({ networks: r.networks.filter((n) => n.config.name === list.name) }),
      })),
  };
}
