/**
 * The Kubernetes `v1 Pod` subset a node runs: YAML → {@linkcode PodInput} (zero values of
 * non-pointer fields mean "not set", types are checked, never coerced) → the shared defaulting
 * step (`../k8s/defaults.ts`) → checks of the defaulted pod. Every error names file, line,
 * column and field path; unknown fields become warnings. The types live in `pod_types.ts`,
 * containers are parsed in `pod_manifest_container.ts`, the pod-level extras in
 * `pod_manifest_spec.ts`.
 *
 * @module
 */
import {
  type ManifestField,
  type ManifestWarning,
  readManifest,
  readManifestFile,
} from "../manifest_reader.ts";
import { imageBundleProblem } from "../rootfs.ts";
import { absolutePath, optionalText } from "../container/fields.ts";
import { defaultPod } from "../k8s/defaults.ts";
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelKeyProblem,
  labelValueProblem,
  quantityProblem,
} from "./_names.ts";
import {
  absoluteFrom,
  type ContainerParseContext,
  nameCheck,
  parsePodContainer,
} from "./pod_manifest_container.ts";
import { checkPod, parsePodSpecExtras, POD_SPEC_EXTRA_FIELDS } from "./pod_manifest_spec.ts";
import {
  apiVolumeSources,
  type HostPathType,
  hostPathTypes,
  NETWORKS_ANNOTATION,
  type PodInput,
  type PodManifest,
  type PodVolume,
  type RestartPolicy,
} from "./pod_types.ts";

export * from "./pod_types.ts";

/** Options for {@linkcode parsePodManifest}. */
export interface ParsePodOptions {
  /** Directory relative image and bundle paths resolve against (the user's directory). */
  baseDir: string;
  /**
   * Checks that an image directory holds `rootfs/`; return a reason when it does not.
   * Default: a `Deno.statSync` check. Unit tests pass a fake.
   */
  checkImage?: (path: string) => string | undefined;
  /**
   * Where an `image:` that is neither a path nor a bundle directory under `baseDir` is looked up
   * as an image reference (`busybox` → `<imageDir>/busybox/latest` or `<imageDir>/busybox`; see
   * `resolveImage` in core/image_resolve.ts). Without it images are paths only.
   */
  imageDir?: string;
  /**
   * Accept `configMap`, `secret`, `downwardAPI` and `projected` volumes (as
   * `kind: "projected"` volumes without files; a cluster node fills them in). Only a cluster
   * node can read those objects: without this option they are refused with a message that says
   * so. Default false.
   */
  apiVolumes?: boolean;
}

/** A parsed manifest and its warnings. */
export interface ParsedPod {
  /** The validated, defaulted pod. */
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
 * Parses, defaults and validates a pod manifest. Every problem throws a `ManifestError` with
 * file, line, column and field path, before anything is created; unknown fields become
 * warnings.
 *
 * @example
 * ```ts
 * import { parsePodManifest } from "./pod_manifest.ts";
 * import assert from "node:assert/strict";
 * const text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n" +
 *   "spec:\n  restartPolicy: ''\n  containers:\n    - {name: app, image: ./img}\n";
 * const { pod } = parsePodManifest(text, "p.yaml", { baseDir: "/w", checkImage: () => undefined });
 * assert.equal(pod.containers[0]!.image, "/w/img");
 * assert.equal(pod.namespace, "default");
 * assert.equal(pod.restartPolicy, "Always");
 * ```
 */
export function parsePodManifest(text: string, file: string, opts: ParsePodOptions): ParsedPod {
  const { root, warnings } = readManifest(text, file);
  const { input, spec } = parsePodInput(root, opts);
  const pod = defaultPod(input);
  checkPod(pod, spec);
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

function parsePodInput(
  root: ManifestField,
  opts: ParsePodOptions,
): { input: PodInput; spec: ManifestField } {
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
  const name = optionalText(meta, "name");
  if (name === undefined) throw meta.get("name").error("required field is missing");
  nameCheck(meta.get("name"), dns1123SubdomainProblem(name));
  const namespace = optionalText(meta, "namespace");
  if (namespace !== undefined) nameCheck(meta.get("namespace"), dns1123LabelProblem(namespace));
  const labels = meta.stringMap("labels") ?? {};
  for (const [key, value] of Object.entries(labels)) {
    // Kubernetes' label rules; rk8s's own `bundle` label holds a path, as the original
    // project's example has it, so only its key is checked.
    const problem = labelKeyProblem(key) ??
      (key === "bundle" ? undefined : labelValueProblem(value));
    if (problem) throw meta.get("labels").get(key).error(problem);
  }
  const annotations = meta.stringMap("annotations") ?? {};
  const check = opts.checkImage ?? bundleProblem;

  const spec = root.get("spec");
  if (spec.isNull) throw spec.error("required field is missing");
  spec.object().known([
    "containers",
    "initContainers",
    "volumes",
    "restartPolicy",
    "hostNetwork",
    "shareProcessNamespace",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "nodeName",
    ...POD_SPEC_EXTRA_FIELDS,
  ]);

  const volumes = spec.list("volumes", POD_MAX_VOLUMES).map((f) =>
    parseVolume(f, opts.apiVolumes === true)
  );
  const volumeNames = new Map<string, ManifestField>();
  spec.list("volumes").forEach((f, i) => {
    const v = volumes[i]!;
    const first = volumeNames.get(v.name);
    if (first) {
      throw f.get("name").error(
        `duplicate volume name "${v.name}" (first defined at line ${first.position.line})`,
      );
    }
    volumeNames.set(v.name, f.get("name"));
  });

  const ctx: ContainerParseContext = {
    baseDir: opts.baseDir,
    check,
    ...(opts.imageDir !== undefined ? { imageDir: opts.imageDir } : {}),
    volumes: new Set(volumeNames.keys()),
  };
  const containersField = spec.get("containers");
  if (containersField.isNull) throw containersField.error("required field is missing");
  const containerFields = containersField.items(POD_MAX_CONTAINERS);
  if (containerFields.length === 0) throw containersField.error("at least one container is needed");
  const initFields = spec.list("initContainers", POD_MAX_CONTAINERS);
  const initContainers = initFields.map((f) => parsePodContainer(f, ctx, true));
  const containers = containerFields.map((f) => parsePodContainer(f, ctx, false));

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

  const input: PodInput = {
    name,
    labels,
    annotations,
    initContainers,
    containers,
    volumes,
    ...parsePodSpecExtras(spec),
  };
  if (namespace !== undefined) input.namespace = namespace;
  const nets = annotations[NETWORKS_ANNOTATION];
  if (nets !== undefined) {
    const field = meta.get("annotations").get(NETWORKS_ANNOTATION);
    const selection = parseNetworkSelection(nets, (m) => field.error(m));
    if (selection.networks.length > 0) input.networks = selection.networks;
    if (Object.keys(selection.ips).length > 0) input.networkIps = selection.ips;
  }
  if (labels.bundle !== undefined) {
    input.pauseBundle = absoluteFrom(opts.baseDir, labels.bundle);
    const problem = check(input.pauseBundle);
    if (problem) throw meta.get("labels").get("bundle").error(`pause bundle: ${problem}`);
  }
  const restart = optionalText(spec, "restartPolicy");
  if (restart !== undefined) {
    if (restart !== "Always" && restart !== "OnFailure" && restart !== "Never") {
      throw spec.get("restartPolicy").error(
        `expected Always, OnFailure or Never, got "${restart}"`,
      );
    }
    input.restartPolicy = restart satisfies RestartPolicy;
  }
  const hostNetwork = spec.optionalBoolean("hostNetwork");
  if (hostNetwork !== undefined) input.hostNetwork = hostNetwork;
  const shareProcessNamespace = spec.optionalBoolean("shareProcessNamespace");
  if (shareProcessNamespace !== undefined) input.shareProcessNamespace = shareProcessNamespace;
  // A pointer in the Go type: an explicit 0 is set (kill at once).
  const grace = spec.optionalInteger("terminationGracePeriodSeconds", 0, 86400);
  if (grace !== undefined) input.terminationGracePeriodSeconds = grace;
  // kube-apiserver: "must be between 1 and 2147483647, inclusive".
  const deadline = spec.optionalInteger("activeDeadlineSeconds", 1, 2147483647);
  if (deadline !== undefined) input.activeDeadlineSeconds = deadline;
  if (optionalText(spec, "nodeName") !== undefined) {
    spec.get("nodeName").warn("nodeName is ignored on a single node");
  }
  return { input, spec };
}

function parseVolume(f: ManifestField, apiVolumes: boolean): PodVolume {
  f.object().known(["name", "emptyDir", "hostPath", ...apiVolumeSources]);
  const name = f.requiredString("name");
  nameCheck(f.get("name"), dns1123LabelProblem(name));
  const api = apiVolumeSources.filter((k) => f.get(k).value !== undefined);
  if (api.length > 0) {
    const source = api[0]!;
    if (!apiVolumes) {
      throw f.get(source).error(
        `volume type "${source}" needs a cluster: only a cluster node reads ConfigMaps, Secrets and the pod's API fields (create the pod with kubectl on an rks cluster)`,
      );
    }
    if (api.length > 1 || f.get("emptyDir").value !== undefined || f.has("hostPath")) {
      throw f.error("a volume must have exactly one volume type");
    }
    f.get(source).object();
    // The kubelet keeps secrets, projected and downward API volumes on a tmpfs.
    return {
      name,
      kind: "projected",
      source,
      medium: source === "configMap" ? "" : "Memory",
      files: [],
    };
  }
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
    const medium = optionalText(e, "medium") ?? "";
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
  const type = (optionalText(h, "type") ?? "") as HostPathType;
  if (!hostPathTypes.includes(type)) {
    throw h.get("type").error(
      `expected one of ${hostPathTypes.filter(Boolean).join(", ")}, got "${type}"`,
    );
  }
  return { name, kind: "hostPath", path, type };
}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$/;
const IPV4_ADDRESS = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * The `k8s.v1.cni.cncf.io/networks` annotation as the Network Plumbing Working Group's
 * multi-network specification defines it: a comma-separated list of network names, or a JSON
 * list of selection elements `{"name": ..., "ips": ["10.1.1.11/24"]}` (the static address of
 * the pod on that network; one IPv4 address, prefix optional). `fail` builds the error.
 *
 * @example
 * ```ts
 * import { parseNetworkSelection } from "./pod_manifest.ts";
 * import assert from "node:assert/strict";
 * const fail = (m: string) => new Error(m);
 * assert.deepEqual(parseNetworkSelection("a, b", fail), { networks: ["a", "b"], ips: {} });
 * assert.deepEqual(
 *   parseNetworkSelection('[{"name":"a","ips":["172.28.0.5/16"]},{"name":"b"}]', fail),
 *   { networks: ["a", "b"], ips: { a: "172.28.0.5" } },
 * );
 * assert.throws(() => parseNetworkSelection('[{"name":"a","ips":["x"]}]', fail), /not an IPv4 address/);
 * ```
 */
export function parseNetworkSelection(
  text: string,
  fail: (message: string) => Error,
): { networks: string[]; ips: Record<string, string> } {
  const ips: Record<string, string> = {};
  let names: string[];
  if (text.trim().startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (e) {
      throw fail(`not a JSON list of network selection elements: ${(e as Error).message}`);
    }
    if (!Array.isArray(list)) throw fail("expected a JSON list of network selection elements");
    names = list.map((el, i) => {
      if (typeof el !== "object" || el === null || typeof el.name !== "string") {
        throw fail(`element ${i} needs "name" (a network name)`);
      }
      const known = ["name", "namespace", "ips", "interface"];
      const other = Object.keys(el).find((k) => !known.includes(k));
      if (other !== undefined) throw fail(`element ${i}: "${other}" is not supported by rk8s`);
      if (el.ips !== undefined) {
        if (!Array.isArray(el.ips) || el.ips.some((x: unknown) => typeof x !== "string")) {
          throw fail(`element ${i}: "ips" must be a list of addresses`);
        }
        if (el.ips.length > 1) throw fail(`element ${i}: at most one IPv4 address per network`);
        const ip = String(el.ips[0] ?? "").replace(/\/\d{1,2}$/, "");
        if (el.ips.length === 1) {
          if (!IPV4_ADDRESS.test(ip)) {
            throw fail(`element ${i}: "${el.ips[0]}" is not an IPv4 address`);
          }
          ips[el.name] = ip;
        }
      }
      return el.name as string;
    });
  } else {
    names = text.split(",").map((n) => n.trim()).filter((n) => n !== "");
  }
  const bad = names.find((n) => !NETWORK_NAME.test(n));
  if (bad !== undefined) {
    throw fail(
      `"${bad}" is not an rkl network name (a comma-separated list of network names, or a JSON list of {"name": ...}, is expected)`,
    );
  }
  return { networks: names, ips };
}
