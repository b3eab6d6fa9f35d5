/**
 * Networks as Kubernetes objects: the Network Plumbing Working Group's
 * `k8s.cni.cncf.io/v1 NetworkAttachmentDefinition` (the object Multus looks up for each name in
 * a pod's `k8s.v1.cni.cncf.io/networks` annotation; `spec.config` is a CNI configuration as a
 * JSON string). `rkl compose convert` prints one per compose network, and
 * `rkl network create -f FILE` creates rkl networks from them, so converted pods run unchanged
 * with `rkl pod run`. Pure.
 *
 * @module
 */
import { readManifest } from "./manifest_reader.ts";

/** `apiVersion` of a NetworkAttachmentDefinition. */
export const NAD_API_VERSION = "k8s.cni.cncf.io/v1";

/**
 * A NetworkAttachmentDefinition for an rkl bridge network: a `bridge` plugin (gateway and
 * masquerade unless internal) with `host-local` addresses from the subnet when one is fixed,
 * and `portmap` for host ports. The bridge device is left to the node (rkl picks one per
 * network).
 *
 * @example
 * ```ts
 * import { networkAttachmentDefinition } from "./network_attachment_definition.ts";
 * import assert from "node:assert/strict";
 * const nad = networkAttachmentDefinition({ name: "app-back", subnet: "10.5.0.0/24", internal: true });
 * assert.equal(nad.kind, "NetworkAttachmentDefinition");
 * const config = JSON.parse(nad.spec.config);
 * assert.equal(config.name, "app-back");
 * assert.equal(config.plugins[0].isGateway, false);
 * assert.deepEqual(config.plugins[0].ipam.ranges, [[{ subnet: "10.5.0.0/24" }]]);
 * ```
 */
export function networkAttachmentDefinition(
  req: { name: string; subnet?: string; internal?: boolean; labels?: Record<string, string> },
): {
  apiVersion: string;
  kind: "NetworkAttachmentDefinition";
  metadata: { name: string; labels?: Record<string, string> };
  spec: { config: string };
} {
  const internal = req.internal ?? false;
  const config = {
    cniVersion: "1.0.0",
    name: req.name,
    plugins: [
      {
        type: "bridge",
        isGateway: !internal,
        ipMasq: !internal,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ...(req.subnet ? { ranges: [[{ subnet: req.subnet }]] } : {}),
          routes: internal ? [] : [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  return {
    apiVersion: NAD_API_VERSION,
    kind: "NetworkAttachmentDefinition",
    metadata: { name: req.name, ...(req.labels ? { labels: req.labels } : {}) },
    spec: { config: JSON.stringify(config) },
  };
}

/** A bridge network as a NetworkAttachmentDefinition describes it (a network create request). */
export interface NadNetwork {
  /** `metadata.name`. */
  name: string;
  /** The `host-local` subnet. */
  subnet?: string;
  /** The bridge device, when the configuration names one. */
  bridge?: string;
  /** `isGateway: false`: no gateway, masquerade or default route. */
  internal?: boolean;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as Record<string, unknown>
    : undefined;
}

/**
 * The rkl networks that the NetworkAttachmentDefinitions in a (multi-document) YAML file
 * describe; other kinds are skipped (the file may be `rkl compose convert`'s whole output).
 * Only bridge networks are understood: `spec.config` must be a CNI configuration (a single
 * plugin or a list) whose first plugin is `bridge`; its `host-local` subnet (`ranges` or
 * `subnet`), `bridge` device and `isGateway: false` (internal) are taken over.
 *
 * @example
 * ```ts
 * import { networkAttachmentDefinition, parseNetworkAttachmentDefinitions } from "./network_attachment_definition.ts";
 * import { toYaml } from "./manifest_reader.ts";
 * import assert from "node:assert/strict";
 * const text = toYaml({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }) + "---\n" +
 *   toYaml(networkAttachmentDefinition({ name: "app-back", subnet: "10.5.0.0/24", internal: true }));
 * assert.deepEqual(parseNetworkAttachmentDefinitions(text, "app.yaml"), [
 *   { name: "app-back", subnet: "10.5.0.0/24", internal: true },
 * ]);
 * assert.throws(
 *   () => parseNetworkAttachmentDefinitions("kind: NetworkAttachmentDefinition\napiVersion: k8s.cni.cncf.io/v1\nmetadata: {name: x}\nspec: {config: '{'}\n", "n.yaml"),
 *   /n\.yaml:4:\d+: spec\.config: expected a CNI configuration in JSON$/,
 * );
 * ```
 *
 * @throws {import("./errors.ts").ManifestError} A document that is not valid YAML, or a NetworkAttachmentDefinition
 *   without a name or with a configuration rkl cannot create (file:line:column and field).
 */
export function parseNetworkAttachmentDefinitions(
  text: string,
  file: string,
): NadNetwork[] {
  const out: NadNetwork[] = [];
  const lines = text.split("\n");
  // One document at a time, padded with empty lines so positions stay those of the file.
  let start = 0;
  const docs: { text: string }[] = [];
  for (let i = 0; i <= lines.length; i++) {
    if (i === lines.length || /^---\s*$/.test(lines[i]!)) {
      docs.push({ text: "\n".repeat(start) + lines.slice(start, i).join("\n") });
      start = i + 1;
    }
  }
  for (const doc of docs) {
    if (doc.text.trim() === "") continue;
    const { root } = readManifest(doc.text, file);
    if (!root.isObject || root.get("kind").value !== "NetworkAttachmentDefinition") continue;
    const apiVersion = root.get("apiVersion");
    if (apiVersion.value !== NAD_API_VERSION) {
      throw apiVersion.error(`expected "${NAD_API_VERSION}"`);
    }
    const name = root.get("metadata").requiredString("name");
    const configField = root.get("spec").get("config");
    const configText = configField.string();
    let config: Record<string, unknown> | undefined;
    try {
      config = record(JSON.parse(configText));
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
    }
    if (!config) throw configField.error("expected a CNI configuration in JSON");
    const plugins = Array.isArray(config.plugins) ? config.plugins.map(record) : [config];
    const bridge = plugins[0];
    if (bridge?.type !== "bridge") {
      throw configField.error(
        `rkl creates bridge networks only: the first plugin must be "bridge", got ${
          JSON.stringify(bridge?.type ?? null)
        }`,
      );
    }
    const ipam = record(bridge.ipam);
    const ranges = ipam?.ranges;
    const first = Array.isArray(ranges) && Array.isArray(ranges[0])
      ? record(ranges[0][0])
      : undefined;
    const subnet = first?.subnet ?? ipam?.subnet;
    const req: NadNetwork = { name };
    if (typeof subnet === "string") req.subnet = subnet;
    if (typeof bridge.bridge === "string") req.bridge = bridge.bridge;
    if (bridge.isGateway === false) req.internal = true;
    out.push(req);
  }
  return out;
}
