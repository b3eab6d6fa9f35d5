/**
 * The single-container manifest (the original project's format plus the Kubernetes container
 * fields users expect) → {@linkcode ContainerConfig}. Errors name file, line, column and the
 * field path; unknown fields are warnings.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { ManifestError } from "../errors.ts";
import type { PortMapping, Protocol } from "../network.ts";
import { type ManifestField, type ManifestWarning, readManifest } from "../manifest_reader.ts";
import { cpuMillis, memoryBytes, QuantityError, type ResourceRequirements } from "../quantity.ts";
import {
  type ContainerConfig,
  containerNameProblem,
  type EnvVar,
  type VolumeMount,
} from "./config.ts";

/** A parsed manifest. */
export interface ContainerManifest {
  /** The config to create. */
  config: ContainerConfig;
  /** Unknown fields and other non-fatal findings. */
  warnings: ManifestWarning[];
}

/** Options of {@linkcode parseContainerManifest}. */
export interface ParseOptions {
  /** Directory that relative paths (`image`, host paths) resolve against. */
  cwd: string;
  /** Check that the image directory holds `rootfs/` (default true). */
  checkImage?: boolean;
}

const TOP_FIELDS = [
  "name",
  "image",
  "command",
  "args",
  "env",
  "workingDir",
  "ports",
  "resources",
  "volumeMounts",
  "volumes",
  "securityContext",
  "hostNetwork",
  "hostname",
  "labels",
] as const;

function quantity(f: ManifestField, kind: "cpu" | "memory"): string | number {
  const raw = f.stringOrNumber();
  try {
    if (kind === "cpu") cpuMillis(raw);
    else memoryBytes(raw);
  } catch (e) {
    if (e instanceof QuantityError) throw f.error(`invalid ${kind} quantity "${raw}": ${e.reason}`);
    throw e;
  }
  return raw;
}

function resources(f: ManifestField): ResourceRequirements | undefined {
  if (f.isNull) return undefined;
  f.object().known(["limits", "requests"]);
  const out: ResourceRequirements = {};
  for (const key of ["limits", "requests"] as const) {
    const g = f.get(key);
    if (g.isNull) continue;
    g.object().known(["cpu", "memory"]);
    const q: { cpu?: string | number; memory?: string | number } = {};
    if (g.has("cpu")) q.cpu = quantity(g.get("cpu"), "cpu");
    if (g.has("memory")) q.memory = quantity(g.get("memory"), "memory");
    out[key] = q;
  }
  return out;
}

function ports(f: ManifestField): PortMapping[] {
  return f.isNull ? [] : f.items().map((p) => {
    p.object().known(["containerPort", "hostPort", "protocol", "hostIP", "name"]);
    const cp = p.get("containerPort");
    if (cp.isNull) throw cp.error("required field is missing");
    const out: PortMapping = { containerPort: cp.integer(1, 65535), protocol: "TCP" };
    const hp = p.optionalInteger("hostPort", 1, 65535);
    if (hp !== undefined) out.hostPort = hp;
    const proto = p.get("protocol");
    if (!proto.isNull) {
      const v = proto.string().toUpperCase();
      if (v !== "TCP" && v !== "UDP" && v !== "SCTP") {
        throw proto.error(`expected TCP, UDP or SCTP, got "${proto.string()}"`);
      }
      out.protocol = v as Protocol;
    }
    const ip = p.optionalString("hostIP");
    if (ip !== undefined) out.hostIP = ip;
    const name = p.optionalString("name");
    if (name !== undefined) out.name = name;
    return out;
  });
}

function env(f: ManifestField): EnvVar[] | undefined {
  if (f.isNull) return undefined;
  if (f.isObject) {
    return f.keys().map((k) => ({ name: k, value: f.get(k).stringOrNumber() }));
  }
  return f.items().map((e) => {
    e.object().known(["name", "value"]);
    const name = e.requiredString("name");
    if (!/^[^=\s]+$/.test(name)) {
      throw e.get("name").error(`"${name}" is not a valid variable name`);
    }
    const v = e.get("value");
    return { name, value: v.isNull ? "" : v.stringOrNumber() };
  });
}

function absolutePath(f: ManifestField, what: string): string {
  const p = f.string();
  if (!isAbsolute(p)) throw f.error(`${what} must be an absolute path, got "${p}"`);
  return p;
}

function volumes(root: ManifestField, cwd: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of root.list("volumes")) {
    v.object().known(["name", "hostPath"]);
    const name = v.requiredString("name");
    const hp = v.get("hostPath");
    if (hp.isNull) {
      throw hp.error("required field is missing (only hostPath volumes are supported here)");
    }
    const path = hp.isObject ? hp.requiredString("path") : hp.string();
    out.set(name, resolve(cwd, path));
  }
  return out;
}

function mounts(root: ManifestField, cwd: string): VolumeMount[] {
  const vols = volumes(root, cwd);
  return root.list("volumeMounts").map((m) => {
    m.object().known(["name", "mountPath", "hostPath", "readOnly"]);
    const mountPath = m.get("mountPath");
    if (mountPath.isNull) throw mountPath.error("required field is missing");
    const containerPath = absolutePath(mountPath, "mountPath");
    let hostPath: string;
    if (m.has("hostPath")) hostPath = resolve(cwd, m.requiredString("hostPath"));
    else {
      const name = m.get("name");
      if (name.isNull) throw m.error("needs hostPath, or name referring to a hostPath volume");
      const found = vols.get(name.string());
      if (found === undefined) throw name.error(`no volume named "${name.string()}" in volumes`);
      hostPath = found;
    }
    const out: VolumeMount = { hostPath, containerPath };
    const ro = m.optionalBoolean("readOnly");
    if (ro !== undefined) out.readOnly = ro;
    return out;
  });
}

async function isBundle(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(join(dir, "rootfs"))).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/**
 * Parses a single-container manifest.
 *
 * @example
 * ```ts
 * import { parseContainerManifest } from "./manifest.ts";
 * import assert from "node:assert/strict";
 * const text = "name: web\nimage: /img\nargs: [sleep, '100']\nresources:\n  limits: { cpu: 2x }\n";
 * await assert.rejects(
 *   parseContainerManifest(text, "c.yaml", { cwd: "/", checkImage: false }),
 *   /c.yaml:5:\d+: resources.limits.cpu: invalid cpu quantity "2x"/,
 * );
 * ```
 */
export async function parseContainerManifest(
  text: string,
  file: string,
  opts: ParseOptions,
): Promise<ContainerManifest> {
  const { root, warnings } = readManifest(text, file);
  if (root.isNull) throw root.error("the manifest is empty");
  root.object().known(TOP_FIELDS);

  const nameField = root.get("name");
  if (nameField.isNull) throw nameField.error("required field is missing");
  const name = nameField.string();
  const problem = containerNameProblem(name);
  if (problem) throw nameField.error(problem);

  const imageField = root.get("image");
  if (imageField.isNull) throw imageField.error("required field is missing");
  const image = resolve(opts.cwd, imageField.string());
  if ((opts.checkImage ?? true) && !(await isBundle(image))) {
    throw imageField.error(
      `image directory "${image}" does not exist or holds no rootfs/ (expected an OCI bundle directory)`,
    );
  }

  const config: ContainerConfig = { name, image };
  const command = root.stringArray("command");
  if (command !== undefined) config.command = command;
  const args = root.stringArray("args");
  if (args !== undefined) config.args = args;
  if ((command?.length ?? 0) + (args?.length ?? 0) === 0) {
    throw root.error("needs command or args: the image has no default command");
  }
  const e = env(root.get("env"));
  if (e !== undefined) config.env = e;
  const wd = root.get("workingDir");
  if (!wd.isNull) config.workingDir = absolutePath(wd, "workingDir");
  const p = ports(root.get("ports"));
  if (p.length > 0) config.ports = p;
  const r = resources(root.get("resources"));
  if (r !== undefined) config.resources = r;
  const m = mounts(root, opts.cwd);
  if (m.length > 0) config.mounts = m;
  const hostNetwork = root.optionalBoolean("hostNetwork");
  if (hostNetwork !== undefined) config.hostNetwork = hostNetwork;
  const hostname = root.get("hostname");
  if (!hostname.isNull) {
    const h = hostname.string();
    const hp = containerNameProblem(h);
    if (hp) throw hostname.error(hp);
    config.hostname = h;
  }
  const labels = root.stringMap("labels");
  if (labels !== undefined) config.labels = labels;

  const sc = root.get("securityContext");
  if (!sc.isNull) {
    sc.object().known(["readOnlyRootFilesystem", "runAsUser", "runAsGroup"]);
    const ro = sc.optionalBoolean("readOnlyRootFilesystem");
    if (ro !== undefined) config.readOnlyRootFilesystem = ro;
    const uid = sc.optionalInteger("runAsUser", 0, 2 ** 32 - 2);
    const gid = sc.optionalInteger("runAsGroup", 0, 2 ** 32 - 2);
    if (uid !== undefined || gid !== undefined) config.user = { uid: uid ?? 0, gid: gid ?? 0 };
  }
  return { config, warnings };
}

/**
 * Reads and parses a manifest file (`-` is not supported; pass a path).
 *
 * @example
 * ```ts ignore
 * import { loadContainerManifest } from "./manifest.ts";
 * const { config, warnings } = await loadContainerManifest("testdata/single.yaml", { cwd: Deno.cwd() });
 * ```
 */
export async function loadContainerManifest(
  path: string,
  opts: ParseOptions,
): Promise<ContainerManifest> {
  const full = resolve(opts.cwd, path);
  let text: string;
  try {
    text = await Deno.readTextFile(full);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ManifestError("file not found", { file: path, line: 0, column: 0, path: "" });
    }
    throw e;
  }
  return await parseContainerManifest(text, path, opts);
}
