/**
 * Loading and validating CNI network configuration files (`.conflist`, and `.conf` holding a
 * single plugin). JSON is read through the manifest reader, so errors carry the file, line,
 * column and field path.
 *
 * @module
 */
import { basename, extname, join } from "../core/path.ts";
import {
  type ManifestField,
  type ManifestWarning,
  readManifest,
  readManifestFile,
} from "../core/manifest_reader.ts";
import { ManifestError } from "../core/errors.ts";
import { readDirIfExists } from "../core/fs.ts";
import type { CniNetworkConfigList, CniPluginConf } from "./cni_types.ts";

/** CNI versions the runtime can speak with the installed plugins. */
export const supportedCniVersions: readonly string[] = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"];

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$/;
const TYPE_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$/;

function parsePlugin(field: ManifestField): CniPluginConf {
  field.object();
  const type = field.requiredString("type");
  if (!TYPE_RE.test(type)) {
    throw field.get("type").error(`plugin type must be a file name, got "${type}"`);
  }
  const capsField = field.get("capabilities");
  let capabilities: Record<string, boolean> | undefined;
  if (!capsField.isNull) {
    capabilities = {};
    for (const key of capsField.keys()) capabilities[key] = capsField.get(key).boolean();
  }
  const raw = field.value as Record<string, unknown>;
  return { type, raw, ...(capabilities ? { capabilities } : {}) };
}

function parseHeader(root: ManifestField): { name: string; cniVersion: string } {
  const name = root.requiredString("name");
  if (!NAME_RE.test(name)) {
    throw root.get("name").error(
      `network name must match ${NAME_RE.source} (letters, digits, "_", ".", "-"), got "${name}"`,
    );
  }
  const cniVersion = root.requiredString("cniVersion");
  if (!supportedCniVersions.includes(cniVersion)) {
    throw root.get("cniVersion").error(
      `unsupported CNI version "${cniVersion}", expected one of ${supportedCniVersions.join(", ")}`,
    );
  }
  return { name, cniVersion };
}

/**
 * Parses a network configuration. `.conflist` files hold `plugins`; any other file is read as
 * a single-plugin `.conf` and turned into a one-plugin list.
 *
 * @example
 * ```ts
 * import { parseNetworkConfig } from "./cni_config.ts";
 * import assert from "node:assert/strict";
 * const { list } = parseNetworkConfig(
 *   '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"},{"type":"portmap","capabilities":{"portMappings":true}}]}',
 *   "n.conflist",
 * );
 * assert.deepEqual(list.plugins.map((p) => p.type), ["bridge", "portmap"]);
 * assert.equal(list.plugins[1]?.capabilities?.portMappings, true);
 * ```
 */
export function parseNetworkConfig(
  text: string,
  file: string,
): { list: CniNetworkConfigList; warnings: ManifestWarning[] } {
  const { root, warnings } = readManifest(text, file);
  if (root.isNull) {
    throw new ManifestError("the file is empty", { file, line: 0, column: 0, path: "" });
  }
  root.object();
  const header = parseHeader(root);
  const raw = root.value as Record<string, unknown>;
  if (extname(file) === ".conflist" || root.has("plugins")) {
    root.known(["cniVersion", "cniVersions", "name", "disableCheck", "disableGC", "plugins"]);
    const items = root.get("plugins");
    if (items.isNull) throw items.error("required field is missing");
    const plugins = items.items().map(parsePlugin);
    if (plugins.length === 0) throw items.error("must list at least one plugin");
    return {
      list: {
        ...header,
        disableCheck: root.optionalBoolean("disableCheck") ?? false,
        plugins,
        file,
        raw,
      },
      warnings,
    };
  }
  const plugin = parsePlugin(root);
  return { list: { ...header, disableCheck: false, plugins: [plugin], file, raw }, warnings };
}

/**
 * Reads and parses one configuration file.
 *
 * @example
 * ```ts
 * import { loadNetworkConfig } from "./cni_config.ts";
 * import assert from "node:assert/strict";
 * const file = await Deno.makeTempFile({ suffix: ".conflist" });
 * await Deno.writeTextFile(file, JSON.stringify({
 *   cniVersion: "1.0.0", name: "front", plugins: [{ type: "bridge" }, { type: "loopback" }],
 * }));
 * const { list } = await loadNetworkConfig(file);
 * assert.deepEqual(list.plugins.map((p) => p.type), ["bridge", "loopback"]);
 * await Deno.remove(file);
 * ```
 */
export async function loadNetworkConfig(
  file: string,
): Promise<{ list: CniNetworkConfigList; warnings: ManifestWarning[] }> {
  return parseNetworkConfig(await readManifestFile(file), file);
}

/** True for the file names CNI runtimes read: `*.conflist`, `*.conf`, `*.json`. */
export function isNetworkConfigFile(name: string): boolean {
  return [".conflist", ".conf", ".json"].includes(extname(name));
}

/**
 * Loads every configuration file in `dir` (sorted by file name). A missing directory has none.
 * Two files defining the same network name are an error naming both files.
 *
 * @example
 * ```ts
 * import { loadNetworkConfigDir } from "./cni_config.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.conflist`, JSON.stringify({
 *   cniVersion: "1.0.0", name: "a", plugins: [{ type: "loopback" }],
 * }));
 * await Deno.writeTextFile(`${dir}/notes.txt`, "not a network");
 * assert.deepEqual((await loadNetworkConfigDir(dir)).map((l) => l.name), ["a"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadNetworkConfigDir(dir: string): Promise<CniNetworkConfigList[]> {
  const names = (await readDirIfExists(dir))
    .filter((e) => e.isFile && isNetworkConfigFile(e.name))
    .map((e) => e.name)
    .sort();
  const out: CniNetworkConfigList[] = [];
  for (const n of names) {
    const { list } = await loadNetworkConfig(join(dir, n));
    const dup = out.find((l) => l.name === list.name);
    if (dup) {
      throw new ManifestError(
        `network "${list.name}" is also defined in ${basename(dup.file)}`,
        { file: list.file, line: 0, column: 0, path: "name" },
      );
    }
    out.push(list);
  }
  return out;
}
