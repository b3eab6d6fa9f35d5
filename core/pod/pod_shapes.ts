/**
 * Shapes of the pod data kept in the state database (`pod_sandboxes.config` and `.manifest`):
 * every field of {@linkcode PodSandboxConfig} and {@linkcode PodManifest} is checked when a row
 * is read (see `../store/shape.ts`). A field added to either type needs its shape here, or the
 * project does not type-check.
 *
 * @module
 */
import { portMappingShape } from "../container/config_shape.ts";
import {
  boolean,
  dict,
  integer,
  list,
  literal,
  object,
  oneOf,
  optional,
  type Shape,
  text,
  variant,
} from "../store/shape.ts";
import type { PodSandboxConfig } from "./cri_types.ts";
import type { SandboxDnsConfig } from "./pod_dns.ts";
import type { PodDnsConfig, PodDnsConfigOption } from "./pod_types.ts";
import {
  apiVolumeSources,
  hostPathTypes,
  type HttpHeader,
  type LifecycleSpec,
  type PodContainerSpec,
  type PodEnvVar,
  podFieldPaths,
  type PodLevelSecurityContext,
  type PodManifest,
  type PodResources,
  type PodSecurityContext,
  type PodVolume,
  type PodVolumeMount,
  type ProbeHandler,
  type ProbeSpec,
  type ProjectedFile,
  type ResourceQuantities,
  type Sysctl,
} from "./pod_types.ts";

const strings = list(text);
const quantities = object<ResourceQuantities>({ cpu: optional(text), memory: optional(text) });

/**
 * The shape of a stored {@linkcode PodSandboxConfig}.
 *
 * @example
 * ```ts
 * import { podSandboxConfigShape } from "./pod_shapes.ts";
 * import assert from "node:assert/strict";
 * assert.throws(
 *   () => podSandboxConfigShape({ metadata: { name: "web" } }, "config"),
 *   /config\.metadata\.namespace: expected text, got nothing/,
 * );
 * ```
 */
export const podSandboxConfigShape: Shape<PodSandboxConfig> = object<PodSandboxConfig>({
  metadata: object<PodSandboxConfig["metadata"]>({
    name: text,
    namespace: text,
    uid: text,
    attempt: integer,
  }),
  hostname: text,
  portMappings: list(portMappingShape),
  labels: dict(text),
  annotations: dict(text),
  linux: object<PodSandboxConfig["linux"]>({
    namespaceOptions: object<PodSandboxConfig["linux"]["namespaceOptions"]>({
      network: literal("pod", "node"),
      pid: literal("pod", "container", "node"),
      ipc: literal("pod", "node"),
    }),
    resources: optional(quantities),
    sysctls: optional(dict(text)),
  }),
  pauseBundle: optional(text),
  networks: optional(strings),
  extraHosts: optional(list(object<{ ip: string; names: string[] }>({ ip: text, names: strings }))),
  domain: optional(text),
  staticIps: optional(dict(text)),
  dns: optional(object<SandboxDnsConfig>({
    replace: boolean,
    servers: strings,
    searches: strings,
    options: strings,
  })),
});

const envVar: Shape<PodEnvVar> = oneOf(
  object<{ name: string; value: string }>({ name: text, value: text }),
  object<Extract<PodEnvVar, { fieldRef: unknown }>>({
    name: text,
    fieldRef: literal(...podFieldPaths),
  }),
);

const port: Shape<number | string> = oneOf<[number, string]>(integer, text);

const handler: Shape<ProbeHandler> = variant<ProbeHandler>("kind", {
  exec: object<Extract<ProbeHandler, { kind: "exec" }>>({
    kind: literal("exec"),
    command: strings,
  }),
  httpGet: object<Extract<ProbeHandler, { kind: "httpGet" }>>({
    kind: literal("httpGet"),
    host: optional(text),
    path: text,
    port,
    scheme: literal("HTTP", "HTTPS"),
    headers: list(object<HttpHeader>({ name: text, value: text })),
  }),
  tcpSocket: object<Extract<ProbeHandler, { kind: "tcpSocket" }>>({
    kind: literal("tcpSocket"),
    host: optional(text),
    port,
  }),
  grpc: object<Extract<ProbeHandler, { kind: "grpc" }>>({
    kind: literal("grpc"),
    port: integer,
    service: optional(text),
  }),
  sleep: object<Extract<ProbeHandler, { kind: "sleep" }>>({
    kind: literal("sleep"),
    seconds: integer,
  }),
});

const probe: Shape<ProbeSpec> = object<ProbeSpec>({
  handler,
  initialDelaySeconds: integer,
  periodSeconds: integer,
  timeoutSeconds: integer,
  successThreshold: integer,
  failureThreshold: integer,
  terminationGracePeriodSeconds: optional(integer),
});

const lifecycle: Shape<LifecycleSpec> = object<LifecycleSpec>({
  postStart: optional(handler),
  preStop: optional(handler),
});

const container: Shape<PodContainerSpec> = object<PodContainerSpec>({
  name: text,
  image: text,
  command: optional(strings),
  args: optional(strings),
  env: list(envVar),
  workingDir: optional(text),
  imagePullPolicy: optional(literal("Always", "IfNotPresent", "Never")),
  terminationMessagePath: optional(text),
  terminationMessagePolicy: optional(literal("File", "FallbackToLogsOnError")),
  ports: list(portMappingShape),
  resources: object<PodResources>({ limits: quantities, requests: quantities }),
  volumeMounts: list(object<PodVolumeMount>({
    name: text,
    mountPath: text,
    readOnly: boolean,
    subPath: optional(text),
    subPathExpr: optional(text),
  })),
  securityContext: object<PodSecurityContext>({
    privileged: optional(boolean),
    runAsUser: optional(integer),
    runAsGroup: optional(integer),
    runAsNonRoot: optional(boolean),
    readOnlyRootFilesystem: optional(boolean),
    allowPrivilegeEscalation: optional(boolean),
    capabilities: optional(object<{ add: string[]; drop: string[] }>({
      add: strings,
      drop: strings,
    })),
  }),
  tty: boolean,
  stopSignal: optional(text),
  startupProbe: optional(probe),
  livenessProbe: optional(probe),
  readinessProbe: optional(probe),
  lifecycle: optional(lifecycle),
});

const volume: Shape<PodVolume> = variant<PodVolume>("kind", {
  emptyDir: object<Extract<PodVolume, { kind: "emptyDir" }>>({
    name: text,
    kind: literal("emptyDir"),
    medium: literal("", "Memory"),
    sizeLimit: optional(text),
  }),
  hostPath: object<Extract<PodVolume, { kind: "hostPath" }>>({
    name: text,
    kind: literal("hostPath"),
    path: text,
    type: literal(...hostPathTypes),
  }),
  projected: object<Extract<PodVolume, { kind: "projected" }>>({
    name: text,
    kind: literal("projected"),
    source: literal(...apiVolumeSources),
    medium: literal("", "Memory"),
    files: list(object<ProjectedFile>({ path: text, data: text, mode: integer })),
  }),
});

/**
 * The shape of a stored {@linkcode PodManifest} (the validated form, not Kubernetes YAML).
 *
 * @example
 * ```ts
 * import { podManifestShape } from "./pod_shapes.ts";
 * import assert from "node:assert/strict";
 * assert.throws(
 *   () => podManifestShape({ name: "web", restartPolicy: "Sometimes" }, ""),
 *   /namespace: expected text/,
 * );
 * ```
 */
export const podManifestShape: Shape<PodManifest> = object<PodManifest>({
  name: text,
  namespace: text,
  labels: dict(text),
  annotations: dict(text),
  pauseBundle: optional(text),
  initContainers: list(container),
  containers: list(container),
  volumes: list(volume),
  restartPolicy: literal("Always", "OnFailure", "Never"),
  hostNetwork: boolean,
  shareProcessNamespace: boolean,
  hostname: text,
  terminationGracePeriodSeconds: integer,
  activeDeadlineSeconds: optional(integer),
  hostAliases: optional(list(object<{ ip: string; hostnames: string[] }>({
    ip: text,
    hostnames: strings,
  }))),
  networks: optional(strings),
  networkIps: optional(dict(text)),
  subdomain: optional(text),
  setHostnameAsFQDN: optional(boolean),
  dnsPolicy: optional(literal("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")),
  dnsConfig: optional(object<PodDnsConfig>({
    nameservers: optional(strings),
    searches: optional(strings),
    options: optional(list(object<PodDnsConfigOption>({ name: text, value: optional(text) }))),
  })),
  os: optional(literal("linux")),
  securityContext: optional(object<PodLevelSecurityContext>({
    runAsUser: optional(integer),
    runAsGroup: optional(integer),
    runAsNonRoot: optional(boolean),
    fsGroup: optional(integer),
    supplementalGroups: optional(list(integer)),
    sysctls: optional(list(object<Sysctl>({ name: text, value: text }))),
  })),
});
