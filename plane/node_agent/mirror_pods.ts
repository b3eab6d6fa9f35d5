/**
 * Mirror pods: the API's view of a cluster node's static pods, as the kubelet keeps it
 * (k8s.io/kubernetes pkg/kubelet/pod/mirror_client.go and the pod workers). For every static pod
 * the node runs there is one Pod object of the same name (`<pod>-<node>`), bound to the node,
 * annotated `kubernetes.io/config.mirror: <config hash>` besides the static pod's own
 * `kubernetes.io/config.source`/`config.hash`, and owned by the Node (an ownerReference without
 * `controller`, so deleting the Node deletes it). The node writes its status like any other pod's.
 * A mirror pod deleted through the API is created again (the static pod keeps running); one whose
 * hash no longer matches its static pod is replaced; one whose static pod is gone is deleted.
 *
 * {@linkcode planMirrorPods} is the pure planner; `ClusterPods` applies its actions.
 *
 * @module
 */
import { isRecord } from "../../core/is_record.ts";
import {
  STATIC_POD_ANNOTATION_FILE,
  STATIC_POD_ANNOTATION_HASH,
  STATIC_POD_ANNOTATION_SOURCE,
} from "../../core/daemon/static_pods.ts";
import type { PodManifest } from "../../core/pod/pod_types.ts";

/** The annotation that marks a mirror pod; its value is the static pod's config hash. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

type Obj = Record<string, unknown>;

/** A static pod the node runs, as the planner needs it. */
export interface StaticPodInfo {
  /** `namespace/name` (the name carries the node suffix). */
  key: string;
  /** The static pod's config hash (`kubernetes.io/config.hash`). */
  hash: string;
}

/** What to do about one mirror pod. */
export type MirrorPodAction =
  | { kind: "create"; key: string; hash: string }
  | {
    kind: "delete";
    key: string;
    uid: string;
    /** `gone` (its static pod is no longer run), `stale` (other hash), `deleted` (via the API). */
    why: "gone" | "stale" | "deleted";
  }
  | { kind: "conflict"; key: string };

function meta(pod: Obj): Obj {
  return isRecord(pod.metadata) ? pod.metadata : {};
}

/**
 * True for a mirror pod (the annotation is set).
 *
 * @example
 * ```ts
 * import { isMirrorPod } from "./mirror_pods.ts";
 * import assert from "node:assert/strict";
 * assert.ok(isMirrorPod({ metadata: { annotations: { "kubernetes.io/config.mirror": "ab" } } }));
 * assert.ok(!isMirrorPod({ metadata: {} }));
 * ```
 */
export function isMirrorPod(pod: Obj): boolean {
  const a = meta(pod).annotations;
  return isRecord(a) && typeof a[MIRROR_POD_ANNOTATION] === "string";
}

/**
 * The actions that make the API's mirror pods match the static pods the node runs. `apiPods`
 * are the pods bound to this node as the node's watch has them (by `namespace/name`);
 * `pendingCreate` holds keys whose creation was sent and is not in the watch yet (not sent
 * again). A non-mirror pod of a static pod's name is a `conflict` (the kubelet logs it and
 * leaves the API pod alone).
 *
 * @example
 * ```ts
 * import { planMirrorPods } from "./mirror_pods.ts";
 * import assert from "node:assert/strict";
 * const mirror = (uid: string, hash: string, extra = {}): Record<string, unknown> => ({
 *   metadata: { uid, annotations: { "kubernetes.io/config.mirror": hash }, ...extra },
 * });
 * const api = new Map<string, Record<string, unknown>>([
 *   ["default/a-n1", mirror("u1", "h1")],
 *   ["default/b-n1", mirror("u2", "old")],
 *   ["default/c-n1", mirror("u3", "h3", { deletionTimestamp: "2026-01-01T00:00:00Z" })],
 *   ["default/gone-n1", mirror("u4", "h4")],
 *   ["default/web", { metadata: { uid: "u5" } }],
 * ]);
 * const statics = [
 *   { key: "default/a-n1", hash: "h1" }, { key: "default/b-n1", hash: "h2" },
 *   { key: "default/c-n1", hash: "h3" }, { key: "default/d-n1", hash: "h5" },
 *   { key: "default/web", hash: "h6" },
 * ];
 * assert.deepEqual(planMirrorPods(statics, api, new Set()), [
 *   { kind: "delete", key: "default/b-n1", uid: "u2", why: "stale" },
 *   { kind: "delete", key: "default/c-n1", uid: "u3", why: "deleted" },
 *   { kind: "create", key: "default/d-n1", hash: "h5" },
 *   { kind: "conflict", key: "default/web" },
 *   { kind: "delete", key: "default/gone-n1", uid: "u4", why: "gone" },
 * ]);
 * assert.deepEqual(planMirrorPods(statics.slice(3, 4), new Map(), new Set(["default/d-n1"])), []);
 * ```
 */
export function planMirrorPods(
  statics: readonly StaticPodInfo[],
  apiPods: ReadonlyMap<string, Obj>,
  pendingCreate: ReadonlySet<string>,
): MirrorPodAction[] {
  const out: MirrorPodAction[] = [];
  const wanted = new Set<string>();
  for (const s of statics) {
    wanted.add(s.key);
    const api = apiPods.get(s.key);
    if (!api) {
      if (!pendingCreate.has(s.key)) out.push({ kind: "create", key: s.key, hash: s.hash });
      continue;
    }
    if (!isMirrorPod(api)) {
      out.push({ kind: "conflict", key: s.key });
      continue;
    }
    const m = meta(api);
    const uid = String(m.uid ?? "");
    if (m.deletionTimestamp !== undefined) {
      out.push({ kind: "delete", key: s.key, uid, why: "deleted" });
    } else if ((m.annotations as Obj)[MIRROR_POD_ANNOTATION] !== s.hash) {
      out.push({ kind: "delete", key: s.key, uid, why: "stale" });
    }
  }
  for (const [key, api] of apiPods) {
    if (wanted.has(key) || !isMirrorPod(api)) continue;
    out.push({ kind: "delete", key, uid: String(meta(api).uid ?? ""), why: "gone" });
  }
  return out;
}

/**
 * The mirror Pod of a static pod: `source` is the static pod's manifest file parsed as JSON/YAML
 * (the object the kubelet decodes), `manifest` the validated pod the node runs (its name with the
 * node suffix, its annotations, absolute image paths). The result is what the kubelet posts:
 * name and namespace of the running pod, the file's labels, the running pod's annotations plus
 * `kubernetes.io/config.mirror`, an ownerReference to the Node, `spec.nodeName`, and no status.
 *
 * @example
 * ```ts
 * import { mirrorPodObject } from "./mirror_pods.ts";
 * import assert from "node:assert/strict";
 * const source = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", labels: { a: "1" } },
 *   spec: { containers: [{ name: "c", image: "./img" }] }, status: { phase: "x" } };
 * const manifest = { name: "web-n1", namespace: "default",
 *   annotations: { "kubernetes.io/config.hash": "h1", "kubernetes.io/config.source": "file" },
 *   containers: [{ name: "c", image: "/m/img" }], initContainers: [] };
 * const pod = mirrorPodObject(source, manifest as never, { name: "n1", uid: "nu" });
 * assert.equal(pod.metadata.name, "web-n1");
 * assert.equal(pod.metadata.annotations["kubernetes.io/config.mirror"], "h1");
 * assert.deepEqual(pod.metadata.ownerReferences,
 *   [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "nu" }]);
 * assert.equal(pod.spec.nodeName, "n1");
 * assert.equal((pod.spec.containers as { image: string }[])[0]!.image, "/m/img");
 * assert.equal("status" in pod, false);
 * ```
 */
export function mirrorPodObject(
  source: Obj,
  manifest: PodManifest,
  node: { name: string; uid: string },
): {
  apiVersion: "v1";
  kind: "Pod";
  metadata: Obj & { annotations: Record<string, string> };
  spec: Obj;
} {
  const srcMeta = meta(source);
  const spec: Obj = { ...(isRecord(source.spec) ? source.spec : {}), nodeName: node.name };
  const images = new Map(
    [...manifest.initContainers, ...manifest.containers].map((c) => [c.name, c.image]),
  );
  for (const field of ["initContainers", "containers"] as const) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    spec[field] = list.map((c) => {
      if (!isRecord(c)) return c;
      const image = images.get(String(c.name));
      return image === undefined ? c : { ...c, image };
    });
  }
  const hash = manifest.annotations[STATIC_POD_ANNOTATION_HASH] ?? "";
  const annotations: Record<string, string> = {
    ...manifest.annotations,
    [STATIC_POD_ANNOTATION_SOURCE]: manifest.annotations[STATIC_POD_ANNOTATION_SOURCE] ?? "file",
    [MIRROR_POD_ANNOTATION]: hash,
  };
  const metadata: Obj & { annotations: Record<string, string> } = {
    name: manifest.name,
    namespace: manifest.namespace,
    annotations,
    ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node.name, uid: node.uid }],
  };
  if (isRecord(srcMeta.labels)) metadata.labels = srcMeta.labels;
  return { apiVersion: "v1", kind: "Pod", metadata, spec };
}

/** The manifest file a static pod came from (its `rk8s.io/config.file` annotation). */
export function staticPodFile(manifest: PodManifest): string | undefined {
  return manifest.annotations[STATIC_POD_ANNOTATION_FILE];
}
