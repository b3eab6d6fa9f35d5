/**
 * The Kubernetes `v1 Pod` subset a node runs: parsing and validation with file, line, column and
 * field path in every error; unknown fields become warnings.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import {
  type ManifestField,
  type ManifestWarning,
  readManifest,
  readManifestFile,
} from "../manifest_reader.ts";
import type { PortMapping } from "../network.ts";
import { imageBundleProblem } from "../rootfs.ts";
import {
  absolutePath,
  commandAndArgs,
  CONTAINER_FIELDS,
  containerPort,
  containerResources,
  envVarName,
  envVarValue,
  privilegeFields,
  type ResourceQuantities,
  runAsIds,
  SECURITY_CONTEXT_FIELDS,
} from "../container/fields.ts";
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  envNameProblem,
  quantityProblem,
} from "./_names.ts";

/** Restart policy of a pod's containers. */
export type RestartPolicy = "Always" | "OnFailure" | "Never";

/** The pod fields an environment variable may refer to with `valueFrom.fieldRef`. */
export type PodFieldPath =
  | "metadata.name"
  | "metadata.namespace"
  | "metadata.uid"
  | "spec.nodeName"
  | "spec.serviceAccountName"
  | "status.podIP"
  | "status.podIPs";

/** Field paths accepted in `valueFrom.fieldRef.fieldPath`. */
export const podFieldPaths: readonly PodFieldPath[] = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.podIP",
  "status.podIPs",
];

/** An environment variable: a literal value or a reference to a pod field. */
export type PodEnvVar =
  | { name: string; value: string }
  | { name: string; fieldRef: PodFieldPath };

export type { ResourceQuantities } from "../container/fields.ts";

/** A container's `resources`. */
export interface PodResources {
  /** Hard limits. */
  limits: ResourceQuantities;
  /** Requests (used for CPU shares). */
  requests: ResourceQuantities;
}

/** A `volumeMounts[]` entry. */
export interface PodVolumeMount {
  /** Name of a volume in `spec.volumes`. */
  name: string;
  /** Absolute path inside the container. */
  mountPath: string;
  /** Mount read-only. */
  readOnly: boolean;
  /** Sub-directory of the volume to mount instead of its root. */
  subPath?: string;
}

/** The supported subset of `securityContext`. */
export interface PodSecurityContext {
  /** Run privileged (all capabilities, no masked paths, all devices allowed). */
  privileged?: boolean;
  /** User id of the process. */
  runAsUser?: number;
  /** Group id of the process. */
  runAsGroup?: number;
  /** Mount the root filesystem read-only. */
  readOnlyRootFilesystem?: boolean;
  /** Set `no_new_privileges` when false. */
  allowPrivilegeEscalation?: boolean;
  /** Capabilities to add and drop (Linux capability names without `CAP_`, or `ALL`). */
  capabilities?: { add: string[]; drop: string[] };
}

/** One container of a pod (init or app). */
export interface PodContainerSpec {
  /** DNS-1123 label, unique within the pod. */
  name: string;
  /** Absolute path of the image bundle (a directory holding `rootfs/`). */
  image: string;
  /** Entrypoint override. */
  command?: string[];
  /** Arguments. */
  args?: string[];
  /** Environment, in manifest order. */
  env: PodEnvVar[];
  /** Working directory. */
  workingDir?: string;
  /** Declared ports. */
  ports: PortMapping[];
  /** Limits and requests. */
  resources: PodResources;
  /** Volume mounts. */
  volumeMounts: PodVolumeMount[];
  /** Security settings. */
  securityContext: PodSecurityContext;
  /** Allocate a TTY. */
  tty: boolean;
}

/** A pod volume. */
export type PodVolume =
  | { name: string; kind: "emptyDir"; medium: "" | "Memory"; sizeLimit?: string }
  | { name: string; kind: "hostPath"; path: string; type: HostPathType };

/** `hostPath.type` values. */
export type HostPathType =
  | ""
  | "DirectoryOrCreate"
  | "Directory"
  | "FileOrCreate"
  | "File"
  | "Socket"
  | "CharDevice"
  | "BlockDevice";

const hostPathTypes: readonly HostPathType[] = [
  "",
  "DirectoryOrCreate",
  "Directory",
  "FileOrCreate",
  "File",
  "Socket",
  "CharDevice",
  "BlockDevice",
];

/** A validated pod manifest. */
export interface PodManifest {
  /** Pod name (DNS-1123 subdomain). */
  name: string;
  /** Namespace, default `default`. */
  namespace: string;
  /** Labels. */
  labels: Record<string, string>;
  /** Annotations. */
  annotations: Record<string, string>;
  /** Absolute path of the pause bundle from `labels.bundle`; undefined for the built-in one. */
  pauseBundle?: string;
  /** Init containers, run in order. */
  initContainers: PodContainerSpec[];
  /** App containers. */
  containers: PodContainerSpec[];
  /** Volumes. */
  volumes: PodVolume[];
  /** Restart policy, default `Always`. */
  restartPolicy: RestartPolicy;
  /** Use the host's network namespace. */
  hostNetwork: boolean;
  /** Share one PID namespace between the containers (the pause process is PID 1). */
  shareProcessNamespace: boolean;
  /** Hostname inside the pod, default the pod name. */
  hostname: string;
  /** Seconds between SIGTERM and SIGKILL on stop, default 30. */
  terminationGracePeriodSeconds: number;
  /** `spec.hostAliases`: extra `/etc/hosts` entries. */
  hostAliases?: { ip: string; hostnames: string[] }[];
  /**
   * Networks to join, from the `k8s.v1.cni.cncf.io/networks` annotation (comma-separated rkl
   * network names); undefined for the default network.
   */
  networks?: string[];
}

/**
 * The annotation that lists a pod's networks (comma-separated network names), as the Kubernetes
 * Network Plumbing Working Group's multi-network specification (Multus) defines it.
 */
export const NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";

/** Options for {@linkcode parsePodManifest}. */
export interface ParsePodOptions {
  /** Directory relative image and bundle paths resolve against (the user's directory). */
  baseDir: string;
  /**
   * Checks that an image directory holds `rootfs/`; return a reason when it does not.
   * Default: a `Deno.statSync` check. Unit tests pass a fake.
   */
  checkImage?: (path: string) => string | undefined;
}

/** A parsed manifest and its warnings. */
export interface ParsedPod {
  /** The validated pod. */
  pod: PodManifest;
  /** Unknown fields and other non-fatal findings. */
  warnings: ManifestWarning[];
}

/**
 * Most containers rkl accepts in `spec.containers`, and again in `spec.initContainers`, of one
 * pod. Each container costs a monitor process, an overlay mount and a cgroup; Kubernetes has no
 * fixed limit (the API server's request size bounds it), rkl refuses more at validation.
 */
export const POD_MAX_CONTAINERS = 100;

/** Most volumes rkl accepts in `spec.volumes` of one pod. */
export const POD_MAX_VOLUMES = 256;

/**
 * Checks that `dir` is a bundle: a directory holding `rootfs/`. Returns the reason when not.
 *
 * @example
 * ```ts
 * import { bundleProblem } from "./pod_manifest.ts";
 * import assert from "node:assert/strict";
 * assert.match(bundleProblem("/no/such/dir") ?? "", /does not exist/);
 * ```
 */
export function bundleProblem(dir: string): string | undefined {
  return imageBundleProblem(dir);
}

/**
 * Parses and validates a pod manifest. Every problem throws a `ManifestError` with file, line,
 * column and field path, before anything is created; unknown fields become warnings.
 *
 * @example
 * ```ts
 * import { parsePodManifest } from "./pod_manifest.ts";
 * import assert from "node:assert/strict";
 * const text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n" +
 *   "spec:\n  containers:\n    - {name: app, image: ./img}\n";
 * const { pod } = parsePodManifest(text, "p.yaml", { baseDir: "/w", checkImage: () => undefined });
 * assert.equal(pod.containers[0]!.image, "/w/img");
 * assert.equal(pod.namespace, "default");
 * ```
 */
export function parsePodManifest(text: string, file: string, opts: ParsePodOptions): ParsedPod {
  const { root, warnings } = readManifest(text, file);
  root.object();
  root.known(["apiVersion", "kind", "metadata", "spec", "status"]);
  const apiVersion = root.requiredString("apiVersion");
  if (apiVersion !== "v1") throw root.get("apiVersion").error(`expected "v1", got "${apiVersion}"`);
  const kind = root.requiredString("kind");
  if (kind !== "Pod") throw root.get("kind").error(`expected "Pod", got "${kind}"`);
  if (root.has("status")) root.get("status").warn("status is ignored");

  const meta = root.get("metadata");
  if (meta.isNull) throw meta.error("required field is missing");
  meta.object().known(["name", "namespace", "labels", "annotations", "uid"]);
  const name = meta.requiredString("name");
  nameCheck(meta.get("name"), dns1123SubdomainProblem(name));
  const namespace = meta.optionalString("namespace") ?? "default";
  nameCheck(meta.get("namespace"), dns1123LabelProblem(namespace));
  const labels = meta.stringMap("labels") ?? {};
  const annotations = meta.stringMap("annotations") ?? {};
  const check = opts.checkImage ?? bundleProblem;
  let pauseBundle: string | undefined;
  if (labels.bundle !== undefined) {
    pauseBundle = absolute(opts.baseDir, labels.bundle);
    const problem = check(pauseBundle);
    if (problem) throw meta.get("labels").get("bundle").error(`pause bundle: ${problem}`);
  }

  const spec = root.get("spec");
  if (spec.isNull) throw spec.error("required field is missing");
  spec.object().known([
    "containers",
    "initContainers",
    "volumes",
    "restartPolicy",
    "hostNetwork",
    "shareProcessNamespace",
    "hostname",
    "terminationGracePeriodSeconds",
    "nodeName",
    "dnsPolicy",
    "hostAliases",
  ]);

  const volumes = spec.list("volumes", POD_MAX_VOLUMES).map(parseVolume);
  const volumeNames = new Map<string, ManifestField>();
  spec.list("volumes").forEach((f, i) => {
    const v = volumes[i]!;
    if (volumeNames.has(v.name)) {
      throw f.get("name").error(
        `duplicate volume name "${v.name}" (first defined at line ${
          volumeNames.get(v.name)!.position.line
        })`,
      );
    }
    volumeNames.set(v.name, f.get("name"));
  });

  const ctx: ContainerCtx = { baseDir: opts.baseDir, check, volumes: new Set(volumeNames.keys()) };
  const containersField = spec.get("containers");
  if (containersField.isNull) throw containersField.error("required field is missing");
  const containerFields = containersField.items(POD_MAX_CONTAINERS);
  if (containerFields.length === 0) throw containersField.error("at least one container is needed");
  const initFields = spec.list("initContainers", POD_MAX_CONTAINERS);
  const initContainers = initFields.map((f) => parseContainer(f, ctx, true));
  const containers = containerFields.map((f) => parseContainer(f, ctx, false));

  const seen = new Map<string, ManifestField>();
  [...initFields, ...containerFields].forEach((f, i) => {
    const c = [...initContainers, ...containers][i]!;
    const first = seen.get(c.name);
    if (first) {
      throw f.get("name").error(
        `duplicate container name "${c.name}" (first used at ${first.path}, line ${first.position.line})`,
      );
    }
    seen.set(c.name, f.get("name"));
  });

  const restartField = spec.get("restartPolicy");
  let restartPolicy: RestartPolicy = "Always";
  if (!restartField.isNull) {
    const r = restartField.string();
    if (r !== "Always" && r !== "OnFailure" && r !== "Never") {
      throw restartField.error(`expected Always, OnFailure or Never, got "${r}"`);
    }
    restartPolicy = r;
  }
  const hostname = spec.optionalString("hostname") ?? name.split(".")[0]!.slice(0, 63);
  if (spec.has("hostname")) nameCheck(spec.get("hostname"), dns1123LabelProblem(hostname));
  const dnsPolicy = spec.optionalString("dnsPolicy");
  if (dnsPolicy !== undefined) {
    spec.get("dnsPolicy").warn("dnsPolicy is ignored (host resolv.conf)");
  }
  if (spec.has("nodeName")) spec.get("nodeName").warn("nodeName is ignored on a single node");

  const pod: PodManifest = {
    name,
    namespace,
    labels,
    annotations,
    initContainers,
    containers,
    volumes,
    restartPolicy,
    hostNetwork: spec.optionalBoolean("hostNetwork") ?? false,
    shareProcessNamespace: spec.optionalBoolean("shareProcessNamespace") ?? false,
    hostname,
    terminationGracePeriodSeconds:
      spec.optionalInteger("terminationGracePeriodSeconds", 0, 86400) ??
        30,
  };
  if (pauseBundle !== undefined) pod.pauseBundle = pauseBundle;
  if (spec.has("hostAliases")) {
    pod.hostAliases = spec.list("hostAliases").map((h) => {
      h.object().known(["ip", "hostnames"]);
      const ip = h.requiredString("ip");
      if (!/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(ip)) {
        throw h.get("ip").error(`expected an IP address, got "${ip}"`);
      }
      return { ip, hostnames: h.stringArray("hostnames") ?? [] };
    });
  }
  const nets = annotations[NETWORKS_ANNOTATION];
  if (nets !== undefined) {
    const names = nets.split(",").map((n) => n.trim()).filter((n) => n !== "");
    const bad = names.find((n) => !/^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$/.test(n));
    if (bad !== undefined) {
      throw meta.get("annotations").get(NETWORKS_ANNOTATION).error(
        `"${bad}" is not an rkl network name (a comma-separated list of network names is expected)`,
      );
    }
    if (names.length > 0) pod.networks = names;
  }
  return { pod, warnings };
}

/**
 * Reads a pod manifest file and validates it with {@linkcode parsePodManifest}.
 *
 * @example
 * ```ts ignore
 * import { loadPodManifest } from "./pod_manifest.ts";
 * const { pod, warnings } = await loadPodManifest("testdata/pods/simple.yaml", { baseDir: "." });
 * ```
 */
export async function loadPodManifest(path: string, opts: ParsePodOptions): Promise<ParsedPod> {
  return parsePodManifest(await readManifestFile(path), path, opts);
}

interface ContainerCtx {
  baseDir: string;
  check: (path: string) => string | undefined;
  volumes: ReadonlySet<string>;
}

function absolute(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

function nameCheck(field: ManifestField, problem: string | undefined): void {
  if (problem) throw field.error(problem);
}

function parseVolume(f: ManifestField): PodVolume {
  f.object().known(["name", "emptyDir", "hostPath"]);
  const name = f.requiredString("name");
  nameCheck(f.get("name"), dns1123LabelProblem(name));
  const kinds = ["emptyDir", "hostPath"].filter((k) => f.get(k).value !== undefined);
  if (kinds.length === 0) {
    const other = f.keys().filter((k) => k !== "name");
    throw f.error(
      other.length > 0
        ? `volume type "${other[0]}" is not supported (supported: emptyDir, hostPath)`
        : "a volume needs emptyDir or hostPath",
    );
  }
  if (kinds.length > 1) throw f.error("a volume must have exactly one of emptyDir, hostPath");
  if (kinds[0] === "emptyDir") {
    const e = f.get("emptyDir");
    if (e.isNull) return { name, kind: "emptyDir", medium: "" };
    e.object().known(["medium", "sizeLimit"]);
    const medium = e.optionalString("medium") ?? "";
    if (medium !== "" && medium !== "Memory") {
      throw e.get("medium").error(`expected "" or "Memory", got "${medium}"`);
    }
    const vol: PodVolume = { name, kind: "emptyDir", medium };
    if (e.has("sizeLimit")) {
      const size = e.get("sizeLimit").stringOrNumber();
      nameCheck(e.get("sizeLimit"), quantityProblem(size, "memory"));
      vol.sizeLimit = size;
    }
    return vol;
  }
  const h = f.get("hostPath");
  h.object().known(["path", "type"]);
  const path = h.requiredString("path");
  absolutePath(h.get("path"));
  // Kubernetes (validatePathNoBacksteps) rejects ".." in a hostPath path.
  if (path.split("/").includes("..")) throw h.get("path").error(`must not contain '..'`);
  const type = (h.optionalString("type") ?? "") as HostPathType;
  if (!hostPathTypes.includes(type)) {
    throw h.get("type").error(
      `expected one of ${hostPathTypes.filter(Boolean).join(", ")}, got "${type}"`,
    );
  }
  return { name, kind: "hostPath", path, type };
}

function parseContainer(f: ManifestField, ctx: ContainerCtx, init: boolean): PodContainerSpec {
  f.object().known([
    ...CONTAINER_FIELDS,
    "imagePullPolicy",
    "tty",
    "stdin",
    "terminationMessagePath",
    "terminationMessagePolicy",
  ]);
  const name = f.requiredString("name");
  nameCheck(f.get("name"), dns1123LabelProblem(name));
  const imageRaw = f.requiredString("image");
  const image = absolute(ctx.baseDir, imageRaw);
  const problem = ctx.check(image);
  if (problem) throw f.get("image").error(problem);
  if (f.has("imagePullPolicy")) {
    f.get("imagePullPolicy").warn("imagePullPolicy is ignored (images are local bundles)");
  }
  const c: PodContainerSpec = {
    name,
    image,
    env: f.list("env").map(parseEnv),
    ports: f.list("ports").map((p) => containerPort(p, { ignoreProtocolCase: false })),
    resources: parseResources(f.get("resources")),
    volumeMounts: f.list("volumeMounts").map((m) => parseMount(m, ctx.volumes)),
    securityContext: parseSecurity(f.get("securityContext")),
    tty: f.optionalBoolean("tty") ?? false,
  };
  if (c.tty) f.get("tty").warn("tty is not supported for pod containers; ignored");
  Object.assign(c, commandAndArgs(f));
  const wd = f.get("workingDir");
  if (!wd.isNull) c.workingDir = absolutePath(wd);
  if (init && c.ports.length > 0) f.get("ports").warn("ports of an init container are ignored");
  const names = new Set<string>();
  f.list("env").forEach((e, i) => {
    const n = c.env[i]!.name;
    if (names.has(n)) e.get("name").warn(`duplicate variable "${n}": the last value wins`);
    names.add(n);
  });
  const paths = new Map<string, number>();
  f.list("volumeMounts").forEach((m, i) => {
    const p = c.volumeMounts[i]!.mountPath;
    if (paths.has(p)) {
      throw m.get("mountPath").error(
        `mount path "${p}" is already used by volumeMounts[${paths.get(p)}]`,
      );
    }
    paths.set(p, i);
  });
  return c;
}

function parseEnv(f: ManifestField): PodEnvVar {
  const name = envVarName(f, ["name", "value", "valueFrom"], envNameProblem);
  const vf = f.get("valueFrom");
  if (!vf.isNull) {
    if (f.has("value")) throw f.error("value and valueFrom cannot both be set");
    vf.object().known(["fieldRef"]);
    const ref = vf.get("fieldRef");
    if (ref.isNull) {
      throw vf.error(
        "only valueFrom.fieldRef is supported (configMap and secret refs need a cluster)",
      );
    }
    ref.object().known(["fieldPath", "apiVersion"]);
    const path = ref.requiredString("fieldPath");
    if (!(podFieldPaths as readonly string[]).includes(path)) {
      throw ref.get("fieldPath").error(
        `expected one of ${podFieldPaths.join(", ")}, got "${path}"`,
      );
    }
    return { name, fieldRef: path as PodFieldPath };
  }
  return { name, value: envVarValue(f) };
}

function parseResources(f: ManifestField): PodResources {
  const r = containerResources(f, {
    quantityFields: ["cpu", "memory", "ephemeral-storage"],
    problem: quantityProblem,
  });
  return { limits: r?.limits ?? {}, requests: r?.requests ?? {} };
}

function parseMount(f: ManifestField, volumes: ReadonlySet<string>): PodVolumeMount {
  f.object().known(["name", "mountPath", "readOnly", "subPath"]);
  const name = f.requiredString("name");
  if (!volumes.has(name)) {
    throw f.get("name").error(
      `unknown volume "${name}" (spec.volumes has ${
        volumes.size > 0 ? [...volumes].map((v) => `"${v}"`).join(", ") : "no volumes"
      })`,
    );
  }
  f.requiredString("mountPath");
  const mountPath = absolutePath(f.get("mountPath"));
  const m: PodVolumeMount = { name, mountPath, readOnly: f.optionalBoolean("readOnly") ?? false };
  const sub = f.optionalString("subPath");
  if (sub !== undefined) {
    if (sub.startsWith("/") || sub.split("/").includes("..")) {
      throw f.get("subPath").error(`expected a relative path without "..", got "${sub}"`);
    }
    m.subPath = sub;
  }
  return m;
}

function parseSecurity(f: ManifestField): PodSecurityContext {
  const out: PodSecurityContext = {};
  if (f.isNull) return out;
  f.object().known([...SECURITY_CONTEXT_FIELDS, "runAsNonRoot"]);
  Object.assign(out, runAsIds(f));
  const ro = f.optionalBoolean("readOnlyRootFilesystem");
  if (ro !== undefined) out.readOnlyRootFilesystem = ro;
  Object.assign(out, privilegeFields(f));
  if (f.optionalBoolean("runAsNonRoot") === true && (out.runAsUser ?? 0) === 0) {
    throw f.get("runAsNonRoot").error("runAsNonRoot is true but runAsUser is 0 or not set");
  }
  return out;
}
