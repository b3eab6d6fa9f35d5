/**
 * `rkl network ls|inspect|create|rm`: rkl's CNI networks (the default one and named bridge
 * networks, one bridge and subnet each). Also builds the network provider the CLI's engine uses.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "./_command.ts";
import type { CliIo, GlobalOptions } from "./context.ts";
import {
  formatData,
  formatTable,
  type OutputFormat,
  parseDataFormat,
  parseOutputFormat,
} from "./output.ts";
import { UsageError } from "../core/errors.ts";
import { networkProviderFor } from "./network_provider.ts";
import type { NetworkInfo } from "../net/network_info.ts";
import type { CreateNetworkRequest } from "../net/network_store.ts";
import {
  NAD_API_VERSION,
  parseNetworkAttachmentDefinitions,
} from "../core/network_attachment_definition.ts";
import { readManifestFile } from "../core/manifest_reader.ts";
import { resolve } from "node:path";

// In its own module (the engine loads it on demand); re-exported for callers.
export { networkProviderFor };

/**
 * Turns `network create` arguments into a request.
 *
 * @example
 * ```ts
 * import { parseCreateNetworkOptions } from "./network.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseCreateNetworkOptions("web", { subnet: "10.5.0.0/24" }), { name: "web", subnet: "10.5.0.0/24" });
 * assert.throws(() => parseCreateNetworkOptions("web", { bridge: "" }), /--bridge/);
 * ```
 */
export function parseCreateNetworkOptions(
  name: string,
  raw: { subnet?: string | undefined; bridge?: string | undefined },
): CreateNetworkRequest {
  const out: CreateNetworkRequest = { name };
  if (raw.subnet !== undefined) {
    if (raw.subnet === "") throw new UsageError("--subnet needs a value such as 10.5.0.0/24");
    out.subnet = raw.subnet;
  }
  if (raw.bridge !== undefined) {
    if (raw.bridge === "") throw new UsageError("--bridge needs a device name");
    out.bridge = raw.bridge;
  }
  return out;
}

/**
 * Formats networks for `network ls`.
 *
 * @example
 * ```ts
 * import { formatNetworkList } from "./network.ts";
 * import assert from "node:assert/strict";
 * const out = formatNetworkList([{ name: "rkl", bridge: "rkl0", subnet: "10.77.0.0/16", gateway: "10.77.0.1",
 *   plugins: ["bridge"], file: "/etc/rkl/cni/rkl.conflist", isDefault: true, attachments: [] }], "table");
 * assert.match(out, /^NAME\s+BRIDGE\s+SUBNET\s+GATEWAY\s+ATTACHED\s+DEFAULT$/m);
 * assert.match(out, /^rkl\s+rkl0\s+10\.77\.0\.0\/16\s+10\.77\.0\.1\s+0\s+yes$/m);
 * ```
 */
export function formatNetworkList(nets: readonly NetworkInfo[], format: OutputFormat): string {
  if (format === "json" || format === "yaml") return formatData(nets, format);
  const headers = ["name", "bridge", "subnet", "gateway", "attached", "default"];
  if (format === "wide") headers.push("plugins", "file");
  return formatTable(
    headers,
    nets.map((n) => {
      const row = [
        n.name,
        n.bridge ?? "-",
        n.subnet ?? "-",
        n.gateway ?? "-",
        String(n.attachments.length),
        n.isDefault ? "yes" : "",
      ];
      if (format === "wide") row.push(n.plugins.join(","), n.file);
      return row;
    }),
  );
}

/**
 * Builds the `network` command group.
 *
 * @example
 * ```ts
 * import { networkCommand } from "./network.ts";
 * import assert from "node:assert/strict";
 * const io = { stdout() {}, stderr() {}, env: {}, cwd: "/" };
 * const cmd = networkCommand(io, () => ({ root: undefined, runtime: undefined }));
 * assert.deepEqual(cmd.commands.map((c) => c.name()), ["ls", "inspect", "create", "rm"]);
 * ```
 */
export function networkCommand(io: CliIo, globals: () => GlobalOptions): CommandUnknownOpts {
  const group = new Command("network")
    .alias("net")
    .description("manage rkl's CNI networks (one bridge and subnet each)");

  group.command("ls")
    .alias("list")
    .description("list networks with bridge, subnet and number of attachments")
    .option("-o, --output <format>", "table, wide, json or yaml")
    .option("-q, --quiet", "print names only")
    .action(async (opts) => {
      const format = parseOutputFormat(opts.output);
      const nets = await networkProviderFor(io, globals()).listNetworks();
      if (opts.quiet) io.stdout(nets.map((n) => `${n.name}\n`).join(""));
      else io.stdout(formatNetworkList(nets, format));
    });

  group.command("inspect")
    .description("show a network: configuration file, plugins and attachments (JSON by default)")
    .option("-o, --output <format>", "json or yaml")
    .argument("<name>", "network name")
    .action(async (name, opts) => {
      const format = parseDataFormat(opts.output);
      const net = networkProviderFor(io, globals());
      const info = await net.inspectNetwork(name);
      const config = (await net.networks.get(name)).raw;
      io.stdout(formatData({ ...info, config }, format));
    });

  group.command("create")
    .description("create a bridge network; a free /24 is picked when --subnet is not given")
    .option("--subnet <cidr>", "IPv4 subnet, e.g. 10.5.0.0/24")
    .option("--bridge <device>", "bridge device name (at most 15 characters)")
    .option(
      "-f, --file <file>",
      "create the networks of the NetworkAttachmentDefinitions in FILE (other kinds are skipped)",
    )
    .argument("[name]", "network name")
    .action(async (name: string | undefined, opts) => {
      let reqs;
      if (opts.file !== undefined) {
        if (name !== undefined || opts.subnet !== undefined || opts.bridge !== undefined) {
          throw new UsageError(
            "-f takes the networks from the file: no name, --subnet or --bridge",
          );
        }
        const file = resolve(io.cwd, opts.file);
        reqs = parseNetworkAttachmentDefinitions(
          await readManifestFile(file, opts.file),
          opts.file,
        );
        if (reqs.length === 0) {
          throw new UsageError(`${opts.file}: no NetworkAttachmentDefinition (${NAD_API_VERSION})`);
        }
      } else {
        if (name === undefined) throw new UsageError("a network name or -f FILE is required");
        reqs = [parseCreateNetworkOptions(name, opts)];
      }
      const net = networkProviderFor(io, globals());
      for (const req of reqs) {
        const list = await net.createNetwork(req);
        io.stdout(`${list.name}\n`);
      }
    });

  group.command("rm")
    .alias("remove")
    .description("remove networks that no container or pod uses (file, IPAM data and bridge)")
    .argument("<name...>", "network names")
    .action(async (names) => {
      const net = networkProviderFor(io, globals());
      for (const n of names) {
        await net.removeNetwork(n);
        io.stdout(`${n}\n`);
      }
    });

  return group;
}
