/**
 * The single-container manifest (the original project's format plus the Kubernetes container
 * fields users expect) → {@linkcode ContainerConfig}. Errors name file, line, column and the
 * field path; unknown fields are warnings.
 *
 * @module
 */
import { resolve } from "../path.ts";
import { imageBundleProblem } from "../rootfs.ts";
import { resolveImage } from "../image_resolve.ts";
import {
  type ManifestField,
  type ManifestWarning,
  readManifest,
  readManifestFile,
} from "../manifest_reader.ts";
import {
  type ContainerConfig,
  containerNameProblem,
  type EnvVar,
  type VolumeMount,
} from "./config.ts";
import {
  absolutePath,
  commandAndArgs,
  CONTAINER_FIELDS,
  containerPort,
  containerResources,
  envNameProblem,
  envVarName,
  envVarValue,
  optionalText,
  privilegeFields,
  runAsIds,
  SECURITY_CONTEXT_FIELDS,
} from "./fields.ts";
import { defaultContainer } from "../k8s/defaults.ts";
import { expandCommand, expandEnv } from "../k8s/expansion.ts";

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
  /**
   * Where an `image:` that is neither a path nor a bundle directory under `cwd` is looked up as
   * an image reference (see `resolveImage` in core/image_resolve.ts). Without it: paths only.
   */
  imageDir?: string;
}

const TOP_FIELDS = [...CONTAINER_FIELDS, "volumes", "hostNetwork", "hostname", "labels"];

function env(f: ManifestField): EnvVar[] | undefined {
  if (f.isNull) return undefined;
  if (f.isObject) {
    return f.keys().map((k) => {
      const problem = envNameProblem(k);
      if (problem) throw f.get(k).error(problem);
      const v = f.get(k);
      return { name: k, value: v.isNull ? "" : v.string() };
    });
  }
  return f.items().map((e) => ({
    name: envVarName(e, ["name", "value"], envNameProblem),
    value: envVarValue(e),
  }));
}

/** Refuses `..` in a host path, as Kubernetes does for `hostPath.path`. */
function noBacksteps(f: ManifestField, path: string): string {
  if (path.split("/").includes("..")) throw f.error(`must not contain '..', got "${path}"`);
  return path;
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
    noBacksteps(hp.isObject ? hp.get("path") : hp, path);
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
    if (m.has("hostPath")) {
      hostPath = resolve(cwd, noBacksteps(m.get("hostPath"), m.requiredString("hostPath")));
    } else {
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
// Async so that every problem is a rejection (callers await it); the checks are synchronous.
// deno-lint-ignore require-await
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
  const found = resolveImage(imageField.string(), {
    baseDir: opts.cwd,
    check: (opts.checkImage ?? true) ? imageBundleProblem : () => undefined,
    ...(opts.imageDir !== undefined ? { imageDir: opts.imageDir } : {}),
  });
  if ("problem" in found) {
    throw imageField.error(
      found.reference
        ? found.problem
        : `${found.problem} (expected an OCI bundle directory holding rootfs/)`,
    );
  }
  const image = found.path;

  const config: ContainerConfig = { name, image, ...commandAndArgs(root) };
  if ((config.command?.length ?? 0) + (config.args?.length ?? 0) === 0) {
    throw root.error("needs command or args: the image has no default command");
  }
  const e = env(root.get("env"));
  // $(VAR) references, as the kubelet expands them: env values see the entries before them,
  // command and args the whole environment.
  const expanded = expandEnv(e ?? []);
  if (e !== undefined) config.env = [...expanded].map(([n, value]) => ({ name: n, value }));
  if (config.command !== undefined) config.command = expandCommand(config.command, expanded);
  if (config.args !== undefined) config.args = expandCommand(config.args, expanded);
  if (optionalText(root, "workingDir") !== undefined) {
    config.workingDir = absolutePath(root.get("workingDir"), "workingDir");
  }
  const r = containerResources(root.get("resources"), { quantityFields: ["cpu", "memory"] });
  // The Kubernetes defaulting every manifest type shares (port protocol, requests from limits).
  const defaulted = defaultContainer({
    name,
    image,
    ports: root.list("ports").map((f) => containerPort(f, { ignoreProtocolCase: true })),
    ...(r !== undefined ? { resources: r } : {}),
  });
  if (defaulted.ports.length > 0) config.ports = defaulted.ports;
  if (r !== undefined) config.resources = defaulted.resources;
  const m = mounts(root, opts.cwd);
  if (m.length > 0) config.mounts = m;
  const hostNetwork = root.optionalBoolean("hostNetwork");
  if (hostNetwork !== undefined) config.hostNetwork = hostNetwork;
  const h = optionalText(root, "hostname");
  if (h !== undefined) {
    const hp = containerNameProblem(h);
    if (hp) throw root.get("hostname").error(hp);
    config.hostname = h;
  }
  const labels = root.stringMap("labels");
  if (labels !== undefined) config.labels = labels;

  const sc = root.get("securityContext");
  if (!sc.isNull) {
    sc.object().known(SECURITY_CONTEXT_FIELDS);
    const ro = sc.optionalBoolean("readOnlyRootFilesystem");
    if (ro !== undefined) config.readOnlyRootFilesystem = ro;
    const { runAsUser, runAsGroup } = runAsIds(sc);
    if (runAsUser !== undefined || runAsGroup !== undefined) {
      config.user = { uid: runAsUser ?? 0, gid: runAsGroup ?? 0 };
    }
    const { privileged, allowPrivilegeEscalation, capabilities } = privilegeFields(sc);
    if (privileged !== undefined) config.privileged = privileged;
    if (allowPrivilegeEscalation !== undefined) config.noNewPrivileges = !allowPrivilegeEscalation;
    if (capabilities !== undefined) config.capabilities = capabilities;
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
  return await parseContainerManifest(await readManifestFile(full, path), path, opts);
}
