/**
 * `desiredFromApiPod`: turns a Pod bound to this node (as the API server returns it) into the
 * daemon's {@linkcode DesiredPod}: the same parser and checks as a static pod or `rkl pod run`
 * (image directories must exist on the node, volumes must be of a kind the node supports), the
 * pod's uid kept, and the kubelet's `kubernetes.io/config.source: api` annotation on the local
 * sandbox so a restarted daemon knows which pods came from the cluster. A pod the node cannot run
 * becomes a {@linkcode PodProblem} carrying the waiting reason the kubelet reports.
 *
 * @module
 */
import { ManifestError } from "../../core/errors.ts";
import { isRecord } from "../../core/is_record.ts";
import { imageBundleProblem } from "../../core/rootfs.ts";
import { imageBundleCandidates } from "../../core/image_reference.ts";
import { realPath } from "../../core/image_resolve.ts";
import { parsePodManifest } from "../../core/pod/pod_manifest.ts";
import { containerEnvironment } from "../../core/pod/pod_translate.ts";
import { expandSubPathExpr, SubPathExprError } from "../../core/pod/sub_path_expr.ts";
import type { DesiredPod } from "../../core/daemon/pod_sync_planner.ts";
import type { PodManifest, ProjectedFile } from "../../core/pod/pod_types.ts";
import { type ConfigEvent, type ConfigSources, resolvePodConfig } from "./pod_config_resolve.ts";
import {
  STATIC_POD_ANNOTATION_HASH,
  STATIC_POD_ANNOTATION_SOURCE,
} from "../../core/daemon/static_pods.ts";

/**
 * The annotation that carries the original pod format's `labels.bundle` (the pause bundle's
 * path) through the API, where a label value cannot hold a path: `rkl pod create --cluster`
 * moves it there and the node reads it back.
 */
export const PAUSE_BUNDLE_ANNOTATION = "rk8s.io/pause-bundle";

/**
 * Annotation of the node's pod manifest (kept in its sandbox record, never sent to the API): the
 * image of each container as the API pod named it when the sandbox was created (JSON object, name
 * → image). The status reports the image a container runs, as the kubelet does, also after a
 * `kubectl set image` the node has not carried out (rk8s does not update a container's image in
 * place).
 */
export const CONTAINER_IMAGES_ANNOTATION = "rk8s.io/container-images";

/** The images {@linkcode CONTAINER_IMAGES_ANNOTATION} records, by container name. */
export function containerImagesOf(
  annotations: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  try {
    const v: unknown = JSON.parse(annotations?.[CONTAINER_IMAGES_ANNOTATION] ?? "{}");
    return isRecord(v)
      ? Object.fromEntries(
        Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"),
      )
      : {};
  } catch {
    return {};
  }
}

/**
 * The API Pod for a manifest in the original project's pod format (as `rkl pod run` reads it):
 * `doc` is the parsed YAML, `pod` the validated manifest (paths made absolute against the user's
 * directory). Relative image paths become the absolute ones, and `labels.bundle` moves to the
 * {@linkcode PAUSE_BUNDLE_ANNOTATION} annotation; everything else is sent as written.
 *
 * @example
 * ```ts
 * import { apiPodFromManifest } from "./cluster_pod_manifest.ts";
 * import assert from "node:assert/strict";
 * const doc = { apiVersion: "v1", kind: "Pod",
 *   metadata: { name: "t", labels: { app: "a", bundle: "./pause" } },
 *   spec: { containers: [{ name: "c", image: "./busybox", args: ["sleep", "9"] }] } };
 * const pod = { pauseBundle: "/w/pause", initContainers: [], containers: [{ name: "c", image: "/w/busybox" }] };
 * const api = apiPodFromManifest(doc, pod as never);
 * assert.deepEqual(api.metadata, { name: "t", labels: { app: "a" },
 *   annotations: { "rk8s.io/pause-bundle": "/w/pause" } });
 * assert.deepEqual(api.spec, { containers: [{ name: "c", image: "/w/busybox", args: ["sleep", "9"] }] });
 * ```
 */
export function apiPodFromManifest(
  doc: Record<string, unknown>,
  pod: Pick<PodManifest, "pauseBundle" | "initContainers" | "containers">,
): Record<string, unknown> & { metadata: Record<string, unknown>; spec: Record<string, unknown> } {
  const meta: Record<string, unknown> = isRecord(doc.metadata) ? { ...doc.metadata } : {};
  if (isRecord(meta.labels) && meta.labels.bundle !== undefined) {
    const { bundle: _bundle, ...labels } = meta.labels;
    if (Object.keys(labels).length > 0) meta.labels = labels;
    else delete meta.labels;
  }
  if (pod.pauseBundle !== undefined) {
    meta.annotations = {
      ...(isRecord(meta.annotations) ? meta.annotations : {}),
      [PAUSE_BUNDLE_ANNOTATION]: pod.pauseBundle,
    };
  }
  const spec: Record<string, unknown> = isRecord(doc.spec) ? { ...doc.spec } : {};
  for (
    const [field, list] of [["initContainers", pod.initContainers], [
      "containers",
      pod.containers,
    ]] as const
  ) {
    const images = new Map(list.map((c) => [c.name, c.image]));
    if (!Array.isArray(spec[field])) continue;
    spec[field] = (spec[field] as unknown[]).map((c) =>
      isRecord(c) && images.has(String(c.name)) ? { ...c, image: images.get(String(c.name)) } : c
    );
  }
  return { ...doc, metadata: meta, spec };
}

/** Why the node cannot run a pod, as the kubelet reports it in the containers' waiting state. */
export interface PodProblem {
  /**
   * The waiting reason: `ErrImageNeverPull` (an image directory is missing on the node; rk8s
   * never pulls), `CreateContainerConfigError` (the spec uses something this node does not
   * support, or a ConfigMap or Secret it names is missing), `CreateContainerError` (creating
   * the pod's containers failed), `ContainerCreating` (a volume cannot be set up yet).
   */
  reason:
    | "ErrImageNeverPull"
    | "CreateContainerConfigError"
    | "CreateContainerError"
    | "ContainerCreating";
  /** One line: field path and what is wrong. */
  message: string;
  /**
   * The Warning event to record instead of the default (`Failed`, `Error: <message>`), e.g.
   * `FailedMount` for a volume.
   */
  event?: { reason: string; message: string };
  /** The container the problem is about (the events' `fieldPath`). */
  container?: string;
  /**
   * The kubelet's exact message for the problem's own event (`ErrImageNeverPull`) when
   * `message` adds what rk8s knows beyond it (the image directories tried).
   */
  eventMessage?: string;
}

/** The identity of an API pod: `namespace/name`, uid, and the grace of a pending deletion. */
export interface ApiPodRef {
  /** `namespace/name`. */
  key: string;
  /** `metadata.uid`. */
  uid: string;
  /** Set when `metadata.deletionTimestamp` is: `deletionGracePeriodSeconds` (or the spec's). */
  deletionGraceSeconds?: number;
}

/**
 * The identity of an API pod object; `undefined` when it has no name or uid (not a pod).
 *
 * @example
 * ```ts
 * import { apiPodRef } from "./cluster_pod_manifest.ts";
 * import assert from "node:assert/strict";
 * const pod = { metadata: { name: "web", namespace: "ns", uid: "u1", deletionTimestamp: "2026-01-01T00:00:00Z", deletionGracePeriodSeconds: 5 } };
 * assert.deepEqual(apiPodRef(pod), { key: "ns/web", uid: "u1", deletionGraceSeconds: 5 });
 * ```
 */
export function apiPodRef(obj: unknown): ApiPodRef | undefined {
  if (!isRecord(obj) || !isRecord(obj.metadata)) return undefined;
  const m = obj.metadata;
  if (typeof m.name !== "string" || typeof m.uid !== "string") return undefined;
  const ns = typeof m.namespace === "string" && m.namespace ? m.namespace : "default";
  const ref: ApiPodRef = { key: `${ns}/${m.name}`, uid: m.uid };
  if (typeof m.deletionTimestamp === "string") {
    const spec = isRecord(obj.spec) ? obj.spec : {};
    const grace = typeof m.deletionGracePeriodSeconds === "number"
      ? m.deletionGracePeriodSeconds
      : typeof spec.terminationGracePeriodSeconds === "number"
      ? spec.terminationGracePeriodSeconds
      : 30;
    ref.deletionGraceSeconds = Math.max(0, Math.floor(grace));
  }
  return ref;
}

/**
 * A pod manifest parsed by {@linkcode desiredFromApiPod}, kept to skip parsing the same text
 * again (`opts.memo`, by `namespace/name`).
 */
export interface ParsedApiPod {
  /** The manifest text that was parsed (the pod's resolved metadata and spec as JSON). */
  text: string;
  /** Whether API volumes were accepted. */
  apiVolumes: boolean;
  /** The pod it parsed into (never changed). */
  pod: PodManifest;
}

/**
 * Parses an API pod into a desired pod, or says why the node cannot run it. Only `metadata`'s
 * name, namespace, labels, annotations and uid and the `spec` are read (server-set fields such
 * as `managedFields` and `status` are not the node's input). `checkImage` defaults to a stat of
 * the image directory. An image that is not an absolute path is looked up as an image reference
 * in `imageDir` (see {@linkcode imageBundleCandidates}: `busybox` → `<imageDir>/busybox/latest`
 * or `<imageDir>/busybox`); failing that it is a path relative to `/`. The pod handed to the
 * daemon carries the bundle's path; the API object keeps the reference. With `memo` (a map
 * the caller keeps, by `namespace/name`), a pod whose resolved manifest text did not change
 * since its last parse is not parsed again: the parse is most of this function's cost (the
 * text goes through the YAML parser, for field paths in errors), and a node re-resolves its
 * pods whenever any object or token they refer to changes.
 *
 * @example
 * ```ts
 * import { desiredFromApiPod } from "./cluster_pod_manifest.ts";
 * import assert from "node:assert/strict";
 * const pod = {
 *   apiVersion: "v1", kind: "Pod",
 *   metadata: { name: "web", namespace: "default", uid: "u1", managedFields: [] },
 *   spec: { nodeName: "n1", schedulerName: "default-scheduler", containers: [{ name: "a", image: "/img" }] },
 *   status: { phase: "Pending" },
 * };
 * const ok = desiredFromApiPod(pod, { checkImage: () => undefined });
 * assert.ok("desired" in ok);
 * assert.equal(ok.desired.uid, "u1");
 * assert.equal(ok.desired.manifest.annotations["kubernetes.io/config.source"], "api");
 * const withPause = { ...pod, metadata: { ...pod.metadata, annotations: { "rk8s.io/pause-bundle": "/p" } } };
 * const p = desiredFromApiPod(withPause, { checkImage: () => undefined });
 * assert.ok("desired" in p && p.desired.manifest.pauseBundle === "/p");
 * const bad = desiredFromApiPod(pod, { checkImage: () => "does not exist" });
 * assert.ok("problem" in bad && bad.problem.reason === "ErrImageNeverPull");
 * const byRef = { ...pod, spec: { containers: [{ name: "a", image: "busybox:1.36" }] } };
 * const have = (p: string) => p === "/img/busybox/1.36" ? undefined : "no bundle";
 * const found = desiredFromApiPod(byRef, { checkImage: have, imageDir: "/img" });
 * assert.ok("desired" in found && found.desired.manifest.containers[0]!.image === "/img/busybox/1.36");
 * const missing = desiredFromApiPod(byRef, { checkImage: () => "no bundle", imageDir: "/img" });
 * assert.ok("problem" in missing && /\/img\/busybox\/1\.36/.test(missing.problem.message));
 * ```
 */
export function desiredFromApiPod(
  obj: Record<string, unknown>,
  opts: {
    checkImage?: (path: string) => string | undefined;
    imageDir?: string;
    config?: ConfigSources;
    memo?: Map<string, ParsedApiPod>;
  } = {},
): { desired: DesiredPod; events?: ConfigEvent[] } | { problem: PodProblem } | {
  waiting: string;
} {
  let files: Map<string, ProjectedFile[]> | undefined;
  let events: ConfigEvent[] = [];
  if (opts.config) {
    const r = resolvePodConfig(obj, opts.config);
    if (!("pod" in r)) return r;
    obj = r.pod;
    files = r.volumes;
    events = r.events;
  }
  const ref = apiPodRef(obj);
  const check = opts.checkImage ?? imageBundleProblem;
  let spec = obj.spec;
  if (opts.imageDir !== undefined && isRecord(spec)) {
    const resolved = bundlesForReferences(spec, opts.imageDir, check);
    if ("problem" in resolved) return resolved;
    spec = resolved.spec;
  }
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const bundle = isRecord(meta.annotations) ? meta.annotations[PAUSE_BUNDLE_ANNOTATION] : undefined;
  const labels = typeof bundle === "string"
    ? { ...(isRecord(meta.labels) ? meta.labels : {}), bundle }
    : meta.labels;
  const input = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: meta.name,
      ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
      ...(labels !== undefined ? { labels } : {}),
      ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
      ...(meta.uid !== undefined ? { uid: meta.uid } : {}),
    },
    spec,
  };
  const file = `pod ${ref?.key ?? String(meta.name)}`;
  try {
    const text = JSON.stringify(input, null, 1);
    const memoKey = ref?.key ?? String(meta.name);
    const memo = opts.memo?.get(memoKey);
    let pod: PodManifest;
    if (memo && memo.text === text && memo.apiVolumes === (files !== undefined)) {
      // The fields below are replaced, never changed in place: the memo's pod stays as parsed.
      pod = { ...memo.pod };
    } else {
      pod = parsePodManifest(text, file, {
        baseDir: "/",
        checkImage: check,
        apiVolumes: files !== undefined,
      }).pod;
      opts.memo?.set(memoKey, { text, apiVolumes: files !== undefined, pod: { ...pod } });
    }
    if (files) {
      pod.volumes = pod.volumes.map((v) =>
        v.kind === "projected" ? { ...v, files: files.get(v.name) ?? [] } : v
      );
    }
    const uid = ref?.uid ?? "";
    const nodeName = isRecord(spec) && typeof spec.nodeName === "string" ? spec.nodeName : "";
    const subPathProblem = subPathExprProblem(pod, uid, nodeName);
    if (subPathProblem) return { problem: subPathProblem };
    const images: Record<string, string> = {};
    const apiSpec = isRecord(obj.spec) ? obj.spec : {};
    for (const field of ["initContainers", "containers"]) {
      const list = Array.isArray(apiSpec[field]) ? apiSpec[field] as unknown[] : [];
      for (const c of list) {
        if (isRecord(c) && typeof c.name === "string" && typeof c.image === "string") {
          images[c.name] = c.image;
        }
      }
    }
    pod.annotations = {
      ...pod.annotations,
      [STATIC_POD_ANNOTATION_SOURCE]: "api",
      [STATIC_POD_ANNOTATION_HASH]: uid,
      [CONTAINER_IMAGES_ANNOTATION]: JSON.stringify(images),
    };
    return {
      desired: {
        key: `${pod.namespace}/${pod.name}`,
        manifest: pod,
        hash: uid,
        source: "api",
        uid,
      },
      ...(events.length > 0 ? { events } : {}),
    };
  } catch (e) {
    if (!(e instanceof ManifestError)) throw e;
    const image = /^spec\.(initContainers|containers)\[\d+\]\.image$/.test(e.path);
    if (image) {
      const spec = isRecord(obj.spec) ? obj.spec : {};
      const m = /^spec\.(initContainers|containers)\[(\d+)\]/.exec(e.path)!;
      const list = Array.isArray(spec[m[1]!]) ? spec[m[1]!] as unknown[] : [];
      const c = list[Number(m[2])];
      const name = isRecord(c) && typeof c.image === "string" ? c.image : "";
      return {
        problem: {
          reason: "ErrImageNeverPull",
          message:
            `Container image "${name}" is not present with pull policy of Never (${e.reason})`,
          eventMessage: `Container image "${name}" is not present with pull policy of Never`,
          ...(isRecord(c) && typeof c.name === "string" ? { container: c.name } : {}),
        },
      };
    }
    return {
      problem: {
        reason: "CreateContainerConfigError",
        message: `${e.path ? `${e.path}: ` : ""}${e.reason}`,
      },
    };
  }
}

/**
 * The kubelet's `CreateContainerConfigError` for a `subPathExpr` that names a variable without
 * a value or expands to an absolute path or one with `..` (its message, e.g. `missing value
 * for POD_NAMEX`), found before the pod is handed to the daemon. The pod's IPs are not known
 * yet: a documentation address stands in for `status.podIP` (an address has no `/` and no
 * `..` element, so the outcome is the same).
 */
function subPathExprProblem(
  pod: PodManifest,
  uid: string,
  nodeName: string,
): PodProblem | undefined {
  const fields = { name: pod.name, namespace: pod.namespace, uid, nodeName, podIPs: ["192.0.2.1"] };
  for (const c of [...pod.initContainers, ...pod.containers]) {
    if (!c.volumeMounts.some((m) => m.subPathExpr !== undefined)) continue;
    const env = containerEnvironment(c, fields);
    for (const m of c.volumeMounts) {
      if (m.subPathExpr === undefined) continue;
      try {
        expandSubPathExpr(m.subPathExpr, env);
      } catch (e) {
        if (!(e instanceof SubPathExprError)) throw e;
        return { reason: "CreateContainerConfigError", message: e.message };
      }
    }
  }
  return undefined;
}

/**
 * `spec` with each container image that names a bundle in `imageDir` replaced by that bundle's
 * path; the problem when a reference has no bundle there and is no path relative to `/` either.
 */
function bundlesForReferences(
  spec: Record<string, unknown>,
  imageDir: string,
  check: (path: string) => string | undefined,
): { spec: Record<string, unknown> } | { problem: PodProblem } {
  const out: Record<string, unknown> = { ...spec };
  for (const field of ["initContainers", "containers"] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    const mapped: unknown[] = [];
    for (const c of list) {
      if (!isRecord(c) || typeof c.image !== "string" || c.image.startsWith("/")) {
        mapped.push(c);
        continue;
      }
      const tried = imageBundleCandidates(c.image, imageDir);
      const found = tried.find((p) => check(p) === undefined);
      if (found !== undefined) {
        mapped.push({ ...c, image: realPath(found) });
        continue;
      }
      if (tried.length > 0 && check(`/${c.image}`) !== undefined) {
        return {
          problem: {
            reason: "ErrImageNeverPull",
            message: `Container image "${c.image}" is not present with pull policy of Never ` +
              `(rk8s does not pull: put the image's bundle directory at ${tried.join(" or ")})`,
            eventMessage: `Container image "${c.image}" is not present with pull policy of Never`,
            ...(typeof c.name === "string" ? { container: c.name } : {}),
          },
        };
      }
      mapped.push(c);
    }
    out[field] = mapped;
  }
  return { spec: out };
}
