/**
 * Translation of a validated pod manifest into CRI configs: the sandbox config, the volume plan
 * (emptyDir directories under the pod's state dir, hostPath binds) and one container config per
 * init and app container with field references resolved. Pure functions.
 *
 * @module
 */
import { join } from "../path.ts";
import {
  LABEL_CONTAINER_NAME,
  LABEL_INIT,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from "./pod_labels.ts";
import { podLimits } from "../cgroup/pod_limits.ts";
import type { CriContainerConfig, PodSandboxConfig } from "./cri_types.ts";
import { expandCommand, expandEnv } from "../k8s/expansion.ts";
import { expandSubPathExpr } from "./sub_path_expr.ts";
import type {
  HostPathType,
  PodContainerSpec,
  PodFieldPath,
  PodManifest,
  ProjectedFile,
} from "./pod_types.ts";
import { effectiveSecurity } from "./pod_security.ts";
import { podFqdn } from "./pod_manifest_spec.ts";
import { sandboxDnsConfig } from "./pod_dns.ts";

/** Pod-level limits now live with the other cgroup code (`../cgroup/pod_limits.ts`). */
export { podLimits };

export * from "./pod_labels.ts";

/** A volume made ready for mounting. */
export interface VolumePlan {
  /** Volume name. */
  name: string;
  /**
   * `emptyDir`, `hostPath`, or `projected` (files from the API: configMap, secret, downwardAPI
   * and projected volumes, always mounted read-only as the kubelet mounts them).
   */
  kind: "emptyDir" | "hostPath" | "projected";
  /** Directory (or file) on the host that containers bind-mount. */
  hostPath: string;
  /** `Memory` for a tmpfs-backed emptyDir. */
  medium: "" | "Memory";
  /** tmpfs size for a memory-backed emptyDir. */
  sizeLimit?: string;
  /** What to check or create for a hostPath. */
  hostPathType: HostPathType;
  /** The files of a projected volume. */
  files?: ProjectedFile[];
  /**
   * The pod's `fsGroup`: an emptyDir is then owned by this group, group-writable and setgid, so
   * files created in it belong to the group (the kubelet's volume ownership rule).
   */
  fsGroup?: number;
}

/** Values that `valueFrom.fieldRef` may refer to, known once the sandbox runs. */
export interface PodFieldValues {
  /** Pod name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Pod uid. */
  uid: string;
  /** Node (host) name. */
  nodeName: string;
  /** Pod IPs, primary first (empty with host networking before the host IP is known). */
  podIPs: readonly string[];
}

/** Context of {@linkcode containerConfig}. */
export interface ContainerContext {
  /** The volume plan from {@linkcode planVolumes}. */
  volumes: readonly VolumePlan[];
  /** Field values for env references. */
  fields: PodFieldValues;
  /** True for an init container. */
  init: boolean;
  /** Restart attempt. */
  attempt: number;
}

/**
 * The sandbox config of a pod.
 *
 * @example
 * ```ts
 * import { sandboxConfig } from "./pod_translate.ts";
 * import assert from "node:assert/strict";
 * const cfg = sandboxConfig({
 *   name: "web", namespace: "default", labels: {}, annotations: {}, initContainers: [],
 *   containers: [], volumes: [], restartPolicy: "Always", hostNetwork: false,
 *   shareProcessNamespace: true, hostname: "web", terminationGracePeriodSeconds: 30,
 * }, "uid-1");
 * assert.equal(cfg.linux.namespaceOptions.pid, "pod");
 * assert.equal(cfg.labels["io.kubernetes.pod.name"], "web");
 * ```
 */
export function sandboxConfig(pod: PodManifest, uid: string, attempt = 0): PodSandboxConfig {
  const fqdn = podFqdn(pod);
  const cfg: PodSandboxConfig = {
    metadata: { name: pod.name, namespace: pod.namespace, uid, attempt },
    hostname: pod.setHostnameAsFQDN === true && fqdn !== undefined ? fqdn : pod.hostname,
    portMappings: pod.containers.flatMap((c) => c.ports),
    labels: {
      ...pod.labels,
      [LABEL_POD_NAME]: pod.name,
      [LABEL_POD_NAMESPACE]: pod.namespace,
      [LABEL_POD_UID]: uid,
    },
    annotations: { ...pod.annotations },
    linux: {
      namespaceOptions: {
        network: pod.hostNetwork ? "node" : "pod",
        pid: pod.shareProcessNamespace ? "pod" : "container",
        ipc: "pod",
      },
    },
  };
  const limits = podLimits(pod.containers, pod.initContainers);
  if (limits.cpu !== undefined || limits.memory !== undefined) cfg.linux.resources = limits;
  if (pod.pauseBundle !== undefined) cfg.pauseBundle = pod.pauseBundle;
  const sysctls = pod.securityContext?.sysctls ?? [];
  if (sysctls.length > 0) {
    cfg.linux.sysctls = Object.fromEntries(sysctls.map((s) => [s.name, s.value]));
  }
  if (pod.networks !== undefined) cfg.networks = [...pod.networks];
  if (pod.networkIps !== undefined) cfg.staticIps = { ...pod.networkIps };
  if (fqdn !== undefined) cfg.domain = fqdn.slice(pod.hostname.length + 1);
  const dns = sandboxDnsConfig(pod);
  if (dns !== undefined) cfg.dns = dns;
  if (pod.hostAliases !== undefined && pod.hostAliases.length > 0) {
    cfg.extraHosts = pod.hostAliases.map((a) => ({ ip: a.ip, names: [...a.hostnames] }));
  }
  return cfg;
}

/**
 * Where each volume lives on the host: an emptyDir is a directory under `volumesDir` (shared by
 * every container that mounts it), a hostPath is the host path itself.
 *
 * @example
 * ```ts
 * import { planVolumes } from "./pod_translate.ts";
 * import assert from "node:assert/strict";
 * const v = planVolumes([{ name: "data", kind: "emptyDir", medium: "" }], "/var/lib/rkl/pods/x/volumes");
 * assert.equal(v[0]!.hostPath, "/var/lib/rkl/pods/x/volumes/data");
 * ```
 */
export function planVolumes(
  volumes: PodManifest["volumes"],
  volumesDir: string,
  fsGroup?: number,
): VolumePlan[] {
  return volumes.map((v): VolumePlan => {
    if (v.kind === "hostPath") {
      return { name: v.name, kind: "hostPath", hostPath: v.path, medium: "", hostPathType: v.type };
    }
    if (v.kind === "projected") {
      return {
        name: v.name,
        kind: "projected",
        hostPath: join(volumesDir, v.name),
        medium: v.medium,
        hostPathType: "",
        files: v.files,
      };
    }
    const plan: VolumePlan = {
      name: v.name,
      kind: "emptyDir",
      hostPath: join(volumesDir, v.name),
      medium: v.medium,
      hostPathType: "",
    };
    if (v.sizeLimit !== undefined) plan.sizeLimit = v.sizeLimit;
    if (fsGroup !== undefined) plan.fsGroup = fsGroup;
    return plan;
  });
}

/**
 * The value of a pod field reference.
 *
 * @example
 * ```ts
 * import { fieldValue } from "./pod_translate.ts";
 * import assert from "node:assert/strict";
 * const f = { name: "web", namespace: "default", uid: "u", nodeName: "n", podIPs: ["10.88.0.2"] };
 * assert.equal(fieldValue("status.podIP", f), "10.88.0.2");
 * ```
 */
export function fieldValue(path: PodFieldPath, f: PodFieldValues): string {
  switch (path) {
    case "metadata.name":
      return f.name;
    case "metadata.namespace":
      return f.namespace;
    case "metadata.uid":
      return f.uid;
    case "spec.nodeName":
      return f.nodeName;
    case "spec.serviceAccountName":
      return "default";
    case "status.podIP":
      return f.podIPs[0] ?? "";
    case "status.podIPs":
      return f.podIPs.join(",");
  }
}

/**
 * The environment of container `c` (name → value) as the kubelet builds it: each literal value
 * is expanded against the entries before it; downward API references are resolved from
 * `fields`, never expanded.
 *
 * @example
 * ```ts
 * import { containerEnvironment } from "./pod_translate.ts";
 * import assert from "node:assert/strict";
 * const env = containerEnvironment(
 *   { env: [{ name: "POD", fieldRef: "metadata.name" }, { name: "DIR", value: "logs/$(POD)" }] },
 *   { name: "web", namespace: "default", uid: "u", nodeName: "n", podIPs: [] },
 * );
 * assert.equal(env.get("DIR"), "logs/web");
 * ```
 */
export function containerEnvironment(
  c: Pick<PodContainerSpec, "env">,
  fields: PodFieldValues,
): Map<string, string> {
  return expandEnv(
    c.env.map((e) =>
      "value" in e
        ? { name: e.name, value: e.value }
        : { name: e.name, value: fieldValue(e.fieldRef, fields), resolved: true }
    ),
  );
}

/**
 * The CRI config of one container of a pod: env references resolved and `$(VAR)` references
 * expanded as the kubelet does (`../k8s/expansion.ts`), the pod-level `securityContext` under the
 * container's own, volume mounts turned into host binds (with `subPath`, or `subPathExpr`
 * expanded from the container's environment), identity labels set.
 *
 * Throws `SubPathExprError` (`./sub_path_expr.ts`) when a `subPathExpr` names a variable
 * without a value or expands to an absolute path or one with `..` (the kubelet's
 * `CreateContainerConfigError`).
 *
 * @example
 * ```ts
 * import { containerConfig } from "./pod_translate.ts";
 * import assert from "node:assert/strict";
 * const cfg = containerConfig(
 *   { name: "web", namespace: "default" },
 *   {
 *     name: "app", image: "/img", env: [{ name: "POD", fieldRef: "metadata.name" }], ports: [],
 *     resources: { limits: {}, requests: {} }, volumeMounts: [], securityContext: {}, tty: false,
 *   },
 *   {
 *     volumes: [], init: false, attempt: 0,
 *     fields: { name: "web", namespace: "default", uid: "u", nodeName: "n", podIPs: [] },
 *   },
 * );
 * assert.deepEqual(cfg.envs, [{ key: "POD", value: "web" }]);
 * ```
 */
export function containerConfig(
  pod: Pick<PodManifest, "name" | "namespace"> & Partial<Pick<PodManifest, "securityContext">>,
  c: PodContainerSpec,
  ctx: ContainerContext,
): CriContainerConfig {
  const env = containerEnvironment(c, ctx.fields);
  const byName = new Map(ctx.volumes.map((v) => [v.name, v]));
  const mounts = c.volumeMounts.map((m) => {
    const v = byName.get(m.name);
    if (v === undefined) throw new TypeError(`volume "${m.name}" is not in the volume plan`);
    const sub = m.subPathExpr ? expandSubPathExpr(m.subPathExpr, env) : m.subPath;
    return {
      containerPath: m.mountPath,
      hostPath: sub ? join(v.hostPath, sub) : v.hostPath,
      readonly: m.readOnly || v.kind === "projected",
      ...(sub ? { subPath: sub } : {}),
    };
  });
  const sc = effectiveSecurity(pod.securityContext, c.securityContext);
  const security: CriContainerConfig["linux"]["securityContext"] = {};
  if (sc.additionalGids.length > 0) security.supplementalGroups = sc.additionalGids;
  if (sc.privileged !== undefined) security.privileged = sc.privileged;
  if (sc.runAsUser !== undefined) security.runAsUser = sc.runAsUser;
  if (sc.runAsGroup !== undefined) security.runAsGroup = sc.runAsGroup;
  if (sc.readOnlyRootFilesystem !== undefined) security.readonlyRootfs = sc.readOnlyRootFilesystem;
  if (sc.allowPrivilegeEscalation !== undefined) security.noNewPrivs = !sc.allowPrivilegeEscalation;
  if (sc.capabilities !== undefined) {
    security.capabilities = {
      addCapabilities: sc.capabilities.add,
      dropCapabilities: sc.capabilities.drop,
    };
  }
  const cfg: CriContainerConfig = {
    metadata: { name: c.name, attempt: ctx.attempt },
    image: c.image,
    envs: [...env].map(([key, value]) => ({ key, value })),
    mounts,
    labels: {
      [LABEL_POD_NAME]: pod.name,
      [LABEL_POD_NAMESPACE]: pod.namespace,
      [LABEL_POD_UID]: ctx.fields.uid,
      [LABEL_CONTAINER_NAME]: c.name,
      [LABEL_INIT]: String(ctx.init),
    },
    annotations: {},
    tty: c.tty,
    linux: {
      resources: { limits: { ...c.resources.limits }, requests: { ...c.resources.requests } },
      securityContext: security,
    },
  };
  if (c.command !== undefined) cfg.command = expandCommand(c.command, env);
  if (c.args !== undefined) cfg.args = expandCommand(c.args, env);
  if (c.workingDir !== undefined) cfg.workingDir = c.workingDir;
  if (c.stopSignal !== undefined) cfg.stopSignal = c.stopSignal;
  return cfg;
}
